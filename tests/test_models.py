"""Model rules that the admin and the importer both rely on."""

import pytest
from django.core.exceptions import ValidationError

from ivr.core.decide import Outcome
from ivr.core.numbers import NOT_INTERNATIONAL
from ivr.models import (
    HASH_INSIDE_DIGITS,
    OUTCOME_CHOICES,
    OUTCOME_LABELS,
    Menu,
    MenuOption,
    Number,
)


def test_stored_outcomes_are_exactly_the_decision_outcomes():
    assert [value for value, _ in OUTCOME_CHOICES] == [o.value for o in Outcome]
    assert all(OUTCOME_LABELS[o] for o in Outcome)


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
    [
        ("+6531581234", "+6531581234"),
        ("+65 3158 1234", "+6531581234"),
        ("0065 3158-1234", "+6531581234"),
    ],
)
@pytest.mark.django_db
def test_numbers_are_stored_in_one_spelling(number, stored):
    menu = Menu(
        key="m",
        name="M",
        prompt="Hi",
        on_exhausted="transfer",
        exhausted_destination=number,
    )
    menu.full_clean()
    assert menu.exhausted_destination == stored


OPTION_FIELD_VALUES = {
    "target_menu": "MENU",
    "destination": "+6560001111",
    "caller_id": "+6531580000",
    "record": True,
    "message": "Hello.",
    "voice_profile": "en-US-BenjaminRUS",
    "file_url": "https://example.com/a.mp3",
    "on_no_answer": "menu",
    "no_answer_message": "Busy.",
    "no_answer_menu": "MENU",
    "no_answer_destination": "+6560009999",
}


@pytest.mark.parametrize(
    ("action", "kept"),
    [
        ("menu", {"target_menu"}),
        (
            "transfer",
            {
                "destination",
                "caller_id",
                "record",
                "message",
                "voice_profile",
                "on_no_answer",
                "no_answer_message",
                "no_answer_menu",
            },
        ),
        ("say", {"message", "voice_profile", "target_menu"}),
        ("play", {"file_url", "target_menu"}),
        ("repeat", set()),
        ("back", set()),
        ("hangup", {"message", "voice_profile"}),
    ],
)
@pytest.mark.django_db
def test_an_option_keeps_only_the_fields_its_action_uses(action, kept):
    # A "go back" with a message and a number would save both, never used.
    target = Menu.objects.create(key="t", name="T", prompt="Hi")
    values = {
        name: target if value == "MENU" else value
        for name, value in OPTION_FIELD_VALUES.items()
    }
    option = MenuOption(menu=target, digits="1", action=action, **values)

    option.full_clean()

    defaults = MenuOption()
    assert {
        name
        for name in OPTION_FIELD_VALUES
        if getattr(option, name) != getattr(defaults, name)
    } == kept
    # A transfer that goes to a menu when not answered tries no number.
    assert option.no_answer_destination == ""


@pytest.mark.parametrize(
    ("on_exhausted", "kept"),
    [
        ("hangup", set()),
        ("transfer", {"exhausted_destination"}),
        ("menu", {"exhausted_menu"}),
    ],
)
@pytest.mark.django_db
def test_a_menu_keeps_only_what_running_out_of_retries_uses(on_exhausted, kept):
    other = Menu.objects.create(key="o", name="O", prompt="Hi")
    menu = Menu(
        key="m",
        name="M",
        prompt="Hi",
        on_exhausted=on_exhausted,
        exhausted_destination="+6560001111",
        exhausted_menu=other,
        exhausted_message="Bye.",
    )

    menu.full_clean()

    found = set()
    if menu.exhausted_destination:
        found.add("exhausted_destination")
    if menu.exhausted_menu_id:
        found.add("exhausted_menu")
    assert found == kept
    assert menu.exhausted_message == "Bye."  # said whatever happens next


# Every field that holds a phone number: (model, field, other values needed).
PHONE_FIELDS = {
    "menu, exhausted transfer": (
        Menu,
        "exhausted_destination",
        {"on_exhausted": "transfer"},
    ),
    "option, transfer to": (MenuOption, "destination", {}),
    "option, caller ID": (MenuOption, "caller_id", {}),
    "option, not answered": (
        MenuOption,
        "no_answer_destination",
        {"on_no_answer": "transfer"},
    ),
    "number": (Number, "number", {}),
}


@pytest.mark.parametrize("country", ["", "SG"])
@pytest.mark.parametrize(
    ("model", "field", "values"), list(PHONE_FIELDS.values()), ids=list(PHONE_FIELDS)
)
@pytest.mark.django_db
def test_bare_digits_are_refused_not_given_another_countrys_code(
    settings, model, field, values, country
):
    # "6000 1234" is not +60001234 (Malaysia). Even with a default country,
    # the model converts nothing: a conversion must be shown first (the
    # admin's form field, the import's warnings).
    settings.IVR_DEFAULT_COUNTRY = country
    menu = Menu.objects.create(key="m", name="M", prompt="Hi")
    row = {
        Menu: lambda: Menu(key="n", name="N", prompt="Hi"),
        MenuOption: lambda: MenuOption(
            menu=menu, digits="1", action="transfer", destination="+6560009999"
        ),
        Number: lambda: Number(menu=menu),
    }[model]()
    for name, value in {**values, field: "6000 1234"}.items():
        setattr(row, name, value)

    with pytest.raises(ValidationError) as raised:
        row.full_clean()

    assert raised.value.message_dict[field] == [NOT_INTERNATIONAL]
    assert getattr(row, field) == "6000 1234"
