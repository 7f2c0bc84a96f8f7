"""Phone numbers in one spelling, so that "+65 3158 1234" and "6531581234"
name the same 8x8 number; and the last digits of a number, by which staff
search the call history ("9123 4567", "4567")."""

import re

from ..eightbyeight.limits import E164_RE

_SEPARATORS_RE = re.compile(r"[\s\-().]")


def normalize_number(text: str) -> str:
    """E.164 with a leading "+" when `text` looks like a phone number.

    Spaces, "-", ".", "(" and ")" are always removed, so use it on phone
    numbers only: anything else comes back without them, not validated.
    """
    compact = _SEPARATORS_RE.sub("", text or "")
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if compact.isascii() and compact.isdigit():
        compact = "+" + compact
    return compact


def number_spellings(term: str) -> set[str]:
    """The ways a phone number someone typed ("6591234567", "+65 9123 4567")
    may be stored: E.164 with and without the "+", and as typed. Text that
    is not a phone number comes back alone, as typed
    (`ivr.selectors.phone_number_query` searches them all).
    """
    number = normalize_number(term)
    if not E164_RE.fullmatch(number):
        return {term}
    return {term, number, number.removeprefix("+")}


# Fewer digits would match a good part of any history, and say little.
MIN_ENDING_DIGITS = 4


def number_endings(term: str) -> tuple[str, ...]:
    """The digits a phone number may end with to match `term` typed as a
    local number or as a number's last digits: "9123 4567" -> ("91234567",),
    "4567" -> ("4567",).

    A local number may start with its trunk prefix, a 0 dialled at home but
    not part of the international number ("020 7946 0018" is +44 20 7946
    0018), so a term starting with 0 also gives its digits without the 0s
    ("02079460018", "2079460018"); last digits may start with 0 too ("0018").

    Empty when `term` is not such a number: not digits (spaces, "-", ".",
    "(", ")" aside), fewer than MIN_ENDING_DIGITS of them, or a number
    with its "+", which is whole and searched in its spellings
    (`number_spellings`).
    """
    compact = _SEPARATORS_RE.sub("", term or "")
    if not (compact.isascii() and compact.isdigit()):
        return ()
    endings = {compact, compact.lstrip("0")}
    return tuple(sorted(e for e in endings if len(e) >= MIN_ENDING_DIGITS))
