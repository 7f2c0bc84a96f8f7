"""A menu's audit history, read as staff think of it (the menu and its
options together), a number's, and what a version of them held.

A menu's version is one row of its history. Its options are those each
option's history says were the menu's just before the menu's next version,
or now for the latest: the admin saves a menu first and its options after
it, and the importer all menus first and then their options, so an option
changed in the same save as the menu is part of that version.

Reads only: the writes that take a menu or a number back (revert, undo)
are in `restore`.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import models
from django.utils import dateformat, timezone
from django.utils.text import Truncator, capfirst

from ivr.models import Menu, MenuOption

CREATED, CHANGED, DELETED = "+", "~", "-"
ACTIONS = {CREATED: "added", CHANGED: "changed", DELETED: "deleted"}
BLANK = "(blank)"
# Prompts run to 3000 characters: the list shows their start; a version's
# page and the undo page show them whole.
VALUE_MAX_CHARS = 200
# The field that ties a row to the object whose history lists it: an
# option's menu is where it is, not one of its settings.
PARENT_FIELDS = {MenuOption: "menu"}


@dataclass(frozen=True)
class Change:
    """One field's value before and after, as staff read them."""

    field: str
    before: str
    after: str


@dataclass(frozen=True)
class FieldValue:
    """One field's value, as staff read it."""

    field: str  # its label
    value: str
    name: str = ""  # the model field's name


@dataclass
class AuditEntry:
    """One row of a menu's combined history (a version of the menu, or one
    option's change), or of a number's."""

    record: models.Model  # the historical row
    is_menu: bool  # a row of the object whose history this is (not an option's)
    subject: str  # "Menu", 'Option 1 ("Sales")' or "Number"
    action: str  # added, changed, deleted
    changes: list[Change] = field(default_factory=list)
    # The version of the menu (or number) this change belongs to, to view or
    # revert.
    menu_version_id: int | None = None
    # Whether "Undo this change" is offered: changes to fields, and options
    # added or deleted (a menu's or number's own creation or deletion is
    # not undone from here: that is a revert, or the delete page).
    undoable: bool = False

    @property
    def date(self) -> datetime:
        return self.record.history_date

    @property
    def user(self):
        return self.record.history_user

    @property
    def reason(self) -> str:
        return self.record.history_change_reason or ""

    @property
    def model_name(self) -> str:
        """The row's model as the undo page's address names it."""
        return self.record.instance_type._meta.model_name


def menu_audit_entries(menu_id: int) -> list[AuditEntry]:
    """Every change to menu `menu_id` and to its options (those deleted
    too), newest first, each with its field-by-field changes against the
    previous row of the same menu or option; saves that changed nothing are
    left out (see `_listed`).

    Three queries (the menu's rows, its options' rows, the menu keys that
    foreign keys are shown as), whatever the length of the history: a menu
    is saved by hand, a few thousand times in its life at most.
    """
    menu_rows = list(_in_order(Menu.history.filter(id=menu_id)))
    option_rows = list(_in_order(MenuOption.history.filter(menu_id=menu_id)))
    keys = menu_keys()
    entries = [
        AuditEntry(
            record=row,
            is_menu=True,
            subject="Menu",
            action=ACTIONS.get(row.history_type, row.history_type),
            changes=_changes(row, previous, Menu, keys),
            menu_version_id=_revertible(row),
            undoable=row.history_type == CHANGED,
        )
        for row, previous in with_previous(menu_rows)
    ]
    for row, previous in with_previous(option_rows):
        version = version_at(menu_rows, row.history_date)
        entries.append(
            AuditEntry(
                record=row,
                is_menu=False,
                subject=option_subject(row),
                action=ACTIONS.get(row.history_type, row.history_type),
                changes=_changes(row, previous, MenuOption, keys),
                menu_version_id=_revertible(version),
                undoable=True,
            )
        )
    return _listed(entries)


def _in_order(rows):
    """History rows oldest first, with who made each (one query)."""
    return rows.select_related("history_user").order_by("history_date", "history_id")


def object_audit_entries(model: type[models.Model], object_id: int) -> list[AuditEntry]:
    """Every change to the object `object_id` of `model` (a number), newest
    first, as `menu_audit_entries` lists a menu's (two queries)."""
    rows = list(_in_order(model.history.filter(id=object_id)))
    keys = menu_keys()
    entries = [
        AuditEntry(
            record=row,
            is_menu=True,
            subject=capfirst(model._meta.verbose_name),
            action=ACTIONS.get(row.history_type, row.history_type),
            changes=_changes(row, previous, model, keys),
            menu_version_id=_revertible(row),
            undoable=row.history_type == CHANGED,
        )
        for row, previous in with_previous(rows)
    ]
    return _listed(entries)


def option_subject(row) -> str:
    """How an option is named in the history: its keys and its label."""
    if row.label:
        return f"Option {row.digits} (“{row.label}”)"
    return f"Option {row.digits}"


def menu_version_options(version) -> list[MenuOption]:
    """The options menu version `version` (a row of `Menu.history`) had, as
    unsaved `MenuOption` instances, in keypad order as the database sorts;
    options since deleted keep their old id. The version just before the
    menu was deleted has none: deleting a menu deletes its options first."""
    next_date = (
        Menu.history.filter(id=version.id, history_date__gt=version.history_date)
        .order_by("history_date")
        .values_list("history_date", flat=True)
        .first()
    )
    rows = MenuOption.history.filter(menu_id=version.id)
    if next_date is not None:
        rows = rows.filter(history_date__lt=next_date)
    # The last row of each option up to then; a deletion drops the option.
    latest = rows.latest_of_each().order_by("digits")
    return [row.instance for row in latest if row.history_type != DELETED]


def menu_keys() -> dict[int, str]:
    """Every menu's key by its id: foreign keys to menus are shown as keys."""
    return dict(Menu.objects.values_list("id", "key"))


def field_values(
    model, obj, keys, *, only_set: bool = False, max_chars: int | None = None
) -> list[FieldValue]:
    """The fields staff edit of `obj` (an instance or a historical row of
    `model`), in the model's order, texts whole unless `max_chars`; with
    `only_set`, those it sets to other than blank or the default (what an
    option does)."""
    return [
        FieldValue(
            capfirst(f.verbose_name),
            shown(model, f.name, obj, keys, max_chars=max_chars),
            f.name,
        )
        for f in tracked_fields(model)
        if not only_set or getattr(obj, f.attname) not in (None, "", f.get_default())
    ]


def field_changes(model, before, after, names, keys) -> list[Change]:
    """Fields `names` of `model` from `before` to `after` (instances or
    historical rows), in the model's order, each value whole."""
    return [
        Change(
            capfirst(f.verbose_name),
            shown(model, f.name, before, keys),
            shown(model, f.name, after, keys),
        )
        for f in tracked_fields(model)
        if f.name in names
    ]


def changed_fields(model, before, after) -> set[str]:
    """The names of the fields staff edit that differ between `before` and
    `after` (instances or historical rows of `model`)."""
    return {
        f.name
        for f in tracked_fields(model)
        if getattr(before, f.attname) != getattr(after, f.attname)
    }


def tracked_fields(model):
    """The fields staff edit, in the model's order (not its id, an option's
    menu, nor the timestamps, which change on every save)."""
    parent = PARENT_FIELDS.get(model)
    return [
        f
        for f in model._meta.concrete_fields
        if f.editable and not f.primary_key and f.name != parent
    ]


def shown(model, name, obj, keys, *, max_chars: int | None = None) -> str:
    """Field `name` of `obj` (an instance or a historical row of `model`)
    as staff read it; texts cut to `max_chars` when given."""
    model_field = model._meta.get_field(name)
    value = getattr(obj, model_field.attname)
    if value is None or value == "":
        return BLANK
    if model_field.is_relation:
        return keys.get(value, f"a deleted menu (#{value})")
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if max_chars is not None:
        return Truncator(str(value)).chars(max_chars)
    return str(value)


def change_time(row) -> str:
    """When history row `row` was written, as a change reason names it:
    "3 Dec 10:02" (with the year when it was not this year's)."""
    local = timezone.localtime(row.history_date)
    this_year = local.year == timezone.localtime().year
    return dateformat.format(local, "j M H:i" if this_year else "j M Y H:i")


def change_name(row) -> str:
    """History row `row` as staff name it: "3 Dec 10:02 by ops"."""
    user = row.history_user
    return f"{change_time(row)} by {user.get_username()}" if user else change_time(row)


def with_previous(rows):
    """Each row with the previous row of the same object (None for the
    first); `rows` are in time order."""
    last = {}
    for row in rows:
        yield row, last.get(row.id)
        last[row.id] = row


def version_at(menu_rows, date):
    """The menu's version a change at `date` belongs to: its last row at or
    before it; None when there is none (history began with the option)."""
    version = None
    for row in menu_rows:
        if row.history_date > date:
            break
        version = row
    return version


# --- Helpers ---------------------------------------------------------------------


def _listed(entries: list[AuditEntry]) -> list[AuditEntry]:
    """`entries` newest first, without the saves that changed nothing.

    simple-history writes a row on every save, and the admin saves the menu
    whenever its page is saved, options changed or not; the importer saves
    every menu in its file. Those rows are still recorded, not skipped:
    a menu's row is what marks a version of the menu *with its options*
    (`menu_version_options` reads the options up to the menu's next row),
    so without it an edit of options alone would have no version before it
    to revert to; and recording costs one row. They are only not listed,
    being nothing to read.
    """
    entries = [
        entry
        for entry in entries
        if entry.changes or entry.record.history_type != CHANGED
    ]
    entries.sort(key=lambda entry: entry.date, reverse=True)
    return entries


def _revertible(version) -> int | None:
    """The id of menu version `version` to view or revert to; None for none
    or for a deletion, whose options went before it (deleted with it)."""
    if version is None or version.history_type == DELETED:
        return None
    return version.history_id


def _changes(row, previous, model, keys) -> list[Change]:
    """What `row` changed, field by field in the model's order: against
    `previous`, or, for an object's first row, every field it set to other
    than the default. A deletion lists nothing."""
    if row.history_type == DELETED:
        return []
    if previous is None:
        return [
            Change(value.field, BLANK, value.value)
            for value in field_values(
                model, row, keys, only_set=True, max_chars=VALUE_MAX_CHARS
            )
        ]
    names = changed_fields(model, previous, row)
    return [
        Change(
            field=capfirst(f.verbose_name),
            before=shown(model, f.name, previous, keys, max_chars=VALUE_MAX_CHARS),
            after=shown(model, f.name, row, keys, max_chars=VALUE_MAX_CHARS),
        )
        for f in tracked_fields(model)
        if f.name in names
    ]
