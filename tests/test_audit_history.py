"""The audit history: who changed which menu, option or number, when and
what; the history pages list each change with the diff, and not the saves
that changed nothing; a version's page is read-only and its revert restores
exactly what the history holds (the menu's options included), whatever is
posted; a change is undone on its own unless a later one touched the same
fields; reverts and undos are checked like any save; the importer leaves
history too; staff who may only view cannot revert or undo.
"""

import io
import re

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.utils import dateformat, timezone
from django.utils.html import escape
from simple_history.models import HistoricalRecords

from ivr.audit.admin import REVERT_REFUSED, UNDO_REFUSED
from ivr.audit.records import CHANGE_REASON_MAX_CHARS, change_reason
from ivr.audit.restore import (
    OPTION_NOT_RESTORABLE,
    PAGE_OUT_OF_DATE,
    TARGET_MENU_DELETED,
    UNDO_BACK_ALREADY,
    UNDO_DELETED_LATER,
    UNDO_LATER_CHANGE,
    UNDO_OPTION_CHANGED_LATER,
)
from ivr.audit.versions import VALUE_MAX_CHARS, Change
from ivr.menus.checks import OPTION_TOO_LONG
from ivr.models import Menu, MenuOption, Number
from ivr.roles import EDITORS, VIEWERS
from ivr.webhook.middleware import HistoryRequestMiddleware
from tests.admin_forms import (
    SCRIPT,
    add_option,
    admin_url,
    menu_form_data,
    option_row,
    post_menu,
)
from tests.menus import DEMO_FILE, VIRTUAL_NUMBER
from tests.webhooks import answer

pytestmark = pytest.mark.django_db

# Longer than the history list shows of a text: the version and undo pages
# show it whole.
LONG_PROMPT = " ".join(["Welcome back."] * 30)


@pytest.fixture
def login(client):
    """Log `client` in as a new staff user in one of the IVR roles."""

    def as_user(username: str, group: str):
        user = User.objects.create_user(username, is_staff=True)
        user.groups.add(Group.objects.get(name=group))
        client.force_login(user)
        return user

    return as_user


def edit_menu(client, menu: Menu, **changes) -> None:
    """Save `menu` in the admin with its fields changed; `option_<digits>`
    gives an option's changed fields, `delete_<digits>` deletes it, `add`
    adds an option."""
    menu.refresh_from_db()
    data = menu_form_data(menu)
    for name, value in changes.items():
        if name.startswith("option_"):
            row = option_row(data, name.removeprefix("option_"))
            data.update({row + field: v for field, v in value.items()})
        elif name.startswith("delete_"):
            data[option_row(data, name.removeprefix("delete_")) + "DELETE"] = "on"
        elif name == "add":
            add_option(data, **value)
        else:
            data[name] = value
    response = post_menu(client, menu, data)
    assert response.status_code == 302, response.context["errors"]


def edit_number(client, number: Number, **changes) -> None:
    """Save `number` in the admin with its fields changed."""
    number.refresh_from_db()
    data = {"number": number.number, "menu": number.menu_id, "label": number.label}
    response = client.post(
        admin_url(Number, "change", number.pk), {**data, **changes, "_save": "Save"}
    )
    assert response.status_code == 302


def version_url(obj, version) -> str:
    return admin_url(type(obj), "simple_history", obj.pk, version.history_id)


def undo_url(obj, row) -> str:
    model_name = row.instance_type._meta.model_name
    return admin_url(type(obj), "undo", obj.pk, model_name, row.history_id)


def revert(client, url: str, **posted):
    """Open a version's page and press "Revert to this version", as staff
    do; `posted` is sent too (nothing on the page posts it)."""
    page = client.get(url)
    assert page.status_code == 200
    return client.post(url, {"loaded": page.context["plan"].loaded, **posted})


def shown_messages(client, response) -> list[str]:
    return [str(m) for m in client.get(response.url).context["messages"]]


def options_of(menu: Menu) -> dict[str, tuple]:
    return {
        option.digits: (option.pk, option.label, option.action)
        for option in menu.options.all()
    }


def undid(row) -> str:
    """The change reason of an undo of `row`, made by a named user."""
    when = dateformat.format(timezone.localtime(row.history_date), "j M H:i")
    return f"undid the change of {when} by {row.history_user.get_username()}"


def option_history(menu: Menu, digits: str):
    """The history rows of `menu`'s option with these keys, newest first."""
    option = menu.options.get(digits=digits)
    return MenuOption.history.filter(id=option.pk).order_by("-history_date")


# --- What is recorded ------------------------------------------------------------


def test_an_admin_edit_records_who_changed_what(client, login, menu_tree):
    main = menu_tree["main"]
    alice = login("alice", EDITORS)

    edit_menu(client, main, prompt="Hello.", option_2={"label": "Operator"})

    menu_row = main.history.first()
    assert (menu_row.history_type, menu_row.history_user) == ("~", alice)
    assert menu_row.diff_against(menu_row.prev_record).changed_fields == ["prompt"]
    option = main.options.get(digits="2")
    option_row_ = option.history.first()
    assert (option_row_.history_type, option_row_.history_user) == ("~", alice)
    assert option_row_.prev_record.label == ""
    assert option_row_.label == "Operator"


def test_an_option_deleted_in_the_admin_keeps_its_menu_and_keys(
    client, login, menu_tree
):
    main = menu_tree["main"]
    login("alice", EDITORS)
    option_id = main.options.get(digits="0").pk

    edit_menu(client, main, delete_0=True)

    deleted = MenuOption.history.get(id=option_id, history_type="-")
    assert (deleted.menu_id, deleted.digits) == (main.pk, "0")


def test_history_rows_of_a_number_record_its_menu(client, login, menu_tree):
    number = Number.objects.get()
    login("alice", EDITORS)

    response = client.post(
        admin_url(Number, "change", number.pk),
        {"number": number.number, "menu": menu_tree["sales"].pk, "label": ""},
    )

    assert response.status_code == 302
    row = number.history.first()
    assert (row.history_user.username, row.menu_id) == ("alice", menu_tree["sales"].pk)
    assert row.prev_record.menu_id == menu_tree["main"].pk


def test_a_change_reason_is_cut_to_its_column():
    with change_reason("x" * 300):
        menu = Menu.objects.create(key="long", name="Long", prompt="Hi.")
    reason = menu.history.get().history_change_reason
    assert len(reason) == CHANGE_REASON_MAX_CHARS
    assert reason.endswith("…")


def test_the_webhooks_skip_the_history_middleware(rf: RequestFactory):
    seen = []

    def view(request):
        seen.append(getattr(HistoricalRecords.context, "request", None))
        return None

    middleware = HistoryRequestMiddleware(view)
    webhook = rf.post("/webhooks/8x8/call-action/")
    page = rf.get("/admin/")
    middleware(webhook)
    middleware(page)

    assert seen == [None, page]


# --- The menu's history page -----------------------------------------------------


def test_the_history_page_lists_menu_and_option_changes_newest_first(
    client, login, menu_tree
):
    main = menu_tree["main"]
    login("alice", EDITORS)
    edit_menu(client, main, name="Front desk")
    edit_menu(client, main, prompt="Hello.", option_2={"label": SCRIPT}, delete_0=True)

    response = client.get(admin_url(Menu, "history", main.pk))

    assert response.status_code == 200
    entries = list(response.context["page_obj"])
    assert entries == sorted(entries, key=lambda e: e.date, reverse=True)
    newest = {(e.subject, e.action): e for e in entries[:3]}
    assert set(newest) == {
        ("Menu", "changed"),
        (f"Option 2 (“{SCRIPT}”)", "changed"),
        ("Option 0", "deleted"),
    }
    assert newest["Menu", "changed"].changes == [
        Change("Prompt", main.prompt, "Hello.")
    ]
    assert newest[f"Option 2 (“{SCRIPT}”)", "changed"].changes == [
        Change("Label", "(blank)", SCRIPT)
    ]
    assert newest["Menu", "changed"].user.username == "alice"
    assert entries[3].changes == [Change("Name", "Main menu", "Front desk")]
    # The menu's creation and its options' are listed too.
    assert ("Menu", "added") in {(e.subject, e.action) for e in entries}
    assert sum(e.action == "added" for e in entries) == 1 + 7
    html = response.content.decode()
    assert SCRIPT not in html
    assert escape(SCRIPT) in html
    assert "View or revert" in html


def test_an_option_change_shows_its_target_menu_by_key(client, login, menu_tree):
    main = menu_tree["main"]
    login("alice", EDITORS)
    billing = Menu.objects.create(key="billing", name="Billing", prompt="Bills.")

    edit_menu(client, main, option_1={"target_menu": billing.pk})

    response = client.get(admin_url(Menu, "history", main.pk))
    option = next(e for e in response.context["page_obj"] if not e.is_menu)
    assert option.changes == [Change("Then go to menu", "sales", "billing")]


def test_a_deleted_menus_history_still_opens_by_its_address(admin_client):
    menu = Menu.objects.create(key="old", name="Old", prompt="Old.")
    MenuOption.objects.create(menu=menu, digits="1", action="repeat")
    url = admin_url(Menu, "history", menu.pk)
    menu.delete()

    response = admin_client.get(url)

    assert response.status_code == 200
    actions = [(e.subject, e.action) for e in response.context["page_obj"]]
    assert actions[:2] == [("Menu", "deleted"), ("Option 1", "deleted")]


@pytest.mark.parametrize("model", [Menu, Number])
def test_saves_that_changed_nothing_are_recorded_but_not_listed(
    client, login, menu_tree, model
):
    obj = menu_tree["main"] if model is Menu else Number.objects.get()
    login("alice", EDITORS)
    save = edit_menu if model is Menu else edit_number
    save(client, obj)  # nothing changed
    save(client, obj, name="Front desk") if model is Menu else save(
        client, obj, label="Front desk"
    )
    save(client, obj)

    response = client.get(admin_url(model, "history", obj.pk))

    # Recorded: a menu's row marks the version its options belong to.
    assert obj.history.count() == 4
    listed = [(e.subject, e.action) for e in response.context["page_obj"]]
    subject = "Menu" if model is Menu else "Number"
    assert listed.count((subject, "changed")) == 1
    assert listed[0] == (subject, "changed")
    assert b"saved without changes" not in response.content


def test_an_option_edited_alone_keeps_its_version_link(client, login, menu_tree):
    main = menu_tree["main"]
    login("alice", EDITORS)

    edit_menu(client, main, option_2={"label": "Operator"})

    entries = list(client.get(admin_url(Menu, "history", main.pk)).context["page_obj"])
    assert (entries[0].subject, entries[0].action) == (
        "Option 2 (“Operator”)",
        "changed",
    )
    # The menu's own row of that save is not listed, but is the version.
    assert entries[0].menu_version_id == main.history.first().history_id
    assert not any(e.is_menu and e.action == "changed" for e in entries)


# --- A version's page, and the revert ------------------------------------------------


def test_revert_restores_the_menu_and_its_options(client, login, menu_tree):
    main = menu_tree["main"]
    original = options_of(main)
    created = main.history.get(history_type="+")
    alice = login("alice", EDITORS)
    data = menu_form_data(main)
    data["prompt"] = "Changed."
    data[option_row(data, "2") + "digits"] = "5"
    data[option_row(data, "9") + "digits"] = "2"
    data[option_row(data, "0") + "DELETE"] = "on"
    add_option(data, digits="7", action="say", message="New option.")
    assert post_menu(client, main, data).status_code == 302

    response = revert(client, version_url(main, created))

    assert response.status_code == 302
    main.refresh_from_db()
    assert main.prompt.startswith("Welcome to Acme.")
    # The same rows, the deleted one under its old id, the new one gone.
    assert options_of(main) == original
    rows = main.history.first(), MenuOption.history.first()
    assert all(row.history_user == alice for row in rows)
    assert all(row.history_change_reason.startswith("reverted to") for row in rows)


@pytest.mark.parametrize("model", [Menu, Number])
def test_the_version_page_is_read_only(client, login, menu_tree, model):
    obj = menu_tree["main"] if model is Menu else Number.objects.get()
    created = obj.history.get(history_type="+")
    login("alice", EDITORS)
    if model is Menu:
        edit_menu(client, obj, prompt="Changed.", delete_0=True)
    else:
        edit_number(client, obj, label="Changed.")

    response = client.get(version_url(obj, created))

    assert response.status_code == 200
    html = response.content.decode()
    # No field of the object can be edited: the only inputs are the token,
    # the object's version as the page shows it, and the button.
    inputs = re.findall(r'<(?:input|textarea|select)[^>]* name="([^"]+)"', html)
    assert set(inputs) == {"csrfmiddlewaretoken", "loaded", "revert"}
    assert 'value="Revert to this version"' in html
    held = {value.field: value.value for value in response.context["plan"].held}
    if model is Menu:
        assert held["Prompt"] == created.prompt
        options = dict(response.context["plan"].held_options)
        assert len(options) == 7
        assert {"Action: Hang up"} <= {
            f"{v.field}: {v.value}" for v in options["Option 0"]
        }
        # Grouped as on the menu's page, so that each label reads in context.
        assert "<h3>When the caller presses a wrong key or none</h3>" in html
    else:
        assert held == {"Number": obj.number, "Menu": "main", "Label": "(blank)"}


def test_the_version_page_shows_what_a_revert_changes_messages_whole(
    client, login, menu_tree
):
    main = menu_tree["main"]
    login("alice", EDITORS)
    edit_menu(client, main, prompt=LONG_PROMPT, invalid_message="Try again.")
    version = main.history.first()
    edit_menu(
        client,
        main,
        prompt="Short now.",
        invalid_message=SCRIPT,
        option_3={"message": "Closed today."},
    )

    response = client.get(version_url(main, version))

    plan = response.context["plan"]
    assert plan.changes == [
        Change("Prompt", "Short now.", LONG_PROMPT),
        Change("Invalid message", SCRIPT, "Try again."),
    ]
    [option] = plan.options
    assert (option.subject, option.action) == ("Option 3", "changes")
    assert option.changes == [
        Change("Message", "Closed today.", "Our office is closed. Goodbye.")
    ]
    html = response.content.decode()
    assert len(LONG_PROMPT) > VALUE_MAX_CHARS
    assert LONG_PROMPT in html
    assert escape(SCRIPT) in html
    assert SCRIPT not in html


def _full_form(version, **edits) -> dict:
    """The fields of `version` as an edit form of them posts them, with
    `edits` made: what a revert page with inputs used to save."""
    obj = version.instance
    if isinstance(obj, Menu):
        data = menu_form_data(obj)
        add_option(data, digits="8", action="hangup", label="Edited")
    else:
        data = {"number": obj.number, "menu": obj.menu_id, "label": obj.label}
    return {**data, **edits, "_save": "Revert"}


@pytest.mark.parametrize(
    ("model", "edits"),
    [
        # Edits of the object's fields (and, for a menu, a new option), posted
        # with the revert. None of it may be saved.
        (Menu, {"prompt": "Edited on the revert page.", "name": "Edited"}),
        (Menu, {"invalid_message": "Edited.", "max_retries": "5"}),
        (Number, {"label": "Edited on the revert page."}),
    ],
)
def test_a_revert_saves_only_what_the_history_holds(
    client, login, menu_tree, model, edits
):
    obj = menu_tree["main"] if model is Menu else Number.objects.get()
    created = obj.history.get(history_type="+")
    login("alice", EDITORS)
    if model is Menu:
        edit_menu(client, obj, prompt="Changed.")
    else:
        edit_number(client, obj, menu=menu_tree["sales"].pk)
    expected = {
        f.attname: getattr(created, f.attname)
        for f in obj._meta.concrete_fields
        if f.editable and not f.primary_key
    }

    response = revert(client, version_url(obj, created), **_full_form(created, **edits))

    assert response.status_code == 302
    obj.refresh_from_db()
    assert {name: getattr(obj, name) for name in expected} == expected
    row = obj.history.first()
    assert row.history_change_reason.startswith("reverted to the version of")
    if model is Menu:
        assert not obj.options.filter(digits="8").exists()
        assert obj.options.count() == 7


def test_an_edit_on_the_change_page_is_recorded_as_an_edit(client, login, menu_tree):
    main = menu_tree["main"]
    login("alice", EDITORS)

    edit_menu(client, main, prompt="Edited.")

    assert main.history.first().history_change_reason is None


def test_a_deleted_menu_comes_back_with_its_options(admin_client, menu_tree):
    menu = Menu.objects.create(key="old", name="Old", prompt="Old.")
    MenuOption.objects.create(menu=menu, digits="1", action="repeat")
    url = version_url(menu, menu.history.get())
    option_id = menu.options.get().pk
    menu.name = "Older"
    menu.save()
    # Not the last version: its options were deleted just before the menu.
    menu.delete()

    response = revert(admin_client, url)

    assert response.status_code == 302
    menu = Menu.objects.get(key="old")
    assert menu.name == "Old"
    assert [option.pk for option in menu.options.all()] == [option_id]


def test_a_call_after_a_revert_hears_the_restored_prompt(
    client, login, menu_tree, webhook_client, payload
):
    main = menu_tree["main"]
    created = main.history.get(history_type="+")
    login("alice", EDITORS)

    def prompt_heard(event_id: str) -> str:
        body = payload("vca-call-received-inbound")
        body["payload"]["eventId"] = event_id
        sent = answer(webhook_client.call_action(body))
        return sent["callflow"][0]["params"]["promptMessage"]

    edit_menu(client, main, prompt="Changed prompt.")
    assert prompt_heard("before") == "Changed prompt."
    assert revert(client, version_url(main, created)).status_code == 302

    assert prompt_heard("after").startswith("Welcome to Acme.")


def saved_twice_first_leading_to_extra(client, menu_tree):
    """main saved twice: option 1 of version one leads to a new menu, extra;
    of version two, to sales. Returns (main, extra, version one)."""
    main = menu_tree["main"]
    extra = Menu.objects.create(key="extra", name="Extra", prompt="Extra.")
    edit_menu(client, main, prompt="Version one.", option_1={"target_menu": extra.pk})
    version_one = main.history.first()
    edit_menu(
        client,
        main,
        prompt="Version two.",
        option_1={"target_menu": menu_tree["sales"].pk},
    )
    return main, extra, version_one


def test_a_revert_that_cannot_restore_an_option_changes_nothing(
    client, login, menu_tree
):
    login("alice", EDITORS)
    main, extra, version_one = saved_twice_first_leading_to_extra(client, menu_tree)
    extra.delete()

    response = revert(client, version_url(main, version_one))

    assert response.status_code == 302
    problem = OPTION_NOT_RESTORABLE.format(digits="1", problem=TARGET_MENU_DELETED)
    assert REVERT_REFUSED.format(problem=problem) in shown_messages(client, response)
    main.refresh_from_db()
    assert main.prompt == "Version two."
    assert main.options.get(digits="1").target_menu == menu_tree["sales"]


def test_a_revert_that_would_break_live_calls_is_refused(client, login, menu_tree):
    login("alice", EDITORS)
    main, extra, version_one = saved_twice_first_leading_to_extra(client, menu_tree)
    extra.is_active = False  # nothing leads there any more: allowed
    extra.save()

    response = revert(client, version_url(main, version_one))

    shown = " ".join(shown_messages(client, response))
    assert "Nothing was reverted" in shown
    assert "option 1" in shown
    assert "extra" in shown
    main.refresh_from_db()
    assert main.prompt == "Version two."
    assert main.options.get(digits="1").target_menu == menu_tree["sales"]


@pytest.mark.parametrize("model", [Menu, Number])
def test_a_revert_after_someone_else_saved_is_refused(client, login, menu_tree, model):
    obj = menu_tree["main"] if model is Menu else Number.objects.get()
    created = obj.history.get(history_type="+")
    login("alice", EDITORS)
    url = version_url(obj, created)
    page = client.get(url)
    obj.refresh_from_db()
    obj.label = obj.name = "Bob's"
    obj.save()  # by someone else, after the page was opened

    response = client.post(url, {"loaded": page.context["plan"].loaded})

    assert response.status_code == 302
    problem = PAGE_OUT_OF_DATE.format(thing=model._meta.verbose_name)
    assert shown_messages(client, response) == [REVERT_REFUSED.format(problem=problem)]
    obj.refresh_from_db()
    assert (obj.label if model is Number else obj.name) == "Bob's"


def test_a_number_is_reverted(client, login, menu_tree):
    number = Number.objects.get()
    created = number.history.get()
    login("alice", EDITORS)
    number.menu = menu_tree["sales"]
    number.save()

    response = revert(client, version_url(number, created))

    assert response.status_code == 302
    number.refresh_from_db()
    assert number.menu == menu_tree["main"]


# --- Undo one change ---------------------------------------------------------------


def _menu_prompt(menu_tree, client):
    """The menu's prompt changed, then its name: undo the prompt's change."""
    main = menu_tree["main"]
    edit_menu(client, main, prompt="Changed.")
    row = main.history.first()
    edit_menu(client, main, name="Front desk")
    return main, row


def _option_label(menu_tree, client):
    """An option's label changed, then the menu's prompt and the option's
    message: undo the label's change."""
    main = menu_tree["main"]
    edit_menu(client, main, option_3={"label": "Closed"})
    row = option_history(main, "3").first()
    edit_menu(
        client, main, prompt="Changed.", option_3={"message": "Closed until Monday."}
    )
    return main, row


def _option_added(menu_tree, client):
    main = menu_tree["main"]
    edit_menu(client, main, add={"digits": "7", "action": "say", "message": "Hi."})
    row = option_history(main, "7").first()
    edit_menu(client, main, prompt="Changed.")
    return main, row


def _option_deleted(menu_tree, client):
    main = menu_tree["main"]
    option_id = main.options.get(digits="0").pk
    edit_menu(client, main, delete_0=True)
    row = MenuOption.history.get(id=option_id, history_type="-")
    edit_menu(client, main, prompt="Changed.")
    return main, row


def _number_menu(menu_tree, client):
    number = Number.objects.get()
    edit_number(client, number, menu=menu_tree["sales"].pk)
    row = number.history.first()
    edit_number(client, number, label="Reception")
    return number, row


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        # What the object is after the undo: the change taken back, the
        # later changes to other fields kept.
        (
            _menu_prompt,
            lambda obj: (
                (obj.prompt.startswith("Welcome"), obj.name) == (True, "Front desk")
            ),
        ),
        (
            _option_label,
            lambda obj: (
                (
                    obj.prompt,
                    obj.options.get(digits="3").label,
                    obj.options.get(digits="3").message,
                )
                == ("Changed.", "", "Closed until Monday.")
            ),
        ),
        (
            _option_added,
            lambda obj: (
                (obj.prompt, obj.options.filter(digits="7").exists())
                == ("Changed.", False)
            ),
        ),
        (
            _option_deleted,
            lambda obj: (
                (obj.prompt, obj.options.get(digits="0").action)
                == ("Changed.", "hangup")
            ),
        ),
        (
            _number_menu,
            lambda obj: (obj.menu.key, obj.label) == ("main", "Reception"),
        ),
    ],
)
def test_undo_takes_back_one_change_and_keeps_the_later_ones(
    client, login, menu_tree, make, expected
):
    login("alice", EDITORS)
    obj, row = make(menu_tree, client)
    page = client.get(undo_url(obj, row))
    assert page.status_code == 200
    assert page.context["plan"].refusal is None

    # Whatever else is posted is not saved.
    response = client.post(undo_url(obj, row), {"prompt": "Edited", "label": "Edited"})

    assert response.status_code == 302
    obj.refresh_from_db()
    assert expected(obj)
    latest = type(obj).history.filter(id=obj.pk).order_by("-history_date").first()
    assert latest.history_change_reason == undid(row)
    assert shown_messages(client, response)[-1].startswith("Undid the change of")
    if isinstance(obj, Menu):
        # The option's row of the undo too, when it changed one.
        rows = MenuOption.history.filter(menu_id=obj.pk).order_by("-history_date")
        if row.instance_type is MenuOption:
            assert rows.first().history_change_reason == undid(row)
        assert "Edited" not in {
            obj.prompt,
            *obj.options.values_list("label", flat=True),
        }


def test_the_undo_page_shows_what_goes_back_whole(client, login, menu_tree):
    main = menu_tree["main"]
    login("alice", EDITORS)
    edit_menu(client, main, prompt=LONG_PROMPT)
    edit_menu(client, main, prompt=SCRIPT)
    row = main.history.first()

    response = client.get(undo_url(main, row))

    assert response.context["plan"].changes == [Change("Prompt", SCRIPT, LONG_PROMPT)]
    html = response.content.decode()
    assert LONG_PROMPT in html
    assert escape(SCRIPT) in html
    assert 'value="Undo this change"' in html


def _later_prompt(menu_tree, client):
    main = menu_tree["main"]
    edit_menu(client, main, prompt="First.", name="Front desk")
    row = main.history.first()
    edit_menu(client, main, prompt="Second.")
    return main, row, main.history.first(), "Prompt"


def _later_label(menu_tree, client):
    main = menu_tree["main"]
    edit_menu(client, main, option_3={"label": "Closed"})
    row = option_history(main, "3").first()
    edit_menu(client, main, option_3={"label": "Shut"})
    return main, row, option_history(main, "3").first(), "Label"


def _later_number(menu_tree, client):
    number = Number.objects.get()
    edit_number(client, number, menu=menu_tree["sales"].pk, label="Sales")
    row = number.history.first()
    edit_number(client, number, menu=menu_tree["main"].pk, label="Main")
    return number, row, number.history.first(), "Menu and Label"


@pytest.mark.parametrize("make", [_later_prompt, _later_label, _later_number])
def test_undo_is_refused_when_a_later_change_touched_the_same_fields(
    client, login, menu_tree, make
):
    login("alice", EDITORS)
    obj, row, later, fields = make(menu_tree, client)
    before = type(obj).objects.get(pk=obj.pk)
    refusal = UNDO_LATER_CHANGE.format(fields=fields, change=_name(later))

    page = client.get(undo_url(obj, row))
    response = client.post(undo_url(obj, row))

    assert page.context["plan"].refusal == refusal
    assert 'value="Undo this change"' not in page.content.decode()
    # The full revert is offered instead: to the version before the change.
    revert_to = page.context["revert_url"]
    assert revert_to.endswith(f"/history/{_version_before(obj, row)}/")
    assert UNDO_REFUSED.format(problem=refusal) in shown_messages(client, response)
    obj.refresh_from_db()
    assert [getattr(obj, f.attname) for f in obj._meta.concrete_fields] == [
        getattr(before, f.attname) for f in obj._meta.concrete_fields
    ]


def _name(row) -> str:
    when = dateformat.format(timezone.localtime(row.history_date), "j M H:i")
    return f"{when} by {row.history_user.get_username()}"


def _version_before(obj, row) -> int:
    """The history id of the object's version just before `row` (for an
    option's, the menu's before the save it was part of)."""
    if row.instance_type is not MenuOption:
        return row.prev_record.history_id
    versions = obj.history.filter(history_date__lte=row.history_date)
    return versions.order_by("-history_date")[1].history_id


def test_undo_of_an_added_option_changed_later_is_refused(client, login, menu_tree):
    login("alice", EDITORS)
    main, row = _option_added(menu_tree, client)
    edit_menu(client, main, option_7={"label": "Hello"})
    later = option_history(main, "7").first()

    response = client.post(undo_url(main, row))

    refusal = UNDO_OPTION_CHANGED_LATER.format(subject="Option 7", change=_name(later))
    assert UNDO_REFUSED.format(problem=refusal) in shown_messages(client, response)
    assert main.options.filter(digits="7").exists()


def test_undo_of_a_change_to_an_option_deleted_since_is_refused(
    client, login, menu_tree
):
    login("alice", EDITORS)
    main = menu_tree["main"]
    edit_menu(client, main, option_3={"label": "Closed"})
    row = option_history(main, "3").first()
    edit_menu(client, main, delete_3=True)
    gone = MenuOption.history.get(id=row.id, history_type="-")

    response = client.post(undo_url(main, row))

    refusal = UNDO_DELETED_LATER.format(
        subject="Option 3 (“Closed”)", change=_name(gone)
    )
    assert UNDO_REFUSED.format(problem=refusal) in shown_messages(client, response)
    assert not main.options.filter(digits="3").exists()


def test_undo_of_a_deletion_already_reverted_is_refused(client, login, menu_tree):
    login("alice", EDITORS)
    main, row = _option_deleted(menu_tree, client)
    before = main.history.get(history_id=_version_before(main, row))
    assert revert(client, version_url(main, before)).status_code == 302
    back = MenuOption.history.filter(id=row.id).first()

    response = client.post(undo_url(main, row))

    refusal = UNDO_BACK_ALREADY.format(subject="Option 0", change=_name(back))
    assert UNDO_REFUSED.format(problem=refusal) in shown_messages(client, response)
    assert main.options.filter(digits="0").count() == 1


def test_an_undo_that_would_break_live_calls_is_refused(client, login, menu_tree):
    main = menu_tree["main"]
    extra = Menu.objects.create(key="extra", name="Extra", prompt="Extra.")
    login("alice", EDITORS)
    edit_menu(client, main, option_1={"target_menu": extra.pk})
    edit_menu(client, main, option_1={"target_menu": menu_tree["sales"].pk})
    row = option_history(main, "1").first()
    extra.is_active = False  # nothing leads there any more: allowed
    extra.save()

    response = client.post(undo_url(main, row))

    shown = " ".join(shown_messages(client, response))
    assert "Nothing was undone." in shown
    assert "option 1" in shown
    assert "extra" in shown
    assert main.options.get(digits="1").target_menu == menu_tree["sales"]
    assert option_history(main, "1").first() == row


def test_an_undo_that_would_reuse_taken_keys_is_refused(client, login, menu_tree):
    main = menu_tree["main"]
    login("alice", EDITORS)
    edit_menu(client, main, option_3={"digits": "5"})
    row = option_history(main, "5").first()
    edit_menu(client, main, add={"digits": "3", "action": "hangup"})

    response = client.post(undo_url(main, row))

    problem = OPTION_NOT_RESTORABLE.format(
        digits="3", problem="Another option of this menu uses these keys."
    )
    assert UNDO_REFUSED.format(problem=problem) in shown_messages(client, response)
    assert main.options.get(digits="5").action == "say"


def test_an_undo_that_leaves_an_option_out_of_reach_is_refused(
    client, login, menu_tree
):
    main = menu_tree["main"]
    login("alice", EDITORS)
    edit_menu(client, main, max_digits=1)
    edit_menu(client, main, max_digits=2, complete_on_hash="true")
    row = main.history.first()
    edit_menu(client, main, add={"digits": "12", "action": "hangup"})

    response = client.post(undo_url(main, row))

    [refused] = [m for m in shown_messages(client, response) if "undone" in m]
    assert refused.startswith(UNDO_REFUSED.format(problem=""))
    assert OPTION_TOO_LONG.format(digits="12", length=2, maximum=1) in refused
    main.refresh_from_db()
    assert (main.max_digits, main.complete_on_hash) == (2, True)


def test_each_change_in_the_history_offers_its_undo(client, login, menu_tree):
    main = menu_tree["main"]
    login("alice", EDITORS)
    edit_menu(client, main, prompt="Changed.", option_2={"label": "Operator"})

    response = client.get(admin_url(Menu, "history", main.pk))

    entries = list(response.context["page_obj"])
    html = response.content.decode()
    # Every line but the menu's creation, which is not undone from here.
    undoable = [e for e in entries if e.undoable]
    assert len(undoable) == len(entries) - 1
    assert not next(e for e in entries if e.is_menu and e.action == "added").undoable
    for entry in undoable:
        assert undo_url(main, entry.record) in html
    assert html.count('class="audit-undo"') == len(undoable)


# --- Permissions -------------------------------------------------------------------


@pytest.mark.parametrize("model", [Menu, Number])
def test_a_viewer_sees_the_history_but_cannot_revert_or_undo(
    client, login, menu_tree, model
):
    obj = menu_tree["main"] if model is Menu else Number.objects.get()
    version = obj.history.earliest()
    obj.label = obj.name = "Changed"
    obj.save()  # a later version, to revert from
    change = obj.history.latest()
    login("victor", VIEWERS)
    url = version_url(obj, version)

    history = client.get(admin_url(model, "history", obj.pk))
    page = client.get(url)
    refused = client.post(url, {"loaded": page.context["plan"].loaded})

    assert history.status_code == 200
    assert b"View or revert" not in history.content
    assert b"Undo this change" not in history.content
    assert page.status_code == 200
    assert b"Revert to this version" not in page.content
    assert refused.status_code == 403
    assert client.get(undo_url(obj, change)).status_code == 403
    assert client.post(undo_url(obj, change)).status_code == 403
    assert obj.history.count() == 2


def test_staff_without_a_role_cannot_see_the_history(client, menu_tree):
    main = menu_tree["main"]
    client.force_login(User.objects.create_user("nobody", is_staff=True))
    version = main.history.get()

    assert client.get(admin_url(Menu, "history", main.pk)).status_code == 403
    assert client.get(version_url(main, version)).status_code == 403


def test_revert_and_undo_need_the_csrf_token(menu_tree):
    main = menu_tree["main"]
    version = main.history.get()
    main.prompt = "Changed."
    main.save()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(User.objects.create_superuser("root"))
    page = browser.get(version_url(main, version))

    without_token = browser.post(
        version_url(main, version), {"loaded": page.context["plan"].loaded}
    )
    undo_without_token = browser.post(undo_url(main, main.history.first()))

    assert (without_token.status_code, undo_without_token.status_code) == (403, 403)
    main.refresh_from_db()
    assert main.prompt == "Changed."


def test_an_undo_address_for_another_objects_row_is_not_found(admin_client, menu_tree):
    main, sales = menu_tree["main"], menu_tree["sales"]
    row = sales.options.first().history.first()

    response = admin_client.get(undo_url(main, row))

    assert response.status_code == 404


# --- The importer ------------------------------------------------------------------


def test_an_import_records_history_naming_the_file(tmp_path):
    call_command("ivr_import", str(DEMO_FILE), stdout=io.StringIO())
    main = Menu.objects.get(key="main")
    reasons = {
        *Menu.history.values_list("history_change_reason", flat=True),
        *MenuOption.history.values_list("history_change_reason", flat=True),
        *Number.history.values_list("history_change_reason", flat=True),
    }
    assert reasons == {"imported from demo.yaml"}
    assert main.history.filter(history_type="+").exists()
    assert MenuOption.history.filter(menu_id=main.pk).count() == main.options.count()
    assert Number.history.get(number=VIRTUAL_NUMBER).menu_id == main.pk

    changed = tmp_path / "fewer.yaml"
    changed.write_text(
        "menus:\n"
        "  - key: main\n"
        "    name: Main menu\n"
        "    prompt: Only this now.\n"
        "    options: [{digits: '9', action: repeat}]\n"
    )
    call_command("ivr_import", str(changed), stdout=io.StringIO())

    assert main.history.first().history_change_reason == "imported from fewer.yaml"
    removed = MenuOption.history.filter(menu_id=main.pk, history_type="-")
    assert removed.count() == 5
    assert set(removed.values_list("history_change_reason", flat=True)) == {
        "imported from fewer.yaml"
    }
