"""What changes for callers between two snapshots, in plain words: snapshots
built by hand, no database."""

from dataclasses import fields, replace

import pytest

from ivr.core import changes as core_changes
from ivr.core.changes import (
    ChangeKind,
    changes_rolled_back_in_draft,
    snapshot_changes,
    snapshots_equal,
)
from ivr.core.snapshot import (
    ExhaustedAction,
    MenuSnapshot,
    NoAnswerAction,
    OptionAction,
    OptionSnapshot,
)
from tests.snapshots import menu, option, snapshot

OUR_NUMBER = "+6531581234"


def billing_line(**option_fields):
    """Main → Billing → Payments; Billing's option 3 as given."""
    main = menu("main", option("1", "menu", target="billing"), name="Main menu")
    billing = menu(
        "billing",
        option(
            "3", **{"action": "transfer", "destination": "+6560001200", **option_fields}
        ),
        name="Billing",
    )
    payments = menu("payments", option("0", "hangup"), name="Payments")
    return snapshot(
        main, billing, payments, numbers={OUR_NUMBER: "main"}, default="main"
    )


def with_menu(tree, key, **menu_fields):
    return replace(
        tree, menus={**tree.menus, key: replace(tree.menus[key], **menu_fields)}
    )


def with_option(tree, key, digits, **option_fields):
    old = tree.menus[key]
    options = tuple(
        replace(o, **option_fields) if o.digits == digits else o for o in old.options
    )
    return with_menu(tree, key, options=options)


def lines(before, after):
    return [str(change) for change in snapshot_changes(before, after)]


# --- One line per change, in plain words --------------------------------------------

BEFORE = billing_line()

CASES = [
    (
        "an option's action",
        with_option(
            BEFORE,
            "billing",
            "3",
            action=OptionAction.MENU,
            target="payments",
            destination="",
        ),
        ["Billing, option 3: transfer to +6560001200 → go to menu Payments"],
    ),
    (
        "a prompt",
        with_menu(BEFORE, "main", prompt="Welcome to Acme."),
        ["Main menu: prompt: “This is the main menu.” → “Welcome to Acme.”"],
    ),
    (
        "an option added",
        with_menu(
            BEFORE,
            "billing",
            options=(*BEFORE.menus["billing"].options, option("*", "back")),
        ),
        ["Billing, option *: added: go back to the menu before"],
    ),
    (
        "an option removed",
        with_menu(BEFORE, "payments", options=()),
        ["Payments, option 0: removed (it did: hang up)"],
    ),
    (
        "a message before hanging up",
        with_option(with_menu(BEFORE, "payments"), "payments", "0", message="Goodbye."),
        ["Payments, option 0: hang up → say “Goodbye.”, then hang up"],
    ),
    (
        "a number's menu",
        replace(BEFORE, numbers={OUR_NUMBER: "billing"}),
        [f"Number {OUR_NUMBER}: calls start in Main menu → Billing"],
    ),
    (
        "a number added",
        replace(BEFORE, numbers={OUR_NUMBER: "main", "+6531589999": "payments"}),
        ["Number +6531589999: added: calls start in Payments"],
    ),
    (
        "a number removed",
        replace(BEFORE, numbers={}),
        [f"Number {OUR_NUMBER}: removed (calls started in Main menu)"],
    ),
    (
        "the default entry",
        replace(BEFORE, default_menu="billing"),
        ["The default entry: Main menu → Billing"],
    ),
    (
        "no default entry any more",
        replace(BEFORE, default_menu=None),
        ["The default entry: Main menu → none"],
    ),
    (
        "a menu added",
        replace(
            BEFORE,
            menus={**BEFORE.menus, "sales": menu("sales", name="Sales", active=False)},
        ),
        ["Sales: new menu (key “sales”, not active), 0 options"],
    ),
    (
        "a menu deleted",
        replace(
            BEFORE, menus={k: m for k, m in BEFORE.menus.items() if k != "payments"}
        ),
        ["Payments: menu deleted (key “payments”)"],
    ),
    (
        "what happens when retries run out",
        with_menu(
            BEFORE,
            "billing",
            on_exhausted=ExhaustedAction.MENU,
            exhausted_target="main",
            exhausted_message="Let us start again.",
        ),
        [
            "Billing: when retries run out: hang up → say “Let us start again.”, "
            "then go to menu Main menu"
        ],
    ),
    (
        "what a transfer does when not answered",
        with_option(
            BEFORE,
            "billing",
            "3",
            on_no_answer=NoAnswerAction.TRANSFER,
            no_answer_destination="+6560001300",
        ),
        [
            "Billing, option 3: if the transfer is not answered: say sorry, then "
            "this menu again → say sorry, then try +6560001300"
        ],
    ),
    (
        "several fields of one option",
        with_option(BEFORE, "billing", "3", label="Payments desk", record=True),
        [
            "Billing, option 3: label: (blank) → “Payments desk”",
            "Billing, option 3: call recorded: no → yes",
        ],
    ),
    (
        "timeouts left blank",
        with_menu(BEFORE, "main", digit_timeout_ms=3000, overall_timeout_ms=None),
        ["Main menu: time allowed between keys: blank (5 s) → 3 s"],
    ),
]


@pytest.mark.parametrize(
    ("after", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_each_change_is_one_line_in_plain_words(after, expected):
    assert lines(BEFORE, after) == expected


def test_the_same_menus_change_nothing_whatever_their_ids_and_order():
    after = with_menu(
        BEFORE,
        "main",
        id=99,
        options=tuple(replace(o, id=7) for o in reversed(BEFORE.menus["main"].options)),
    )
    assert snapshot_changes(BEFORE, after) == []
    assert snapshots_equal(BEFORE, after)


def test_before_anything_is_published_every_menu_and_number_is_new():
    found = snapshot_changes(None, BEFORE)
    assert [c.kind for c in found] == [ChangeKind.ADDED] * 4 + [ChangeKind.CHANGED]
    assert lines(None, BEFORE)[0] == "Billing: new menu (key “billing”), 1 option"


def test_menus_sharing_a_name_are_told_apart_by_their_keys():
    after = with_menu(BEFORE, "payments", name="Billing", prompt="Pay.")
    assert lines(BEFORE, after)[-2:] == [
        "Billing (payments): name: “Payments” → “Billing”",
        "Billing (payments): prompt: “This is the payments menu.” → “Pay.”",
    ]


def test_leftovers_of_a_former_transfer_are_not_changes_callers_hear():
    # The option stopped being a transfer: the summary line says it all.
    after = with_option(
        BEFORE,
        "billing",
        "3",
        action=OptionAction.HANGUP,
        destination="",
        record=True,
        caller_id="+6531580000",
    )
    assert lines(BEFORE, after) == [
        "Billing, option 3: transfer to +6560001200 → hang up"
    ]


# Every field of a menu or an option, changed: each gives a line (a field added
# to the snapshot one day is compared too; see _compared_fields).
MENU_FIELD_CHANGES = {
    "name": "Main",
    "prompt": "Hello.",
    "voice_profile": "en-GB-RyanNeural",
    "speed": 1.5,
    "min_digits": 1,
    "max_digits": 2,
    "digit_timeout_ms": 4000,
    "overall_timeout_ms": 9000,
    "complete_on_hash": True,
    "tries": 2,
    "invalid_message": "Wrong key.",
    "no_input_message": "Nothing pressed.",
    "max_retries": 3,
    "on_exhausted": ExhaustedAction.TRANSFER,
    "exhausted_message": "Goodbye.",
    "exhausted_destination": None,  # only with on_exhausted, below
    "exhausted_target": None,
    "active": False,
}
OPTION_FIELD_CHANGES = {
    "action": OptionAction.HANGUP,
    "label": "Desk",
    "target": None,  # only with action, below
    "destination": "+6560009999",
    "caller_id": "+6531580000",
    "record": True,
    "message": "Please hold.",
    "voice_profile": "en-GB-RyanNeural",
    "file_url": None,
    "on_no_answer": NoAnswerAction.HANGUP,
    "no_answer_message": "Nobody is free.",
    "no_answer_target": None,
    "no_answer_destination": None,
}


def test_every_field_is_listed_here():
    menu_fields = {f.name for f in fields(MenuSnapshot)} - {"key", "options", "id"}
    option_fields = {f.name for f in fields(OptionSnapshot)} - {"digits", "id"}
    assert menu_fields == MENU_FIELD_CHANGES.keys()
    assert option_fields == OPTION_FIELD_CHANGES.keys()


@pytest.mark.parametrize(
    "name", [name for name, value in MENU_FIELD_CHANGES.items() if value is not None]
)
def test_a_change_to_any_field_of_a_menu_is_a_line(name):
    value = MENU_FIELD_CHANGES[name]
    extra = {"exhausted_destination": "+6560003333"} if name == "on_exhausted" else {}
    found = snapshot_changes(
        BEFORE, with_menu(BEFORE, "main", **{name: value}, **extra)
    )
    assert len(found) == 1, found
    assert found[0].menu == "main"
    # In plain words, not the field's name in the code.
    assert name in {*core_changes.MENU_FIELD_WORDS, *core_changes.EXHAUSTED_FIELDS}


@pytest.mark.parametrize(
    "name", [name for name, value in OPTION_FIELD_CHANGES.items() if value is not None]
)
def test_a_change_to_any_field_of_a_transfer_is_a_line(name):
    value = OPTION_FIELD_CHANGES[name]
    after = with_option(BEFORE, "billing", "3", **{name: value})
    found = snapshot_changes(BEFORE, after)
    assert len(found) == 1, found
    assert found[0].where == "Billing, option 3"


# --- What a rollback took back ----------------------------------------------------


def test_the_draft_still_holding_a_rolled_back_change_is_found():
    good = BEFORE
    bad = with_menu(good, "main", prompt="A prompt that was a mistake.")
    # Version 2 (bad) was rolled back to version 1 (good); the draft is bad.
    draft = with_option(bad, "billing", "3", label="A later, unrelated edit")

    found = changes_rolled_back_in_draft(rolled_back=bad, live=good, draft=draft)

    assert [str(c) for c in found] == [
        "Main menu: prompt: “This is the main menu.” → “A prompt that was a mistake.”"
    ]


def test_a_rolled_back_change_made_differently_since_is_a_new_change():
    bad = with_menu(BEFORE, "main", prompt="A mistake.")
    draft = with_menu(BEFORE, "main", prompt="The prompt, corrected.")
    assert not changes_rolled_back_in_draft(rolled_back=bad, live=BEFORE, draft=draft)


def test_a_draft_equal_to_the_live_menus_holds_nothing_rolled_back():
    bad = replace(BEFORE, default_menu="billing")
    assert not changes_rolled_back_in_draft(rolled_back=bad, live=BEFORE, draft=BEFORE)


def test_snapshots_differing_in_a_setting_callers_do_not_hear_are_not_equal():
    # Nothing to say for callers, but discarding the draft must still put it back.
    after = with_option(
        with_option(BEFORE, "billing", "3", action=OptionAction.HANGUP, destination=""),
        "billing",
        "3",
        record=True,
    )
    before = with_option(
        BEFORE, "billing", "3", action=OptionAction.HANGUP, destination=""
    )
    assert snapshot_changes(before, after) == []
    assert not snapshots_equal(before, after)
