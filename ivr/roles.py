"""The staff roles: two groups whose permissions are set here, in code.

| Group | Menus, their options, numbers | Calls, their legs, call events |
| --- | --- | --- |
| IVR editors | view, add, change, delete | view |
| IVR viewers | view | view |

Editors also publish the menus and roll them back (add a published
version); viewers see the published versions. Both see 8x8's voices (the
list menus choose their voice from), which nobody edits in the admin.

Viewers see the menus and numbers read-only because the call history names
them: an event links to its menu, and a call is only understood next to the
menu it went through. Nobody, superusers included, adds or changes call
events, calls or legs (the admin refuses it, see `admin.ReadOnlyAdminMixin`).

`roles_update` runs after every `migrate` (connected in `apps.IvrConfig`)
and sets each group to exactly these permissions, so the roles need no data
migration and a change made to these two groups in the admin is undone by
the next migrate: give other rights through another group.
"""

import logging
import sys

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import DEFAULT_DB_ALIAS, router, transaction

logger = logging.getLogger(__name__)

EDITORS = "IVR editors"
VIEWERS = "IVR viewers"

APP_LABEL = "ivr"
MENU_MODELS = ("menu", "menuoption", "number")
HISTORY_MODELS = ("callevent", "call", "callleg")
PUBLISHING_MODELS = ("publication",)
VOICE_MODELS = ("voiceprofile",)
ALL_ACTIONS = ("view", "add", "change", "delete")


def _codenames(models: tuple[str, ...], actions: tuple[str, ...]) -> list[str]:
    return [f"{action}_{model}" for model in models for action in actions]


# Each group's permissions, as codenames of this app's models.
ROLES: dict[str, frozenset[str]] = {
    EDITORS: frozenset(
        _codenames(MENU_MODELS, ALL_ACTIONS)
        + _codenames(HISTORY_MODELS, ("view",))
        + _codenames(PUBLISHING_MODELS, ("view", "add"))
        + _codenames(VOICE_MODELS, ("view",))
    ),
    VIEWERS: frozenset(
        _codenames(MENU_MODELS, ("view",))
        + _codenames(HISTORY_MODELS, ("view",))
        + _codenames(PUBLISHING_MODELS, ("view",))
        + _codenames(VOICE_MODELS, ("view",))
    ),
}


def roles_update(
    *, apps=global_apps, using=DEFAULT_DB_ALIAS, verbosity=1, **kwargs
) -> None:
    """Create the groups of ROLES that are missing and set each one's
    permissions to exactly those listed; does nothing where the auth tables
    are not migrated. Safe to run any number of times.

    Takes the arguments of the `post_migrate` signal; `apps` is the
    migrated state, as a data migration would use.
    """
    try:
        group_model = apps.get_model("auth", "Group")
        permission_model = apps.get_model("auth", "Permission")
    except LookupError:
        return
    if not router.allow_migrate_model(using, group_model):
        return
    # Django's own post_migrate handler creates this app's permissions; it
    # runs first when auth is listed before this app, but need not be.
    create_permissions(
        global_apps.get_app_config(APP_LABEL),
        verbosity=0,
        interactive=False,
        using=using,
        apps=apps,
    )
    with transaction.atomic(using=using):
        for name, codenames in ROLES.items():
            permissions = list(
                permission_model.objects.using(using).filter(
                    content_type__app_label=APP_LABEL, codename__in=codenames
                )
            )
            missing = codenames - {permission.codename for permission in permissions}
            if missing:
                # A model of the role is not (or no longer) migrated: the
                # group gets the rest, never more than listed.
                logger.warning(
                    "Group %s: no permission %s", name, ", ".join(sorted(missing))
                )
            group, created = group_model.objects.using(using).get_or_create(name=name)
            group.permissions.set(permissions)
            if verbosity >= 2:
                stdout = kwargs.get("stdout") or sys.stdout
                stdout.write(f"{'Created' if created else 'Updated'} group {name}\n")
