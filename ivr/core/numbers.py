"""Phone numbers: the one rule for a number staff type, and the lenient
spelling used to read 8x8's payloads and to search.

- `read_typed_number` is the rule for every number that is stored or dialled
  because someone typed it (the admin, menu files, the fallback setting, the
  simulator): international form, or a national number of the default
  country read by Google's libphonenumber (`phonenumbers`), never bare
  digits given a "+".
- `normalize_number` and `number_spellings` only match numbers already
  stored, or sent by 8x8 (which writes E.164 without the "+"). Never use
  them to decide what to store: "6000 1234" comes out of them as
  "+60001234", a Malaysian number.
- `number_endings` gives the last digits of a number, by which staff search
  the call history ("9123 4567", "4567").
"""

import re
from dataclasses import dataclass

import phonenumbers

from ivr.eightbyeight.limits import E164_RE

_SEPARATORS_RE = re.compile(r"[\s\-().]")

# The form staff are asked for, in every message.
NUMBER_EXAMPLE = "+65 6000 1234"
NOT_INTERNATIONAL = (
    "Type the number in international form, with + and the country code: "
    f"{NUMBER_EXAMPLE}."
)
NOT_A_NUMBER = (
    "Type a phone number in international form: + and the country code, then "
    f"the number, 7 to 15 digits in all, for example {NUMBER_EXAMPLE}."
)
NOT_VALID_IN_COUNTRY = (
    "{typed} is not a valid phone number in {country}. Check it, or type it in "
    "international form, with + and the country code: {example}."
)


@dataclass(frozen=True)
class TypedNumber:
    """What `read_typed_number` made of a typed phone number: either
    `e164` or `problem`."""

    e164: str = ""  # "+6560001234"; "" when refused
    problem: str = ""  # why it was refused, for staff; "" when read
    # Read as a national number of the default country: show the reading
    # (`shown`, `country`) to whoever typed it before storing it.
    converted: bool = False
    shown: str = ""  # "+65 6000 1234": the E.164 number, spaced for people
    country: str = ""  # "SG": the country the number belongs to, when converted


def read_typed_number(text: str, *, default_country: str = "") -> TypedNumber:
    """`text`, a phone number someone typed, as E.164, or why not.

    International form is "+" or "00", then the country code and the number
    (spaces, "-", ".", "(" and ")" allowed): read as it is, if it has 7 to
    15 digits as E.164 allows. Bare digits ("6000 1234") are refused with a
    message showing the international form, unless `default_country` (an
    ISO 3166 alpha-2 code such as "SG") is given: then they are read as a
    national number of that country, and refused when libphonenumber says
    no such number can exist there. An unknown `default_country` counts as
    none (the system checks report it).
    """
    compact = _SEPARATORS_RE.sub("", text or "")
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if compact.startswith("+"):
        if not E164_RE.fullmatch(compact):
            return TypedNumber(problem=NOT_A_NUMBER)
        return TypedNumber(e164=compact, shown=compact)
    if not (compact.isascii() and compact.isdigit()):
        return TypedNumber(problem=NOT_A_NUMBER)
    region = default_country.strip().upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        return TypedNumber(problem=NOT_INTERNATIONAL)
    return _read_national(text.strip(), compact, region)


def known_country(code: str) -> bool:
    """Whether `code` is a country libphonenumber knows the numbers of."""
    return code.strip().upper() in phonenumbers.SUPPORTED_REGIONS


def _read_national(typed: str, digits: str, region: str) -> TypedNumber:
    try:
        parsed = phonenumbers.parse(digits, region)
    except phonenumbers.NumberParseException:
        parsed = None
    e164 = (
        phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        if parsed is not None
        else ""
    )
    if not (
        parsed is not None
        and phonenumbers.is_valid_number(parsed)
        and E164_RE.fullmatch(e164)
    ):
        example = phonenumbers.example_number(region)
        return TypedNumber(
            problem=NOT_VALID_IN_COUNTRY.format(
                typed=typed,
                country=region,
                example=_spaced(example) if example else NUMBER_EXAMPLE,
            )
        )
    # The country the number is in: with a shared country code (+1), a
    # national number of "US" may be Canada's, and staff should see that.
    # (Its name would need libphonenumber's geocoder, whose data costs
    # every process about 100 MB: the ISO code says it.)
    country = phonenumbers.region_code_for_number(parsed) or region
    return TypedNumber(
        e164=e164, converted=True, shown=_spaced(parsed), country=country
    )


def _spaced(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(
        number, phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )


def normalize_number(text: str) -> str:
    """E.164 with a leading "+" when `text` looks like a phone number.

    Lenient, for matching only: bare digits get a "+" (8x8 sends numbers
    that way), so never store what it returns for something typed (see
    `read_typed_number`). Spaces, "-", ".", "(" and ")" are always removed,
    so use it on phone numbers only: anything else comes back without
    them, not validated.
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
    (`ivr.history.search.phone_number_query` searches them all).
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
