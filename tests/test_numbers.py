"""The rule for a phone number someone typed (ivr.core.numbers): international
form as it is, a national number only with a default country, and bare digits
never given a "+" that makes them another country's number."""

import pytest

from ivr.core.numbers import (
    NOT_A_NUMBER,
    NOT_INTERNATIONAL,
    NOT_VALID_IN_COUNTRY,
    TypedNumber,
    known_country,
    normalize_number,
    read_typed_number,
)


def international(e164: str) -> TypedNumber:
    return TypedNumber(e164=e164, shown=e164)


def converted(e164: str, shown: str, country: str) -> TypedNumber:
    return TypedNumber(e164=e164, converted=True, shown=shown, country=country)


def refused(problem: str) -> TypedNumber:
    return TypedNumber(problem=problem)


def not_valid_in(typed: str, country: str, example: str) -> TypedNumber:
    return refused(
        NOT_VALID_IN_COUNTRY.format(typed=typed, country=country, example=example)
    )


# (typed, default country, what it is read as)
READINGS = {
    # International form, however it is spaced: read as it is, with or
    # without a default country.
    "+ and digits": ("+6560001234", "", international("+6560001234")),
    "+ with spaces": ("+65 6000 1234", "", international("+6560001234")),
    "+ with dashes": ("+65-6000-1234", "", international("+6560001234")),
    "+ with dots": ("+65.6000.1234", "", international("+6560001234")),
    "+ with brackets": ("+(65) 6000 1234", "", international("+6560001234")),
    "+ with spaces around": ("  +65 6000 1234 ", "", international("+6560001234")),
    "00 for +": ("0065 6000 1234", "", international("+6560001234")),
    "+, with a default country": (
        "+44 20 7946 0000",
        "SG",
        international("+442079460000"),
    ),
    # "00" is international even where the country dials out otherwise
    # (libphonenumber would read 0065… in Singapore as a Chilean number).
    "00, with a default country": (
        "0065 6000 1234",
        "SG",
        international("+6560001234"),
    ),
    # Bare digits without a default country: refused, never a "+" put in
    # front (the issue: Malaysia, the Netherlands).
    "bare digits, not Malaysia": ("6000 1234", "", refused(NOT_INTERNATIONAL)),
    "bare digits, not the Netherlands": ("3158 9999", "", refused(NOT_INTERNATIONAL)),
    "bare digits with the country code": ("6560001234", "", refused(NOT_INTERNATIONAL)),
    "a trunk prefix": ("020 7946 0000", "", refused(NOT_INTERNATIONAL)),
    "bare digits with dashes": ("6000-1234", "", refused(NOT_INTERNATIONAL)),
    "bare digits, unknown country": ("6000 1234", "XX", refused(NOT_INTERNATIONAL)),
    "bare digits, a country name": (
        "6000 1234",
        "Singapore",
        refused(NOT_INTERNATIONAL),
    ),
    # With a default country: a national number is converted, and says so.
    "national, Singapore": (
        "6000 1234",
        "SG",
        converted("+6560001234", "+65 6000 1234", "SG"),
    ),
    "national, Singapore, another": (
        "3158 9999",
        "SG",
        converted("+6531589999", "+65 3158 9999", "SG"),
    ),
    "national, country in lower case": (
        "9123 4567",
        "sg",
        converted("+6591234567", "+65 9123 4567", "SG"),
    ),
    "the country code without +": (
        "6560001234",
        "SG",
        converted("+6560001234", "+65 6000 1234", "SG"),
    ),
    "national with a trunk prefix": (
        "020 7946 0000",
        "GB",
        converted("+442079460000", "+44 20 7946 0000", "GB"),
    ),
    "national with brackets": (
        "(415) 555-0100",
        "US",
        converted("+14155550100", "+1 415-555-0100", "US"),
    ),
    # +1 is shared: a Toronto number typed in the US is Canada's, and says so.
    "a shared country code": (
        "416 555 0100",
        "US",
        converted("+14165550100", "+1 416-555-0100", "CA"),
    ),
    # Numbers that cannot exist in the default country.
    "too short for Singapore": (
        "6000 123",
        "SG",
        not_valid_in("6000 123", "SG", "+65 6123 4567"),
    ),
    "too long for Singapore": (
        "6000 12345",
        "SG",
        not_valid_in("6000 12345", "SG", "+65 6123 4567"),
    ),
    "no such prefix in Singapore": (
        "1000 1234",
        "SG",
        not_valid_in("1000 1234", "SG", "+65 6123 4567"),
    ),
    "short for the UK": (
        "020 7946",
        "GB",
        not_valid_in("020 7946", "GB", "+44 121 234 5678"),
    ),
    # Not phone numbers at all.
    "empty": ("", "", refused(NOT_A_NUMBER)),
    "words": ("the operator", "", refused(NOT_A_NUMBER)),
    "letters for digits": ("6O6OOO1111", "SG", refused(NOT_A_NUMBER)),
    "a vanity number": ("1-800-FLOWERS", "US", refused(NOT_A_NUMBER)),
    "+ and too few digits": ("+65 3158", "", refused(NOT_A_NUMBER)),
    "+ and too many digits": ("+65 6000 1234 5678 90", "", refused(NOT_A_NUMBER)),
    "+ then 0": ("+0 6000 1234", "", refused(NOT_A_NUMBER)),
    "+ alone": ("+", "", refused(NOT_A_NUMBER)),
    "an extension": ("+65 6000 1234 ext 5", "", refused(NOT_A_NUMBER)),
    "full-width digits": ("+\uff16\uff15 6000 1234", "", refused(NOT_A_NUMBER)),
    "two numbers": ("+6560001234, +6560005678", "", refused(NOT_A_NUMBER)),
}


@pytest.mark.parametrize(
    ("typed", "country", "expected"), list(READINGS.values()), ids=list(READINGS)
)
def test_a_typed_number_is_read_by_one_rule(typed, country, expected):
    assert read_typed_number(typed, default_country=country) == expected


def test_the_messages_show_the_international_form():
    assert NOT_INTERNATIONAL == (
        "Type the number in international form, with + and the country code: "
        "+65 6000 1234."
    )
    assert not_valid_in("6000 123", "SG", "+65 6123 4567").problem == (
        "6000 123 is not a valid phone number in SG. Check it, or type it in "
        "international form, with + and the country code: +65 6123 4567."
    )


@pytest.mark.parametrize(
    ("code", "known"),
    [("SG", True), ("sg", True), (" GB ", True), ("XX", False), ("", False)],
)
def test_known_countries(code, known):
    assert known_country(code) is known


def test_matching_8x8s_numbers_stays_lenient():
    # 8x8 sends E.164 without the "+", and searches match any spelling: not
    # the rule for what is typed and stored.
    assert normalize_number("6531581234") == "+6531581234"
