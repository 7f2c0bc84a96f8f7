"""Importing a menu file: the menus, options and numbers it lists, written
into the database (`menu_tree_import`).

A file describes each menu it lists whole. Importing creates or updates every
listed menu by key, sets the fields the file gives and resets the fields it
leaves out to the model defaults, and makes the menu's options exactly the
ones listed: a row whose keys are still listed is updated in place (so the
call history keeps pointing at it), the others are deleted. A menu listed
without `options` keeps the options it has. Numbers are created or updated by
number. Menus and numbers the file does not list, and the default entry menu
when the file names none, are left alone.

Once `schema.menu_file_read` has found what only a file can get wrong, every
row is checked the way the admin checks it: its `full_clean()` (the same
plain words, beside the same fields), `ivr.menus.checks.menu_option_problems`
for the rules across a menu and its options, and `ivr.menus.checks` for what
the change does to calls. Every problem is reported at once, each naming its
menu, option or number and field, and nothing changes unless there are none.

Rows are written with `save()`, never `update()` or `bulk_create()`, so the
signals in `ivr.menus.signals` tell every running process to reload its menus,
and each write leaves a row in the audit history, its reason naming the file.
"""

from dataclasses import dataclass, replace
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DataError, IntegrityError, models, transaction

from ivr.audit.records import change_reason
from ivr.core.snapshot import IvrSnapshot
from ivr.menus.checks import menu_option_problems, menu_tree_problems
from ivr.menus.files.fields import (
    DEFAULT_MENU_FIELD,
    MENU_FIELDS,
    NUMBER_FIELDS,
    OPTION_FIELDS,
    FileField,
    Kind,
    model_default,
)
from ivr.menus.files.problems import FileProblem, MenuFileError
from ivr.menus.files.schema import MenuRecord, MenuTree, Record, menu_file_read
from ivr.menus.phone_numbers import default_country
from ivr.menus.snapshots import ivr_snapshot_from_database
from ivr.menus.voices import voice_codes, voice_problem
from ivr.models import Menu, MenuOption, Number

MENU_NOT_FOUND = "No menu “{key}” in the file or in the database."
DATABASE_REFUSED = "The database refused the change: {error}"
# The change reason of the audit history rows an import writes.
IMPORTED_FROM = "imported from {source}"
IMPORTED = "imported from a menu file"


@dataclass(frozen=True)
class ImportSummary:
    menus_created: int
    menus_updated: int
    options: int
    options_removed: int
    numbers: int
    dry_run: bool = False
    # The national numbers converted to E.164, then what the menus as
    # imported probably get wrong (ivr.menus.checks), one line each: the import
    # went through all the same.
    warnings: tuple[str, ...] = ()

    def __str__(self) -> str:
        menus = self.menus_created + self.menus_updated
        text = (
            f"{_count(menus, 'menu')} ({self.menus_created} created, "
            f"{self.menus_updated} updated), {_count(self.options, 'option')}, "
            f"{_count(self.numbers, 'number')}"
        )
        if self.options_removed:
            text += (
                f"; {_count(self.options_removed, 'option')} no longer in the "
                "file removed"
            )
        if self.dry_run:
            return (
                f"Dry run: the file is valid and would import {text}. "
                "Nothing was changed."
            )
        return f"Imported {text}."


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def menu_tree_import(
    *, data: Any, dry_run: bool = False, source: str = "", progress=None
) -> ImportSummary:
    """Create or update the menus, options and numbers in `data` (a parsed
    menu file, see `format.menu_file_load`), all in one transaction.

    Returns what was imported. Raises MenuFileError, having changed nothing,
    when anything in `data` is wrong; it lists every problem found. With
    `dry_run`, everything is checked and written, then rolled back. Every
    row written is in the audit history as "imported from `source`" (the
    file's name). `progress` (an `ivr.management.progress.Progress`,
    optional) is told the number of menus and advanced as each is written.
    """
    problems: list[FileProblem] = []
    tree = menu_file_read(
        data=data, problems=problems, default_country=default_country()
    )
    if progress is not None:
        progress.total = len(tree.menus)
    reason = IMPORTED_FROM.format(source=source) if source else IMPORTED
    try:
        with transaction.atomic(), change_reason(reason):
            before = ivr_snapshot_from_database()
            summary = _Importer(tree, problems, progress).run()
            if not problems:
                summary = _check_menus(summary, before, tree, problems)
                warnings = (*tree.numbers_read_as, *summary.warnings)
                summary = replace(summary, warnings=warnings)
            if problems:
                raise MenuFileError(problems)
            if dry_run:
                transaction.set_rollback(True)
    except (IntegrityError, DataError) as error:
        # Only a change made by someone else at the same moment gets here:
        # every row was checked with full_clean() first.
        raise MenuFileError(
            [FileProblem(DATABASE_REFUSED.format(error=error))]
        ) from error
    return replace(summary, dry_run=dry_run)


def _check_menus(
    summary: ImportSummary,
    before: IvrSnapshot,
    tree: MenuTree,
    problems: list[FileProblem],
) -> ImportSummary:
    """The menus as the file leaves them, checked as the admin checks a save
    (`ivr.menus.checks`): what would break a live call is a problem; what only
    looks wrong comes back as the summary's warnings."""
    keys = {record.key for record in tree.menus if record.key}
    change = menu_tree_problems(before=before, changed=keys)
    for found in change.refused:
        if found.number:
            problems.append(
                FileProblem(found.message, f'number "{found.number}"', "menu")
            )
        elif found.entry:
            problems.append(FileProblem(found.message, "", "default_menu"))
        else:
            where = f'menu "{found.menu}"'
            if found.digits is not None:
                where += f', option "{found.digits}"'
            # The snapshot's field names are the file's.
            problems.append(FileProblem(found.message, where, found.field))
    return replace(summary, warnings=tuple(str(found) for found in change.warnings))


class _Importer:
    """Writes a parsed file into the database, reporting into `problems`.

    Rows with problems are checked but never saved, so the database never
    refuses a write and every problem is found in one run; the caller rolls
    the transaction back when there are any.
    """

    def __init__(self, tree: MenuTree, problems: list[FileProblem], progress=None):
        self.tree = tree
        self.problems = problems
        self.progress = progress
        self.file_keys = {record.key for record in tree.menus if record.key}
        self.menus: dict[str, Menu] = {}  # by key: the file's and those it names
        # 8x8's voices, as last fetched (empty: not fetched, nothing checked).
        self.voices = voice_codes()

    def run(self) -> ImportSummary:
        created = self._menu_rows()
        default_menu = self._default_menu()
        for record in self.tree.menus:
            self._menu_update(record, default_menu)
        if default_menu is not None and not default_menu.is_default:
            # The default entry is a menu the file does not list.
            default_menu.is_default = True
            default_menu.save(update_fields=["is_default"])
        options = removed = 0
        for record in self.tree.menus:
            listed, deleted = self._options_replace(record)
            options += listed
            removed += deleted
            if self.progress is not None:
                self.progress.advance()
        numbers = self._numbers_update()
        imported = [r for r in self.tree.menus if r.key_valid and not r.repeated]
        return ImportSummary(
            menus_created=created,
            menus_updated=len(imported) - created,
            options=options,
            options_removed=removed,
            numbers=numbers,
        )

    def _menu_rows(self) -> int:
        """Load the menus the file lists or names, and create an empty row for
        each new one, so that menus can name each other in any order; the
        rows are filled in and checked by `_menu_update`. Returns how many
        were created."""
        listed = {r.key for r in self.tree.menus if r.key_valid and not r.repeated}
        named = {
            record.values.get(spec.name)
            for record, fields in self._records()
            for spec in fields
            if spec.kind == Kind.MENU_KEY
        }
        wanted = (listed | named) - {None}
        self.menus = {menu.key: menu for menu in Menu.objects.filter(key__in=wanted)}
        created = 0
        for key in sorted(listed - set(self.menus)):
            self.menus[key] = Menu.objects.create(key=key)
            created += 1
        return created

    def _records(self):
        yield self.tree.top, (DEFAULT_MENU_FIELD,)
        for record in self.tree.menus:
            yield record, MENU_FIELDS
            for option in record.options:
                yield option, OPTION_FIELDS
        for number in self.tree.numbers:
            yield number, NUMBER_FIELDS

    def _resolve(self, record: Record, name: str) -> Menu | None:
        """The menu whose key is in field `name` of `record`; None, and a
        problem, when that menu is neither in the file nor in the database."""
        key = record.values.get(name)
        if key is None:
            return None
        menu = self.menus.get(key)
        if menu is None:
            record.bad.add(name)
            # A menu listed with an invalid key has been reported already.
            if key not in self.file_keys:
                self.problems.append(
                    FileProblem(MENU_NOT_FOUND.format(key=key), record.where, name)
                )
        return menu

    def _default_menu(self) -> Menu | None:
        """The new default entry menu, with the flag cleared on any other;
        None when the file does not say."""
        menu = self._resolve(self.tree.top, "default_menu")
        if menu is None:
            return None
        for other in Menu.objects.filter(is_default=True).exclude(pk=menu.pk):
            other.is_default = False
            other.save(update_fields=["is_default"])
        return menu

    def _menu_update(self, record: MenuRecord, default_menu: Menu | None) -> None:
        menu = None
        if record.key_valid and not record.repeated:
            menu = self.menus[record.key]
        if menu is None:
            # Checked all the same, so that every problem is reported.
            menu = Menu(key=record.key or "")
        record.row = menu
        self._assign(menu, MENU_FIELDS, record)
        if default_menu is not None:
            menu.is_default = menu.pk is not None and menu.pk == default_menu.pk
        if self._check(menu, MENU_FIELDS, record) and menu.pk is not None:
            menu.save()

    def _options_replace(self, record: MenuRecord) -> tuple[int, int]:
        """Make the menu's options those of `record`, or keep them when the
        file lists none. Returns how many options the file lists and how many
        rows were deleted."""
        menu = record.row
        if record.options_given:
            listed = [option.digits for option in record.options if option.digits]
        elif menu.pk is not None:
            listed = list(menu.options.values_list("digits", flat=True))
        else:
            listed = []
        across = menu_option_problems(
            option_digits=listed,
            min_digits=menu.min_digits,
            max_digits=menu.max_digits,
            complete_on_hash=menu.complete_on_hash,
        )
        for name, messages in across.items():
            self.problems += [FileProblem(m, record.where, name) for m in messages]
        if not record.options_given:
            return 0, 0
        # With keys listed twice there is no telling which row is which.
        writable = menu.pk is not None and len(set(listed)) == len(listed)
        rows = {row.digits: row for row in menu.options.all()} if writable else {}
        for option in record.options:
            row = rows.get(option.digits) or MenuOption(menu=menu)
            self._assign(row, OPTION_FIELDS, option)
            if self._check(row, OPTION_FIELDS, option, exclude=["menu"]) and writable:
                row.save()
        removed = 0
        if writable:
            _, deleted = menu.options.exclude(digits__in=listed).delete()
            removed = deleted.get(MenuOption._meta.label, 0)
        return len(record.options), removed

    def _numbers_update(self) -> int:
        """Create or update the numbers; returns how many the file lists."""
        # Each number is in E.164 by now, or refused (`menu_file_read`).
        wanted = [record.number for record in self.tree.numbers if record.number]
        rows = {row.number: row for row in Number.objects.filter(number__in=wanted)}
        for record in self.tree.numbers:
            row = rows.get(record.number) or Number()
            self._assign(row, NUMBER_FIELDS, record)
            if self._check(row, NUMBER_FIELDS, record) and not record.repeated:
                row.save()
        return len(self.tree.numbers)

    def _assign(
        self, instance: models.Model, fields: tuple[FileField, ...], record: Record
    ) -> None:
        """Set every field of `instance`: from the file, or the model default
        where the file leaves it out."""
        for spec in fields:
            if spec.kind == Kind.MENU_KEY:
                value = self._resolve(record, spec.name)
            elif spec.name in record.values:
                value = record.values[spec.name]
            else:
                value = model_default(type(instance), spec.attribute)
            setattr(instance, spec.attribute, value)

    def _check(
        self,
        instance: models.Model,
        fields: tuple[FileField, ...],
        record: Record,
        *,
        exclude: list[str] | None = None,
    ) -> bool:
        """Whether `instance` passes the admin's validation; its problems are
        reported under the file's field names, except on fields that were
        reported already. A voice must be one of 8x8's for this account,
        once its list was fetched (`ivr.menus.voices`)."""
        voice_ok = self._voice_ok(instance, record)
        try:
            instance.full_clean(exclude=exclude)
        except ValidationError as error:
            names = {spec.attribute: spec.name for spec in fields}
            for attribute, messages in error.message_dict.items():
                name = None if attribute == NON_FIELD_ERRORS else attribute
                name = names.get(name, name)
                if name not in record.bad:
                    self.problems.append(
                        FileProblem(" ".join(messages), record.where, name)
                    )
            return False
        return voice_ok

    def _voice_ok(self, instance: models.Model, record: Record) -> bool:
        problem = voice_problem(
            getattr(instance, "voice_profile", ""), known=self.voices
        )
        if problem and "voice_profile" not in record.bad:
            self.problems.append(FileProblem(problem, record.where, "voice_profile"))
        return problem is None
