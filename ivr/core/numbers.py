"""Phone numbers in one spelling, so that "+65 3158 1234" and "6531581234"
name the same 8x8 number."""

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
