"""Staff accounts: adding a person with their role in one form, the role of
each user in the user list, and what the login page says to an account that
may not use the admin.

A person can log in to the admin only with *Staff status* ticked, and sees
only what their group allows (`ivr.roles`). Django's own add form asks for a
username and password alone, leaving both to the next page, where they were
easily missed: the person's first login then failed with "enter the correct
username and password". Here the add form asks for the role, and ticks
*Staff status* and sets the group from it.
"""

from typing import NamedTuple

from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.db.models import Prefetch

from ivr.roles import EDITORS, VIEWERS

EDITOR, VIEWER, API_READER, NO_ROLE = "editor", "viewer", "api", "none"
ROLE_CHOICES = [
    (EDITOR, "IVR editor: builds the menus and numbers, publishes them, follows calls"),
    (VIEWER, "IVR viewer: reads the menus and follows calls, changes nothing"),
    (
        API_READER,
        "Reporting tool: reads the call history through the API with a token; "
        "never logs in to the admin",
    ),
    (NO_ROLE, "No role yet: no admin login until one is given on the next page"),
]


class Access(NamedTuple):
    group: str | None  # the group a role puts the user in
    staff: bool  # whether it ticks Staff status


ROLE_ACCESS = {
    EDITOR: Access(group=EDITORS, staff=True),
    VIEWER: Access(group=VIEWERS, staff=True),
    API_READER: Access(group=VIEWERS, staff=False),
    NO_ROLE: Access(group=None, staff=False),
}
ROLE_HELP = (
    "Editors and viewers get Staff status, so they can log in to the admin. "
    "For a superuser, or other rights, choose “No role yet” and set them on "
    "the next page."
)
ROLE_NEEDS_LOGIN = (
    "Editors and viewers log in with a password: enable password-based "
    "authentication, or choose “Reporting tool” for an account that only "
    "uses an API token."
)
GROUP_MISSING = "The group “{group}” is missing: run python manage.py migrate."

# The user list's role column. Role groups by the role's name, one person.
ROLE_NAMES = {EDITORS: "IVR editor", VIEWERS: "IVR viewer"}
SUPERUSER = "Superuser"
NO_ROLE_SHOWN = "No role"
NO_ADMIN_LOGIN = "{role} (no admin login: Staff status not ticked)"
INACTIVE = "{role} (inactive: cannot log in)"

# The login page's message for a wrong username or password, *and* for the
# right password of an account without Staff status (or inactive). Django says
# the first in both cases, so a person whose staff status was forgotten is
# told their password is wrong. Saying "this account may not use the admin"
# only once the password is right would tell anyone guessing the password of
# a non-staff account (the reporting tool's, say) that the guess was right:
# so the one message names both causes, whichever it is.
INVALID_LOGIN = (
    "Please enter the correct %(username)s and password; both are "
    "case-sensitive. If they are right, the account may not use the admin: "
    "ask an administrator to tick its Staff status."
)


class StaffLoginForm(AdminAuthenticationForm):
    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "invalid_login": INVALID_LOGIN,
    }


class StaffCreationForm(AdminUserCreationForm):
    """Django's add form, plus the role: Staff status and group follow from it."""

    role = forms.ChoiceField(
        choices=ROLE_CHOICES, widget=forms.RadioSelect, help_text=ROLE_HELP
    )

    group = None

    def clean_role(self):
        role = self.cleaned_data["role"]
        name = ROLE_ACCESS[role].group
        if name is not None:
            self.group = Group.objects.filter(name=name).first()
            if self.group is None:
                raise ValidationError(GROUP_MISSING.format(group=name))
        return role

    def clean(self):
        cleaned_data = super().clean()
        role = cleaned_data.get("role")
        # Django's clean() reads "usable_password" into "set_usable_password".
        if role and ROLE_ACCESS[role].staff and not cleaned_data["set_usable_password"]:
            self.add_error("role", ROLE_NEEDS_LOGIN)
        return cleaned_data

    def save(self, commit=True):
        self.instance.is_staff = ROLE_ACCESS[self.cleaned_data["role"]].staff
        return super().save(commit)

    def _save_m2m(self):
        # The admin saves the user first, then calls this (save_related).
        super()._save_m2m()
        if self.group is not None:
            self.instance.groups.add(self.group)


def user_role(user: User) -> str:
    """The user's role in words, saying when Staff status or Active keeps
    them out of the admin; reads the user's groups (prefetch them)."""
    if user.is_superuser:
        role = SUPERUSER
    else:
        names = {group.name for group in user.groups.all()}
        roles = [role for name, role in ROLE_NAMES.items() if name in names]
        roles += sorted(names - ROLE_NAMES.keys())
        role = ", ".join(roles) or NO_ROLE_SHOWN
        if not user.is_staff:
            role = NO_ADMIN_LOGIN.format(role=role)
    if not user.is_active:
        role = INACTIVE.format(role=role)
    return role


admin.site.login_form = StaffLoginForm
# django.contrib.auth is installed before this app: its admin is registered.
admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    add_form = StaffCreationForm
    add_form_template = "admin/auth/user/add_staff_form.html"
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "usable_password",
                    "password1",
                    "password2",
                    "role",
                ),
            },
        ),
    )
    list_display = ("username", "role", "first_name", "last_name", "email")

    def get_queryset(self, request):
        # The role column reads each user's groups: one query for the page.
        groups = Prefetch("groups", queryset=Group.objects.only("name"))
        return super().get_queryset(request).prefetch_related(groups)

    @admin.display(description="role")
    def role(self, user):
        return user_role(user)
