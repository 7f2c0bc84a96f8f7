"""Capture settings: explicit values win; blank ones come from the options."""

import pytest

from ivr.core.capture import (
    DEFAULT_DIGIT_TIMEOUT_MS,
    DEFAULT_OVERALL_TIMEOUT_MS,
    capture_for,
    how_callers_choose,
)
from tests.snapshots import menu, option


def options(*digits):
    return [option(d, "hangup") for d in digits]


@pytest.mark.parametrize(
    ("digits", "min_digits", "max_digits", "complete_on_hash"),
    [
        (["1", "2", "*"], 1, 1, False),
        (["1", "12"], 1, 2, True),
        (["11", "22"], 2, 2, False),
        (["1", "12", "#"], 1, 2, False),  # "#" must stay a choice
        ([], 1, 1, False),
        (["1234567890123456789012345"], 25, 25, False),
    ],
)
def test_derived_from_the_options(digits, min_digits, max_digits, complete_on_hash):
    capture = capture_for(menu("m", *options(*digits)))
    assert (capture.min_digits, capture.max_digits) == (min_digits, max_digits)
    assert capture.complete_on_hash is complete_on_hash
    assert capture.digit_timeout_ms == DEFAULT_DIGIT_TIMEOUT_MS
    assert capture.overall_timeout_ms == DEFAULT_OVERALL_TIMEOUT_MS
    assert capture.tries == 1


def test_explicit_settings_win():
    capture = capture_for(
        menu(
            "m",
            *options("1"),
            min_digits=2,
            max_digits=4,
            complete_on_hash=True,
            digit_timeout_ms=3000,
            overall_timeout_ms=9000,
            tries=3,
        )
    )
    assert capture.min_digits == 2
    assert capture.max_digits == 4
    assert capture.complete_on_hash is True
    assert (capture.digit_timeout_ms, capture.overall_timeout_ms) == (3000, 9000)
    assert capture.tries == 3


def test_overall_timeout_always_exceeds_digit_timeout():
    capture = capture_for(menu("m", digit_timeout_ms=20000))
    assert capture.overall_timeout_ms > capture.digit_timeout_ms


@pytest.mark.parametrize(
    ("digits", "fields", "words"),
    [
        (["1", "2"], {}, "Callers press 1 key: the choice is taken on the last key."),
        (
            ["11", "22"],
            {},
            "Callers press 2 keys: the choice is taken on the last key.",
        ),
        (["1", "12"], {}, "Callers press 1 to 2 keys, then # to finish."),
        (
            ["1", "2"],
            {"complete_on_hash": True},
            "Callers press 1 key, then # to finish.",
        ),
        (
            ["1", "2"],
            {"max_digits": 3, "complete_on_hash": False},
            "Callers press up to 3 keys: the choice is taken on the 3rd key.",
        ),
    ],
)
def test_how_callers_choose_in_plain_words(digits, fields, words):
    assert how_callers_choose(capture_for(menu("m", *options(*digits), **fields))) == (
        words
    )
