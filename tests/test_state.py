"""The call's place in the menus, carried in clientActionId."""

import pytest

from ivr.core.state import CallState, decode_state, encode_state


@pytest.mark.parametrize(
    ("state", "text"),
    [
        (CallState(menu="main"), "main"),
        (CallState(menu="sales", retry=1, fail=2), "sales;retry=1;fail=2"),
        (CallState(menu="b", back=("main", "a")), "b;back=main,a"),
        (CallState(menu="main", after="transfer"), "main;after=transfer"),
        (CallState(after="transfer"), ";after=transfer"),
    ],
)
def test_round_trip(state, text):
    assert encode_state(state) == text
    assert decode_state(text) == state


@pytest.mark.parametrize(
    ("text", "state"),
    [
        (None, CallState()),
        ("", CallState()),
        ("ivr1_level1", CallState(menu="ivr1_level1")),
        ("main;retry=x;fail=-1", CallState(menu="main")),
        ("main;retry=99999999", CallState(menu="main", retry=1000)),
        ("main;colour=blue", CallState(menu="main")),
        ("main;back=,,a,", CallState(menu="main", back=("a",))),
    ],
)
def test_decoding_is_lenient(text, state):
    assert decode_state(text) == state


def test_long_histories_stay_within_255_characters():
    key = "k" * 50
    state = CallState(menu=key, retry=3, fail=3, back=(key,) * 5, after="transfer")
    text = encode_state(state)
    assert len(text) <= 255
    decoded = decode_state(text)
    assert decoded.menu == key
    assert decoded.after == "transfer"
    assert 1 <= len(decoded.back) < 5  # the oldest entries were dropped


def test_entering_a_menu_remembers_where_the_caller_came_from():
    state = CallState(menu="a", retry=1, fail=1, back=("x",))
    assert state.entering("b", remember_current=True) == CallState(
        menu="b", back=("x", "a")
    )
    assert state.entering("a", remember_current=True) == CallState(
        menu="a", back=("x",)
    )
