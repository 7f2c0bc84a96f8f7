"""Where a caller is in the menus, carried in the `clientActionId`.

8x8 echoes the clientActionId of our last answer in the next webhook, so the
call's state travels with the call: any app server can answer the next step,
and a restart in the middle of a call loses nothing.

8x8 documents no character set or length for the id, but every example in its
documentation uses only letters, digits, "_" and "-", and it has a status code
for special characters (-1016). So an id is built from those characters
alone, at most 100 of them (`eightbyeight.limits.CLIENT_ACTION_ID_RE`). It
starts with the menu key, so it names the menu the caller is in; the rest is
only written when it differs from a fresh entry, each part after a "__" and
named by its first letter:

    sales                           in "sales", no failures, no history
    sales__r1__f1__bmain            asked again once, came from "main"
    sales__t2                       transferred by option 2 of "sales"
    sales__n2                       transferred to the number option 2 of
                                    "sales" tries when its own does not answer
    sales__t                        transferred when the retries ran out
    __t                             transferred to the operator (fallback)
    sales__v12                      on version 12 of the published menus

Menu keys are therefore letters, digits, "-" and single "_"s, starting and
ending with a letter or digit (`menu_key_problem`), so "__" never occurs in
one. Keys saved before that rule (with "." or "__") are still carried, hex
encoded in a part of their own ("__K6d2e61", "__B6d2e61"), so their calls
go on. Option keys are written with "s" for "*" and "h" for "#".

The form this app used before (`sales;retry=1;back=main,a;v=12`) is still
read, so calls in progress during a deploy go on.
"""

import re
from dataclasses import dataclass, replace

from ivr.eightbyeight.limits import CLIENT_ACTION_ID_MAX_CHARS as ID_MAX_CHARS

# How many menus "back" remembers; deeper history is dropped oldest first.
BACK_STACK_DEPTH = 5

# What the caller was last sent to, when 8x8 calls back after it.
AFTER_TRANSFER = "transfer"  # a transfer (an option's, the retries', the fallback's)
AFTER_NO_ANSWER_TRANSFER = "no_answer_transfer"  # the number tried when one failed

SEPARATOR = "__"
_KEY_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]|_(?!_))*(?<=[A-Za-z0-9])")
_DIGIT_CODES = str.maketrans({"*": "s", "#": "h"})
_DIGIT_KEYS = str.maketrans({"s": "*", "h": "#"})
_OPTION_DIGITS_RE = re.compile(r"[0-9sh]{1,25}")
_HEX_RE = re.compile(r"(?:[0-9a-f]{2})+")
# The largest numbers a part carries: retries and failures are capped by the
# menus (core.decide), a version is a database id.
_COUNT_MAX = 1000
_VERSION_MAX = 2**31 - 1

MENU_KEY_CHARACTERS = (
    "8x8 gets the menu key back in every answer (as clientActionId), which "
    "may hold only letters, digits, “-” and “_”: use those, start and end "
    "with a letter or digit, and never put two “_” together."
)
MENU_KEY_TOO_LONG = (
    "8x8 gets the menu key back in every answer (as clientActionId), with "
    "the caller's place in the menus, in at most {limit} characters: use a "
    "key of at most {most} characters."
)


@dataclass(frozen=True)
class CallState:
    menu: str = ""
    retry: int = 0  # failed attempts so far in this menu
    fail: int = 0  # failed attempts since the caller last chose an option
    back: tuple[str, ...] = ()  # menus the caller came from, oldest first
    after: str = ""  # AFTER_TRANSFER or AFTER_NO_ANSWER_TRANSFER: bridged
    option: str = ""  # the keys of the option that transferred the caller
    version: int = 0  # the published menus the call runs on; 0: as saved

    def entering(self, menu: str, *, remember_current: bool) -> "CallState":
        """The state on entering `menu` after a valid choice."""
        back = self.back
        if remember_current and self.menu and self.menu != menu:
            back = (*back, self.menu)[-BACK_STACK_DEPTH:]
        return CallState(menu=menu, back=back, version=self.version)

    def failed(self) -> "CallState":
        return replace(self, retry=self.retry + 1, fail=self.fail + 1)


def encode_state(state: CallState) -> str:
    """The clientActionId for `state`: letters, digits, "_" and "-", at most
    `ID_MAX_CHARS` long. The oldest "back" entries are dropped to fit."""
    back = list(state.back)
    while True:
        text = SEPARATOR.join(_parts(state, back))
        if len(text) <= ID_MAX_CHARS or not back:
            return text
        back.pop(0)


def _parts(state: CallState, back: list[str]) -> list[str]:
    parts = [_key_part(state.menu, code="K", first=True)]
    if state.retry:
        parts.append(f"r{state.retry}")
    if state.fail:
        parts.append(f"f{state.fail}")
    parts += [_key_part(key, code="b") for key in back]
    if state.after:
        code = "n" if state.after == AFTER_NO_ANSWER_TRANSFER else "t"
        parts.append(code + state.option.translate(_DIGIT_CODES))
    if state.version:
        parts.append(f"v{state.version}")
    return parts


def _key_part(key: str, *, code: str, first: bool = False) -> str:
    """A menu key as a part: as it is when it fits the rule, else hex encoded
    after an upper-case code (keys saved before the rule existed)."""
    if not key or _KEY_RE.fullmatch(key):
        return key if first else code + key
    encoded = code.upper() + key.encode().hex()
    # As the first part, an empty key then the encoded one: "__K6d2e61".
    return SEPARATOR + encoded if first else encoded


def decode_state(text: str | None) -> CallState:
    """The state in a clientActionId. Lenient: a bare menu key (as in 8x8's
    guides), the form older versions of this app sent, and parts it does
    not understand (from a newer version) are all read as well as they can
    be; nothing here raises."""
    text = (text or "").strip()
    if any(mark in text for mark in ";=,"):
        return _decode_previous_form(text)
    menu, *parts = text.split(SEPARATOR)
    fields: dict = {"back": []}
    for part in parts:
        _read_part(part, fields)
    back = tuple(fields.pop("back"))
    menu = fields.pop("menu", menu)
    return CallState(menu=menu, back=back[-BACK_STACK_DEPTH:], **fields)


def _read_part(part: str, fields: dict) -> None:
    code, value = part[:1], part[1:]
    if code == "r":
        fields["retry"] = _count(value)
    elif code == "f":
        fields["fail"] = _count(value)
    elif code == "v":
        fields["version"] = _count(value, most=_VERSION_MAX)
    elif code == "b" and value:
        fields["back"].append(value)
    elif code in ("K", "B") and _HEX_RE.fullmatch(value):
        key = bytes.fromhex(value).decode("utf-8", "replace")
        if code == "K":
            fields["menu"] = key
        else:
            fields["back"].append(key)
    elif code in ("t", "n") and (not value or _OPTION_DIGITS_RE.fullmatch(value)):
        fields["after"] = AFTER_TRANSFER if code == "t" else AFTER_NO_ANSWER_TRANSFER
        fields["option"] = value.translate(_DIGIT_KEYS)


def _decode_previous_form(text: str) -> CallState:
    """`sales;retry=1;fail=1;back=main,a;after=transfer;v=12`, as sent before
    the ids were limited to letters, digits, "_" and "-"."""
    menu, *parts = text.split(";")
    values = {}
    for part in parts:
        name, _, value = part.partition("=")
        values[name.strip()] = value.strip()
    back = tuple(key for key in values.get("back", "").split(",") if key)
    after = AFTER_TRANSFER if values.get("after") == AFTER_TRANSFER else ""
    return CallState(
        menu=menu.strip(),
        retry=_count(values.get("retry")),
        fail=_count(values.get("fail")),
        back=back[-BACK_STACK_DEPTH:],
        after=after,
        version=_count(values.get("v"), most=_VERSION_MAX),
    )


def _count(text: str | None, most: int = _COUNT_MAX) -> int:
    if not (text and text.isascii() and text.isdigit() and len(text) <= 10):
        return 0
    return min(int(text), most)


# --- Which menu keys fit ----------------------------------------------------

# The longest id a state can need beside its menu key and "back" entries
# (dropped first when space runs short): a transfer by the longest option,
# on the largest version. Retries and failures are never carried with it.
_LONGEST_REST = max(
    len(encode_state(state))
    for state in (
        CallState(
            after=AFTER_NO_ANSWER_TRANSFER, option="#" * 25, version=_VERSION_MAX
        ),
        CallState(retry=_COUNT_MAX, fail=_COUNT_MAX, version=_VERSION_MAX),
    )
)
# The longest menu key that always fits in an id with its state.
MENU_KEY_MAX_IN_ID = ID_MAX_CHARS - _LONGEST_REST


def menu_key_problem(key: str) -> str | None:
    """Why `key` cannot be carried in a clientActionId, or None when it can.

    The models and the menu files both refuse a key for this reason."""
    if not _KEY_RE.fullmatch(key):
        return MENU_KEY_CHARACTERS
    if len(key) > MENU_KEY_MAX_IN_ID:
        return MENU_KEY_TOO_LONG.format(limit=ID_MAX_CHARS, most=MENU_KEY_MAX_IN_ID)
    return None
