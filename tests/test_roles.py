"""The staff roles (`ivr.roles`): the groups exist after migrate with exactly
their permissions, and real staff users in each see in the admin exactly
what their role allows."""

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.management import call_command
from django.urls import reverse

from ivr.models import Call, CallEvent, CallLeg, Menu, Number
from ivr.roles import EDITORS, ROLES, VIEWERS, roles_update
from tests.admin_forms import admin_url, menu_form_data
from tests.history_rows import make_event

pytestmark = pytest.mark.django_db

EDITOR = "editor"
VIEWER = "viewer"
NO_ROLE = "no role"
GROUPS = {EDITOR: EDITORS, VIEWER: VIEWERS, NO_ROLE: None}


def group_codenames(name: str) -> set[str]:
    group = Group.objects.get(name=name)
    return set(group.permissions.values_list("codename", flat=True))


@pytest.fixture
def staff(db):
    """A client logged in as an active staff user of the given role."""

    def login(role: str, client):
        user = User.objects.create_user(role.replace(" ", "-"), is_staff=True)
        if GROUPS[role]:
            user.groups.add(Group.objects.get(name=GROUPS[role]))
        client.force_login(user)
        return client

    return login


@pytest.fixture
def history(menu_tree):
    """A call with one event, as the webhooks store them."""
    event = make_event(
        session_id="call-1",
        occurred_at=datetime(2024, 11, 11, 9, 30, tzinfo=UTC),
        menu=menu_tree["main"],
    )
    return event


# --- The groups ----------------------------------------------------------------

EXPECTED = {
    EDITORS: {
        *(
            f"{action}_{model}"
            for model in ("menu", "menuoption", "number")
            for action in ("view", "add", "change", "delete")
        ),
        "view_callevent",
        "view_call",
        "view_callleg",
        "view_publication",
        "add_publication",
        "view_voiceprofile",
    },
    VIEWERS: {
        "view_menu",
        "view_menuoption",
        "view_number",
        "view_callevent",
        "view_call",
        "view_callleg",
        "view_publication",
        "view_voiceprofile",
    },
}


@pytest.mark.parametrize("name", [EDITORS, VIEWERS])
def test_migrate_created_each_group_with_exactly_its_permissions(name):
    # The test database was built by migrate: no call to roles_update here.
    assert group_codenames(name) == EXPECTED[name]
    assert set(ROLES[name]) == EXPECTED[name]


def test_every_permission_of_the_roles_is_one_of_this_app():
    for codenames in ROLES.values():
        found = Permission.objects.filter(
            content_type__app_label="ivr", codename__in=codenames
        )
        assert found.count() == len(codenames)


def test_migrate_puts_the_groups_back_as_the_code_says():
    editors = Group.objects.get(name=EDITORS)
    editors.permissions.add(Permission.objects.get(codename="add_user"))
    Group.objects.get(name=VIEWERS).delete()

    call_command("migrate", verbosity=0, skip_checks=True)

    for name in (EDITORS, VIEWERS):
        assert group_codenames(name) == EXPECTED[name]


def test_updating_the_roles_twice_changes_nothing():
    roles_update()
    before = {name: group_codenames(name) for name in ROLES}
    roles_update()
    assert {name: group_codenames(name) for name in ROLES} == before
    assert Group.objects.filter(name__in=ROLES).count() == 2


def test_a_user_in_the_group_keeps_it_when_the_roles_are_updated():
    user = User.objects.create_user("kept", is_staff=True)
    user.groups.add(Group.objects.get(name=VIEWERS))
    roles_update()
    user = User.objects.get(pk=user.pk)
    assert user.has_perm("ivr.view_call")
    assert not user.has_perm("ivr.change_menu")


# --- The admin, as each role ------------------------------------------------------

# Expected status of each admin page: (editor, viewer, staff without a role).
PAGES = [
    (Menu, "changelist", (200, 200, 403)),
    (Menu, "change", (200, 200, 403)),
    (Menu, "history", (200, 200, 403)),
    (Menu, "add", (200, 403, 403)),
    (Menu, "delete", (200, 403, 403)),
    (Number, "changelist", (200, 200, 403)),
    (Number, "change", (200, 200, 403)),
    (Number, "add", (200, 403, 403)),
    (Number, "delete", (200, 403, 403)),
    (CallEvent, "changelist", (200, 200, 403)),
    (CallEvent, "change", (200, 200, 403)),
    (CallEvent, "add", (403, 403, 403)),
    (CallEvent, "delete", (403, 403, 403)),
    (Call, "changelist", (200, 200, 403)),
    (Call, "change", (200, 200, 403)),
    (Call, "add", (403, 403, 403)),
    (Call, "delete", (403, 403, 403)),
]


def page_url(model, view):
    if view in ("changelist", "add"):
        return admin_url(model, view)
    return admin_url(model, view, model.objects.order_by("pk").first().pk)


@pytest.mark.parametrize("role", [EDITOR, VIEWER, NO_ROLE])
@pytest.mark.parametrize(
    ("model", "view", "statuses"),
    PAGES,
    ids=[f"{model.__name__}-{view}" for model, view, _ in PAGES],
)
def test_each_admin_page_opens_only_as_the_role_allows(
    client, staff, history, role, model, view, statuses
):
    expected = dict(zip([EDITOR, VIEWER, NO_ROLE], statuses, strict=True))[role]
    response = staff(role, client).get(page_url(model, view))
    assert response.status_code == expected


# What the admin index lists, and which rights it shows on each model.
INDEX = {
    EDITOR: {
        "Menu": {"view": True, "add": True, "change": True, "delete": True},
        "Number": {"view": True, "add": True, "change": True, "delete": True},
        "CallEvent": {"view": True, "add": False, "change": False, "delete": False},
        "Call": {"view": True, "add": False, "change": False, "delete": False},
        # Published by the "Publish" page, never added as a form.
        "Publication": {"view": True, "add": False, "change": False, "delete": False},
        # 8x8's list, fetched by `manage.py ivr_8x8_voices`.
        "VoiceProfile": {"view": True, "add": False, "change": False, "delete": False},
    },
    VIEWER: {
        "Menu": {"view": True, "add": False, "change": False, "delete": False},
        "Number": {"view": True, "add": False, "change": False, "delete": False},
        "CallEvent": {"view": True, "add": False, "change": False, "delete": False},
        "Call": {"view": True, "add": False, "change": False, "delete": False},
        # Published by the "Publish" page, never added as a form.
        "Publication": {"view": True, "add": False, "change": False, "delete": False},
        # 8x8's list, fetched by `manage.py ivr_8x8_voices`.
        "VoiceProfile": {"view": True, "add": False, "change": False, "delete": False},
    },
    NO_ROLE: {},
}


@pytest.mark.parametrize("role", [EDITOR, VIEWER, NO_ROLE])
def test_the_admin_index_lists_what_the_role_may_see(client, staff, role):
    response = staff(role, client).get(reverse("admin:index"))
    assert response.status_code == 200
    listed = {
        model["object_name"]: model["perms"]
        for app in response.context["app_list"]
        for model in app["models"]
    }
    assert listed == INDEX[role]
    # No user or group admin: staff cannot grant themselves more.
    assert [app["app_label"] for app in response.context["app_list"]] == (
        ["ivr"] if INDEX[role] else []
    )


@pytest.mark.parametrize(
    ("role", "model", "add_button"),
    [
        (EDITOR, Menu, True),
        (EDITOR, Number, True),
        (EDITOR, CallEvent, False),
        (EDITOR, Call, False),
        (VIEWER, Menu, False),
        (VIEWER, Number, False),
        (VIEWER, CallEvent, False),
        (VIEWER, Call, False),
    ],
)
def test_add_buttons_show_only_where_the_role_may_add(
    client, staff, history, role, model, add_button
):
    response = staff(role, client).get(admin_url(model, "changelist"))
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["has_add_permission"] is add_button
    assert (f'href="{admin_url(model, "add")}"' in html) is add_button
    if role == VIEWER:  # not in the page's tools nor in the side menu
        assert 'class="addlink"' not in html


def test_an_editor_saves_a_menu_and_its_options(client, staff, menu_tree):
    main = menu_tree["main"]
    data = menu_form_data(main)
    data["prompt"] = "Edited by an editor."
    data["options-0-label"] = "Edited option"

    response = staff(EDITOR, client).post(admin_url(Menu, "change", main.pk), data)

    assert response.status_code == 302
    main.refresh_from_db()
    assert main.prompt == "Edited by an editor."
    assert main.options.order_by("digits").first().label == "Edited option"


def test_a_viewer_sees_a_menu_read_only_and_cannot_save_it(client, staff, menu_tree):
    main = menu_tree["main"]
    viewer = staff(VIEWER, client)
    url = admin_url(Menu, "change", main.pk)

    page = viewer.get(url)
    data = menu_form_data(main)
    data["prompt"] = "Edited by a viewer."
    refused = viewer.post(url, data)

    html = page.content.decode()
    assert page.context["has_change_permission"] is False
    assert 'name="_save"' not in html
    assert "Welcome to Acme." in html  # the prompt, shown as text
    assert 'name="prompt"' not in html
    assert 'name="options-0-digits"' not in html
    (options,) = page.context["inline_admin_formsets"]
    assert (options.has_add_permission, options.has_change_permission) == (
        False,
        False,
    )
    shown = [form.original.pk for form in options]
    assert shown == list(main.options.values_list("pk", flat=True))
    assert refused.status_code == 403
    main.refresh_from_db()
    assert main.prompt.startswith("Welcome to Acme.")


def test_a_viewer_cannot_add_or_delete_a_number(client, staff, menu_tree):
    number = Number.objects.get()
    viewer = staff(VIEWER, client)

    added = viewer.post(
        admin_url(Number, "add"), {"number": "+6531580000", "menu": number.menu_id}
    )
    deleted = viewer.post(admin_url(Number, "delete", number.pk), {"post": "yes"})

    assert (added.status_code, deleted.status_code) == (403, 403)
    assert list(Number.objects.values_list("number", flat=True)) == [number.number]


def test_an_editor_adds_and_deletes_a_number(client, staff, menu_tree):
    editor = staff(EDITOR, client)
    added = editor.post(
        admin_url(Number, "add"),
        {"number": "+6531580000", "menu": menu_tree["sales"].pk, "label": ""},
    )
    assert added.status_code == 302
    number = Number.objects.get(number="+6531580000")

    deleted = editor.post(admin_url(Number, "delete", number.pk), {"post": "yes"})

    assert deleted.status_code == 302
    assert not Number.objects.filter(number="+6531580000").exists()


@pytest.mark.parametrize("role", [EDITOR, VIEWER])
@pytest.mark.parametrize("model", [CallEvent, Call])
def test_nobody_changes_the_call_history(client, staff, history, role, model):
    obj = model.objects.get()
    user = staff(role, client)
    url = admin_url(model, "change", obj.pk)

    page = user.get(url)
    refused = user.post(url, {})
    deleted = user.post(admin_url(model, "delete", obj.pk), {"post": "yes"})

    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert (refused.status_code, deleted.status_code) == (403, 403)
    assert model.objects.filter(pk=obj.pk).exists()


@pytest.mark.parametrize("role", [EDITOR, VIEWER])
def test_an_event_links_to_its_menu_which_the_role_can_open(
    client, staff, history, role
):
    user = staff(role, client)
    page = user.get(admin_url(CallEvent, "change", history.pk))
    menu_url = admin_url(Menu, "change", history.menu_id)
    assert menu_url in page.content.decode()
    assert user.get(menu_url).status_code == 200


@pytest.mark.parametrize("role", [EDITOR, VIEWER])
def test_a_call_page_shows_its_events_and_legs_to_the_role(
    client, staff, history, role
):
    page = staff(role, client).get(admin_url(Call, "change", history.session_id))
    inlines = {inline.opts.model for inline in page.context["inline_admin_formsets"]}
    assert inlines == {CallEvent, CallLeg}
