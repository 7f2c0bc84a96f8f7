"""A menu's audit history, read as staff think of it (the menu and its
options together), and the options a version of the menu had.

A menu's version is one row of its history. Its options are those each
option's history says were the menu's just before the menu's next version,
or now for the latest: the admin saves a menu first and its options after
it, and the importer all menus first and then their options, so an option
changed in the same save as the menu is part of that version.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.utils.text import Truncator, capfirst

from ..models import Menu, MenuOption

CREATED, CHANGED, DELETED = "+", "~", "-"
ACTIONS = {CREATED: "added", CHANGED: "changed", DELETED: "deleted"}
BLANK = "(blank)"
# Prompts run to 3000 characters: the list shows their start; the version's
# own page shows them whole.
VALUE_MAX_CHARS = 200

OPTION_NOT_RESTORABLE = "Option {digits} can no longer be restored: {problem}"
TARGET_MENU_DELETED = "the menu it leads to has been deleted since."


@dataclass(frozen=True)
class Change:
    """One field's value before and after, as staff read them."""

    field: str
    before: str
    after: str


@dataclass
class AuditEntry:
    """One row of a menu's combined history: a version of the menu, or one
    option's change."""

    record: models.Model  # the historical row
    is_menu: bool
    subject: str  # "Menu" or 'Option 1 ("Sales")'
    action: str  # added, changed, deleted
    changes: list[Change] = field(default_factory=list)
    # The version of the menu this change belongs to, to view or revert.
    menu_version_id: int | None = None

    @property
    def date(self) -> datetime:
        return self.record.history_date

    @property
    def user(self):
        return self.record.history_user

    @property
    def reason(self) -> str:
        return self.record.history_change_reason or ""


def menu_audit_entries(menu_id: int) -> list[AuditEntry]:
    """Every change to menu `menu_id` and to its options (those deleted
    too), newest first, each with its field-by-field changes against the
    previous row of the same menu or option.

    Three queries (the menu's rows, its options' rows, the menu keys that
    foreign keys are shown as), whatever the length of the history: a menu
    is saved by hand, a few thousand times in its life at most.
    """
    menu_rows = list(
        Menu.history.filter(id=menu_id)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    option_rows = list(
        MenuOption.history.filter(menu_id=menu_id)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    keys = dict(Menu.objects.values_list("id", "key"))
    entries = [
        AuditEntry(
            record=row,
            is_menu=True,
            subject="Menu",
            action=ACTIONS.get(row.history_type, row.history_type),
            changes=_changes(row, previous, Menu, keys),
            menu_version_id=_revertible(row),
        )
        for row, previous in _with_previous(menu_rows)
    ]
    for row, previous in _with_previous(option_rows):
        version = _version_at(menu_rows, row.history_date)
        entries.append(
            AuditEntry(
                record=row,
                is_menu=False,
                subject=option_subject(row),
                action=ACTIONS.get(row.history_type, row.history_type),
                changes=_changes(row, previous, MenuOption, keys),
                menu_version_id=_revertible(version),
            )
        )
    entries.sort(key=lambda entry: entry.date, reverse=True)
    return entries


def option_subject(row) -> str:
    """How an option is named in the history: its keys and its label."""
    if row.label:
        return f"Option {row.digits} (“{row.label}”)"
    return f"Option {row.digits}"


def menu_version_options(version) -> list[MenuOption]:
    """The options menu version `version` (a row of `Menu.history`) had, as
    unsaved `MenuOption` instances, in keypad order as the database sorts;
    options since deleted keep their old id."""
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


def menu_options_restore(*, menu: Menu, options: Iterable[MenuOption]) -> int:
    """Make `menu`'s options exactly `options` (from `menu_version_options`):
    the menu's other options are deleted, the rest saved as given (deleted
    ones again under their old id). Options already as given are left
    alone. Returns how many options were added, changed or deleted.

    Raises ValidationError, naming the option, when one can no longer be
    saved, for example because the menu it led to was deleted since; the
    caller's transaction must then be rolled back.
    """
    wanted = {option.pk: option for option in options}
    current = {option.pk: option for option in menu.options.all()}
    touched = 0
    for pk, option in current.items():
        if pk not in wanted:
            option.delete()
            touched += 1
    # Options are saved one by one: swapped keys would trip the unique
    # constraint halfway, so changing keys are parked first, as the admin
    # does (see `admin.release_reused_digits`).
    parked = [
        pk
        for pk, option in wanted.items()
        if pk in current and current[pk].digits != option.digits
    ]
    if parked:
        MenuOption.objects.filter(pk__in=parked).update(
            digits=Concat(Value("~"), Cast("pk", CharField()))
        )
    for pk, option in wanted.items():
        if pk in current and _values(current[pk]) == _values(option):
            continue
        option.menu = menu
        option._state.adding = pk not in current
        try:
            option.full_clean()
        except ValidationError as error:
            problems = getattr(error, "error_dict", {})
            if "target_menu" in problems:
                problem = TARGET_MENU_DELETED
            else:
                problem = " ".join(error.messages)
            raise ValidationError(
                OPTION_NOT_RESTORABLE.format(digits=option.digits, problem=problem),
                code="not_restorable",
            ) from error
        option.save()
        touched += 1
    return touched


# --- Helpers ---------------------------------------------------------------------


def _with_previous(rows):
    """Each row with the previous row of the same object (None for the
    first); `rows` are in time order."""
    last = {}
    for row in rows:
        yield row, last.get(row.id)
        last[row.id] = row


def _revertible(version) -> int | None:
    """The id of menu version `version` to view or revert to; None for none
    or for a deletion, whose options went before it (deleted with it)."""
    if version is None or version.history_type == DELETED:
        return None
    return version.history_id


def _version_at(menu_rows, date):
    """The menu's version a change at `date` belongs to: its last row at or
    before it; None when there is none (history began with the option)."""
    version = None
    for row in menu_rows:
        if row.history_date > date:
            break
        version = row
    return version


def _changes(row, previous, model, keys) -> list[Change]:
    """What `row` changed, field by field in the model's order: against
    `previous`, or, for an object's first row, every field it set to other
    than the default. A deletion lists nothing."""
    if row.history_type == DELETED:
        return []
    if previous is None:
        names = [
            f.name
            for f in _tracked_fields(model)
            if getattr(row, f.attname) not in (None, "", f.get_default())
        ]
    else:
        names = set(row.diff_against(previous).changed_fields)
        names = [f.name for f in _tracked_fields(model) if f.name in names]
    return [
        Change(
            field=capfirst(model._meta.get_field(name).verbose_name),
            before=_shown(model, name, previous, keys) if previous else BLANK,
            after=_shown(model, name, row, keys),
        )
        for name in names
    ]


def _tracked_fields(model):
    """The fields staff edit, in the model's order (not its id, its menu,
    nor its timestamps, which change on every save)."""
    return [
        f
        for f in model._meta.concrete_fields
        if f.editable and not f.primary_key and f.name != "menu"
    ]


def _shown(model, name, row, keys) -> str:
    """Field `name` of historical `row` as staff read it."""
    model_field = model._meta.get_field(name)
    value = getattr(row, model_field.attname)
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
    return Truncator(str(value)).chars(VALUE_MAX_CHARS)


def _values(option: MenuOption) -> dict:
    return {f.attname: getattr(option, f.attname) for f in _tracked_fields(MenuOption)}
