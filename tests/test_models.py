"""Model rules that the admin and the importer both rely on."""

import pytest
from django.core.exceptions import ValidationError

from ivr.core.decide import Outcome as DecisionOutcome
from ivr.models import HASH_INSIDE_DIGITS, Menu, MenuOption, Outcome


def test_stored_outcomes_are_exactly_the_decision_outcomes():
    assert {o.value for o in Outcome} == {o.value for o in DecisionOutcome}


@pytest.mark.parametrize(
    ("digits", "error"),
    [
        ("1", None),
        ("#", None),
        ("*9", None),
        ("1#", HASH_INSIDE_DIGITS),
        ("1#2", HASH_INSIDE_DIGITS),
        ("##", HASH_INSIDE_DIGITS),
        ("1a", "Use only the keypad keys 0-9, * and #."),
    ],
)
@pytest.mark.django_db
def test_option_keys(digits, error):
    menu = Menu.objects.create(key="m", name="M", prompt="Hi")
    option = MenuOption(menu=menu, digits=digits, action="hangup")
    if error is None:
        option.full_clean()
        return
    with pytest.raises(ValidationError) as raised:
        option.full_clean()
    assert raised.value.message_dict["digits"] == [error]


@pytest.mark.parametrize(
    ("number", "stored"),
    [("+6531581234", "+6531581234"), ("65 3158 1234", "+6531581234")],
)
@pytest.mark.django_db
def test_numbers_are_stored_in_one_spelling(number, stored):
    menu = Menu(key="m", name="M", prompt="Hi", exhausted_destination=number)
    menu.full_clean()
    assert menu.exhausted_destination == stored
