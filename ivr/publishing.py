"""Staged publishing: the menus callers hear are a published version.

Until the first publication the line runs the menus as saved, so a small
team can edit and go. Once a version is published, saved edits are a draft:
callers keep hearing the published version until staff publish again, so a
change spread over several menus reaches callers all at once or not at all.

- A publication is a snapshot of every menu, option and number (the same
  plain data the decision code runs on), numbered 1, 2, 3…
- Each answer names its version in the clientActionId (`__v12`), so a call
  in progress keeps the version it started with, even across a publication
  or a rollback, on every app server.
- A rollback publishes an earlier version's snapshot again, as a new version:
  one action, and the draft is left as it is.
"""

import json
from dataclasses import dataclass

from django.db import transaction

from .core.graph import Problem, menu_graph
from .core.snapshot import IvrSnapshot, snapshot_from_dict, snapshot_to_dict
from .models import MenuTreeVersion, Publication
from .parsers import json_dumps
from .selectors import fallback_from_settings, ivr_snapshot_from_database
from .services import menu_tree_changed

NOT_PUBLISHED = "Not published, these would break live calls: {problems}"
NOTHING_TO_ROLL_BACK_TO = "There is no earlier published version to roll back to."
ROLLED_BACK = "Rolled back to version {version}."


class PublishingError(Exception):
    """Publishing or rolling back was refused; the message says why."""


# --- Reads -------------------------------------------------------------------


def live_publication() -> Publication | None:
    """The version callers hear; None before anything was published."""
    return Publication.objects.order_by("-id").first()


def live_snapshot_from_database() -> IvrSnapshot:
    """The menus callers hear: the live publication's (with its version),
    else the menus as saved (version None). One query, or the three of
    `ivr_snapshot_from_database` before the first publication."""
    data = Publication.objects.order_by("-id").values_list("id", "snapshot").first()
    if data is None:
        return ivr_snapshot_from_database()
    return publication_snapshot(*data)


def published_snapshot(version: int) -> IvrSnapshot | None:
    """The menus of published `version`; None when there is no such version."""
    data = Publication.objects.filter(pk=version).values_list("snapshot", flat=True)
    snapshot = data.first()
    return None if snapshot is None else publication_snapshot(version, snapshot)


def publication_snapshot(version: int, data: dict) -> IvrSnapshot:
    return snapshot_from_dict({**data, "version": version}, fallback_from_settings())


@dataclass(frozen=True)
class DraftChanges:
    """What publishing now would change for callers, in plain words."""

    added: list[str]  # menu keys
    removed: list[str]
    changed: list[str]
    other: list[str]  # numbers, the default menu

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed or self.other)


def draft_changes(
    draft: IvrSnapshot | None = None, live: Publication | None = None
) -> DraftChanges:
    """How the menus as saved differ from the live publication (everything
    is "added" before the first publication)."""
    if draft is None:
        draft = ivr_snapshot_from_database()
    draft_data = _comparable(snapshot_to_dict(draft))
    live = live if live is not None else live_publication()
    live_data = _comparable(live.snapshot if live else _EMPTY)
    draft_menus, live_menus = draft_data["menus"], live_data["menus"]
    other = []
    if draft_data["numbers"] != live_data["numbers"]:
        other.append("numbers")
    if draft_data["default_menu"] != live_data["default_menu"]:
        other.append("default entry menu")
    return DraftChanges(
        added=sorted(draft_menus.keys() - live_menus.keys()),
        removed=sorted(live_menus.keys() - draft_menus.keys()),
        changed=sorted(
            key
            for key in draft_menus.keys() & live_menus.keys()
            if draft_menus[key] != live_menus[key]
        ),
        other=other,
    )


_EMPTY = {"menus": [], "numbers": {}, "default_menu": None}


def _comparable(data: dict) -> dict:
    # A publication is stored as JSON, where tuples are lists: compare the
    # JSON forms of both sides.
    data = json.loads(json_dumps(data))
    menus = {menu["key"]: menu for menu in data["menus"]}
    return {
        "menus": menus,
        "numbers": dict(data["numbers"]),
        "default_menu": data["default_menu"],
    }


def publishing_problems(draft: IvrSnapshot | None = None) -> tuple[Problem, ...]:
    """What the menu checks find in the menus as saved (`draft`, when read
    already), blocking first."""
    if draft is None:
        draft = ivr_snapshot_from_database()
    return menu_graph(draft).problems


def previous_publication() -> Publication | None:
    """The version before the live one: what a rollback goes back to."""
    return Publication.objects.order_by("-id")[1:2].first()


# --- Writes ------------------------------------------------------------------


def menus_publish(*, user=None, note: str = "") -> Publication:
    """Publish the menus as saved now; the very next call in every app
    process hears them. Raises PublishingError when there are no menus, or
    when they would break a live call (ivr.core.graph's blocking problems:
    saving lets staff fix those one at a time, publishing does not)."""
    with transaction.atomic():
        _hold_menu_edits()
        snapshot = ivr_snapshot_from_database()
        if not snapshot.menus:
            raise PublishingError("There are no menus to publish.")
        if blocking := menu_graph(snapshot).blocking:
            raise PublishingError(
                NOT_PUBLISHED.format(problems="; ".join(map(str, blocking)))
            )
        publication = Publication.objects.create(
            published_by=_user_or_none(user),
            note=note[:200],
            snapshot=_stored(snapshot),
        )
        menu_tree_changed()
    return publication


def menus_roll_back(*, user=None, to: Publication | None = None) -> Publication:
    """Publish `to`'s menus again (by default the version before the live
    one), as a new version. Raises PublishingError when there is none."""
    with transaction.atomic():
        _hold_menu_edits()
        if to is None:
            to = previous_publication()
        if to is None:
            raise PublishingError(NOTHING_TO_ROLL_BACK_TO)
        publication = Publication.objects.create(
            published_by=_user_or_none(user),
            note=ROLLED_BACK.format(version=to.pk),
            snapshot=to.snapshot,
            restored_from=to,
        )
        menu_tree_changed()
    return publication


def _hold_menu_edits() -> None:
    # Every saved menu, option or number updates the version row in its own
    # transaction (ivr.signals): locking the row first means a publication
    # sees each concurrent edit entirely or not at all.
    MenuTreeVersion.objects.select_for_update().first()


def _stored(snapshot: IvrSnapshot) -> dict:
    data = snapshot_to_dict(snapshot)
    data.pop("version", None)  # a publication's version is its own id
    return data


def _user_or_none(user):
    return user if user is not None and user.is_authenticated else None
