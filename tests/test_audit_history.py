"""The audit history: who changed which menu, option or number, when and
what; the menu's history page lists its options' changes with the diff; a
revert restores the menu and its options, and the next call hears it; the
importer leaves history too; staff who may only view cannot revert.
"""

import io

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.test import RequestFactory
from django.utils.html import escape
from simple_history.models import HistoricalRecords

from ivr.audit.admin import REVERT_REFUSED
from ivr.audit.records import CHANGE_REASON_MAX_CHARS, change_reason
from ivr.audit.versions import TARGET_MENU_DELETED, Change
from ivr.forms import MENU_CHANGED_MEANWHILE
from ivr.middleware import HistoryRequestMiddleware
from ivr.models import Menu, MenuOption, Number
from ivr.roles import EDITORS, VIEWERS
from tests.menus import VIRTUAL_NUMBER
from tests.test_admin import (
    _form_values,
    add_option,
    admin_url,
    menu_form_data,
    option_row,
    post_menu,
)
from tests.test_commands import DEMO_FILE
from tests.test_webhooks import answer

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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
    gives an option's changed fields, `delete_<digits>` deletes it."""
    menu.refresh_from_db()
    data = menu_form_data(menu)
    for name, value in changes.items():
        if name.startswith("option_"):
            row = option_row(data, name.removeprefix("option_"))
            data.update({row + field: v for field, v in value.items()})
        elif name.startswith("delete_"):
            data[option_row(data, name.removeprefix("delete_")) + "DELETE"] = "on"
        else:
            data[name] = value
    response = post_menu(client, menu, data)
    assert response.status_code == 302, response.context["errors"]


def version_url(menu: Menu, version) -> str:
    return admin_url(Menu, "simple_history", menu.pk, version.history_id)


def revert(client, url: str):
    """Open a version's page and press Revert, as staff do."""
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = _form_values({name: form[name].value() for name in form.fields})
    return client.post(url, {**data, "_save": "Revert"})


def options_of(menu: Menu) -> dict[str, tuple]:
    return {
        option.digits: (option.pk, option.label, option.action)
        for option in menu.options.all()
    }


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


# --- Revert ------------------------------------------------------------------------


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


def test_the_version_page_says_which_options_a_revert_brings_back(
    client, login, menu_tree
):
    main = menu_tree["main"]
    created = main.history.get(history_type="+")
    login("alice", EDITORS)
    edit_menu(client, main, delete_0=True, option_2={"label": SCRIPT})

    response = client.get(version_url(main, created))

    assert response.status_code == 200
    assert b'name="_save"' in response.content
    options = response.context["version_options"]
    assert len(options) == 7
    assert "Option 0: Hang up" in options
    adminform = response.context["adminform"]
    assert adminform.form["prompt"].value() == main.prompt
    # The preview is of the menu as saved now, not of this version.
    assert "Preview" not in [fieldset.name for fieldset in adminform]


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


def test_a_revert_that_cannot_restore_an_option_changes_nothing(
    client, login, menu_tree
):
    main = menu_tree["main"]
    extra = Menu.objects.create(key="extra", name="Extra", prompt="Extra.")
    login("alice", EDITORS)
    edit_menu(client, main, prompt="Version one.", option_1={"target_menu": extra.pk})
    version_one = main.history.first()
    edit_menu(
        client,
        main,
        prompt="Version two.",
        option_1={"target_menu": menu_tree["sales"].pk},
    )
    extra.delete()

    response = revert(client, version_url(main, version_one))

    assert response.status_code == 302
    problem = f"Option 1 can no longer be restored: {TARGET_MENU_DELETED}"
    shown = [str(m) for m in client.get(response.url).context["messages"]]
    assert REVERT_REFUSED.format(problem=problem) in shown
    main.refresh_from_db()
    assert main.prompt == "Version two."
    assert main.options.get(digits="1").target_menu == menu_tree["sales"]


def test_a_revert_after_someone_else_saved_the_menu_is_refused(
    client, login, menu_tree
):
    main = menu_tree["main"]
    created = main.history.get(history_type="+")
    login("alice", EDITORS)
    edit_menu(client, main, prompt="Alice's prompt.")
    page = client.get(version_url(main, created))
    form = page.context["adminform"].form
    data = _form_values({name: form[name].value() for name in form.fields})
    main.refresh_from_db()
    main.prompt = "Bob's prompt."
    main.save()  # by someone else, after the page was opened

    response = client.post(version_url(main, created), {**data, "_save": "Revert"})

    assert response.status_code == 200
    assert (
        response.context["adminform"]
        .form.non_field_errors()[0]
        .startswith(MENU_CHANGED_MEANWHILE.split(" at ")[0])
    )
    main.refresh_from_db()
    assert main.prompt == "Bob's prompt."


def test_a_number_is_reverted(client, login, menu_tree):
    number = Number.objects.get()
    created = number.history.get()
    login("alice", EDITORS)
    number.menu = menu_tree["sales"]
    number.save()
    url = admin_url(Number, "simple_history", number.pk, created.history_id)

    response = revert(client, url)

    assert response.status_code == 302
    number.refresh_from_db()
    assert number.menu == menu_tree["main"]


# --- Permissions -------------------------------------------------------------------


@pytest.mark.parametrize("model", [Menu, Number])
def test_a_viewer_sees_the_history_but_cannot_revert(client, login, menu_tree, model):
    obj = model.objects.get(key="main") if model is Menu else Number.objects.get()
    version = obj.history.earliest()
    obj.save()  # a later version, to revert from
    login("victor", VIEWERS)
    url = admin_url(model, "simple_history", obj.pk, version.history_id)

    history = client.get(admin_url(model, "history", obj.pk))
    page = client.get(url)
    refused = client.post(url, {"_save": "Revert"})

    assert history.status_code == 200
    assert b"View or revert" not in history.content
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert refused.status_code == 403
    assert obj.history.count() == 2


def test_staff_without_a_role_cannot_see_the_history(client, menu_tree):
    main = menu_tree["main"]
    client.force_login(User.objects.create_user("nobody", is_staff=True))
    version = main.history.get()

    assert client.get(admin_url(Menu, "history", main.pk)).status_code == 403
    assert client.get(version_url(main, version)).status_code == 403


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


def test_a_revert_that_would_break_live_calls_is_refused(client, login, menu_tree):
    main = menu_tree["main"]
    extra = Menu.objects.create(key="extra", name="Extra", prompt="Extra.")
    login("alice", EDITORS)
    edit_menu(client, main, prompt="Version one.", option_1={"target_menu": extra.pk})
    version_one = main.history.first()
    edit_menu(
        client,
        main,
        prompt="Version two.",
        option_1={"target_menu": menu_tree["sales"].pk},
    )
    extra.is_active = False  # nothing leads there any more: allowed
    extra.save()

    response = revert(client, version_url(main, version_one))

    shown = " ".join(str(m) for m in client.get(response.url).context["messages"])
    assert "Nothing was reverted" in shown
    assert "option 1" in shown
    assert "extra" in shown
    main.refresh_from_db()
    assert main.prompt == "Version two."
    assert main.options.get(digits="1").target_menu == menu_tree["sales"]
