"""Rules between a menu's capture settings and its options' keys: every
option must be one a caller can finish entering, as 8x8 documents a capture
ending (on # with "finish on #", else on reaching the maximum digits)."""

import pytest

from ivr.menus.checks import (
    DUPLICATE_DIGITS,
    HASH_OPTION_WITH_FINISH_ON_HASH,
    HASH_OPTION_WITH_LENGTHS,
    OPTION_NEEDS_HASH,
    OPTION_TOO_LONG,
    OPTION_TOO_SHORT,
    menu_option_problems,
)


def needs_hash(digits, maximum):
    s = "" if len(digits) == 1 else "s"
    return OPTION_NEEDS_HASH.format(
        digits=digits, length=len(digits), s=s, maximum=maximum
    )


# (option keys, min_digits, max_digits, complete_on_hash) → problems by field
CASES = {
    "one length, settings blank": ((["1", "2", "*"], None, None, None), {}),
    "1 and 12, settings blank: they finish on #": ((["1", "12"], None, None, None), {}),
    "1 and 12, finish on #": ((["1", "12"], None, None, True), {}),
    "1 and 12, finish on # turned off": (
        (["1", "12"], None, None, False),
        {"complete_on_hash": [needs_hash("1", 2)]},
    ),
    "1 and 12 and #, settings blank": (
        (["1", "12", "#"], None, None, None),
        {"complete_on_hash": [HASH_OPTION_WITH_LENGTHS]},
    ),
    "one length, but 8x8 told to wait for more keys": (
        (["1", "2"], None, 2, None),
        {"complete_on_hash": [needs_hash("1", 2), needs_hash("2", 2)]},
    ),
    "one length, more keys allowed, finish on #": ((["1", "2"], None, 2, True), {}),
    "# alone with finish on #": (
        (["1", "#"], None, None, True),
        {"complete_on_hash": [HASH_OPTION_WITH_FINISH_ON_HASH]},
    ),
    "# alone among one-key options": ((["1", "#"], None, None, None), {}),
    "longer than the maximum": (
        (["1", "12"], None, 1, True),
        {"max_digits": [OPTION_TOO_LONG.format(digits="12", length=2, maximum=1)]},
    ),
    "shorter than the minimum": (
        (["1", "12"], 2, None, True),
        {
            "min_digits": [
                OPTION_TOO_SHORT.format(digits="1", length=1, s="", minimum=2)
            ]
        },
    ),
    "the same keys twice": (
        (["1", "1"], None, None, None),
        {"options": [DUPLICATE_DIGITS.format(digits="1", count="two")]},
    ),
}


@pytest.mark.parametrize(("menu", "expected"), list(CASES.values()), ids=list(CASES))
def test_every_option_can_be_entered(menu, expected):
    digits, min_digits, max_digits, complete_on_hash = menu
    problems = menu_option_problems(
        option_digits=digits,
        min_digits=min_digits,
        max_digits=max_digits,
        complete_on_hash=complete_on_hash,
    )
    assert problems == expected
