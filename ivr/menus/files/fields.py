"""The fields of a menu file: those of a menu, an option and a number, the
model field each one sets, the kind of value it holds, and how a value is
converted between the file and the model.

An export writes these fields, in the order declared here; an import refuses
any field not declared here.
"""

import math
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.db import models


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
# No attribute: it sets `Menu.is_default` on the menu it names, and clears it
# on every other.
DEFAULT_MENU_FIELD = FileField("default_menu", "", Kind.MENU_KEY)
TOP_FIELDS = ("default_menu", "numbers", "menus")
QUOTED_FIELDS = frozenset(
    f.name for f in (*MENU_FIELDS, *OPTION_FIELDS, *NUMBER_FIELDS) if f.quoted
)


class WrongTypeError(ValueError):
    def __init__(self, expected: str):
        super().__init__(expected)
        self.expected = expected


def value_from_file(kind: Kind, value: Any) -> Any:
    """The model value for a file value; raises WrongTypeError."""
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
    raise WrongTypeError(kind.value)


def value_to_file(spec: FileField, value: Any) -> Any:
    """The file value for a model value: a menu as its key, a decimal as a
    number YAML and JSON can write."""
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


def model_default(model: type[models.Model], attribute: str) -> Any:
    return model._meta.get_field(attribute).get_default()
