"""Menus as files: the YAML or JSON format that `ivr_import` reads and
`ivr_export` writes.

A file describes each menu it lists whole. Importing creates or updates every
listed menu by key, sets the fields the file gives and resets the fields it
leaves out to the model defaults, and makes the menu's options exactly the
ones listed: a row whose keys are still listed is updated in place (so the
call history keeps pointing at it), the others are deleted. A menu listed
without `options` keeps the options it has. Numbers are created or updated by
number. Menus and numbers the file does not list, and the default entry menu
when the file names none, are left alone. An export writes the same format
and leaves out values equal to the defaults, so export → import → export
gives the same bytes.

Every row is checked the way the admin checks it, with its `full_clean()` (the
same plain words, beside the same fields) and `checks.menu_option_problems`
for the rules across a menu and its options. This module adds only what a file
can get wrong and a form cannot: unknown fields, wrong types, and menus named
by a key that exists nowhere. Phone numbers follow the admin's rule
(`core.numbers.read_typed_number`): international form, or a national number
of IVR_DEFAULT_COUNTRY, converted and listed among the warnings. Every
problem is reported at once, each naming its menu, option or number and
field, and nothing changes unless there are none.

Rows are written with `save()`, never `update()` or `bulk_create()`, so the
signals in `signals.py` tell every running process to reload its menus, and
each write leaves a row in the audit history, its reason naming the file.
"""

import difflib
import json
import math
from collections import Counter
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum
from typing import Any

import yaml
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DataError, IntegrityError, models, transaction
from django.db.models import Prefetch

from ivr.audit.records import change_reason
from ivr.core.numbers import read_typed_number
from ivr.core.snapshot import IvrSnapshot, OptionAction
from ivr.menus.checks import menu_option_problems, menu_tree_problems
from ivr.menus.phone_numbers import default_country
from ivr.menus.snapshots import ivr_snapshot_from_database
from ivr.menus.voices import voice_codes, voice_problem
from ivr.models import (
    EXHAUSTED_FIELDS_BY_ACTION,
    NO_ANSWER_FIELDS_BY_ACTION,
    OPTION_FIELDS_BY_ACTION,
    E164Field,
    Menu,
    MenuOption,
    Number,
    option_fields_used,
)

YAML = "yaml"
JSON = "json"
FILE_FORMATS = (YAML, JSON)

NOT_YAML = "The file is not valid YAML: {problem} (line {line}, column {column})."
# PyYAML's words when a value starts with "*" (an alias) or "&" (an anchor).
YAML_ALIAS_PROBLEM = "expected alphabetic or numeric character"
YAML_QUOTE_HINT = ' In YAML, quote keys such as "*" and "#": digits: "*".'
NOT_JSON = "The file is not valid JSON: {problem} (line {line}, column {column})."
DUPLICATE_KEY = "“{key}” is given twice in one mapping"
NOT_A_MAPPING = (
    "The file must be a mapping with “menus” (and optionally “numbers” and "
    "“default_menu”), not {given}."
)
EMPTY_FILE = "an empty file"
UNKNOWN_FIELD = "Unknown field. The fields are: {known}."
UNKNOWN_FIELD_SIMILAR = "Unknown field; did you mean “{similar}”?"
FIELD_REQUIRED = "This field is required."
DIGITS_REQUIRED = (
    "Enter the keys that choose this option. In YAML, quote “*” and “#”: "
    'digits: "#" (an unquoted # starts a comment).'
)
WRONG_TYPE = "Must be {expected}, not {given}."
UNKNOWN_ACTION = "Unknown action “{action}”. The actions are: {actions}."
MENU_NOT_FOUND = "No menu “{key}” in the file or in the database."
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
DATABASE_REFUSED = "The database refused the change: {error}"
# A national number of IVR_DEFAULT_COUNTRY, converted: a warning of the
# import, so that no number changes unseen.
NUMBER_READ_AS = "{where}, {field}: {typed} read as {number}"
# The change reason of the audit history rows an import writes.
IMPORTED_FROM = "imported from {source}"
IMPORTED = "imported from a menu file"

# The order options are exported in: as a keypad reads, "1" … "9", "0", "*",
# "#", with "11" right after "1". Database collations disagree on where "*"
# sorts, and the export must be the same bytes on every database.
KEYPAD_ORDER = "1234567890*#"


class Kind(StrEnum):
    """How a field is written in a file."""

    TEXT = "text"
    INTEGER = "a whole number"
    BOOLEAN = "true or false"
    DECIMAL = "a number"
    MENU_KEY = "a menu key"


@dataclass(frozen=True)
class FileField:
    """One field of a menu, option or number in a file."""

    name: str  # in the file
    attribute: str  # on the model
    kind: Kind = Kind.TEXT
    # Written on export even when it equals the default.
    always: bool = False
    # Quoted on export even when YAML would not need it: keys and phone
    # numbers are text, and unquoted they may be read back as integers.
    quoted: bool = False


MENU_FIELDS = (
    FileField("key", "key", always=True),
    FileField("name", "name", always=True),
    FileField("prompt", "prompt", always=True),
    FileField("voice_profile", "voice_profile", always=True),
    FileField("speed", "speed", Kind.DECIMAL),
    FileField("min_digits", "min_digits", Kind.INTEGER),
    FileField("max_digits", "max_digits", Kind.INTEGER),
    FileField("digit_timeout_ms", "digit_timeout_ms", Kind.INTEGER),
    FileField("overall_timeout_ms", "overall_timeout_ms", Kind.INTEGER),
    FileField("complete_on_hash", "complete_on_hash", Kind.BOOLEAN),
    FileField("tries", "tries", Kind.INTEGER),
    FileField("invalid_message", "invalid_message"),
    FileField("no_input_message", "no_input_message"),
    FileField("retries", "max_retries", Kind.INTEGER),
    FileField("on_exhausted", "on_exhausted"),
    FileField("exhausted_message", "exhausted_message"),
    FileField("exhausted_destination", "exhausted_destination", quoted=True),
    FileField("exhausted_target", "exhausted_menu", Kind.MENU_KEY),
    FileField("active", "is_active", Kind.BOOLEAN),
)
MENU_OPTIONS_FIELD = "options"
OPTION_FIELDS = (
    FileField("digits", "digits", always=True, quoted=True),
    FileField("action", "action", always=True),
    FileField("label", "label"),
    FileField("destination", "destination", quoted=True),
    FileField("caller_id", "caller_id", quoted=True),
    FileField("record", "record", Kind.BOOLEAN),
    FileField("message", "message"),
    FileField("voice_profile", "voice_profile"),
    FileField("file_url", "file_url"),
    # Where the caller goes next, after the message or file.
    FileField("target", "target_menu", Kind.MENU_KEY),
    # Last: a transfer that is not answered (busy, no answer, rejected).
    FileField("on_no_answer", "on_no_answer"),
    FileField("no_answer_message", "no_answer_message"),
    FileField("no_answer_target", "no_answer_menu", Kind.MENU_KEY),
    FileField("no_answer_destination", "no_answer_destination", quoted=True),
)
NUMBER_FIELDS = (
    FileField("number", "number", always=True, quoted=True),
    FileField("menu", "menu", Kind.MENU_KEY, always=True),
    FileField("label", "label"),
)
TOP_FIELDS = ("default_menu", "numbers", "menus")
QUOTED_FIELDS = frozenset(
    f.name for f in (*MENU_FIELDS, *OPTION_FIELDS, *NUMBER_FIELDS) if f.quoted
)


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a menu file, and where."""

    message: str
    where: str = ""  # 'menu "sales", option "2"'; "" for the file itself
    field: str | None = None  # the field's name in the file

    def __str__(self) -> str:
        parts = [self.where] if self.where else []
        if self.field:
            parts.append(f'field "{self.field}"')
        return f"{', '.join(parts)}: {self.message}" if parts else self.message


class MenuFileError(ValueError):
    """A menu file that cannot be imported; `problems` says everything wrong,
    one line each."""

    def __init__(self, problems: list[Problem]):
        self.problems = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


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


# --- Reading and writing text -------------------------------------------------


def menu_file_format(name: str) -> str | None:
    """The format a file name says (YAML or JSON); None when it says neither,
    for example "-" for standard input."""
    lowered = name.lower()
    if lowered.endswith(".json"):
        return JSON
    if lowered.endswith((".yaml", ".yml")):
        return YAML
    return None


def menu_file_load(*, text: str, file_format: str | None = None) -> dict[str, Any]:
    """The mapping in a menu file's `text`, parsed as `file_format`, or as JSON
    when it starts with "{" and as YAML otherwise.

    Raises MenuFileError when the text is not valid in that format, or holds
    something other than a mapping. The mapping is not checked further:
    `menu_tree_import` does that.
    """
    if file_format is None:
        file_format = JSON if text.lstrip().startswith("{") else YAML
    data = _json_load(text) if file_format == JSON else _yaml_load(text)
    if not isinstance(data, dict):
        given = EMPTY_FILE if data is None else _describe(data)
        raise MenuFileError([Problem(NOT_A_MAPPING.format(given=given))])
    return data


def menu_file_dump(*, data: dict[str, Any], file_format: str = YAML) -> str:
    """`data` (from `menu_tree_export`) as the text of a menu file.

    Deterministic: the same data gives the same bytes. Option digits and
    phone numbers are always quoted, so YAML never reads them back as
    integers.
    """
    if file_format == JSON:
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=88,
        default_flow_style=False,
    )


class _DuplicateKeyError(ValueError):
    pass


def _json_load(text: str) -> Any:
    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict:
        repeated = [
            key for key, count in Counter(k for k, _ in pairs).items() if count > 1
        ]
        if repeated:
            raise _DuplicateKeyError(DUPLICATE_KEY.format(key=repeated[0]))
        return dict(pairs)

    try:
        return json.loads(text, object_pairs_hook=no_duplicates)
    except json.JSONDecodeError as error:
        message = NOT_JSON.format(
            problem=error.msg, line=error.lineno, column=error.colno
        )
    except _DuplicateKeyError as error:
        message = f"The file is not valid JSON: {error}."
    raise MenuFileError([Problem(message)])


class _YamlInt(int):
    """An integer read from YAML that remembers how it was written."""

    text: str


class _Loader(yaml.SafeLoader):
    """YAML's safe loader, except that an integer remembers its text, so an
    unquoted key written 01 or a number written +6531581234 reads back as
    written where text is expected, and a key given twice in one mapping is
    an error rather than silently the last one."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            keys = [
                key.value
                for key, _ in node.value
                if isinstance(key, yaml.ScalarNode) and key.value != "<<"
            ]
            repeated = [key for key, count in Counter(keys).items() if count > 1]
            if repeated:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    DUPLICATE_KEY.format(key=repeated[0]),
                    node.start_mark,
                )
        return super().construct_mapping(node, deep=deep)


def _construct_int(loader: _Loader, node: yaml.ScalarNode) -> int:
    value = _YamlInt(loader.construct_yaml_int(node))
    value.text = node.value
    return value


_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def _yaml_load(text: str) -> Any:
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 (a SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error)
        if mark is None:
            message = f"The file is not valid YAML: {problem}."
        else:
            message = NOT_YAML.format(
                problem=problem, line=mark.line + 1, column=mark.column + 1
            )
        if YAML_ALIAS_PROBLEM in problem:
            message += YAML_QUOTE_HINT
    raise MenuFileError([Problem(message)])


class _Dumper(yaml.SafeDumper):
    """Block style, lists indented under their key, multi-line text as
    literal blocks, keys and phone numbers in double quotes."""

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)

    def ignore_aliases(self, data):
        return True


def _represent_mapping(dumper: _Dumper, data: dict) -> yaml.MappingNode:
    pairs = []
    for key, value in data.items():
        if key in QUOTED_FIELDS and isinstance(value, str):
            node = dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')
        else:
            node = dumper.represent_data(value)
        pairs.append((dumper.represent_data(key), node))
    return yaml.MappingNode("tag:yaml.org,2002:map", pairs, flow_style=False)


def _represent_text(dumper: _Dumper, data: str) -> yaml.ScalarNode:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(dict, _represent_mapping)
_Dumper.add_representer(str, _represent_text)


# --- Export ---------------------------------------------------------------------


def menu_tree_export(*, all_fields: bool = False) -> dict[str, Any]:
    """Every menu, option and number as the plain data of a menu file.

    Menus are in key order, options in keypad order, numbers in number order.
    Values equal to the model defaults are left out, unless `all_fields`;
    `default_menu` is left out when no menu is the default entry.
    """
    options = MenuOption.objects.select_related("target_menu", "no_answer_menu")
    menus = sorted(
        Menu.objects.select_related("exhausted_menu").prefetch_related(
            Prefetch("options", queryset=options)
        ),
        key=lambda menu: menu.key,
    )
    numbers = sorted(Number.objects.select_related("menu"), key=lambda n: n.number)
    data: dict[str, Any] = {}
    default = next((menu.key for menu in menus if menu.is_default), None)
    if default is not None or all_fields:
        data["default_menu"] = default
    data["numbers"] = [_export_row(n, NUMBER_FIELDS, all_fields) for n in numbers]
    data["menus"] = [
        {
            **_export_row(menu, MENU_FIELDS, all_fields),
            MENU_OPTIONS_FIELD: [
                _export_row(option, OPTION_FIELDS, all_fields)
                for option in sorted(
                    menu.options.all(), key=lambda o: _keypad_order(o.digits)
                )
            ],
        }
        for menu in menus
    ]
    return data


def _export_row(
    instance: models.Model, fields: tuple[FileField, ...], all_fields: bool
) -> dict[str, Any]:
    row = {}
    # A field the row's choice does not use is written as its default: an
    # older row may still hold a value no call used.
    unused = instance.unused_fields() if hasattr(instance, "unused_fields") else ()
    for spec in fields:
        default = _to_file(spec, _model_default(type(instance), spec))
        value = (
            default
            if spec.attribute in unused
            else _to_file(spec, getattr(instance, spec.attribute))
        )
        if all_fields or spec.always or value != default:
            row[spec.name] = value
    return row


def _keypad_order(digits: str) -> tuple[list[int], str]:
    positions = [
        KEYPAD_ORDER.index(key) if key in KEYPAD_ORDER else len(KEYPAD_ORDER)
        for key in digits
    ]
    return positions, digits


def _to_file(spec: FileField, value: Any) -> Any:
    if value is None:
        return None
    match spec.kind:
        case Kind.MENU_KEY:
            return value.key
        case Kind.DECIMAL:
            return float(value)
        case Kind.TEXT:
            return str(value)
    return value


def _model_default(model: type[models.Model], spec: FileField) -> Any:
    return model._meta.get_field(spec.attribute).get_default()


# --- Import: reading the structure ----------------------------------------------


class _WrongTypeError(ValueError):
    def __init__(self, expected: str):
        super().__init__(expected)
        self.expected = expected


@dataclass
class _Record:
    """A menu, option or number as read from the file, before the database."""

    where: str
    values: dict[str, Any]  # file field name → value; absent means the default
    bad: set[str] = field(default_factory=set)  # fields already reported
    repeated: bool = False  # listed before in the file: checked, not saved


@dataclass
class _OptionRecord(_Record):
    digits: str | None = None


@dataclass
class _MenuRecord(_Record):
    key: str | None = None
    key_valid: bool = False
    options: list[_OptionRecord] = field(default_factory=list)
    options_given: bool = False  # False: keep the options the menu has
    row: Menu | None = None  # the instance it was checked as


@dataclass
class _NumberRecord(_Record):
    number: str = ""


@dataclass
class _Tree:
    top: _Record  # holds default_menu
    menus: list[_MenuRecord]
    numbers: list[_NumberRecord]
    # The national numbers converted to E.164 (NUMBER_READ_AS), one line each.
    numbers_read_as: list[str] = field(default_factory=list)


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:39] + "…"
        return f"the text “{shown}”"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _from_file(kind: Kind, value: Any) -> Any:
    """The model value for a file value; raises _WrongTypeError."""
    if kind in (Kind.TEXT, Kind.MENU_KEY):
        if isinstance(value, str):
            return value
        # YAML reads an unquoted 1 or +6531581234 as an integer.
        if isinstance(value, int) and not isinstance(value, bool):
            return getattr(value, "text", str(value))
    elif kind == Kind.INTEGER:
        if isinstance(value, int) and not isinstance(value, bool):
            return int(value)
    elif kind == Kind.BOOLEAN:
        if isinstance(value, bool):
            return value
    elif kind == Kind.DECIMAL:
        # Through str: Decimal(1.1) is 1.100000000000000088…, and Django would
        # round a float silently where the admin says "at most 2 decimals".
        is_number = isinstance(value, int | float) and not isinstance(value, bool)
        if is_number and math.isfinite(value):
            return Decimal(str(value))
    raise _WrongTypeError(kind.value)


def _read_fields(
    raw: dict,
    fields: tuple[FileField, ...],
    record: _Record,
    problems: list[Problem],
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
                Problem(_unknown_field(name, [*known, *extra]), record.where, name)
            )
            continue
        if value is None:
            continue
        try:
            record.values[name] = _from_file(spec.kind, value)
        except _WrongTypeError as wrong:
            record.bad.add(name)
            problems.append(
                Problem(
                    WRONG_TYPE.format(expected=wrong.expected, given=_describe(value)),
                    record.where,
                    name,
                )
            )


def _unknown_field(name: str, known: list[str]) -> str:
    similar = difflib.get_close_matches(name, known, n=1)
    if similar:
        return UNKNOWN_FIELD_SIMILAR.format(similar=similar[0])
    return UNKNOWN_FIELD.format(known=", ".join(known))


def _text_or_none(value: Any) -> str | None:
    try:
        text = _from_file(Kind.TEXT, value) if value is not None else None
    except _WrongTypeError:
        return None
    return text or None


def _list_of(data: dict, name: str, where: str, problems: list[Problem]) -> list[Any]:
    value = data.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(
            Problem(
                WRONG_TYPE.format(expected="a list", given=_describe(value)),
                where,
                name,
            )
        )
        return []
    return value


def _parse(data: Any, problems: list[Problem], default_country: str = "") -> _Tree:
    if not isinstance(data, dict):
        raise MenuFileError([Problem(NOT_A_MAPPING.format(given=_describe(data)))])
    top = _Record(where="", values={})
    for raw_name in data:
        if str(raw_name) not in TOP_FIELDS:
            problems.append(
                Problem(
                    _unknown_field(str(raw_name), list(TOP_FIELDS)), "", str(raw_name)
                )
            )
    default_field = FileField("default_menu", "", Kind.MENU_KEY)
    _read_fields(
        {k: v for k, v in data.items() if k == "default_menu"},
        (default_field,),
        top,
        problems,
    )
    raw_menus = enumerate(_list_of(data, "menus", "", problems), start=1)
    menus = [_parse_menu(raw, index, problems) for index, raw in raw_menus]
    menus = [menu for menu in menus if menu is not None]
    raw_numbers = enumerate(_list_of(data, "numbers", "", problems), start=1)
    numbers = [_parse_number(raw, index, problems) for index, raw in raw_numbers]
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
    return _Tree(top=top, menus=menus, numbers=numbers, numbers_read_as=read_as)


def _read_phone_numbers(
    rows: list[tuple[_Record, type[models.Model], tuple[FileField, ...]]],
    problems: list[Problem],
    default_country: str,
) -> list[str]:
    """Every phone number in the file as E.164, read as the admin reads a
    typed one (`core.numbers.read_typed_number`): a number not in
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
                record.bad.add(spec.name)
                problems.append(Problem(reading.problem, record.where, spec.name))
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
            if isinstance(record, _NumberRecord):
                record.number = reading.e164
    return read_as


def _report_repeats(
    keyed: list[tuple[str, _Record]], name: str, problems: list[Problem]
) -> None:
    seen = set()
    for key, record in keyed:
        if key in seen:
            record.bad.add(name)
            record.repeated = True
            problems.append(Problem(LISTED_TWICE, record.where, name))
        seen.add(key)


def _not_a_mapping(raw: Any, where: str) -> Problem:
    return Problem(
        WRONG_TYPE.format(expected="a mapping of fields", given=_describe(raw)), where
    )


def _parse_menu(raw: Any, index: int, problems: list[Problem]) -> _MenuRecord | None:
    if not isinstance(raw, dict):
        problems.append(_not_a_mapping(raw, f"menu #{index}"))
        return None
    key = _text_or_none(raw.get("key"))
    record = _MenuRecord(
        where=f'menu "{key}"' if key else f"menu #{index}", values={}, key=key
    )
    _read_fields(raw, MENU_FIELDS, record, problems, extra=(MENU_OPTIONS_FIELD,))
    if "key" not in record.bad:
        if key is None:
            problems.append(Problem(FIELD_REQUIRED, record.where, "key"))
        else:
            try:
                Menu._meta.get_field("key").clean(key, None)
                record.key_valid = True
            except ValidationError as error:
                problems.append(Problem(" ".join(error.messages), record.where, "key"))
        record.bad.add("key")  # checked here; full_clean need not say it again
    _refuse_unused_exhausted_fields(record, problems)
    record.options_given = raw.get(MENU_OPTIONS_FIELD) is not None
    raw_options = _list_of(raw, MENU_OPTIONS_FIELD, record.where, problems)
    for option_index, raw_option in enumerate(raw_options, start=1):
        option = _parse_option(raw_option, record.where, option_index, problems)
        if option is not None:
            record.options.append(option)
    return record


def _parse_option(
    raw: Any, menu_where: str, index: int, problems: list[Problem]
) -> _OptionRecord | None:
    if not isinstance(raw, dict):
        problems.append(_not_a_mapping(raw, f"{menu_where}, option #{index}"))
        return None
    digits = _text_or_none(raw.get("digits"))
    where = (
        f'{menu_where}, option "{digits}"'
        if digits
        else f"{menu_where}, option #{index}"
    )
    record = _OptionRecord(where=where, values={}, digits=digits)
    _read_fields(raw, OPTION_FIELDS, record, problems)
    if digits is None and "digits" not in record.bad:
        record.bad.add("digits")
        problems.append(Problem(DIGITS_REQUIRED, where, "digits"))
    action = record.values.get("action")
    if "action" in record.bad:
        pass
    elif action is None:
        record.bad.add("action")
        problems.append(Problem(FIELD_REQUIRED, where, "action"))
    elif action not in {choice.value for choice in OptionAction}:
        record.bad.add("action")
        problems.append(
            Problem(
                UNKNOWN_ACTION.format(
                    action=action, actions=", ".join(a.value for a in OptionAction)
                ),
                where,
                "action",
            )
        )
    else:
        _refuse_unused_option_fields(record, action, problems)
    return record


# --- Fields a choice does not use (models.OPTION_FIELDS_BY_ACTION) ----------------


def _refuse_unused_option_fields(
    record: _OptionRecord, action: str, problems: list[Problem]
) -> None:
    """A file that sets a field the option's action never uses would have it
    dropped on save: say so instead (a default value is harmless)."""
    on_no_answer = record.values.get("on_no_answer") or _default(
        MenuOption, "on_no_answer"
    )
    used = option_fields_used(action, on_no_answer)
    every = {f for fields in OPTION_FIELDS_BY_ACTION.values() for f in fields}
    no_answer = {f for fields in NO_ANSWER_FIELDS_BY_ACTION.values() for f in fields}
    for spec in OPTION_FIELDS:
        if spec.attribute not in every or spec.attribute in used:
            continue
        if not _given_and_not_default(record, spec, MenuOption):
            continue
        if action == OptionAction.TRANSFER and spec.attribute in no_answer:
            wanted = _choice_using(NO_ANSWER_FIELDS_BY_ACTION, spec.attribute)
            message = NO_ANSWER_FIELD_NOT_USED.format(wanted=wanted)
        else:
            message = OPTION_FIELD_NOT_USED.format(action=action)
        record.bad.add(spec.name)
        problems.append(Problem(message, record.where, spec.name))


def _refuse_unused_exhausted_fields(record: _MenuRecord, problems: list[Problem]):
    on_exhausted = record.values.get("on_exhausted") or _default(Menu, "on_exhausted")
    used = set(EXHAUSTED_FIELDS_BY_ACTION.get(on_exhausted, ()))
    every = {f for fields in EXHAUSTED_FIELDS_BY_ACTION.values() for f in fields}
    for spec in MENU_FIELDS:
        if spec.attribute not in every or spec.attribute in used:
            continue
        if not _given_and_not_default(record, spec, Menu):
            continue
        wanted = _choice_using(EXHAUSTED_FIELDS_BY_ACTION, spec.attribute)
        record.bad.add(spec.name)
        problems.append(
            Problem(
                EXHAUSTED_FIELD_NOT_USED.format(wanted=wanted), record.where, spec.name
            )
        )


def _given_and_not_default(record: _Record, spec: FileField, model) -> bool:
    if spec.name not in record.values:
        return False
    value = record.values[spec.name]
    if spec.kind == Kind.MENU_KEY:
        return value is not None
    return value != _to_file(spec, _model_default(model, spec))


def _default(model, attribute: str) -> Any:
    return model._meta.get_field(attribute).get_default()


def _choice_using(table: dict[str, tuple[str, ...]], attribute: str) -> str:
    return next(choice for choice, fields in table.items() if attribute in fields)


def _parse_number(
    raw: Any, index: int, problems: list[Problem]
) -> _NumberRecord | None:
    if not isinstance(raw, dict):
        problems.append(_not_a_mapping(raw, f"number #{index}"))
        return None
    number = _text_or_none(raw.get("number"))
    record = _NumberRecord(
        where=f'number "{number}"' if number else f"number #{index}",
        values={},
        number=number or "",
    )
    _read_fields(raw, NUMBER_FIELDS, record, problems)
    for name in ("number", "menu"):
        if name not in record.values and name not in record.bad:
            record.bad.add(name)
            problems.append(Problem(FIELD_REQUIRED, record.where, name))
    return record


# --- Import: writing the database ------------------------------------------------


def menu_tree_import(
    *, data: Any, dry_run: bool = False, source: str = "", progress=None
) -> ImportSummary:
    """Create or update the menus, options and numbers in `data` (a parsed
    menu file, see `menu_file_load`), all in one transaction.

    Returns what was imported. Raises MenuFileError, having changed nothing,
    when anything in `data` is wrong; it lists every problem found. With
    `dry_run`, everything is checked and written, then rolled back. Every
    row written is in the audit history as "imported from `source`" (the
    file's name). `progress` (an `ivr.management.progress.Progress`, optional) is told
    the number of menus and advanced as each is written.
    """
    problems: list[Problem] = []
    tree = _parse(data, problems, default_country())
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
        raise MenuFileError([Problem(DATABASE_REFUSED.format(error=error))]) from error
    return replace(summary, dry_run=dry_run)


def _check_menus(
    summary: ImportSummary, before: IvrSnapshot, tree: _Tree, problems: list[Problem]
) -> ImportSummary:
    """The menus as the file leaves them, checked as the admin checks a save
    (`ivr.menus.checks`): what would break a live call is a problem; what only
    looks wrong comes back as the summary's warnings."""
    keys = {record.key for record in tree.menus if record.key}
    change = menu_tree_problems(before=before, changed=keys)
    for found in change.refused:
        if found.number:
            problems.append(Problem(found.message, f'number "{found.number}"', "menu"))
        elif found.entry:
            problems.append(Problem(found.message, "", "default_menu"))
        else:
            where = f'menu "{found.menu}"'
            if found.digits is not None:
                where += f', option "{found.digits}"'
            # The snapshot's field names are the file's.
            problems.append(Problem(found.message, where, found.field))
    return replace(summary, warnings=tuple(str(found) for found in change.warnings))


class _Importer:
    """Writes a parsed file into the database, reporting into `problems`.

    Rows with problems are checked but never saved, so the database never
    refuses a write and every problem is found in one run; the caller rolls
    the transaction back when there are any.
    """

    def __init__(self, tree: _Tree, problems: list[Problem], progress=None):
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
        yield self.tree.top, (FileField("default_menu", "", Kind.MENU_KEY),)
        for record in self.tree.menus:
            yield record, MENU_FIELDS
            for option in record.options:
                yield option, OPTION_FIELDS
        for number in self.tree.numbers:
            yield number, NUMBER_FIELDS

    def _resolve(self, record: _Record, name: str) -> Menu | None:
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
                    Problem(MENU_NOT_FOUND.format(key=key), record.where, name)
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

    def _menu_update(self, record: _MenuRecord, default_menu: Menu | None) -> None:
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

    def _options_replace(self, record: _MenuRecord) -> tuple[int, int]:
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
            self.problems += [Problem(m, record.where, name) for m in messages]
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
        # Each number is in E.164 by now, or refused (_read_phone_numbers).
        wanted = [record.number for record in self.tree.numbers if record.number]
        rows = {row.number: row for row in Number.objects.filter(number__in=wanted)}
        for record in self.tree.numbers:
            row = rows.get(record.number) or Number()
            self._assign(row, NUMBER_FIELDS, record)
            if self._check(row, NUMBER_FIELDS, record) and not record.repeated:
                row.save()
        return len(self.tree.numbers)

    def _assign(
        self, instance: models.Model, fields: tuple[FileField, ...], record: _Record
    ) -> None:
        """Set every field of `instance`: from the file, or the model default
        where the file leaves it out."""
        for spec in fields:
            if spec.kind == Kind.MENU_KEY:
                value = self._resolve(record, spec.name)
            elif spec.name in record.values:
                value = record.values[spec.name]
            else:
                value = _model_default(type(instance), spec)
            setattr(instance, spec.attribute, value)

    def _check(
        self,
        instance: models.Model,
        fields: tuple[FileField, ...],
        record: _Record,
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
                        Problem(" ".join(messages), record.where, name)
                    )
            return False
        return voice_ok

    def _voice_ok(self, instance: models.Model, record: _Record) -> bool:
        problem = voice_problem(
            getattr(instance, "voice_profile", ""), known=self.voices
        )
        if problem and "voice_profile" not in record.bad:
            self.problems.append(Problem(problem, record.where, "voice_profile"))
        return problem is None
