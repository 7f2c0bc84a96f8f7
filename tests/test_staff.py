"""Staff accounts (`ivr.admin.staff`): a superuser adds a person with their
role in one form and the person can log in at once; the user list shows each
user's role; the login page says what to do when an account may not use the
admin, in the same words as for a wrong password."""

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import reverse

from ivr.admin import staff
from ivr.roles import EDITORS, VIEWERS

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-staff-password-42"
LOGIN_URL = reverse("admin:login")
INDEX_URL = reverse("admin:index")
ADD_URL = reverse("admin:auth_user_add")
LIST_URL = reverse("admin:auth_user_changelist")


def add_user(client, role, **fields):
    data = {
        "username": "dana",
        "usable_password": "true",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "role": role,
        **fields,
    }
    return client.post(ADD_URL, data)


def log_in(username, password=PASSWORD):
    client = Client()
    response = client.post(
        LOGIN_URL,
        {"username": username, "password": password, "next": INDEX_URL},
    )
    return client, response


def login_error(response) -> str:
    return " ".join(response.context["form"].non_field_errors())


# --- Adding a person with their role -------------------------------------------

ROLES = {
    # role: (the group, Staff status, logs in to the admin)
    staff.EDITOR: (EDITORS, True),
    staff.VIEWER: (VIEWERS, True),
    staff.API_READER: (VIEWERS, False),
    staff.NO_ROLE: (None, False),
}


@pytest.mark.parametrize(("role", "expected"), list(ROLES.items()), ids=list(ROLES))
def test_a_person_is_added_with_their_role(admin_client, role, expected):
    group, is_staff = expected

    response = add_user(admin_client, role)

    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(username="dana")
    assert user.is_staff is is_staff
    assert not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == (
        [group] if group else []
    )


@pytest.mark.parametrize("role", [staff.EDITOR, staff.VIEWER])
def test_an_added_editor_or_viewer_logs_in_at_once(admin_client, menu_tree, role):
    add_user(admin_client, role)

    client, response = log_in("dana")

    assert response.status_code == 302
    index = client.get(INDEX_URL)
    assert index.status_code == 200
    assert reverse("admin:ivr_menu_changelist") in index.content.decode()


def test_the_add_form_asks_for_the_role(admin_client):
    response = admin_client.get(ADD_URL)

    html = response.content.decode()
    for value, label in staff.ROLE_CHOICES:
        assert f'value="{value}"' in html
        assert label in html
    assert "the person's role" in html


def test_the_role_must_be_chosen(admin_client):
    response = add_user(admin_client, "")

    assert response.status_code == 200
    assert "role" in response.context["adminform"].form.errors
    assert not User.objects.filter(username="dana").exists()


def test_an_editor_without_a_password_is_refused(admin_client):
    response = add_user(
        admin_client, staff.EDITOR, usable_password="false", password1="", password2=""
    )

    form = response.context["adminform"].form
    assert form.errors["role"] == [staff.ROLE_NEEDS_LOGIN]
    assert not User.objects.filter(username="dana").exists()


def test_a_reporting_account_needs_no_password(admin_client):
    response = add_user(
        admin_client,
        staff.API_READER,
        usable_password="false",
        password1="",
        password2="",
    )

    assert response.status_code == 302
    user = User.objects.get(username="dana")
    assert not user.has_usable_password()
    assert not user.is_staff


def test_a_missing_group_is_said_not_crashed_on(admin_client):
    Group.objects.filter(name=EDITORS).delete()

    response = add_user(admin_client, staff.EDITOR)

    assert response.context["adminform"].form.errors["role"] == [
        staff.GROUP_MISSING.format(group=EDITORS)
    ]


def test_only_superusers_add_people(client, menu_tree):
    editor = User.objects.create_user("ed", password=PASSWORD, is_staff=True)
    editor.groups.add(Group.objects.get(name=EDITORS))
    client.force_login(editor)

    assert client.get(ADD_URL).status_code == 403
    assert add_user(client, staff.EDITOR).status_code == 403
    assert not User.objects.filter(username="dana").exists()


# --- The user list ---------------------------------------------------------------


def make_user(username, *, groups=(), **fields):
    user = User.objects.create_user(username, **fields)
    for name in groups:
        user.groups.add(Group.objects.get_or_create(name=name)[0])
    return user


def test_the_user_list_shows_each_users_role(admin_client):
    make_user("ed", groups=[EDITORS], is_staff=True)
    make_user("vi", groups=[VIEWERS], is_staff=True)
    make_user("both", groups=[VIEWERS, "Night shift"], is_staff=True)
    make_user("tool", groups=[VIEWERS])
    make_user("forgot", groups=[EDITORS])
    make_user("nobody", is_staff=True)
    make_user("gone", groups=[EDITORS], is_staff=True, is_active=False)

    response = admin_client.get(LIST_URL)

    roles = {
        user.username: staff.user_role(user)
        for user in response.context["cl"].result_list
    }
    assert roles == {
        "admin": staff.SUPERUSER,
        "ed": "IVR editor",
        "vi": "IVR viewer",
        "both": "IVR viewer, Night shift",
        "tool": staff.NO_ADMIN_LOGIN.format(role="IVR viewer"),
        "forgot": staff.NO_ADMIN_LOGIN.format(role="IVR editor"),
        "nobody": staff.NO_ROLE_SHOWN,
        "gone": staff.INACTIVE.format(role="IVR editor"),
    }
    html = response.content.decode()
    assert "IVR viewer, Night shift" in html
    assert '<th scope="col" class="column-role">' in html


def test_the_user_list_reads_the_groups_in_one_query(
    admin_client, django_assert_max_num_queries
):
    for index in range(3):
        make_user(f"ed{index}", groups=[EDITORS], is_staff=True)
    admin_client.get(LIST_URL)  # the session, warmed
    with django_assert_max_num_queries(8) as few:
        admin_client.get(LIST_URL)
    for index in range(3, 20):
        make_user(f"ed{index}", groups=[EDITORS], is_staff=True)

    with django_assert_max_num_queries(len(few.captured_queries)):
        admin_client.get(LIST_URL)


# --- Logging in ------------------------------------------------------------------


def test_an_account_without_staff_status_is_told_to_ask_for_it():
    make_user("forgot", groups=[EDITORS], password=PASSWORD)

    client, response = log_in("forgot")

    assert response.status_code == 200
    message = staff.INVALID_LOGIN % {"username": "username"}
    assert login_error(response) == message
    assert "ask an administrator to tick its Staff status" in message
    assert client.get(INDEX_URL).status_code == 302  # still logged out


def test_the_message_does_not_tell_whether_the_password_was_right():
    """The same words for a wrong password, a right one without Staff
    status, an inactive account and an unknown one: a person guessing
    passwords learns nothing from the page."""
    make_user("forgot", password=PASSWORD)
    make_user("staff", password=PASSWORD, is_staff=True)
    make_user("gone", password=PASSWORD, is_staff=True, is_active=False)

    pages = [
        log_in("forgot")[1],
        log_in("staff", "wrong-password")[1],
        log_in("gone")[1],
        log_in("nobody-by-that-name")[1],
    ]

    assert len({login_error(page) for page in pages}) == 1
    assert {page.status_code for page in pages} == {200}


def test_staff_still_log_in():
    make_user("staff", password=PASSWORD, is_staff=True)

    _, response = log_in("staff")

    assert response.status_code == 302
    assert response["Location"] == INDEX_URL
