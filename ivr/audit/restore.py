"""Taking a menu (with its options) or a number back: to one of its versions
(revert), or to before one change of its history (undo).

What comes back is read from the history alone: whatever else a request
holds is never saved this way (an edit is made on the object's own page and
recorded as an edit).

Each is a save like any other, checked as the admin checks one: the fields
(their rules, unique keys, a voice 8x8 offers when it changes), the menu's
capture settings against its options, and the menus as a whole, where a
change that would break live calls is refused (`ivr.menus.checks`). A refusal
raises ValidationError, its messages in plain words; the caller's
transaction must then be rolled back, so that nothing changed. What only
looks wrong comes back in `Restored.warnings`, to show once it is done.

Every row written is recorded with a reason: "reverted to the version of
…", "undid the change of 3 Dec 10:02 by ops".

`revert_plan` and `undo_plan` say what a revert or an undo would do, for
the pages that ask before doing it; `version_revert` and `change_undo` do it.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.utils.text import capfirst

from ivr.admin.display import local_time
from ivr.audit.records import change_reason
from ivr.audit.versions import (
    CHANGED,
    CREATED,
    DELETED,
    Change,
    FieldValue,
    change_name,
    changed_fields,
    field_changes,
    field_values,
    menu_keys,
    menu_version_options,
    option_subject,
    tracked_fields,
    version_at,
)
from ivr.menus.checks import menu_option_problems, menu_tree_problems
from ivr.menus.snapshots import ivr_snapshot_from_database
from ivr.menus.voices import voice_problem
from ivr.models import Menu, MenuOption

# The change reasons of the rows a revert or an undo writes.
REVERTED_TO = "reverted to the version of {time}"
UNDID = "undid the change of {change}"

# Why a revert or an undo is refused, in plain words.
PAGE_OUT_OF_DATE = (
    "This {thing} was changed since you opened this page. What a revert "
    "changes is shown again below, as it is now: look it over, then revert "
    "again."
)
OPTION_NOT_RESTORABLE = "Option {digits} can no longer be restored: {problem}"
OBJECT_NOT_RESTORABLE = "The {thing} can no longer be restored: {problem}"
TARGET_MENU_DELETED = "the menu it leads to has been deleted since."
# A foreign key to a menu deleted since, by field.
DELETED_MENU_PROBLEMS = {
    "exhausted_menu": "the menu it goes to when retries run out has been "
    "deleted since.",
    "no_answer_menu": "the menu it goes to when a transfer is not answered has "
    "been deleted since.",
}
UNDO_LATER_CHANGE = (
    "{fields} changed again later, in the change of {change}: undoing this "
    "change alone would undo that one too."
)
UNDO_OPTION_CHANGED_LATER = (
    "{subject} was changed again later, in the change of {change}: deleting "
    "it would undo that change too."
)
UNDO_CHANGED_UNRECORDED = (
    "{fields} changed later, by a change the history does not show: undoing "
    "this change alone would undo that one too."
)
UNDO_DELETED_LATER = "{subject} was deleted later, in the change of {change}."
UNDO_GONE = "{subject} has been deleted since."
UNDO_BACK_ALREADY = "{subject} is back already, since the change of {change}."
UNDO_MENU_DELETED = "The menu has been deleted since."
UNDO_NOTHING = "This change changed nothing that could be put back."
UNDO_NOT_OFFERED = (
    "Adding or deleting a {thing} is not undone here: to go back to an "
    "earlier state, revert to one of its versions from the history."
)


@dataclass(frozen=True)
class OptionChange:
    """What a revert does to one option: brings it back, deletes it, or
    changes it."""

    subject: str
    action: str  # "comes back", "is deleted", "changes"
    changes: list[Change] = field(default_factory=list)  # now → then
    values: list[FieldValue] = field(default_factory=list)  # what it holds


@dataclass(frozen=True)
class RevertPlan:
    """What a revert to `version` would change, and what that version held."""

    version: models.Model  # the historical row
    exists: bool  # False: the object was deleted, the revert brings it back
    changes: list[Change]  # the object's fields, now → then
    options: list[OptionChange]  # a menu's options
    held: list[FieldValue]  # the version's fields
    held_options: list[tuple[str, list[FieldValue]]]  # a menu version's options
    loaded: str  # what the revert's request must send back (`version_revert`)

    @property
    def time(self) -> str:
        return version_time(self.version)

    @property
    def changes_nothing(self) -> bool:
        return self.exists and not self.changes and not self.options


@dataclass(frozen=True)
class UndoPlan:
    """What undoing history row `row` would do, or why it can't."""

    row: models.Model
    previous: models.Model | None  # the row of the same object before it
    subject: str  # "the menu", "Option 1 (“Sales”)", "the number"
    action: str  # "changes back", "is deleted", "comes back"
    changes: list[Change]  # the fields it puts back, now → back to
    values: list[FieldValue]  # an option deleted or coming back: its settings
    refusal: str | None  # why it can't be undone on its own; None: it can
    # The version of the menu (or number) just before this change: a revert
    # there takes this change back, with every later one.
    revert_to: int | None

    @property
    def change(self) -> str:
        return change_name(self.row)


@dataclass(frozen=True)
class Restored:
    """A revert or an undo, done."""

    warnings: tuple[str, ...] = ()
    options: int = 0  # the options a reverted menu has now
    undone: UndoPlan | None = None  # what an undo did


def version_time(version) -> str:
    return local_time(version.history_date)


# --- Revert ------------------------------------------------------------------------


def revert_plan(version) -> RevertPlan:
    """What reverting to `version` (a row of `Menu.history` or
    `Number.history`) would change, from the object as it is now."""
    model = version.instance_type
    current = model.objects.filter(pk=version.id).first()
    keys = menu_keys()
    changes = []
    if current is not None:
        names = changed_fields(model, current, version)
        changes = field_changes(model, current, version, names, keys)
    options, held_options = [], []
    if model is Menu:
        then = menu_version_options(version)
        now = list(current.options.all()) if current else []
        options = _options_reverted(now, then, keys)
        held_options = [
            (option_subject(o), field_values(MenuOption, o, keys, only_set=True))
            for o in then
        ]
    return RevertPlan(
        version=version,
        exists=current is not None,
        changes=changes,
        options=options,
        held=field_values(model, version, keys),
        held_options=held_options,
        loaded=history_token(model, version.id),
    )


def version_revert(*, version, loaded: str | None) -> Restored:
    """Make the object of `version` (a row of `Menu.history` or
    `Number.history`) exactly what `version` holds, a menu with the options
    it had then (`menu_options_restore`); a deleted object comes back.

    `loaded` is the `RevertPlan.loaded` of the page the revert was asked
    from: when the object changed since, the revert is refused (the person
    saw what it would change from another state). Call it inside a
    transaction, rolled back when it raises ValidationError.
    """
    model = version.instance_type
    current = model.objects.select_for_update().filter(pk=version.id).first()
    thing = model._meta.verbose_name
    if loaded != history_token(model, version.id):
        raise ValidationError(PAGE_OUT_OF_DATE.format(thing=thing), code="changed")
    before = ivr_snapshot_from_database()
    with change_reason(REVERTED_TO.format(time=version_time(version))):
        obj = version.instance
        obj._state.adding = current is None
        voice_changed = current is None or _voice(obj) != _voice(current)
        _instance_checked(obj, voice_changed=voice_changed, thing=thing)
        obj.save()
        options = []
        changed = set()
        if model is Menu:
            options = menu_version_options(version)
            menu_options_restore(menu=obj, options=options)
            _capture_checked(obj)
            changed = {obj.key, current.key} if current else {obj.key}
    return Restored(warnings=_menus_checked(before, changed), options=len(options))


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
    # does (see `admin.menus.release_reused_digits`).
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
        was = current.get(pk)
        if was is not None and not changed_fields(MenuOption, was, option):
            continue
        option.menu = menu
        option._state.adding = was is None
        _option_checked(option, voice_changed=_voice(option) != _voice(was))
        option.save()
        touched += 1
    return touched


# --- Undo --------------------------------------------------------------------------


def undo_plan(row) -> UndoPlan:
    """What undoing the change history row `row` (of `Menu.history`,
    `MenuOption.history` or `Number.history`) records would do: put the
    fields it changed back as they were just before it, delete the option it
    added, or bring back the option it deleted, leaving every other field
    and option as it is now.

    `refusal` says why it can't be undone on its own: a later change touched
    the same fields (named, with who made it and when), the object is gone
    or back already, or the row changed nothing.
    """
    model = row.instance_type
    rows = list(
        model.history.filter(id=row.id)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    index = next(i for i, r in enumerate(rows) if r.history_id == row.history_id)
    previous = rows[index - 1] if index else None
    later = rows[index + 1 :]
    current = model.objects.filter(pk=row.id).first()
    keys = menu_keys()
    thing = model._meta.verbose_name
    subject = option_subject(row) if model is MenuOption else f"the {thing}"
    plan = {
        "row": row,
        "previous": previous,
        "subject": subject,
        "action": "",
        "changes": [],
        "values": [],
        "refusal": None,
        "revert_to": _version_before(row, previous),
    }
    if model is MenuOption and not Menu.objects.filter(pk=row.menu_id).exists():
        plan["refusal"] = UNDO_MENU_DELETED
    if row.history_type == CHANGED and previous is not None:
        names = changed_fields(model, previous, row)
        plan["action"] = "changes back"
        plan["changes"] = field_changes(model, current or row, previous, names, keys)
        plan["refusal"] = plan["refusal"] or _fields_refusal(
            model, row, names, later, current, subject
        )
    elif model is MenuOption and row.history_type == CREATED:
        plan["action"] = "is deleted"
        plan["values"] = field_values(model, current or row, keys, only_set=True)
        plan["refusal"] = plan["refusal"] or _added_refusal(
            row, later, current, subject
        )
    elif model is MenuOption and row.history_type == DELETED:
        plan["action"] = "comes back"
        plan["values"] = field_values(model, row, keys, only_set=True)
        if current is not None:
            back = next((r for r in later if r.history_type == CREATED), later[-1])
            plan["refusal"] = UNDO_BACK_ALREADY.format(
                subject=capfirst(subject), change=change_name(back)
            )
    else:
        plan["refusal"] = UNDO_NOT_OFFERED.format(thing=thing)
    return UndoPlan(**plan)


def change_undo(*, row) -> Restored:
    """Undo the change history row `row` records, as `undo_plan` says, or
    raise ValidationError saying why not (its refusal, or the checks any
    save goes through). An option's menu is saved too, as the admin saves
    it with its options: its row marks the version, and a page open on the
    menu learns that it changed. Call it inside a transaction, rolled back
    when it raises.
    """
    model = row.instance_type
    parent_model, parent_id = (
        (Menu, row.menu_id) if model is MenuOption else (model, row.id)
    )
    # Locked first, so that what the plan reads is what is undone.
    parent = parent_model.objects.select_for_update().filter(pk=parent_id).first()
    plan = undo_plan(row)
    if plan.refusal:
        raise ValidationError(plan.refusal, code="not_undoable")
    previous = plan.previous
    names = changed_fields(model, previous, row) if previous else set()
    before = ivr_snapshot_from_database()
    with change_reason(UNDID.format(change=plan.change)):
        if model is MenuOption:
            parent.save()
            _option_undo(row, plan, parent, previous=previous, names=names)
            changed = {parent.key}
        else:
            old_key = getattr(parent, "key", None)
            for f in tracked_fields(model):
                if f.name in names:
                    setattr(parent, f.attname, getattr(previous, f.attname))
            thing = model._meta.verbose_name
            voice_changed = "voice_profile" in names
            _instance_checked(parent, voice_changed=voice_changed, thing=thing)
            parent.save()
            changed = {parent.key, old_key} if model is Menu else set()
        if parent_model is Menu:
            _capture_checked(parent)
    return Restored(warnings=_menus_checked(before, changed), undone=plan)


def history_token(model, object_id) -> str:
    """The id of the object's latest history row: every save writes one, so
    it changes whenever the object does (a deleted object's included)."""
    latest = (
        model.history.filter(id=object_id)
        .order_by("-history_date", "-history_id")
        .values_list("history_id", flat=True)
        .first()
    )
    return str(latest or "")


# --- Helpers ---------------------------------------------------------------------


def _options_reverted(now, then, keys) -> list[OptionChange]:
    """What making options `now` into options `then` does to each, in the
    order of their keys."""
    current = {option.pk: option for option in now}
    wanted = {option.pk: option for option in then}
    changes = []
    for option in now:
        if option.pk not in wanted:
            values = field_values(MenuOption, option, keys, only_set=True)
            changes.append(
                OptionChange(option_subject(option), "is deleted", values=values)
            )
    for option in then:
        was = current.get(option.pk)
        if was is None:
            values = field_values(MenuOption, option, keys, only_set=True)
            changes.append(
                OptionChange(option_subject(option), "comes back", values=values)
            )
            continue
        names = changed_fields(MenuOption, was, option)
        if names:
            diff = field_changes(MenuOption, was, option, names, keys)
            changes.append(OptionChange(option_subject(was), "changes", diff))
    changes.sort(key=lambda change: change.subject)
    return changes


def _version_before(row, previous) -> int | None:
    """The version of the menu (or number) just before `row`'s change, to
    revert to; None when there is none."""
    if row.instance_type is not MenuOption:
        if previous is None or previous.history_type == DELETED:
            return None
        return previous.history_id
    # An option's change belongs to the menu's version saved with it (the
    # admin saves the menu first): the one before that is from before it.
    menu_rows = list(
        Menu.history.filter(id=row.menu_id).order_by("history_date", "history_id")
    )
    version = version_at(menu_rows, row.history_date)
    if version is None:
        return None
    index = menu_rows.index(version)
    prior = menu_rows[index - 1] if index else None
    if prior is None or prior.history_type == DELETED:
        return None
    return prior.history_id


def _fields_refusal(model, row, names, later, current, subject) -> str | None:
    """Why the fields `names` that `row` changed can't be put back alone."""
    if not names:
        return UNDO_NOTHING
    if current is None:
        return _gone(later, subject)
    for after, changed in _later_changes(model, row, later):
        touched = changed & names
        if touched:
            return UNDO_LATER_CHANGE.format(
                fields=_field_names(model, touched), change=change_name(after)
            )
    unrecorded = changed_fields(model, row, current) & names
    if unrecorded:
        return UNDO_CHANGED_UNRECORDED.format(fields=_field_names(model, unrecorded))
    return None


def _added_refusal(row, later, current, subject) -> str | None:
    """Why the option `row` added can't simply be deleted."""
    if current is None:
        return _gone(later, subject)
    for after, changed in _later_changes(MenuOption, row, later):
        if changed:
            return UNDO_OPTION_CHANGED_LATER.format(
                subject=capfirst(subject), change=change_name(after)
            )
    unrecorded = changed_fields(MenuOption, row, current)
    if unrecorded:
        return UNDO_CHANGED_UNRECORDED.format(
            fields=_field_names(MenuOption, unrecorded)
        )
    return None


def _later_changes(model, row, later):
    """Each row of `later` (the rows after `row`, in time order) with the
    names of the fields it changed. A deletion changes none; an object
    brought back is compared with how it was before it was deleted."""
    last = row
    for after in later:
        if after.history_type == DELETED:
            continue
        yield after, changed_fields(model, last, after)
        last = after


def _gone(later, subject) -> str:
    """Why an object deleted since can't have a change undone."""
    gone = next((r for r in reversed(later) if r.history_type == DELETED), None)
    if gone is None:
        return UNDO_GONE.format(subject=capfirst(subject))
    return UNDO_DELETED_LATER.format(
        subject=capfirst(subject), change=change_name(gone)
    )


def _option_undo(row, plan: UndoPlan, menu: Menu, *, previous, names) -> None:
    """Delete the option `row` added, bring back the one it deleted, or put
    back the fields `names` it changed as `previous` had them."""
    if plan.action == "is deleted":
        MenuOption.objects.get(pk=row.id).delete()
        return
    if plan.action == "comes back":
        option = row.instance
        option.menu = menu
        option._state.adding = True
        _option_checked(option, voice_changed=True)
        option.save()
        return
    option = MenuOption.objects.get(pk=row.id)
    for f in tracked_fields(MenuOption):
        if f.name in names:
            setattr(option, f.attname, getattr(previous, f.attname))
    _option_checked(option, voice_changed="voice_profile" in names)
    option.save()


def _field_names(model, names) -> str:
    """Fields `names` of `model` as a sentence names them, in the model's
    order: "Prompt", "Prompt and Name"."""
    labels = [
        capfirst(f.verbose_name) for f in tracked_fields(model) if f.name in names
    ]
    if len(labels) == 1:
        return labels[0]
    return ", ".join(labels[:-1]) + " and " + labels[-1]


def _voice(obj) -> str | None:
    return getattr(obj, "voice_profile", None)


def _instance_checked(obj, *, voice_changed: bool, thing: str) -> None:
    """Check `obj` (a menu or a number about to be saved) as the admin's
    form would: its fields' rules, its unique keys and constraints, and its
    voice when it changes."""
    problem = _problem_of(obj, voice_changed=voice_changed)
    if problem:
        raise ValidationError(
            OBJECT_NOT_RESTORABLE.format(thing=thing, problem=problem),
            code="not_restorable",
        )


def _option_checked(option: MenuOption, *, voice_changed: bool) -> None:
    problem = _problem_of(option, voice_changed=voice_changed)
    if problem:
        raise ValidationError(
            OPTION_NOT_RESTORABLE.format(digits=option.digits, problem=problem),
            code="not_restorable",
        )


def _problem_of(obj, *, voice_changed: bool) -> str | None:
    """What stops `obj` being saved, in plain words; None when nothing."""
    try:
        obj.full_clean()
    except ValidationError as error:
        return _plain(error, type(obj))
    if voice_changed and _voice(obj):
        problem = voice_problem(_voice(obj))
        if problem:
            label = capfirst(type(obj)._meta.get_field("voice_profile").verbose_name)
            return f"{label}: {problem}"
    return None


def _plain(error: ValidationError, model) -> str:
    """`error` (from `full_clean`) in plain words, each problem after the
    field it is about; a menu deleted since is said as such."""
    problems = []
    by_field = getattr(error, "error_dict", {NON_FIELD_ERRORS: [error]})
    for name, errors in by_field.items():
        if name == NON_FIELD_ERRORS:
            problems += [message for item in errors for message in item.messages]
            continue
        model_field = model._meta.get_field(name)
        label = capfirst(model_field.verbose_name)
        for item in errors:
            if model_field.is_relation and item.code == "invalid":
                problems.append(DELETED_MENU_PROBLEMS.get(name, TARGET_MENU_DELETED))
            else:
                problems += [f"{label}: {message}" for message in item.messages]
    return " ".join(problems)


def _capture_checked(menu: Menu) -> None:
    """Refuse capture settings under which one of `menu`'s options, as
    saved now, could never be entered (as the menu form does)."""
    digits = list(menu.options.values_list("digits", flat=True))
    problems = menu_option_problems(
        option_digits=digits,
        min_digits=menu.min_digits,
        max_digits=menu.max_digits,
        complete_on_hash=menu.complete_on_hash,
    )
    messages = [message for found in problems.values() for message in found]
    if messages:
        raise ValidationError(messages, code="capture")


def _menus_checked(before, changed) -> tuple[str, ...]:
    """Refuse what would break live calls since `before` (a snapshot taken
    in the same transaction); returns the warnings."""
    problems = menu_tree_problems(before=before, changed=changed)
    if problems.refused:
        raise ValidationError([str(problem) for problem in problems.refused])
    return tuple(str(problem) for problem in problems.warnings)
