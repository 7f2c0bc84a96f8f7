"""Reading a parsed menu file into records, before any database row, with
what a file can get wrong and a form cannot: unknown fields, wrong types,
missing keys, fields the row's choice never uses, phone numbers not in
international form (unless national numbers of the default country), rows
listed twice.
"""

import difflib
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from ivr.core.numbers import read_typed_number
from ivr.core.snapshot import OptionAction
from ivr.menus.files.fields import (
    DEFAULT_MENU_FIELD,
    MENU_FIELDS,
    MENU_OPTIONS_FIELD,
    NUMBER_FIELDS,
    OPTION_FIELDS,
    TOP_FIELDS,
    FileField,
    Kind,
    WrongTypeError,
    model_default,
    value_from_file,
    value_to_file,
)
from ivr.menus.files.format import NOT_A_MAPPING
from ivr.menus.files.problems import FileProblem, MenuFileError, value_described
from ivr.models import (
    EXHAUSTED_FIELDS_BY_ACTION,
    NO_ANSWER_FIELDS_BY_ACTION,
    E164Field,
    Menu,
    MenuOption,
    Number,
)

UNKNOWN_FIELD = "Unknown field. The fields are: {known}."
UNKNOWN_FIELD_SIMILAR = "Unknown field; did you mean “{similar}”?"
FIELD_REQUIRED = "This field is required."
DIGITS_REQUIRED = (
    "Enter the keys that choose this option. In YAML, quote “*” and “#”: "
    'digits: "#" (an unquoted # starts a comment).'
)
WRONG_TYPE = "Must be {expected}, not {given}."
UNKNOWN_ACTION = "Unknown action “{action}”. The actions are: {actions}."
OPTION_FIELD_NOT_USED = (
    "A “{action}” option does not use this field: remove it, or change the "
    "option's action."
)
NO_ANSWER_FIELD_NOT_USED = (
    "Used only with on_no_answer: {wanted}: remove it, or change on_no_answer."
)
EXHAUSTED_FIELD_NOT_USED = (
    "Used only with on_exhausted: {wanted}: remove it, or change on_exhausted."
)
LISTED_TWICE = "Listed twice in the file."
# A national number of IVR_DEFAULT_COUNTRY, converted: a warning of the
# import, so that no number changes unseen.
NUMBER_READ_AS = "{where}, {field}: {typed} read as {number}"


@dataclass
class Record:
    """A menu, option or number as read from the file, before the database."""

    where: str
    values: dict[str, Any]  # file field name → value; absent means the default
    bad: set[str] = field(default_factory=set)  # fields already reported
    repeated: bool = False  # listed before in the file: checked, not saved

    def report(self, problems: list[FileProblem], name: str, message: str) -> None:
        """Add a problem on field `name`, which later checks then pass over,
        so that each field is reported once."""
        self.bad.add(name)
        problems.append(FileProblem(message, self.where, name))


@dataclass
class OptionRecord(Record):
    digits: str | None = None


@dataclass
class MenuRecord(Record):
    key: str | None = None
    key_valid: bool = False
    options: list[OptionRecord] = field(default_factory=list)
    options_given: bool = False  # False: keep the options the menu has
    row: Menu | None = None  # the instance it was checked as


@dataclass
class NumberRecord(Record):
    number: str = ""


@dataclass
class MenuTree:
    top: Record  # holds default_menu
    menus: list[MenuRecord]
    numbers: list[NumberRecord]
    # The national numbers converted to E.164 (NUMBER_READ_AS), one line each.
    numbers_read_as: list[str] = field(default_factory=list)


def menu_file_read(
    *, data: Any, problems: list[FileProblem], default_country: str = ""
) -> MenuTree:
    """The menus, options and numbers of `data` (a parsed menu file) as
    records, every problem found appended to `problems`.

    A row with problems is still returned, with the values that were read
    well, so that the importer can check the rest of it as the admin would,
    in the same run. Raises MenuFileError only when `data` is not a mapping.
    Phone numbers come back in E.164 (`_read_phone_numbers`).
    """
    if not isinstance(data, dict):
        given = value_described(data)
        raise MenuFileError([FileProblem(NOT_A_MAPPING.format(given=given))])
    top = Record(where="", values={})
    for raw_name in data:
        if str(raw_name) not in TOP_FIELDS:
            problems.append(
                FileProblem(
                    _unknown_field(str(raw_name), list(TOP_FIELDS)), "", str(raw_name)
                )
            )
    _read_fields(
        {k: v for k, v in data.items() if k == DEFAULT_MENU_FIELD.name},
        (DEFAULT_MENU_FIELD,),
        top,
        problems,
    )
    raw_menus = enumerate(_list_of(data, "menus", "", problems), start=1)
    menus = [_read_menu(raw, index, problems) for index, raw in raw_menus]
    menus = [menu for menu in menus if menu is not None]
    raw_numbers = enumerate(_list_of(data, "numbers", "", problems), start=1)
    numbers = [_read_number(raw, index, problems) for index, raw in raw_numbers]
    numbers = [number for number in numbers if number is not None]
    rows = []
    for menu in menus:
        rows.append((menu, Menu, MENU_FIELDS))
        rows += [(option, MenuOption, OPTION_FIELDS) for option in menu.options]
    rows += [(number, Number, NUMBER_FIELDS) for number in numbers]
    read_as = _read_phone_numbers(rows, problems, default_country)
    _report_repeats([(m.key, m) for m in menus if m.key_valid], "key", problems)
    _report_repeats(
        [(n.number, n) for n in numbers if n.number and "number" not in n.bad],
        "number",
        problems,
    )
    return MenuTree(top=top, menus=menus, numbers=numbers, numbers_read_as=read_as)


def _read_fields(
    raw: dict,
    fields: tuple[FileField, ...],
    record: Record,
    problems: list[FileProblem],
    *,
    extra: tuple[str, ...] = (),
) -> None:
    """Fill `record.values` from `raw`; unknown fields and wrong types become
    problems. A null value means the default."""
    known = {spec.name: spec for spec in fields}
    for raw_name, value in raw.items():
        name = str(raw_name)
        if name in extra:
            continue
        spec = known.get(name)
        if spec is None:
            problems.append(
                FileProblem(_unknown_field(name, [*known, *extra]), record.where, name)
            )
            continue
        if value is None:
            continue
        try:
            record.values[name] = value_from_file(spec.kind, value)
        except WrongTypeError as wrong:
            given = value_described(value)
            message = WRONG_TYPE.format(expected=wrong.expected, given=given)
            record.report(problems, name, message)


def _unknown_field(name: str, known: list[str]) -> str:
    similar = difflib.get_close_matches(name, known, n=1)
    if similar:
        return UNKNOWN_FIELD_SIMILAR.format(similar=similar[0])
    return UNKNOWN_FIELD.format(known=", ".join(known))


def _text_or_none(value: Any) -> str | None:
    try:
        text = value_from_file(Kind.TEXT, value) if value is not None else None
    except WrongTypeError:
        return None
    return text or None


def _list_of(
    data: dict, name: str, where: str, problems: list[FileProblem]
) -> list[Any]:
    value = data.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(
            FileProblem(
                WRONG_TYPE.format(expected="a list", given=value_described(value)),
                where,
                name,
            )
        )
        return []
    return value


def _not_a_mapping(raw: Any, where: str) -> FileProblem:
    return FileProblem(
        WRONG_TYPE.format(expected="a mapping of fields", given=value_described(raw)),
        where,
    )


def _read_menu(raw: Any, index: int, problems: list[FileProblem]) -> MenuRecord | None:
    if not isinstance(raw, dict):
        problems.append(_not_a_mapping(raw, f"menu #{index}"))
        return None
    key = _text_or_none(raw.get("key"))
    record = MenuRecord(
        where=f'menu "{key}"' if key else f"menu #{index}", values={}, key=key
    )
    _read_fields(raw, MENU_FIELDS, record, problems, extra=(MENU_OPTIONS_FIELD,))
    if "key" not in record.bad:
        if key is None:
            record.report(problems, "key", FIELD_REQUIRED)
        else:
            try:
                Menu._meta.get_field("key").clean(key, None)
                record.key_valid = True
            except ValidationError as error:
                record.report(problems, "key", " ".join(error.messages))
        record.bad.add("key")  # checked here; full_clean need not say it again
    _refuse_unused_exhausted_fields(record, problems)
    record.options_given = raw.get(MENU_OPTIONS_FIELD) is not None
    raw_options = _list_of(raw, MENU_OPTIONS_FIELD, record.where, problems)
    for option_index, raw_option in enumerate(raw_options, start=1):
        option = _read_option(raw_option, record.where, option_index, problems)
        if option is not None:
            record.options.append(option)
    return record


def _read_option(
    raw: Any, menu_where: str, index: int, problems: list[FileProblem]
) -> OptionRecord | None:
    if not isinstance(raw, dict):
        problems.append(_not_a_mapping(raw, f"{menu_where}, option #{index}"))
        return None
    digits = _text_or_none(raw.get("digits"))
    where = (
        f'{menu_where}, option "{digits}"'
        if digits
        else f"{menu_where}, option #{index}"
    )
    record = OptionRecord(where=where, values={}, digits=digits)
    _read_fields(raw, OPTION_FIELDS, record, problems)
    if digits is None and "digits" not in record.bad:
        record.report(problems, "digits", DIGITS_REQUIRED)
    action = record.values.get("action")
    actions = [choice.value for choice in OptionAction]
    if "action" in record.bad:
        pass
    elif action is None:
        record.report(problems, "action", FIELD_REQUIRED)
    elif action not in actions:
        message = UNKNOWN_ACTION.format(action=action, actions=", ".join(actions))
        record.report(problems, "action", message)
    else:
        _refuse_unused_option_fields(record, action, problems)
    return record


def _read_number(
    raw: Any, index: int, problems: list[FileProblem]
) -> NumberRecord | None:
    if not isinstance(raw, dict):
        problems.append(_not_a_mapping(raw, f"number #{index}"))
        return None
    number = _text_or_none(raw.get("number"))
    record = NumberRecord(
        where=f'number "{number}"' if number else f"number #{index}",
        values={},
        number=number or "",
    )
    _read_fields(raw, NUMBER_FIELDS, record, problems)
    for name in ("number", "menu"):
        if name not in record.values and name not in record.bad:
            record.report(problems, name, FIELD_REQUIRED)
    return record


def _read_phone_numbers(
    rows: list[tuple[Record, type[models.Model], tuple[FileField, ...]]],
    problems: list[FileProblem],
    default_country: str,
) -> list[str]:
    """Every phone number in the file as E.164, read as the admin reads a
    typed one (`ivr.core.numbers.read_typed_number`): a number not in
    international form is a problem, unless it is a national number of
    `default_country`. Returns the conversions made, one line each
    (NUMBER_READ_AS)."""
    read_as = []
    for record, model, fields in rows:
        for spec in fields:
            typed = record.values.get(spec.name)
            phone = isinstance(model._meta.get_field(spec.attribute), E164Field)
            if not (phone and typed) or spec.name in record.bad:
                continue
            reading = read_typed_number(typed, default_country=default_country)
            if reading.problem:
                record.report(problems, spec.name, reading.problem)
                continue
            if reading.converted:
                read_as.append(
                    NUMBER_READ_AS.format(
                        where=record.where,
                        field=spec.name,
                        typed=typed.strip(),
                        number=reading.e164,
                    )
                )
            record.values[spec.name] = reading.e164
            if isinstance(record, NumberRecord):
                record.number = reading.e164
    return read_as


def _report_repeats(
    keyed: list[tuple[str, Record]], name: str, problems: list[FileProblem]
) -> None:
    seen = set()
    for key, record in keyed:
        if key in seen:
            record.repeated = True
            record.report(problems, name, LISTED_TWICE)
        seen.add(key)


# --- Fields a choice does not use (ivr.models.OPTION_FIELDS_BY_ACTION) ---------
# Saving would drop them, so a file that sets one is told instead; a default
# value is harmless. The model's `unused_fields()` says which they are.


def _refuse_unused_option_fields(
    record: OptionRecord, action: str, problems: list[FileProblem]
) -> None:
    on_no_answer = record.values.get("on_no_answer") or model_default(
        MenuOption, "on_no_answer"
    )
    unused = MenuOption(action=action, on_no_answer=on_no_answer).unused_fields()
    no_answer = {f for fields in NO_ANSWER_FIELDS_BY_ACTION.values() for f in fields}
    for spec in _set_but_unused(record, OPTION_FIELDS, MenuOption, unused):
        if action == OptionAction.TRANSFER and spec.attribute in no_answer:
            wanted = _choice_using(NO_ANSWER_FIELDS_BY_ACTION, spec.attribute)
            message = NO_ANSWER_FIELD_NOT_USED.format(wanted=wanted)
        else:
            message = OPTION_FIELD_NOT_USED.format(action=action)
        record.report(problems, spec.name, message)


def _refuse_unused_exhausted_fields(
    record: MenuRecord, problems: list[FileProblem]
) -> None:
    on_exhausted = record.values.get("on_exhausted") or model_default(
        Menu, "on_exhausted"
    )
    unused = Menu(on_exhausted=on_exhausted).unused_fields()
    for spec in _set_but_unused(record, MENU_FIELDS, Menu, unused):
        wanted = _choice_using(EXHAUSTED_FIELDS_BY_ACTION, spec.attribute)
        message = EXHAUSTED_FIELD_NOT_USED.format(wanted=wanted)
        record.report(problems, spec.name, message)


def _set_but_unused(
    record: Record,
    fields: tuple[FileField, ...],
    model: type[models.Model],
    unused: set[str],
) -> list[FileField]:
    return [
        spec
        for spec in fields
        if spec.attribute in unused and _given_and_not_default(record, spec, model)
    ]


def _given_and_not_default(record: Record, spec: FileField, model) -> bool:
    if spec.name not in record.values:
        return False
    value = record.values[spec.name]
    if spec.kind == Kind.MENU_KEY:
        return value is not None
    return value != value_to_file(spec, model_default(model, spec.attribute))


def _choice_using(table: dict[str, tuple[str, ...]], attribute: str) -> str:
    return next(choice for choice, fields in table.items() if attribute in fields)
