"""The call's place in the menus, carried in clientActionId."""

import pytest

from ivr.core.state import (
    AFTER_NO_ANSWER_TRANSFER,
    AFTER_TRANSFER,
    MENU_KEY_CHARACTERS,
    MENU_KEY_MAX_IN_ID,
    MENU_KEY_TOO_LONG,
    CallState,
    decode_state,
    encode_state,
    menu_key_problem,
)
from ivr.eightbyeight.limits import CLIENT_ACTION_ID_MAX_CHARS, CLIENT_ACTION_ID_RE


@pytest.mark.parametrize(
    ("state", "text"),
    [
        (CallState(menu="main"), "main"),
        (CallState(menu="sales", retry=1, fail=2), "sales__r1__f2"),
        (CallState(menu="b", back=("main", "a-1")), "b__bmain__ba-1"),
        (CallState(menu="main", after=AFTER_TRANSFER), "main__t"),
        (
            CallState(menu="main", after=AFTER_TRANSFER, option="2", back=("x",)),
            "main__bx__t2",
        ),
        (
            CallState(menu="m_1", after=AFTER_NO_ANSWER_TRANSFER, option="*9#"),
            "m_1__ns9h",
        ),
        (CallState(after=AFTER_TRANSFER), "__t"),
        (CallState(menu="main", version=12), "main__v12"),
        # Keys saved before the rule, hex encoded so that their calls go on.
        (CallState(menu="a.b", back=("c__d",)), "__K612e62__B635f5f64"),
    ],
)
def test_round_trip(state, text):
    assert encode_state(state) == text
    assert CLIENT_ACTION_ID_RE.fullmatch(text)
    assert decode_state(text) == state


@pytest.mark.parametrize(
    ("text", "state"),
    [
        (None, CallState()),
        ("", CallState()),
        ("ivr1_level1", CallState(menu="ivr1_level1")),
        ("main__rx__f-1", CallState(menu="main")),
        ("main__r99999999", CallState(menu="main", retry=1000)),
        ("main__colour", CallState(menu="main")),  # a newer version's part
        ("main__b__bsales", CallState(menu="main", back=("sales",))),
        ("main__tx", CallState(menu="main")),  # not an option's keys
        ("main__K7a", CallState(menu="z")),
        ("main__Kzz", CallState(menu="main")),  # not hex
    ],
)
def test_decoding_is_lenient(text, state):
    assert decode_state(text) == state


@pytest.mark.parametrize(
    ("text", "state"),
    [
        ("main", CallState(menu="main")),
        ("sales;retry=1;fail=2", CallState(menu="sales", retry=1, fail=2)),
        ("b;back=main,a", CallState(menu="b", back=("main", "a"))),
        ("main;after=transfer", CallState(menu="main", after=AFTER_TRANSFER)),
        (";after=transfer", CallState(after=AFTER_TRANSFER)),
        ("main;v=7", CallState(menu="main", version=7)),
        ("a.b;back=c.d;v=3", CallState(menu="a.b", back=("c.d",), version=3)),
        ("main;retry=x;fail=-1", CallState(menu="main")),
        ("main;colour=blue", CallState(menu="main")),
        ("main;back=,,a,", CallState(menu="main", back=("a",))),
    ],
)
def test_ids_of_the_form_sent_before_are_still_read(text, state):
    # Calls in progress during a deploy echo what the previous version sent.
    assert decode_state(text) == state


def test_long_histories_stay_within_100_characters():
    key = "k" * 50
    state = CallState(
        menu=key, back=(key,) * 5, after=AFTER_NO_ANSWER_TRANSFER, option="1" * 25
    )
    text = encode_state(state)
    assert len(text) <= CLIENT_ACTION_ID_MAX_CHARS
    assert CLIENT_ACTION_ID_RE.fullmatch(text)
    decoded = decode_state(text)
    assert decoded.menu == key
    assert decoded.option == "1" * 25
    assert len(decoded.back) < 5  # the oldest entries were dropped


def test_every_key_the_rule_allows_fits_with_the_longest_state():
    key = "k" * MENU_KEY_MAX_IN_ID
    for state in (
        CallState(
            menu=key,
            after=AFTER_NO_ANSWER_TRANSFER,
            option="#" * 25,
            version=2**31 - 1,
        ),
        CallState(menu=key, retry=1000, fail=1000, version=2**31 - 1),
    ):
        text = encode_state(state)
        assert len(text) <= CLIENT_ACTION_ID_MAX_CHARS
        assert decode_state(text) == state


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("main", None),
        ("sales-2", None),
        ("after_hours", None),
        ("A1", None),
        ("k" * MENU_KEY_MAX_IN_ID, None),
        ("a.b", MENU_KEY_CHARACTERS),
        ("a__b", MENU_KEY_CHARACTERS),
        ("_a", MENU_KEY_CHARACTERS),
        ("a_", MENU_KEY_CHARACTERS),
        ("-a", MENU_KEY_CHARACTERS),
        ("a b", MENU_KEY_CHARACTERS),
        ("café", MENU_KEY_CHARACTERS),
        ("", MENU_KEY_CHARACTERS),
        (
            "k" * (MENU_KEY_MAX_IN_ID + 1),
            MENU_KEY_TOO_LONG.format(
                limit=CLIENT_ACTION_ID_MAX_CHARS, most=MENU_KEY_MAX_IN_ID
            ),
        ),
    ],
)
def test_menu_keys_must_fit_in_the_id(key, problem):
    assert menu_key_problem(key) == problem


def test_entering_a_menu_remembers_where_the_caller_came_from():
    state = CallState(menu="a", retry=1, fail=1, back=("x",))
    assert state.entering("b", remember_current=True) == CallState(
        menu="b", back=("x", "a")
    )
    assert state.entering("a", remember_current=True) == CallState(
        menu="a", back=("x",)
    )
