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
- A rollback publishes an earlier version's snapshot again, as a new version.
  The draft is left as it is, unless asked to discard it too: it may hold
  other people's unfinished work. While it still holds what the rollback
  took back, publishing refuses to put that back unless told to
  (`RolledBackChangesInDraft`).
- Discarding the draft makes the saved menus, options and numbers exactly
  those of the live version again, each change in the audit history.
"""

import logging
from dataclasses import dataclass
from decimal import Decimal

from django.db import models, transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat

from ivr.audit.records import change_reason
from ivr.core.changes import (
    Change,
    ChangeKind,
    changes_rolled_back_in_draft,
    snapshot_changes,
    snapshots_equal,
)
from ivr.core.graph import Problem, menu_graph
from ivr.core.snapshot import (
    IvrSnapshot,
    MenuSnapshot,
    OptionSnapshot,
    snapshot_from_dict,
    snapshot_to_dict,
)
from ivr.menus.snapshots import (
    fallback_from_settings,
    ivr_snapshot_from_database,
    menu_tree_changed,
)
from ivr.models import Menu, MenuOption, MenuTreeVersion, Number, Publication

# Named as before the module moved: operators filter the logs on it.
logger = logging.getLogger("ivr.publishing")

NOT_PUBLISHED = "Not published, these would break live calls: {problems}"
NO_MENUS = "There are no menus to publish."
NOTHING_TO_ROLL_BACK_TO = "There is no earlier published version to roll back to."
ALREADY_LIVE = (
    "Callers already hear the menus of version {version}: nothing was published."
)
ROLLED_BACK = "Rolled back to version {version}."
UNREADABLE = (
    "Version {version} cannot be read by this code: it cannot be published again."
)
ROLLED_BACK_STILL_IN_DRAFT = (
    "Not published: the saved menus still hold what version {live} rolled "
    "back ({changes}). Discard the draft first, or confirm on the publish "
    "page that callers should hear these changes again."
)
NOTHING_PUBLISHED = "Nothing is published yet, so there is no draft to discard."
NO_DRAFT = "The saved menus are already those of version {version}: nothing to discard."
DISCARD_FAILED = (
    "Nothing was discarded: the saved menus could not be made those of "
    "version {version} ({problem}). Please report this."
)
# The audit history's change reason of every row a discard writes.
DISCARDED_REASON = "discarded the draft, back to version {version}"


class PublishingError(Exception):
    """Publishing or rolling back was refused; the message says why."""


class RolledBackChangesInDraft(PublishingError):
    """The menus as saved still hold changes the live rollback took back;
    `changes` lists them."""

    def __init__(self, live: "Publication", changes: list[Change]):
        self.live = live
        self.changes = changes
        shown = "; ".join(map(str, changes[:3]))
        if len(changes) > 3:
            shown += f"; and {len(changes) - 3} more"
        super().__init__(ROLLED_BACK_STILL_IN_DRAFT.format(live=live.pk, changes=shown))


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
    # Each change on its own line (ivr.core.changes).
    lines: tuple[Change, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.lines)

    @property
    def menus(self) -> list[str]:
        """The keys of the menus added, changed or deleted."""
        return [*self.added, *self.changed, *self.removed]


def draft_changes(
    draft: IvrSnapshot | None = None, live: Publication | None = None
) -> DraftChanges:
    """How the menus as saved differ from the live publication (everything
    is "added" before the first publication)."""
    if draft is None:
        draft = ivr_snapshot_from_database()
    live = live if live is not None else live_publication()
    lines = snapshot_changes(readable_menus(live), draft)
    menus = [change for change in lines if change.menu is not None]
    added = [c.menu for c in menus if c.kind == ChangeKind.ADDED and not c.digits]
    removed = [c.menu for c in menus if c.kind == ChangeKind.REMOVED and not c.digits]
    other = []
    if any(change.number for change in lines):
        other.append("numbers")
    if any(change.aspect == "default entry" for change in lines):
        other.append("default entry menu")
    return DraftChanges(
        added=added,
        removed=removed,
        changed=sorted({c.menu for c in menus} - {*added, *removed}),
        other=other,
        lines=tuple(lines),
    )


def rolled_back_changes(
    draft: IvrSnapshot | None = None, live: Publication | None = None
) -> list[Change]:
    """When the live version is a rollback: the changes it took back that the
    menus as saved still hold, which the next publication would put back in
    front of callers. Empty otherwise (one query more when the live version
    is a rollback, none else)."""
    live = live if live is not None else live_publication()
    rolled_back, live = readable_menus(rolled_back_from(live)), readable_menus(live)
    if rolled_back is None or live is None:
        return []
    if draft is None:
        draft = ivr_snapshot_from_database()
    return changes_rolled_back_in_draft(rolled_back=rolled_back, live=live, draft=draft)


def rolled_back_from(live: Publication | None) -> Publication | None:
    """The version a rollback `live` took callers away from (the one live
    just before it); None when `live` is not a rollback."""
    if live is None or live.restored_from_id is None:
        return None
    return Publication.objects.filter(pk__lt=live.pk).order_by("-pk").first()


def readable_menus(publication: Publication | None) -> IvrSnapshot | None:
    """`publication`'s menus; None when there is none, or when this code
    cannot read them (logged: the pages then compare with no menus rather
    than fail, so that staff can still publish or roll back).

    Read through snapshot_from_dict, so that a version written by older code
    compares with its fields as this code reads them (fields added since
    take their defaults): an upgrade alone is not a change."""
    if publication is None:
        return None
    try:
        return publication_snapshot(publication.pk, publication.snapshot)
    except (KeyError, TypeError, ValueError):
        logger.exception("Published version %s cannot be read", publication.pk)
        return None


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


def menus_publish(
    *, user=None, note: str = "", republish_rolled_back: bool = False
) -> Publication:
    """Publish the menus as saved now; the very next call in every app
    process hears them. Raises PublishingError when there are no menus, or
    when they would break a live call (ivr.core.graph's blocking problems:
    saving lets staff fix those one at a time, publishing does not); raises
    RolledBackChangesInDraft when the live version is a rollback and the
    menus as saved still hold what it took back, unless
    `republish_rolled_back` says the person chose to put it back."""
    with transaction.atomic():
        _hold_menu_edits()
        snapshot = ivr_snapshot_from_database()
        if not snapshot.menus:
            raise PublishingError(NO_MENUS)
        if blocking := menu_graph(snapshot).blocking:
            raise PublishingError(
                NOT_PUBLISHED.format(problems="; ".join(map(str, blocking)))
            )
        live = live_publication()
        if not republish_rolled_back and (again := rolled_back_changes(snapshot, live)):
            raise RolledBackChangesInDraft(live, again)
        publication = Publication.objects.create(
            published_by=_user_or_none(user),
            note=note[:200],
            snapshot=_stored(snapshot),
        )
        menu_tree_changed()
    return publication


def menus_roll_back(
    *, user=None, to: Publication | None = None, discard_draft: bool = False
) -> Publication:
    """Publish `to`'s menus again (by default the version before the live
    one), as a new version; with `discard_draft`, also make the menus as
    saved those menus (see `menus_discard_draft`), in the same transaction.
    Raises PublishingError when there is no version to go to, when callers
    hear `to`'s menus already, or when this code cannot read them."""
    with transaction.atomic():
        _hold_menu_edits()
        if to is None:
            to = previous_publication()
        if to is None:
            raise PublishingError(NOTHING_TO_ROLL_BACK_TO)
        target = readable_menus(to)
        if target is None:
            raise PublishingError(UNREADABLE.format(version=to.pk))
        live_menus = readable_menus(live_publication())
        if live_menus is not None and snapshots_equal(live_menus, target):
            raise PublishingError(ALREADY_LIVE.format(version=to.pk))
        publication = Publication.objects.create(
            published_by=_user_or_none(user),
            note=ROLLED_BACK.format(version=to.pk),
            snapshot=to.snapshot,
            restored_from=to,
        )
        if discard_draft and not snapshots_equal(ivr_snapshot_from_database(), target):
            _draft_restore(publication.pk, target, user)
        menu_tree_changed()
    return publication


def menus_discard_draft(*, user=None) -> tuple[Publication, int]:
    """Make the saved menus, options and numbers exactly those of the live
    version: what was added since is deleted, what was deleted comes back
    (under its old id where that is free, so its audit history goes on),
    what was changed is put back. Every row written is in the audit history,
    by `user`, as "discarded the draft, back to version N". Returns the live
    version and how many rows were written.

    Raises PublishingError, having changed nothing, when nothing is
    published, when the saved menus are the live ones already, or when the
    result would not be exactly the live menus (a bug: it says so)."""
    with transaction.atomic():
        _hold_menu_edits()
        live = live_publication()
        if live is None:
            raise PublishingError(NOTHING_PUBLISHED)
        target = readable_menus(live)
        if target is None:
            raise PublishingError(UNREADABLE.format(version=live.pk))
        if snapshots_equal(ivr_snapshot_from_database(), target):
            raise PublishingError(NO_DRAFT.format(version=live.pk))
        written = _draft_restore(live.pk, target, user)
    return live, written


def _draft_restore(version: int, target: IvrSnapshot, user) -> int:
    """Make the menus as saved `target` (published `version`), checked:
    raises PublishingError when the result is not exactly `target`, inside
    the caller's transaction, so that nothing is kept."""
    with change_reason(DISCARDED_REASON.format(version=version)):
        written = _DraftRestore(target, _user_or_none(user)).run()
    after = ivr_snapshot_from_database()
    if not snapshots_equal(after, target):
        wrong = "; ".join(map(str, snapshot_changes(target, after)[:3]))
        raise PublishingError(
            DISCARD_FAILED.format(version=version, problem=wrong or "unknown")
        )
    return written


class _DraftRestore:
    """Writes `target` (a published snapshot) over the menus as saved.

    Menus are matched by key, or by id when a menu was renamed since (its
    rows and history go on); options by id, else by their keys; numbers by
    number. Rows are written with save() and delete(), never update(), so
    each leaves a row in the audit history (by `user`, when given; else by
    the request's user, as any save) and tells every process to reload
    (ivr.menus.signals); a row already as wanted is not written.
    """

    def __init__(self, target: IvrSnapshot, user=None):
        self.target = target
        self.user = user
        self.rows: dict[str, Menu] = {}  # target key → its row
        self.written = 0

    def run(self) -> int:
        existing = {menu.pk: menu for menu in Menu.objects.all()}
        kept = self._match(existing)
        gone = [menu for pk, menu in existing.items() if pk not in kept]
        # A menu being deleted may hold the default entry flag, which only
        # one menu may have: dropped first, the row is deleted below anyway.
        Menu.objects.filter(pk__in=[m.pk for m in gone], is_default=True).update(
            is_default=False
        )
        self._menus_create(existing)
        # The default entry last: the menu losing the flag is saved first.
        for key in sorted(self.rows, key=lambda k: k == self.target.default_menu):
            self._write(self.rows[key], self._menu_values(self.target.menus[key]))
        taken = set(MenuOption.objects.values_list("pk", flat=True))
        for key, menu in self.target.menus.items():
            self._options_restore(self.rows[key], menu.options, taken)
        self._numbers_restore()
        self._menus_delete(gone)
        return self.written

    def _match(self, existing: dict[int, Menu]) -> set[int]:
        by_key = {menu.key: menu for menu in existing.values()}
        kept: set[int] = set()
        for key, menu in self.target.menus.items():
            row = by_key.get(key)
            # Renamed since: the row keeps its options and its history,
            # unless its new key is one of the target's (it is that menu).
            renamed = existing.get(menu.id) if row is None else None
            if renamed is not None and renamed.key not in self.target.menus:
                row = renamed
            if row is not None:
                self.rows[key] = row
                kept.add(row.pk)
        return kept

    def _menus_create(self, existing: dict[int, Menu]) -> None:
        """Create the menus deleted since, under their old id when it is
        free; a "retries used up" path to a menu not created yet is set by
        the next pass, once every menu exists."""
        for key, menu in self.target.menus.items():
            if key in self.rows:
                continue
            # Not the default entry yet: the menu that has the flag now
            # drops it first (see `run`).
            values = {**self._menu_values(menu), "is_default": False}
            row = Menu(pk=menu.id if menu.id not in existing else None, **values)
            self._save(row, adding=True)
            self.rows[key] = row

    def _menu_values(self, menu: MenuSnapshot) -> dict:
        values = {attribute: getattr(menu, name) for name, attribute in MENU_ATTRIBUTES}
        values["speed"] = Decimal(str(menu.speed))
        values["on_exhausted"] = str(menu.on_exhausted)
        values["exhausted_menu"] = self._menu(menu.exhausted_target)
        values["is_default"] = menu.key == self.target.default_menu
        return values

    def _option_values(self, option: OptionSnapshot) -> dict:
        values = {
            attribute: getattr(option, name) for name, attribute in OPTION_ATTRIBUTES
        }
        values["action"] = str(option.action)
        values["on_no_answer"] = str(option.on_no_answer)
        values["target_menu"] = self._menu(option.target)
        values["no_answer_menu"] = self._menu(option.no_answer_target)
        return values

    def _menu(self, key: str | None) -> Menu | None:
        return self.rows.get(key) if key else None

    def _options_restore(
        self, row: Menu, options: tuple[OptionSnapshot, ...], taken: set[int]
    ) -> None:
        current = {option.pk: option for option in row.options.all()}
        matched: dict[str, MenuOption] = {}  # digits → row
        for option in options:
            if option.id in current:
                matched[option.digits] = current.pop(option.id)
        for option in options:
            if option.digits not in matched:
                same_keys = [o for o in current.values() if o.digits == option.digits]
                if same_keys:
                    matched[option.digits] = current.pop(same_keys[0].pk)
        for option in current.values():
            self._delete(option)
        # Options are saved one by one: keys moving between options would
        # trip the unique constraint halfway, so those rows first get a key
        # no option can have, as the admin does (`release_reused_digits`).
        moving = [o.pk for d, o in matched.items() if o.digits != d]
        if moving:
            MenuOption.objects.filter(pk__in=moving).update(
                digits=Concat(Value("~"), Cast("pk", CharField()))
            )
        for option in options:
            instance = matched.get(option.digits)
            if instance is None:
                free = option.id is not None and option.id not in taken
                instance = MenuOption(pk=option.id if free else None, menu=row)
            self._write(instance, self._option_values(option))

    def _numbers_restore(self) -> None:
        current = {number.number: number for number in Number.objects.all()}
        for number, key in self.target.numbers.items():
            row = current.pop(number, None)
            if row is None:
                row = self._number_deleted(number)
            self._write(row, {"number": number, "menu": self.rows[key]})
        for row in current.values():
            self._delete(row)

    def _number_deleted(self, number: str) -> Number:
        """A number deleted since, with its old id and label where its
        history has them (a snapshot keeps neither)."""
        last = (
            Number.history.filter(number=number)
            .order_by("-history_date", "-history_id")
            .values("id", "label")
            .first()
        )
        if last is None or Number.objects.filter(pk=last["id"]).exists():
            return Number()
        return Number(pk=last["id"], label=last["label"])

    def _menus_delete(self, gone: list[Menu]) -> None:
        """Delete the menus added since. Their options go first, and their
        "retries used up" paths to each other are cut: the foreign keys
        protect a menu that anything still leads to."""
        ids = [menu.pk for menu in gone]
        for option in MenuOption.objects.filter(menu__in=ids):
            self._delete(option)
        Menu.objects.filter(pk__in=ids).update(exhausted_menu=None)
        for menu in gone:
            self._delete(menu)

    def _write(self, instance, values: dict) -> None:
        """Set `values` on `instance` and save it, unless it is saved and
        has them already."""
        adding = instance._state.adding
        if not adding and all(
            _has(instance, name, value) for name, value in values.items()
        ):
            return
        for name, value in values.items():
            setattr(instance, name, value)
        self._save(instance, adding=adding)

    def _save(self, instance: models.Model, *, adding: bool) -> None:
        if self.user is not None:
            instance._history_user = self.user  # simple-history's hook
        instance.save(force_insert=adding)
        self.written += 1

    def _delete(self, instance: models.Model) -> None:
        if self.user is not None:
            instance._history_user = self.user
        instance.delete()
        self.written += 1


def _has(instance: models.Model, name: str, value) -> bool:
    """Whether field `name` of `instance` holds `value` (a related row by its
    id, without reading it)."""
    field = instance._meta.get_field(name)
    if field.is_relation:
        return getattr(instance, field.attname) == (value.pk if value else None)
    return getattr(instance, name) == value


# The snapshot's fields and the model's attributes they are saved in, but
# for those `_DraftRestore` converts (the enums, speed, the related menus).
MENU_ATTRIBUTES = (
    ("key", "key"),
    ("name", "name"),
    ("prompt", "prompt"),
    ("voice_profile", "voice_profile"),
    ("min_digits", "min_digits"),
    ("max_digits", "max_digits"),
    ("digit_timeout_ms", "digit_timeout_ms"),
    ("overall_timeout_ms", "overall_timeout_ms"),
    ("complete_on_hash", "complete_on_hash"),
    ("tries", "tries"),
    ("invalid_message", "invalid_message"),
    ("no_input_message", "no_input_message"),
    ("max_retries", "max_retries"),
    ("exhausted_message", "exhausted_message"),
    ("exhausted_destination", "exhausted_destination"),
    ("active", "is_active"),
)
OPTION_ATTRIBUTES = (
    ("digits", "digits"),
    ("label", "label"),
    ("destination", "destination"),
    ("caller_id", "caller_id"),
    ("record", "record"),
    ("message", "message"),
    ("voice_profile", "voice_profile"),
    ("file_url", "file_url"),
    ("no_answer_message", "no_answer_message"),
    ("no_answer_destination", "no_answer_destination"),
)


def _hold_menu_edits() -> None:
    # Every saved menu, option or number updates the version row in its own
    # transaction (ivr.menus.signals): locking the row first means a publication
    # sees each concurrent edit entirely or not at all.
    MenuTreeVersion.objects.select_for_update().first()


def _stored(snapshot: IvrSnapshot) -> dict:
    data = snapshot_to_dict(snapshot)
    data.pop("version", None)  # a publication's version is its own id
    return data


def _user_or_none(user):
    return user if user is not None and user.is_authenticated else None
