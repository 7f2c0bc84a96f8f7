"""Checks before saving (ivr/menus/checks.py, through ivr/admin/forms.py,
ivr/admin/menus.py and ivr/menus/files/importer.py): a change to the menus that would
break live calls is refused in plain words, on the field at fault; one that
only looks wrong is made, with a warning. The admin's save and delete and
the file importer check alike."""

import pytest
from django.contrib.messages import get_messages
from django.core.management import CommandError, call_command
from django.forms.models import model_to_dict
from django.utils.html import escape

from ivr.admin import forms as ivr_forms
from ivr.core import graph
from ivr.menus.files.format import menu_file_load
from ivr.menus.files.importer import menu_tree_import
from ivr.menus.files.problems import MenuFileError
from ivr.models import Menu, MenuOption, Number
from tests.admin_forms import (
    add_option,
    admin_url,
    form_errors,
    menu_form_data,
    option_row,
    post_menu,
)
from tests.menus import VIRTUAL_NUMBER

pytestmark = pytest.mark.django_db

SUPPORT_INACTIVE = graph.TARGET_INACTIVE.format(target="support")


def saved(menu: Menu):
    """Everything about `menu` and its options, as saved."""
    menu.refresh_from_db()
    return model_to_dict(menu), list(menu.options.values())


def warnings_after(response) -> list[str]:
    return [
        m.message
        for m in get_messages(response.wsgi_request)
        if m.level_tag == "warning"
    ]


# --- Saving a menu in the admin ----------------------------------------------------


def test_an_option_to_an_inactive_menu_is_refused_on_its_field(admin_client, menu_tree):
    main = menu_tree["main"]
    before = saved(main)
    data = menu_form_data(main)
    add_option(data, digits="5", action="menu", target_menu=menu_tree["support"].pk)

    response = post_menu(admin_client, main, data)

    assert response.status_code == 200
    assert form_errors(response) == {("option", "target_menu"): [SUPPORT_INACTIVE]}
    assert saved(main) == before


def test_a_retries_used_up_path_to_an_inactive_menu_is_refused_on_its_field(
    admin_client, menu_tree
):
    main = menu_tree["main"]
    before = saved(main)
    data = menu_form_data(main)
    data.update(on_exhausted="menu", exhausted_menu=menu_tree["support"].pk)

    response = post_menu(admin_client, main, data)

    assert form_errors(response) == {
        ("menu", "exhausted_menu"): [SUPPORT_INACTIVE],
        ("options", None): [ivr_forms.MENUS_WOULD_BREAK],
    }
    assert saved(main) == before


def test_deactivating_a_menu_others_lead_to_is_refused_at_the_top(
    admin_client, menu_tree
):
    sales = menu_tree["sales"]
    before = saved(sales)
    data = menu_form_data(sales)
    del data["is_active"]  # an unticked box is not posted

    response = post_menu(admin_client, sales, data)

    problem = graph.Problem(
        graph.ProblemKind.TARGET_INACTIVE,
        graph.TARGET_INACTIVE.format(target="sales"),
        menu="main",
        digits="1",
    )
    # Linked to where it is fixed: main's options.
    main_options = admin_url(Menu, "change", menu_tree["main"].pk) + "#options-group"
    linked = f'<a href="{main_options}">{escape(str(problem))}</a>'
    assert form_errors(response) == {
        ("menu", "__all__"): [linked],
        ("options", None): [ivr_forms.MENUS_WOULD_BREAK],
    }
    assert linked in response.content.decode()
    assert saved(sales) == before


def test_deactivating_the_entry_menu_is_refused(admin_client, menu_tree):
    main = menu_tree["main"]
    data = menu_form_data(main)
    del data["is_active"]

    response = post_menu(admin_client, main, data)

    errors = form_errors(response)
    entry = escape(graph.ENTRY_INACTIVE.format(target="main"))
    number = Number.objects.get(number=VIRTUAL_NUMBER)
    menus_url, number_url = (
        admin_url(Menu, "changelist"),
        admin_url(Number, "change", number.pk),
    )
    assert (
        f'<a href="{menus_url}">The default entry: {entry}</a>'
        in errors[("menu", "__all__")]
    )
    assert (
        f'<a href="{number_url}">Number {VIRTUAL_NUMBER}: {entry}</a>'
        in errors[("menu", "__all__")]
    )
    # main's own option 4 plays a file, then comes back to main.
    assert errors[("option", "target_menu")] == [
        graph.TARGET_INACTIVE.format(target="main")
    ]
    assert Menu.objects.get(key="main").is_active


def test_a_new_menu_leading_to_an_inactive_one_is_refused(admin_client, menu_tree):
    data = menu_form_data(Menu(key="after-hours", name="After hours", prompt="Hi."))
    add_option(data, digits="1", action="menu", target_menu=menu_tree["support"].pk)

    response = admin_client.post(admin_url(Menu, "add"), {**data, "_save": "Save"})

    assert form_errors(response) == {("option", "target_menu"): [SUPPORT_INACTIVE]}
    assert not Menu.objects.filter(key="after-hours").exists()


def test_a_save_that_only_looks_wrong_is_made_with_a_warning(admin_client, menu_tree):
    main = menu_tree["main"]
    data = menu_form_data(main)
    data[option_row(data, "1") + "DELETE"] = "on"  # the only way to sales

    response = post_menu(admin_client, main, data)

    assert response.status_code == 302, form_errors(response)
    assert not main.options.filter(digits="1").exists()
    # The prompt still offers 1: that is said too.
    assert warnings_after(response) == [
        "Menu “main”: " + graph.KEY_WITHOUT_OPTION.format(key="1"),
        f"Menu “sales”: {graph.UNREACHABLE}",
    ]


def test_a_save_without_problems_warns_of_nothing(admin_client, menu_tree):
    main = menu_tree["main"]
    data = menu_form_data(main)
    data["name"] = "Front desk"

    response = post_menu(admin_client, main, data)

    assert response.status_code == 302, form_errors(response)
    assert warnings_after(response) == []


def test_a_problem_made_earlier_does_not_block_other_edits(admin_client, menu_tree):
    # Saved before the checks existed: sales' option 2 leads to support.
    MenuOption.objects.filter(menu__key="sales", digits="2").update(
        target_menu=menu_tree["support"]
    )
    broken = graph.Problem(
        graph.ProblemKind.TARGET_INACTIVE, SUPPORT_INACTIVE, menu="sales", digits="2"
    )
    main, sales = menu_tree["main"], menu_tree["sales"]
    main_data, sales_data = menu_form_data(main), menu_form_data(sales)
    main_data["name"] = "Front desk"
    sales_data["name"] = "Sales team"

    elsewhere = post_menu(admin_client, main, main_data)
    same_menu = post_menu(admin_client, sales, sales_data)

    assert elsewhere.status_code == 302, form_errors(elsewhere)
    assert warnings_after(elsewhere) == []
    # Saving the broken menu itself goes through too, and says what is left.
    assert same_menu.status_code == 302, form_errors(same_menu)
    assert warnings_after(same_menu) == [str(broken)]


def test_fixing_a_problem_is_saved(admin_client, menu_tree):
    MenuOption.objects.filter(menu__key="sales", digits="2").update(
        target_menu=menu_tree["support"]
    )
    sales = menu_tree["sales"]
    data = menu_form_data(sales)
    data[option_row(data, "2") + "target_menu"] = menu_tree["main"].pk

    response = post_menu(admin_client, sales, data)

    assert response.status_code == 302, form_errors(response)
    assert warnings_after(response) == []


# --- Deleting a menu in the admin --------------------------------------------------


@pytest.fixture
def only_menu(db):
    """The default entry, which no option or number points to."""
    menu = Menu.objects.create(key="solo", name="Solo", prompt="Hi.", is_default=True)
    MenuOption.objects.create(menu=menu, digits="0", action="hangup")
    return menu


def test_deleting_the_default_entry_is_refused(admin_client, only_menu):
    url = admin_url(Menu, "delete", only_menu.pk)
    problem = graph.Problem(
        graph.ProblemKind.ENTRY_MISSING,
        graph.ENTRY_MISSING.format(target="solo"),
        entry=True,
    )

    page = admin_client.get(url)
    refused = admin_client.post(url, {"post": "yes"})

    menus_url = admin_url(Menu, "changelist")
    assert (
        f'<a href="{menus_url}">{escape(str(problem))}</a>' in page.context["protected"]
    )
    assert refused.status_code == 200
    assert Menu.objects.filter(pk=only_menu.pk).exists()


def test_deleting_the_default_entry_with_the_bulk_action_is_refused(
    admin_client, only_menu
):
    response = admin_client.post(
        admin_url(Menu, "changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [only_menu.pk],
            "post": "yes",
        },
    )

    assert response.status_code == 200
    assert Menu.objects.filter(pk=only_menu.pk).exists()


def test_deleting_a_menu_others_lead_to_links_each_option_to_change(
    admin_client, menu_tree
):
    sales = menu_tree["sales"]

    page = admin_client.get(admin_url(Menu, "delete", sales.pk))

    main_options = admin_url(Menu, "change", menu_tree["main"].pk) + "#options-group"
    html = page.content.decode()
    assert (
        f'<a href="{main_options}">Menu “main”, option 1: '
        + escape(graph.TARGET_MISSING.format(target="sales"))
        + "</a>"
    ) in html
    # Django's own list, which names rows without links, is not shown too.
    assert "Menu option: 1" not in html


def test_a_second_default_entry_names_the_first(admin_client, menu_tree):
    sales = menu_tree["sales"]
    data = menu_form_data(sales)
    data["is_default"] = "on"

    response = post_menu(admin_client, sales, data)

    main = menu_tree["main"]
    link = f'<a href="{admin_url(Menu, "change", main.pk)}">{escape(str(main))}</a>'
    assert form_errors(response) == {
        ("menu", "is_default"): [ivr_forms.DEFAULT_TAKEN.format(menu=link)]
    }


def test_a_menu_nothing_leads_to_is_deleted(admin_client, menu_tree):
    support = menu_tree["support"]

    response = admin_client.post(admin_url(Menu, "delete", support.pk), {"post": "yes"})

    assert response.status_code == 302
    assert not Menu.objects.filter(pk=support.pk).exists()


# --- Importing a menu file ---------------------------------------------------------


def load(text: str) -> dict:
    return menu_file_load(text=text)


BREAKS_A_CALL = """\
menus:
  - key: main
    name: Main menu
    prompt: Hello.
    options:
      - {digits: "1", action: menu, target: support}
      - {digits: "0", action: hangup}
"""
NUMBER_TO_INACTIVE = f"""\
numbers:
  - {{number: "{VIRTUAL_NUMBER}", menu: support}}
"""
LOOKS_WRONG = """\
menus:
  - key: lost
    name: Lost
    prompt: Nobody calls here. Press 0 to hang up.
    options:
      - {digits: "0", action: hangup}
"""


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            BREAKS_A_CALL,
            f'menu "main", option "1", field "target": {SUPPORT_INACTIVE}',
        ),
        (
            NUMBER_TO_INACTIVE,
            f'number "{VIRTUAL_NUMBER}", field "menu": '
            + graph.ENTRY_INACTIVE.format(target="support"),
        ),
    ],
    ids=["option to an inactive menu", "number to an inactive menu"],
)
def test_an_import_that_would_break_calls_is_refused(menu_tree, text, problem):
    before = saved(menu_tree["main"]), list(Number.objects.values())

    with pytest.raises(MenuFileError) as refused:
        menu_tree_import(data=load(text))

    assert [str(p) for p in refused.value.problems] == [problem]
    assert (saved(menu_tree["main"]), list(Number.objects.values())) == before


def test_the_command_refuses_it_with_the_problems(menu_tree, tmp_path):
    path = tmp_path / "menus.yaml"
    path.write_text(BREAKS_A_CALL)

    with pytest.raises(CommandError) as refused:
        call_command("ivr_import", str(path))

    assert SUPPORT_INACTIVE in str(refused.value)
    assert not Menu.objects.get(key="main").options.filter(target_menu__key="support")


def test_an_import_that_looks_wrong_is_made_with_warnings(menu_tree):
    summary = menu_tree_import(data=load(LOOKS_WRONG))

    assert Menu.objects.filter(key="lost").exists()
    assert summary.warnings == (f"Menu “lost”: {graph.UNREACHABLE}",)


def test_the_command_prints_the_warnings(menu_tree, tmp_path, capsys):
    path = tmp_path / "menus.yaml"
    path.write_text(LOOKS_WRONG)

    call_command("ivr_import", str(path))

    out, err = capsys.readouterr()
    assert out.startswith("Imported 1 menu")
    assert f"Warning: Menu “lost”: {graph.UNREACHABLE}" in err


def test_a_dry_run_is_checked_too(menu_tree):
    with pytest.raises(MenuFileError):
        menu_tree_import(data=load(BREAKS_A_CALL), dry_run=True)
    summary = menu_tree_import(data=load(LOOKS_WRONG), dry_run=True)

    assert summary.warnings == (f"Menu “lost”: {graph.UNREACHABLE}",)
    assert not Menu.objects.filter(key="lost").exists()
