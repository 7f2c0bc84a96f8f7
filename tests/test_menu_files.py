"""The menu file format (ivr.menus.files): loading, importing, exporting."""

from pathlib import Path

import pytest

from ivr.core.graph import TARGET_INACTIVE
from ivr.core.numbers import NOT_A_NUMBER, NOT_INTERNATIONAL, NOT_VALID_IN_COUNTRY
from ivr.core.snapshot import ExhaustedAction, OptionAction
from ivr.core.state import MENU_KEY_CHARACTERS
from ivr.menus.checks import DUPLICATE_DIGITS, OPTION_TOO_LONG
from ivr.menus.files.export import menu_tree_export
from ivr.menus.files.fields import MENU_FIELDS, NUMBER_FIELDS, OPTION_FIELDS
from ivr.menus.files.format import (
    EMPTY_FILE,
    JSON,
    NOT_A_MAPPING,
    YAML_QUOTE_HINT,
    menu_file_dump,
    menu_file_format,
    menu_file_load,
)
from ivr.menus.files.importer import MENU_NOT_FOUND, ImportSummary, menu_tree_import
from ivr.menus.files.problems import MenuFileError
from ivr.menus.files.schema import (
    DIGITS_REQUIRED,
    EXHAUSTED_FIELD_NOT_USED,
    LISTED_TWICE,
    NO_ANSWER_FIELD_NOT_USED,
    NUMBER_READ_AS,
    OPTION_FIELD_NOT_USED,
    UNKNOWN_ACTION,
    UNKNOWN_FIELD,
    UNKNOWN_FIELD_SIMILAR,
    WRONG_TYPE,
)
from ivr.menus.snapshots import ivr_snapshot_from_database
from ivr.models import Menu, MenuOption, MenuTreeVersion, Number

DEMO_FILE = Path(__file__).parent.parent / "examples" / "demo.yaml"

FILE_URL_MESSAGE = (
    "8x8 plays only mp3 and wav files from an http(s) address, "
    "for example https://example.com/hours.mp3."
)
ACTIONS = ", ".join(action.value for action in OptionAction)

# Imported over the `menu_tree` fixture, whose menus are main, sales and
# support (inactive).
BASE = """\
default_menu: main
numbers:
  - {number: "+6531581234", menu: main}
menus:
  - key: main
    name: Main menu
    prompt: Welcome to Acme. For sales press 1, the operator 2, our hours 4.
    options:
      - {digits: "1", action: menu, target: sales}
      - {digits: "2", action: transfer, destination: "+6560001111", record: true}
      - {digits: "4", action: play, file_url: "https://example.com/hours.mp3"}
      - {digits: "0", action: hangup}
  - key: sales
    name: Sales
    prompt: Sales. Press 1 to talk to us, or star to go back.
    on_exhausted: menu
    exhausted_target: main
    options:
      - {digits: "1", action: transfer, destination: "+6560002222"}
      - {digits: "*", action: back}
"""


def load(text: str) -> dict:
    return menu_file_load(text=text)


def database_state() -> tuple:
    """Everything an import may change, including the reload token."""
    return menu_tree_export(all_fields=True), list(
        MenuTreeVersion.objects.values_list("token", flat=True)
    )


def problems_of(text: str) -> list[str]:
    with pytest.raises(MenuFileError) as caught:
        menu_tree_import(data=load(text))
    return [str(problem) for problem in caught.value.problems]


# --- Loading text ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("menus.yaml", "yaml"),
        ("menus.YML", "yaml"),
        ("menus.json", "json"),
        ("-", None),
        ("menus.txt", None),
    ],
)
def test_the_format_is_read_from_the_file_name(name, expected):
    assert menu_file_format(name) == expected


BAD_TEXT = [
    (
        "not YAML",
        "menus: [unclosed",
        None,
        "The file is not valid YAML: expected ',' or ']', but got '<stream end>' "
        "(line 1, column 17).",
    ),
    (
        "an unquoted star",
        "menus:\n  - options:\n      - digits: *\n",
        None,
        "The file is not valid YAML: expected alphabetic or numeric character, "
        "but found '\\n' (line 3, column 18)." + YAML_QUOTE_HINT,
    ),
    (
        "a key given twice",
        "menus: []\nmenus: []\n",
        None,
        "The file is not valid YAML: “menus” is given twice in one mapping "
        "(line 1, column 1).",
    ),
    (
        "not JSON",
        '{"menus": [}',
        JSON,
        "The file is not valid JSON: Expecting value (line 1, column 12).",
    ),
    (
        "a JSON key given twice",
        '{"menus": [], "menus": []}',
        None,
        "The file is not valid JSON: “menus” is given twice in one mapping.",
    ),
    ("not a mapping", "- main\n- sales\n", None, NOT_A_MAPPING.format(given="a list")),
    ("text", "menus", None, NOT_A_MAPPING.format(given="the text “menus”")),
    ("empty", "", None, NOT_A_MAPPING.format(given=EMPTY_FILE)),
]


@pytest.mark.parametrize(
    ("text", "file_format", "message"),
    [case[1:] for case in BAD_TEXT],
    ids=[case[0] for case in BAD_TEXT],
)
def test_text_that_is_not_a_menu_file_is_refused(text, file_format, message):
    with pytest.raises(MenuFileError) as caught:
        menu_file_load(text=text, file_format=file_format)
    assert str(caught.value) == message


def test_json_is_recognised_by_its_content():
    assert menu_file_load(text=' {"menus": []}') == {"menus": []}


def test_unquoted_integers_are_read_as_they_were_written():
    data = load("digits: 01\nnumber: +6531581234\n")
    assert data == {"digits": 1, "number": 6531581234}
    # …and where text is expected, the text is used:
    assert data["digits"].text == "01"


# --- Importing ------------------------------------------------------------------


@pytest.mark.django_db
def test_the_demo_imports_cleanly():
    summary = menu_tree_import(data=load(DEMO_FILE.read_text()))

    assert str(summary) == (
        "Imported 5 menus (5 created, 0 updated), 25 options, 2 numbers."
    )
    snapshot = ivr_snapshot_from_database()
    assert snapshot.default_menu == "main"
    assert snapshot.numbers == {"+6531581234": "main", "+6531585678": "faults"}
    options = [o for menu in snapshot.menus.values() for o in menu.options]
    assert {o.action for o in options} == set(OptionAction)
    assert {m.on_exhausted for m in snapshot.menus.values()} == set(ExhaustedAction)
    assert any(len(o.digits) > 1 for o in options)
    assert any(o.record for o in options if o.action == OptionAction.TRANSFER)
    assert any(o.caller_id for o in options if o.action == OptionAction.TRANSFER)
    for action in (OptionAction.SAY, OptionAction.PLAY):
        targets = {o.target for o in options if o.action == action}
        assert None in targets, f"{action} then hang up"
        assert targets - {None}, f"{action} then a menu"
    # Three levels: main → billing → payments.
    assert snapshot.menus["main"].option_for("1").target == "billing"
    assert snapshot.menus["billing"].option_for("1").target == "payments"


@pytest.mark.django_db
def test_an_import_updates_menus_in_place_and_replaces_their_options(menu_tree):
    main = menu_tree["main"]
    kept = {o.digits: o.pk for o in main.options.all()}

    summary = menu_tree_import(data=load(BASE))

    assert str(summary) == (
        "Imported 2 menus (0 created, 2 updated), 6 options, 1 number; "
        "4 options no longer in the file removed."
    )
    assert Menu.objects.get(key="main").pk == main.pk
    rows = {o.digits: o for o in MenuOption.objects.filter(menu=main)}
    assert sorted(rows) == ["0", "1", "2", "4"]
    # Rows whose keys are still listed are the same rows, so the call
    # history that links to them survives.
    assert {d: rows[d].pk for d in rows} == {d: kept[d] for d in rows}
    assert rows["4"].target_menu is None  # left out: back to the default
    assert Menu.objects.get(key="support").is_active is False  # not listed


@pytest.mark.django_db
def test_a_menu_listed_without_options_keeps_its_options(menu_tree):
    kept = set(MenuOption.objects.values_list("pk", flat=True))

    summary = menu_tree_import(
        data=load("menus: [{key: main, name: Main, prompt: New words.}]")
    )

    assert str(summary) == (
        "Imported 1 menu (0 created, 1 updated), 0 options, 0 numbers."
    )
    assert Menu.objects.get(key="main").prompt == "New words."
    assert set(MenuOption.objects.values_list("pk", flat=True)) == kept


@pytest.mark.django_db
def test_a_menu_listed_with_no_options_loses_them(menu_tree):
    summary = menu_tree_import(
        data=load("menus: [{key: main, name: Main, prompt: Hi., options: []}]")
    )

    assert str(summary).endswith("; 7 options no longer in the file removed.")
    assert not MenuOption.objects.filter(menu__key="main").exists()


@pytest.mark.django_db
def test_kept_options_are_checked_against_the_menus_new_settings(menu_tree):
    MenuOption.objects.create(menu=menu_tree["main"], digits="12", action="repeat")
    text = "menus: [{key: main, name: Main, prompt: Hi., max_digits: 1}]"

    assert problems_of(text) == [
        'menu "main", field "max_digits": '
        + OPTION_TOO_LONG.format(digits="12", length=2, maximum=1)
    ]


@pytest.mark.django_db
def test_an_import_marks_the_menus_changed_for_running_processes(menu_tree):
    before = database_state()[1]
    menu_tree_import(data=load(BASE))
    assert database_state()[1] != before


@pytest.mark.django_db
def test_menus_may_name_each_other_in_any_order_and_menus_in_the_database():
    Menu.objects.create(key="operator", name="Operator", prompt="Hold on.")
    text = """\
menus:
  - key: first
    name: First
    prompt: One.
    options: [{digits: "1", action: menu, target: second}]
  - key: second
    name: Second
    prompt: Two.
    on_exhausted: menu
    exhausted_target: first
    options:
      - {digits: "1", action: say, message: Hi., target: operator}
      - {digits: "2", action: menu, target: first}
"""
    menu_tree_import(data=load(text))

    snapshot = ivr_snapshot_from_database()
    assert snapshot.menus["first"].option_for("1").target == "second"
    assert snapshot.menus["second"].exhausted_target == "first"
    assert snapshot.menus["second"].option_for("1").target == "operator"


@pytest.mark.django_db
def test_the_default_menu_moves_to_the_one_the_file_names(menu_tree):
    menu_tree_import(
        data=load(BASE.replace("default_menu: main", "default_menu: sales"))
    )
    assert list(Menu.objects.filter(is_default=True).values_list("key", flat=True)) == [
        "sales"
    ]


@pytest.mark.django_db
def test_the_default_menu_may_be_one_only_in_the_database(menu_tree):
    # An active one: calls starting in an inactive menu refuse the import
    # (tests/test_menu_checks.py).
    menu_tree_import(data=load("default_menu: sales\n"))
    assert list(Menu.objects.filter(is_default=True).values_list("key", flat=True)) == [
        "sales"
    ]


@pytest.mark.django_db
def test_a_file_without_default_menu_leaves_the_default_alone(menu_tree):
    menu_tree_import(data=load(BASE.replace("default_menu: main\n", "")))
    assert Menu.objects.get(is_default=True).key == "main"


@pytest.mark.django_db
def test_unquoted_digits_and_numbers_are_imported_as_text():
    text = """\
numbers: [{number: +6531581234, menu: 123}]
menus:
  - key: 123
    name: Numbered
    prompt: Hello.
    options: [{digits: 01, action: hangup}, {digits: 2, action: repeat}]
"""
    menu_tree_import(data=load(text))

    menu = Menu.objects.get(key="123")
    assert sorted(menu.options.values_list("digits", flat=True)) == ["01", "2"]
    assert Number.objects.get().number == "+6531581234"


@pytest.mark.django_db
def test_a_dry_run_checks_everything_and_changes_nothing(menu_tree):
    before = database_state()

    summary = menu_tree_import(data=load(BASE), dry_run=True)

    assert summary.dry_run
    assert str(summary).startswith("Dry run: the file is valid and would import 2 ")
    assert database_state() == before


@pytest.mark.django_db
def test_a_dry_run_reports_problems_too(menu_tree):
    with pytest.raises(MenuFileError):
        menu_tree_import(data=load(BASE.replace("hangup}", "hang}")), dry_run=True)


def unknown_menu_field(name):
    known = ", ".join([f.name for f in MENU_FIELDS] + ["options"])
    return UNKNOWN_FIELD.format(known=known)


# (id, [(old, new) replacements in BASE], the problems reported)
BAD_FILES = [
    (
        "unknown action",
        [("hangup}", "hangon}")],
        [
            'menu "main", option "0", field "action": '
            + UNKNOWN_ACTION.format(action="hangon", actions=ACTIONS)
        ],
    ),
    (
        "missing action",
        [("action: hangup", "label: Bye")],
        ['menu "main", option "0", field "action": This field is required.'],
    ),
    (
        "missing target",
        [("action: menu, target: sales}", "action: menu}")],
        ['menu "main", option "1", field "target": Choose the menu.'],
    ),
    (
        "target not found",
        [("target: sales}", "target: sails}")],
        [
            'menu "main", option "1", field "target": '
            + MENU_NOT_FOUND.format(key="sails")
        ],
    ),
    (
        "exhaustion target not found",
        [("exhausted_target: main", "exhausted_target: mian")],
        [
            'menu "sales", field "exhausted_target": '
            + MENU_NOT_FOUND.format(key="mian")
        ],
    ),
    (
        "exhaustion transfer without a number",
        [("on_exhausted: menu", "on_exhausted: transfer")],
        [
            'menu "sales", field "exhausted_target": '
            + EXHAUSTED_FIELD_NOT_USED.format(wanted="menu"),
            'menu "sales", field "exhausted_destination": '
            "Enter the number to transfer to.",
        ],
    ),
    (
        "a field the option's action does not use",
        [('{digits: "*", action: back}', '{digits: "*", action: back, message: Bye}')],
        [
            'menu "sales", option "*", field "message": '
            + OPTION_FIELD_NOT_USED.format(action="back")
        ],
    ),
    (
        "a number for a message",
        [("action: hangup}", 'action: hangup, destination: "+6560001111"}')],
        [
            'menu "main", option "0", field "destination": '
            + OPTION_FIELD_NOT_USED.format(action="hangup")
        ],
    ),
    (
        "a number to try when not answered, going to a menu",
        [
            (
                "record: true}",
                "record: true, on_no_answer: menu, no_answer_target: sales, "
                'no_answer_destination: "+6560009999"}',
            )
        ],
        [
            'menu "main", option "2", field "no_answer_destination": '
            + NO_ANSWER_FIELD_NOT_USED.format(wanted="transfer")
        ],
    ),
    (
        "bad E.164",
        [('destination: "+6560001111"', 'destination: "6O6OOO1111"')],
        [f'menu "main", option "2", field "destination": {NOT_A_NUMBER}'],
    ),
    (
        "transfer to a number without its country code (not Malaysia's)",
        [('destination: "+6560001111"', 'destination: "6000 1234"')],
        [f'menu "main", option "2", field "destination": {NOT_INTERNATIONAL}'],
    ),
    (
        "caller ID without its country code",
        [
            (
                'destination: "+6560002222"}',
                'destination: "+6560002222", caller_id: "31580000"}',
            )
        ],
        [f'menu "sales", option "1", field "caller_id": {NOT_INTERNATIONAL}'],
    ),
    (
        "retries' transfer to a number without its country code",
        [
            ("on_exhausted: menu", "on_exhausted: transfer"),
            ("exhausted_target: main", 'exhausted_destination: "3158 9999"'),
        ],
        [f'menu "sales", field "exhausted_destination": {NOT_INTERNATIONAL}'],
    ),
    (
        "transfer without a destination",
        [('destination: "+6560002222"', 'label: "Sales team"')],
        [
            'menu "sales", option "1", field "destination": '
            "Enter the number to transfer to."
        ],
    ),
    (
        "duplicate digits",
        [('{digits: "0"', '{digits: "1"')],
        [
            'menu "main", field "options": '
            + DUPLICATE_DIGITS.format(digits="1", count="two")
        ],
    ),
    (
        "option longer than max_digits",
        [
            (
                '    options:\n      - {digits: "1"',
                '    max_digits: 1\n    options:\n      - {digits: "1"',
            ),
            ('{digits: "4"', '{digits: "44"'),
        ],
        [
            'menu "main", field "max_digits": '
            + OPTION_TOO_LONG.format(digits="44", length=2, maximum=1)
        ],
    ),
    (
        "bad digits",
        [('{digits: "4"', '{digits: "4a"')],
        [
            'menu "main", option "4a", field "digits": '
            "Use only the keypad keys 0-9, * and #."
        ],
    ),
    (
        "missing digits",
        [('{digits: "0", action: hangup}', "{action: hangup}")],
        [f'menu "main", option #4, field "digits": {DIGITS_REQUIRED}'],
    ),
    (
        "not answered: a menu that exists nowhere",
        [
            (
                "record: true}",
                "record: true, on_no_answer: menu, no_answer_target: x}",
            )
        ],
        [
            'menu "main", option "2", field "no_answer_target": '
            + MENU_NOT_FOUND.format(key="x")
        ],
    ),
    (
        "not answered: to a menu, with none named",
        [("record: true}", "record: true, on_no_answer: menu}")],
        [
            'menu "main", option "2", field "no_answer_target": '
            "Choose the menu to go to."
        ],
    ),
    (
        "not answered: another number, not E.164",
        [
            (
                "record: true}",
                'record: true, on_no_answer: transfer, no_answer_destination: "12"}',
            )
        ],
        [
            'menu "main", option "2", field "no_answer_destination": '
            + NOT_INTERNATIONAL
        ],
    ),
    (
        "not answered: an action that does not exist",
        [("record: true}", "record: true, on_no_answer: retry}")],
        [
            'menu "main", option "2", field "on_no_answer": '
            "Value 'retry' is not a valid choice."
        ],
    ),
    (
        "not answered: to an inactive menu",
        [
            (
                "record: true}",
                "record: true, on_no_answer: menu, no_answer_target: support}",
            )
        ],
        [
            'menu "main", option "2", field "no_answer_target": '
            + TARGET_INACTIVE.format(target="support")
        ],
    ),
    (
        "bad file_url",
        [("hours.mp3", "hours.txt")],
        [f'menu "main", option "4", field "file_url": {FILE_URL_MESSAGE}'],
    ),
    (
        "unknown menu field",
        [("    name: Sales\n", "    name: Sales\n    colour: blue\n")],
        [f'menu "sales", field "colour": {unknown_menu_field("colour")}'],
    ),
    (
        "misspelt menu field",
        [("    prompt: Sales.", "    promt: Sales.")],
        [
            'menu "sales", field "promt": '
            + UNKNOWN_FIELD_SIMILAR.format(similar="prompt"),
            'menu "sales", field "prompt": This field cannot be blank.',
        ],
    ),
    (
        "unknown option field",
        [("action: hangup}", "action: hangup, colour: red}")],
        [
            'menu "main", option "0", field "colour": '
            + UNKNOWN_FIELD.format(known=", ".join(f.name for f in OPTION_FIELDS))
        ],
    ),
    (
        "unknown top-level field",
        [("default_menu: main\n", "default_menu: main\nversion: 2\n")],
        [
            'field "version": '
            + UNKNOWN_FIELD.format(known="default_menu, numbers, menus")
        ],
    ),
    (
        "missing key",
        [("  - key: sales\n    name:", "  - name:")],
        ['menu #2, field "key": This field is required.'],
    ),
    (
        "invalid key",
        [("key: sales", "key: sales team")],
        [f'menu "sales team", field "key": {MENU_KEY_CHARACTERS}'],
    ),
    (
        "key listed twice",
        [("key: sales", "key: main")],
        [f'menu "main", field "key": {LISTED_TWICE}'],
    ),
    (
        "text where a list belongs",
        [("name: Sales", "name: [Sales]")],
        [
            'menu "sales", field "name": '
            + WRONG_TYPE.format(expected="text", given="a list")
        ],
    ),
    (
        "text where true or false belongs",
        [("record: true", "record: yes please")],
        [
            'menu "main", option "2", field "record": '
            + WRONG_TYPE.format(expected="true or false", given="the text “yes please”")
        ],
    ),
    (
        "a fraction where a whole number belongs",
        [("    name: Sales\n", "    name: Sales\n    speed: 1.25\n    tries: 2.5\n")],
        [
            'menu "sales", field "tries": '
            + WRONG_TYPE.format(expected="a whole number", given="the number 2.5")
        ],
    ),
    (
        "a number with too many decimals",
        [("    name: Sales\n", "    name: Sales\n    speed: 1.125\n")],
        [
            'menu "sales", field "speed": '
            "Ensure that there are no more than 3 digits in total."
        ],
    ),
    (
        "speed out of range",
        [("    name: Sales\n", "    name: Sales\n    speed: 3\n")],
        [
            'menu "sales", field "speed": '
            "Ensure this value is less than or equal to 2.0."
        ],
    ),
    (
        "options not a list",
        [
            (
                '      - {digits: "1", action: transfer, destination: "+6560002222"}\n'
                '      - {digits: "*", action: back}\n',
                "      back: yes\n",
            )
        ],
        [
            'menu "sales", field "options": '
            + WRONG_TYPE.format(expected="a list", given="a mapping")
        ],
    ),
    (
        "exhaustion to the menu itself",
        [("exhausted_target: main", "exhausted_target: sales")],
        [
            'menu "sales", field "exhausted_target": '
            "Choose another menu: this one would ask the caller forever."
        ],
    ),
    (
        "number listed twice, spelt differently",
        [
            (
                "menu: main}\n",
                'menu: main}\n  - {number: "+65 3158 1234", menu: sales}\n',
            )
        ],
        [f'number "+65 3158 1234", field "number": {LISTED_TWICE}'],
    ),
    (
        "number not E.164",
        [('number: "+6531581234"', 'number: "+65 3158"')],
        [f'number "+65 3158", field "number": {NOT_A_NUMBER}'],
    ),
    (
        # It used to update +6531581234 in place, silently.
        "number without its +",
        [('number: "+6531581234"', 'number: "6531581234"')],
        [f'number "6531581234", field "number": {NOT_INTERNATIONAL}'],
    ),
    (
        "number without its +, unquoted",
        [('number: "+6531581234"', "number: 6531581234")],
        [f'number "6531581234", field "number": {NOT_INTERNATIONAL}'],
    ),
    (
        "number's menu not found",
        [("menu: main}", "menu: mian}")],
        [f'number "+6531581234", field "menu": {MENU_NOT_FOUND.format(key="mian")}'],
    ),
    (
        "default menu not found",
        [("default_menu: main", "default_menu: mian")],
        [f'field "default_menu": {MENU_NOT_FOUND.format(key="mian")}'],
    ),
    (
        "several problems at once",
        [("hangup}", "hangon}"), ("key: sales", "key: sales team")],
        [
            'menu "main", option "0", field "action": '
            + UNKNOWN_ACTION.format(action="hangon", actions=ACTIONS),
            f'menu "sales team", field "key": {MENU_KEY_CHARACTERS}',
        ],
    ),
]


@pytest.mark.parametrize(
    ("replacements", "expected"),
    [case[1:] for case in BAD_FILES],
    ids=[case[0] for case in BAD_FILES],
)
@pytest.mark.django_db
def test_a_bad_file_changes_nothing_and_says_where_and_why(
    menu_tree, replacements, expected
):
    text = BASE
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    before = database_state()

    assert problems_of(text) == expected
    assert database_state() == before


NATIONAL_NUMBERS = [
    ('{number: "+6531581234", menu: main}', '{number: "3158 1234", menu: main}'),
    ('destination: "+6560001111"', 'destination: "6000 1111"'),
    (
        "record: true}",
        'record: true, on_no_answer: transfer, no_answer_destination: "6000-8888"}',
    ),
    ("on_exhausted: menu", "on_exhausted: transfer"),
    ("exhausted_target: main", 'exhausted_destination: "6000 9999"'),
    (
        'destination: "+6560002222"}',
        'destination: "+6560002222", caller_id: "6531580000"}',
    ),
]


def with_national_numbers() -> str:
    text = BASE
    for old, new in NATIONAL_NUMBERS:
        assert old in text, old
        text = text.replace(old, new)
    return text


@pytest.mark.django_db
def test_national_numbers_are_converted_with_a_default_country_and_listed(
    menu_tree, settings
):
    settings.IVR_DEFAULT_COUNTRY = "SG"

    summary = menu_tree_import(data=load(with_national_numbers()))

    def read_as(where, field, typed, number):
        return NUMBER_READ_AS.format(
            where=where, field=field, typed=typed, number=number
        )

    assert summary.warnings[:5] == (
        read_as('menu "main", option "2"', "destination", "6000 1111", "+6560001111"),
        read_as(
            'menu "main", option "2"',
            "no_answer_destination",
            "6000-8888",
            "+6560008888",
        ),
        read_as('menu "sales"', "exhausted_destination", "6000 9999", "+6560009999"),
        read_as('menu "sales", option "1"', "caller_id", "6531580000", "+6531580000"),
        read_as('number "3158 1234"', "number", "3158 1234", "+6531581234"),
    )
    assert summary.warnings[0] == (
        'menu "main", option "2", destination: 6000 1111 read as +6560001111'
    )
    transfer = MenuOption.objects.get(menu__key="main", digits="2")
    assert (transfer.destination, transfer.no_answer_destination) == (
        "+6560001111",
        "+6560008888",
    )
    sales = Menu.objects.get(key="sales")
    assert sales.exhausted_destination == "+6560009999"
    assert sales.options.get(digits="1").caller_id == "+6531580000"
    # The number is the one in the database, matched once converted.
    assert list(Number.objects.values_list("pk", "number")) == [
        (menu_tree["main"].numbers.get().pk, "+6531581234")
    ]


@pytest.mark.django_db
def test_without_a_default_country_national_numbers_are_each_refused(menu_tree):
    before = database_state()

    problems = problems_of(with_national_numbers())

    assert problems == [
        f'menu "main", option "2", field "destination": {NOT_INTERNATIONAL}',
        f'menu "main", option "2", field "no_answer_destination": {NOT_INTERNATIONAL}',
        f'menu "sales", field "exhausted_destination": {NOT_INTERNATIONAL}',
        f'menu "sales", option "1", field "caller_id": {NOT_INTERNATIONAL}',
        f'number "3158 1234", field "number": {NOT_INTERNATIONAL}',
    ]
    assert database_state() == before


@pytest.mark.django_db
def test_a_number_impossible_in_the_default_country_is_refused(menu_tree, settings):
    settings.IVR_DEFAULT_COUNTRY = "SG"
    text = BASE.replace('destination: "+6560001111"', 'destination: "6000 111"')

    assert problems_of(text) == [
        'menu "main", option "2", field "destination": '
        + NOT_VALID_IN_COUNTRY.format(
            typed="6000 111", country="SG", example="+65 6123 4567"
        )
    ]


@pytest.mark.django_db
def test_a_menu_named_nowhere_is_reported_even_with_an_empty_database():
    text = BASE.replace(
        '- {digits: "*", action: back}',
        '- {digits: "5", action: menu, target: support}',
    )
    assert problems_of(text) == [
        'menu "sales", option "5", field "target": '
        + MENU_NOT_FOUND.format(key="support")
    ]
    assert not Menu.objects.exists()


@pytest.mark.django_db
def test_the_import_is_refused_with_a_message_not_an_exception_for_any_mapping():
    with pytest.raises(MenuFileError) as caught:
        menu_tree_import(data=["menus"])
    assert str(caught.value) == NOT_A_MAPPING.format(given="a list")


# --- Exporting ------------------------------------------------------------------


def empty_the_menus() -> None:
    Number.objects.all().delete()
    MenuOption.objects.all().delete()
    Menu.objects.update(exhausted_menu=None)
    Menu.objects.all().delete()


@pytest.mark.parametrize("file_format", ["yaml", "json"])
@pytest.mark.django_db
def test_export_import_export_gives_the_same_bytes(file_format):
    menu_tree_import(data=load(DEMO_FILE.read_text()))
    first = menu_file_dump(data=menu_tree_export(), file_format=file_format)

    menu_tree_import(data=menu_file_load(text=first, file_format=file_format))

    assert menu_file_dump(data=menu_tree_export(), file_format=file_format) == first


@pytest.mark.parametrize("all_fields", [False, True])
@pytest.mark.django_db
def test_an_export_imported_into_an_empty_database_recreates_the_menus(all_fields):
    menu_tree_import(data=load(DEMO_FILE.read_text()))
    exported = menu_tree_export(all_fields=all_fields)
    everything = menu_tree_export(all_fields=True)
    snapshot = ivr_snapshot_from_database()
    empty_the_menus()

    menu_tree_import(data=load(menu_file_dump(data=exported)))

    assert menu_tree_export(all_fields=True) == everything
    assert ivr_snapshot_from_database() == snapshot


@pytest.mark.django_db
def test_an_export_round_trips_every_setting(menu_tree):
    main = menu_tree["main"]
    main.prompt = "Line one.\nLine two: with a colon, and “quotes”."
    main.speed = "1.25"
    main.min_digits, main.max_digits = 1, 2
    main.digit_timeout_ms, main.overall_timeout_ms = 2000, 9000
    main.complete_on_hash = True
    main.tries, main.max_retries = 3, 0
    main.invalid_message, main.no_input_message = "Hm?", "Hello?"
    main.on_exhausted = "transfer"
    main.exhausted_message = "# Not a comment"
    main.exhausted_destination = "+6560009999"
    main.save()
    Number.objects.create(number="+6531589999", menu=menu_tree["sales"], label="2")
    MenuOption.objects.create(
        menu=main, digits="12", action="say", label="yes", message="*star*"
    )
    # Both kinds of "not answered" that name something: a number and a menu.
    main.options.filter(digits="2").update(
        on_no_answer="transfer",
        no_answer_message="Trying the desk.",
        no_answer_destination="+6560008888",
    )
    menu_tree["sales"].options.filter(digits="1").update(
        on_no_answer="menu", no_answer_menu=main
    )
    exported = menu_tree_export()
    (two,) = [o for o in exported["menus"][0]["options"] if o["digits"] == "2"]
    assert two["no_answer_destination"] == "+6560008888"
    text = menu_file_dump(data=exported)
    empty_the_menus()

    menu_tree_import(data=load(text))

    assert menu_tree_export() == exported
    assert menu_file_dump(data=menu_tree_export()) == text


@pytest.mark.django_db
def test_an_export_leaves_out_defaults_and_quotes_keys_and_numbers(menu_tree):
    text = menu_file_dump(data=menu_tree_export())

    assert 'number: "+6531581234"' in text
    assert 'digits: "1"' in text
    assert 'destination: "+6560001111"' in text
    assert "speed" not in text
    assert "active: false" in text  # support is inactive


@pytest.mark.django_db
def test_an_export_with_all_fields_names_every_field(menu_tree):
    data = menu_tree_export(all_fields=True)

    assert list(data) == ["default_menu", "numbers", "menus"]
    assert list(data["menus"][0]) == [f.name for f in MENU_FIELDS] + ["options"]
    assert list(data["menus"][0]["options"][0]) == [f.name for f in OPTION_FIELDS]
    assert list(data["numbers"][0]) == [f.name for f in NUMBER_FIELDS]


@pytest.mark.django_db
def test_an_export_lists_menus_by_key_and_options_in_keypad_order(menu_tree):
    MenuOption.objects.create(menu=menu_tree["main"], digits="11", action="repeat")
    MenuOption.objects.create(menu=menu_tree["main"], digits="#", action="repeat")
    data = menu_tree_export()

    assert [m["key"] for m in data["menus"]] == ["main", "sales", "support"]
    main_digits = [o["digits"] for o in data["menus"][0]["options"]]
    assert main_digits == ["1", "11", "2", "3", "4", "9", "0", "*", "#"]


def test_the_summary_counts_in_words():
    summary = ImportSummary(
        menus_created=1, menus_updated=0, options=1, options_removed=0, numbers=0
    )
    assert (
        str(summary) == "Imported 1 menu (1 created, 0 updated), 1 option, 0 numbers."
    )


@pytest.mark.django_db
def test_the_demo_menus_pass_every_check():
    # What `make run` loads is what a new user copies: no warning at all.
    summary = menu_tree_import(data=load(DEMO_FILE.read_text()))

    assert summary.warnings == ()
