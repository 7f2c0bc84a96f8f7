"""The admin: every page opens; a menu is checked together with its options,
each problem in plain words on the field that causes it; the preview is what
8x8 receives; the call history is read-only, searchable however a number is
typed, escaped, and costs the same queries for 5 rows or 50.
"""

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib import admin
from django.db import connection
from django.forms.models import model_to_dict
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from rest_framework.authtoken.models import Token

from ivr.admin import display as ivr_admin
from ivr.admin import history as history_admin
from ivr.admin.forms import NOT_ACTIVE, OPTIONS_PREFIX, submitted_option_digits
from ivr.admin.menus import asked_again
from ivr.core.decide import Outcome, enter_menu
from ivr.core.graph import TARGET_INACTIVE
from ivr.core.numbers import (
    MIN_ENDING_DIGITS,
    NOT_A_NUMBER,
    NOT_INTERNATIONAL,
    NOT_VALID_IN_COUNTRY,
    number_endings,
)
from ivr.core.state import MENU_KEY_CHARACTERS
from ivr.eightbyeight.limits import TTS_MAX_CHARS
from ivr.menus import checks as validation
from ivr.menus.phone_numbers import READ_AS
from ivr.menus.publishing import menus_publish
from ivr.menus.snapshots import ivr_snapshot_from_database
from ivr.models import Call, CallEvent, Menu, Number, VoiceProfile
from tests.admin_forms import (
    SCRIPT,
    add_option,
    admin_url,
    form_errors,
    menu_form_data,
    option_row,
    post_menu,
)
from tests.history_rows import make_event

pytestmark = pytest.mark.django_db

CALL_ACTION_URL = "/webhooks/8x8/call-action/"
SESSION_SUMMARY_URL = "/webhooks/8x8/session-summary/"


@pytest.fixture
def history(webhook_client, payload, menu_tree):
    """One inbound call, as 8x8 reports it: received, no input, then a
    Session Summary saying 8x8 rejected a callflow."""
    received = payload("vca-call-received-inbound")
    no_input = payload("vca-no-input")
    summary = payload("vss-session-error")
    summary["payload"]["sessionId"] = received["payload"]["sessionId"]
    # Posted out of order: the call's events are still listed oldest first.
    for url, body in [
        (CALL_ACTION_URL, no_input),
        (CALL_ACTION_URL, received),
        (SESSION_SUMMARY_URL, summary),
    ]:
        assert webhook_client.post_json(url, body).status_code == 200
    return Call.objects.get()


# --- Every page ------------------------------------------------------------------


@pytest.fixture
def a_row_for_every_admin(history, admin_user):
    """A row for each admin's change page: the call's menus, number, call and
    events, a published version, a voice and a token; the staff groups and
    the admin user are there already."""
    menus_publish(note="Every page opens")
    VoiceProfile.objects.create(
        code="en-US-Standard-A",
        locale_code="en-US",
        locale_description="EnglishUS",
        gender="F",
        fetched_at=timezone.now(),
    )
    Token.objects.create(user=admin_user)


# Every admin registered, so the next one is opened here without a word more.
ADMINS = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


@pytest.mark.parametrize(
    ("model", "model_admin"), ADMINS, ids=[model._meta.label for model, _ in ADMINS]
)
def test_every_admin_page_opens(
    admin_client, admin_user, a_row_for_every_admin, model, model_admin
):
    """Each page opens for a superuser, or is refused (403) where the admin
    itself refuses it: the read-only ones add and delete nothing."""
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    obj = model_admin.get_queryset(request).first()
    assert obj is not None, f"No {model._meta.label}: make one in a_row_for_every_admin"
    pages = {
        "changelist": admin_url(model, "changelist"),
        "add": admin_url(model, "add"),
        "change": admin_url(model, "change", obj.pk),
        "history": admin_url(model, "history", obj.pk),
        "delete": admin_url(model, "delete", obj.pk),
    }
    allowed = {
        "changelist": model_admin.has_view_or_change_permission(request),
        "add": model_admin.has_add_permission(request),
        "change": model_admin.has_view_or_change_permission(request, obj),
        "history": model_admin.has_view_or_change_permission(request, obj),
        "delete": model_admin.has_delete_permission(request, obj),
    }

    opened = {view: admin_client.get(url).status_code for view, url in pages.items()}

    assert opened == {view: 200 if ok else 403 for view, ok in allowed.items()}


@pytest.mark.parametrize("model", [CallEvent, Call])
def test_the_call_history_is_shown_but_never_changed(admin_client, history, model):
    obj = model.objects.first()
    url = admin_url(model, "change", obj.pk)

    page = admin_client.get(url)
    refused = admin_client.post(url, {})

    assert page.context["has_change_permission"] is False
    assert b'name="_save"' not in page.content
    assert refused.status_code == 403


def test_the_admin_is_titled(admin_client):
    response = admin_client.get(reverse("admin:index"))
    assert b"IVR admin" in response.content


# --- Editing a menu and its options ----------------------------------------------


def test_a_valid_edit_of_a_menu_and_its_options_is_saved(admin_client, menu_tree):
    main = menu_tree["main"]
    data = menu_form_data(main)
    data["name"] = "Front desk"
    data[option_row(data, "2") + "label"] = "Operator"
    data[option_row(data, "0") + "DELETE"] = "on"
    add_option(data, digits="7", action="say", message="We open at nine.")

    response = post_menu(admin_client, main, data)

    assert response.status_code == 302, form_errors(response)
    main.refresh_from_db()
    assert main.name == "Front desk"
    assert main.options.get(digits="2").label == "Operator"
    assert main.options.get(digits="7").message == "We open at nine."
    assert not main.options.filter(digits="0").exists()


def test_a_transfer_says_what_happens_when_it_is_not_answered(admin_client, menu_tree):
    main = menu_tree["main"]
    data = menu_form_data(main)
    row = option_row(data, "2")
    data[row + "on_no_answer"] = "menu"
    data[row + "no_answer_menu"] = menu_tree["sales"].pk
    data[row + "no_answer_message"] = "All lines are busy."
    # Fields that only a transfer uses are cleared on other options.
    add_option(
        data,
        digits="7",
        action="say",
        message="Hi.",
        on_no_answer="transfer",
        no_answer_destination="+6560009999",
    )

    response = post_menu(admin_client, main, data)

    assert response.status_code == 302, form_errors(response)
    transfer = main.options.get(digits="2")
    assert (transfer.on_no_answer, transfer.no_answer_menu) == (
        "menu",
        menu_tree["sales"],
    )
    assert transfer.no_answer_message == "All lines are busy."
    say = main.options.get(digits="7")
    assert (say.on_no_answer, say.no_answer_destination) == ("return", "")
    page = admin_client.get(admin_url(Menu, "change", main.pk)).content.decode()
    assert (
        escape("if not answered, hear “All lines are busy.”, then go to menu sales")
        in page
    )


def test_two_options_can_swap_their_keys(admin_client, menu_tree):
    main = menu_tree["main"]
    transfer, say = main.options.get(digits="2"), main.options.get(digits="3")
    data = menu_form_data(main)
    row_2, row_3 = option_row(data, "2"), option_row(data, "3")
    data[row_2 + "digits"], data[row_3 + "digits"] = "3", "2"

    response = post_menu(admin_client, main, data)

    assert response.status_code == 302, form_errors(response)
    transfer.refresh_from_db()
    say.refresh_from_db()
    assert (transfer.digits, say.digits) == ("3", "2")


def test_an_option_may_take_the_keys_of_one_deleted_in_the_same_save(
    admin_client, menu_tree
):
    main = menu_tree["main"]
    data = menu_form_data(main)
    data[option_row(data, "0") + "DELETE"] = "on"
    data[option_row(data, "9") + "digits"] = "0"
    # And an option deleted does not count against the capture settings.
    add_option(data, digits="12", action="hangup", DELETE="on")
    data["max_digits"] = 1

    response = post_menu(admin_client, main, data)

    assert response.status_code == 302, form_errors(response)
    assert main.options.get(digits="0").action == "repeat"


def test_a_new_menu_is_added_with_its_options(admin_client, menu_tree):
    data = menu_form_data(Menu(key="after-hours", name="After hours", prompt="Hi."))
    add_option(data, digits="1", action="menu", target_menu=menu_tree["main"].pk)
    add_option(data, digits="2", action="hangup")

    response = admin_client.post(admin_url(Menu, "add"), {**data, "_save": "Save"})

    assert response.status_code == 302, form_errors(response)
    menu = Menu.objects.get(key="after-hours")
    assert [o.digits for o in menu.options.all()] == ["1", "2"]


def test_a_new_menu_is_checked_against_its_options(admin_client, menu_tree):
    data = menu_form_data(Menu(key="after-hours", name="After hours", prompt="Hi."))
    data["max_digits"] = 1
    add_option(data, digits="12", action="hangup")

    response = admin_client.post(admin_url(Menu, "add"), {**data, "_save": "Save"})

    assert form_errors(response) == {
        ("menu", "max_digits"): [
            validation.OPTION_TOO_LONG.format(digits="12", length=2, maximum=1)
        ]
    }
    assert not Menu.objects.filter(key="after-hours").exists()


def test_the_menu_is_checked_against_options_shown_read_only(menu_tree):
    # A user who may only view options posts no keys for them; without any
    # options formset at all, the saved options count too.
    main = menu_tree["main"]
    saved = sorted(main.options.values_list("digits", flat=True))
    nine = main.options.get(digits="9").pk
    read_only = {
        f"{OPTIONS_PREFIX}-TOTAL_FORMS": "1",
        f"{OPTIONS_PREFIX}-0-id": str(nine),
    }
    renamed = {**read_only, f"{OPTIONS_PREFIX}-0-digits": " 99 "}
    deleted = {**read_only, f"{OPTIONS_PREFIX}-0-DELETE": "on"}

    assert sorted(submitted_option_digits(main, {})) == saved
    assert sorted(submitted_option_digits(main, read_only)) == saved
    assert "99" in submitted_option_digits(main, renamed)
    assert "9" not in submitted_option_digits(main, renamed)
    assert "9" not in submitted_option_digits(main, deleted)
    assert submitted_option_digits(Menu(), renamed) == ["99"]


def _set(**fields):
    def change(data):
        data.update(fields)

    return change


def _add(**values):
    def change(data):
        add_option(data, **values)

    return change


def _on_option(digits, **fields):
    """Set `fields` on the row of the option with these keys; a callable
    value is called first (to look up a row's id)."""

    def change(data):
        row = option_row(data, digits)
        for name, value in fields.items():
            data[row + name] = value() if callable(value) else value

    return change


def _both(*changes):
    def change(data):
        for each in changes:
            each(data)

    return change


FILE_URL_ERROR = (
    "8x8 plays only mp3 and wav files from an http(s) address, "
    "for example https://example.com/hours.mp3."
)

# (change to the main menu's form, where the error shows, field, message)
# where: "menu" (a menu field), "option" (a field of an option's row),
# "options" (above the options).
INVALID_EDITS = {
    "duplicate digits": (
        _add(digits="1", action="hangup"),
        "options",
        None,
        validation.DUPLICATE_DIGITS.format(digits="1", count="two"),
    ),
    "option longer than max digits": (
        _both(_set(max_digits=1), _add(digits="12", action="hangup")),
        "menu",
        "max_digits",
        validation.OPTION_TOO_LONG.format(digits="12", length=2, maximum=1),
    ),
    "option shorter than min digits": (
        _set(min_digits=2, max_digits=2),
        "menu",
        "min_digits",
        validation.OPTION_TOO_SHORT.format(digits="*", length=1, s="", minimum=2),
    ),
    "finish on # turned off with options of different lengths": (
        _both(_set(complete_on_hash=False), _add(digits="00", action="hangup")),
        "menu",
        "complete_on_hash",
        validation.OPTION_NEEDS_HASH.format(digits="0", length=1, s="", maximum=2),
    ),
    "not answered: go to a menu, with none chosen": (
        _on_option("2", on_no_answer="menu"),
        "option",
        "no_answer_menu",
        "Choose the menu to go to.",
    ),
    "not answered: try a number that is not E.164": (
        _on_option("2", on_no_answer="transfer", no_answer_destination="6000 12"),
        "option",
        "no_answer_destination",
        NOT_INTERNATIONAL,
    ),
    "not answered: try the same number again": (
        _on_option("2", on_no_answer="transfer", no_answer_destination="+6560001111"),
        "option",
        "no_answer_destination",
        "Enter another number: this is the one that did not answer.",
    ),
    "not answered: go to an inactive menu": (
        _on_option(
            "2",
            on_no_answer="menu",
            no_answer_menu=lambda: Menu.objects.get(key="support").pk,
        ),
        "option",
        "no_answer_menu",
        TARGET_INACTIVE.format(target="support"),
    ),
    "finish on # with a # option": (
        _both(_set(complete_on_hash=True), _add(digits="#", action="hangup")),
        "menu",
        "complete_on_hash",
        validation.HASH_OPTION_WITH_FINISH_ON_HASH,
    ),
    "overall timeout not longer than digit timeout": (
        _set(digit_timeout_ms=5000, overall_timeout_ms=5000),
        "menu",
        "overall_timeout_ms",
        "Must be longer than the digit timeout (8x8 requires it).",
    ),
    "transfer without destination": (
        _add(digits="5", action="transfer"),
        "option",
        "destination",
        "Enter the number to transfer to.",
    ),
    "option transfer to a bad number": (
        _add(digits="5", action="transfer", destination="+65 1234"),
        "option",
        "destination",
        NOT_A_NUMBER,
    ),
    "menu transfer to a bad number": (
        _set(on_exhausted="transfer", exhausted_destination="0123"),
        "menu",
        "exhausted_destination",
        NOT_INTERNATIONAL,
    ),
    "file that is not mp3 or wav": (
        _add(digits="5", action="play", file_url="https://example.com/hours.ogg"),
        "option",
        "file_url",
        FILE_URL_ERROR,
    ),
    "prompt too long": (
        _set(prompt="a" * (TTS_MAX_CHARS + 1)),
        "menu",
        "prompt",
        f"Ensure this value has at most {TTS_MAX_CHARS} characters "
        f"(it has {TTS_MAX_CHARS + 1}).",
    ),
    "key with a space": (
        _set(key="main menu"),
        "menu",
        "key",
        MENU_KEY_CHARACTERS,
    ),
    "key with a dot, which 8x8's ids do not take": (
        _set(key="main.menu"),
        "menu",
        "key",
        MENU_KEY_CHARACTERS,
    ),
    "go to a menu without the menu": (
        _add(digits="5", action="menu"),
        "option",
        "target_menu",
        "Choose the menu.",
    ),
    "on exhaustion, another menu without the menu": (
        _set(on_exhausted="menu", exhausted_menu=""),
        "menu",
        "exhausted_menu",
        "Choose the menu to go to.",
    ),
}


@pytest.mark.parametrize(
    ("change", "where", "field", "message"),
    list(INVALID_EDITS.values()),
    ids=list(INVALID_EDITS),
)
def test_each_problem_is_shown_in_plain_words_on_its_field(
    admin_client, menu_tree, change, where, field, message
):
    main = menu_tree["main"]
    before = (model_to_dict(main), list(main.options.values()))
    data = menu_form_data(main)
    change(data)

    response = post_menu(admin_client, main, data)

    assert response.status_code == 200
    errors = form_errors(response)
    assert list(errors) == [(where, field)]
    assert message in errors[(where, field)]
    assert escape(message) in response.content.decode()
    main.refresh_from_db()
    assert (model_to_dict(main), list(main.options.values())) == before


def test_the_menu_page_previews_the_json_sent_to_8x8(admin_client, menu_tree):
    expected = enter_menu(ivr_snapshot_from_database(), "main").response

    page = admin_client.get(admin_url(Menu, "change", menu_tree["main"].pk))

    html = page.content.decode()
    assert escape(json.dumps(expected, indent=2, ensure_ascii=False)) in html
    assert escape("“Welcome to Acme. For sales press 1.") in html
    assert "1: go to menu sales" in html
    assert "go to menu main" in html
    assert "Callers press 1 key: the choice is taken on the last key." in html


def test_the_preview_of_a_refused_edit_shows_the_saved_menu(admin_client, menu_tree):
    main = menu_tree["main"]
    data = menu_form_data(main)
    data["key"] = "renamed"
    data["prompt"] = ""

    response = post_menu(admin_client, main, data)

    assert response.status_code == 200
    assert escape('"clientActionId": "main"') in response.content.decode()


def test_the_menu_list_counts_options(admin_client, menu_tree):
    response = admin_client.get(admin_url(Menu, "changelist"))
    counts = {
        menu.key: menu.option_count for menu in response.context["cl"].result_list
    }
    assert counts == {"main": 7, "sales": 3, "support": 0}


def test_numbers_are_found_in_any_spelling(admin_client, menu_tree):
    for term in ["+6531581234", "+65 3158 1234", "6531581234", "3158"]:
        response = admin_client.get(admin_url(Number, "changelist"), {"q": term})
        found = [number.number for number in response.context["cl"].result_list]
        assert found == ["+6531581234"], term


# --- Phone numbers typed in the admin ---------------------------------------------


def _type_on_new_transfer(field, **values):
    """Type a number into `field` of a new transfer option, keys 5; returns
    the name the number is posted under."""

    def type_number(data, number):
        index = data[f"{OPTIONS_PREFIX}-TOTAL_FORMS"]
        add_option(
            data,
            digits="5",
            action="transfer",
            **{"destination": "+6560005555", **values, field: number},
        )
        return f"{OPTIONS_PREFIX}-{index}-{field}"

    return type_number


def _type_exhausted_destination(data, number):
    data.update(on_exhausted="transfer", exhausted_destination=number)
    return "exhausted_destination"


# Every field of the menu's page that holds a phone number:
# (how it is typed, where its error shows, the field, its saved value).
NUMBER_FIELDS = {
    "option: transfer to": (
        _type_on_new_transfer("destination"),
        "option",
        "destination",
        lambda main: main.options.get(digits="5").destination,
    ),
    "option: caller ID": (
        _type_on_new_transfer("caller_id"),
        "option",
        "caller_id",
        lambda main: main.options.get(digits="5").caller_id,
    ),
    "option: not answered, try number": (
        _type_on_new_transfer("no_answer_destination", on_no_answer="transfer"),
        "option",
        "no_answer_destination",
        lambda main: main.options.get(digits="5").no_answer_destination,
    ),
    "menu: retries used up, transfer to": (
        _type_exhausted_destination,
        "menu",
        "exhausted_destination",
        lambda main: Menu.objects.get(pk=main.pk).exhausted_destination,
    ),
}
number_fields = pytest.mark.parametrize(
    ("type_number", "where", "field", "saved"),
    list(NUMBER_FIELDS.values()),
    ids=list(NUMBER_FIELDS),
)
SINGAPORE_READ_AS = READ_AS.format(number="+65 6000 1234", country="SG")


def _menu_state(main: Menu) -> tuple:
    main.refresh_from_db()
    return model_to_dict(main), list(main.options.values())


def _shown(response, name: str):
    """The value the page shows in the input posted as `name`."""
    form = response.context["adminform"].form
    if name.startswith(f"{OPTIONS_PREFIX}-"):
        formset = response.context["inline_admin_formsets"][0].formset
        form = next(f for f in formset.forms if name.startswith(f.prefix + "-"))
    return form[name.removeprefix(form.prefix + "-") if form.prefix else name].value()


@number_fields
def test_a_number_without_its_country_code_is_refused(
    admin_client, menu_tree, settings, type_number, where, field, saved
):
    # The issue: "6000 1234" was saved as +60001234, a Malaysian number.
    settings.IVR_DEFAULT_COUNTRY = ""
    main = menu_tree["main"]
    before = _menu_state(main)
    data = menu_form_data(main)
    type_number(data, "6000 1234")

    response = post_menu(admin_client, main, data)

    assert response.status_code == 200
    assert form_errors(response) == {(where, field): [NOT_INTERNATIONAL]}
    assert escape(NOT_INTERNATIONAL) in response.content.decode()
    assert _menu_state(main) == before


@number_fields
def test_a_national_number_is_shown_converted_and_saved_on_the_second_save(
    admin_client, menu_tree, settings, type_number, where, field, saved
):
    settings.IVR_DEFAULT_COUNTRY = "SG"
    main = menu_tree["main"]
    before = _menu_state(main)
    data = menu_form_data(main)
    name = type_number(data, "6000 1234")

    first = post_menu(admin_client, main, data)

    assert first.status_code == 200
    assert form_errors(first) == {(where, field): [SINGAPORE_READ_AS]}
    page = first.content.decode()
    assert escape(SINGAPORE_READ_AS) in page
    assert f'name="{name}" value="+6560001234"' in page
    assert _menu_state(main) == before

    data[name] = _shown(first, name)
    second = post_menu(admin_client, main, data)

    assert second.status_code == 302, form_errors(second)
    assert saved(main) == "+6560001234"


@pytest.mark.parametrize("country", ["", "SG"])
@number_fields
def test_a_number_in_international_form_is_saved_at_once(
    admin_client, menu_tree, settings, country, type_number, where, field, saved
):
    settings.IVR_DEFAULT_COUNTRY = country
    main = menu_tree["main"]
    data = menu_form_data(main)
    type_number(data, "+65 6000-1234")

    response = post_menu(admin_client, main, data)

    assert response.status_code == 302, form_errors(response)
    assert saved(main) == "+6560001234"


def test_a_number_impossible_in_the_default_country_is_refused(
    admin_client, menu_tree, settings
):
    settings.IVR_DEFAULT_COUNTRY = "SG"
    main = menu_tree["main"]
    data = menu_form_data(main)
    _type_exhausted_destination(data, "6000 123")

    response = post_menu(admin_client, main, data)

    message = NOT_VALID_IN_COUNTRY.format(
        typed="6000 123", country="SG", example="+65 6123 4567"
    )
    assert form_errors(response) == {("menu", "exhausted_destination"): [message]}


def post_number(client, data: dict, number: Number | None = None):
    url = admin_url(Number, "change", number.pk) if number else admin_url(Number, "add")
    return client.post(url, {"label": "", **data, "_save": "Save"})


@pytest.mark.parametrize(
    ("country", "typed", "error", "stored"),
    [
        ("", "3158 9999", NOT_INTERNATIONAL, None),  # not +31589999 (Netherlands)
        ("", "+65 3158 9999", None, "+6531589999"),
        ("SG", "+65 3158 9999", None, "+6531589999"),
        ("SG", "3158 9999", READ_AS.format(number="+65 3158 9999", country="SG"), None),
        (
            "SG",
            "3158 999",
            NOT_VALID_IN_COUNTRY.format(
                typed="3158 999", country="SG", example="+65 6123 4567"
            ),
            None,
        ),
    ],
    ids=[
        "bare digits",
        "international",
        "international, with a default country",
        "national, shown converted",
        "impossible in the default country",
    ],
)
def test_an_8x8_number_follows_the_same_rule(
    admin_client, menu_tree, settings, country, typed, error, stored
):
    settings.IVR_DEFAULT_COUNTRY = country
    data = {"number": typed, "menu": menu_tree["main"].pk}

    response = post_number(admin_client, data)

    if error is None:
        assert response.status_code == 302
        assert Number.objects.filter(number=stored).exists()
        return
    assert response.context["adminform"].form.errors == {"number": [error]}
    assert list(Number.objects.values_list("number", flat=True)) == ["+6531581234"]


def test_an_8x8_number_read_as_national_is_saved_on_the_second_save(
    admin_client, menu_tree, settings
):
    settings.IVR_DEFAULT_COUNTRY = "SG"
    number = Number.objects.get()
    data = {"number": "3158 9999", "menu": menu_tree["main"].pk}

    first = post_number(admin_client, data, number)
    data["number"] = first.context["adminform"].form["number"].value()
    second = post_number(admin_client, data, number)

    assert data["number"] == "+6531589999"
    assert second.status_code == 302
    number.refresh_from_db()
    assert number.number == "+6531589999"


def test_a_number_typed_with_spaces_is_not_cut_at_the_stored_length(
    admin_client, menu_tree
):
    # "+1 (415) 555-0100" is 17 characters: a browser holding the input to
    # 16 would drop its last digit unseen.
    menu_page = admin_client.get(admin_url(Menu, "change", menu_tree["main"].pk))
    number_page = admin_client.get(admin_url(Number, "add"))
    inputs = [
        *re.findall(r"<input[^>]*name=\"[^\"]*destination\"[^>]*>", menu_page.text),
        *re.findall(r"<input[^>]*name=\"[^\"]*caller_id\"[^>]*>", menu_page.text),
        *re.findall(r"<input[^>]*name=\"number\"[^>]*>", number_page.text),
    ]
    assert len(inputs) > 5
    assert [tag for tag in inputs if "maxlength" in tag] == []

    data = {"number": "+1 (415) 555-0100", "menu": menu_tree["main"].pk}
    response = post_number(admin_client, data)

    assert response.status_code == 302
    assert Number.objects.filter(number="+14155550100").exists()


# --- The call history ------------------------------------------------------------


def listed(response) -> set[str]:
    return {str(obj) for obj in response.context["cl"].result_list}


EVENT_FILTERS = {
    "event type": ("event_type=SESSION_SUMMARY", {"summary"}),
    "direction": ("direction=OUTBOUND", {"outbound"}),
    "outcome": ("outcome=no_input", {"no-input"}),
    "menu": ("menu_key=sales", {"sales"}),
    "date": (
        "occurred_at__gte=2024-11-12+00:00:00%2B00:00"
        "&occurred_at__lt=2024-11-13+00:00:00%2B00:00",
        {"next-day"},
    ),
}


@pytest.mark.parametrize(
    ("query", "expected"), list(EVENT_FILTERS.values()), ids=list(EVENT_FILTERS)
)
def test_events_are_filtered(admin_client, query, expected):
    make_event(event_id="summary", event_type="SESSION_SUMMARY", outcome="")
    make_event(event_id="outbound", direction="OUTBOUND")
    make_event(event_id="no-input", outcome=Outcome.NO_INPUT)
    make_event(event_id="sales", menu_key="sales")
    make_event(
        event_id="next-day",
        occurred_at=datetime(2024, 11, 12, 10, 0, tzinfo=UTC),
    )

    response = admin_client.get(f"{admin_url(CallEvent, 'changelist')}?{query}")

    assert response.status_code == 200
    assert listed(response) == expected


@pytest.mark.parametrize(
    "term",
    [
        "+6591234567",
        "6591234567",
        "+65 9123 4567",
        "5b1c8212-9f3d-11ef-8c1a-0242ac120002",  # session id
        "5b1c7e2a-9f3d-11ef-8c1a-0242ac120002",  # event id
        "5b1c80b4-9f3d-11ef-8c1a-0242ac120002",  # call id
    ],
)
def test_events_are_found_by_number_or_id(admin_client, history, term):
    make_event(event_id="someone-else", source="+6598765432")

    response = admin_client.get(admin_url(CallEvent, "changelist"), {"q": term})

    assert "someone-else" not in listed(response)
    assert "5b1c7e2a-9f3d-11ef-8c1a-0242ac120002" in listed(response)


def test_events_are_found_by_the_number_they_called(admin_client):
    make_event(event_id="to-us", destination="+6531581234")
    make_event(event_id="elsewhere", destination="+6531589999")

    response = admin_client.get(
        admin_url(CallEvent, "changelist"), {"q": "+65 3158 1234"}
    )

    assert listed(response) == {"to-us"}


@pytest.mark.parametrize(
    "term", ["+6591234567", "65 9123 4567", "5b1c8212-9f3d-11ef-8c1a-0242ac120002"]
)
def test_calls_are_found_by_number_or_session(admin_client, history, term):
    make_event(session_id="someone-else", source="+6598765432")

    response = admin_client.get(admin_url(Call, "changelist"), {"q": term})

    assert listed(response) == {history.session_id}


# Callers and the numbers they called; each event is named after its caller.
SEARCHED = {
    "sg": ("+6591234567", "+6531581234"),
    "sg-other": ("+6598765432", "+6531581234"),
    "uk": ("+442079460018", "+6531581234"),
    "to-uk": ("+6531585678", "+442079461111"),  # an outbound call to the UK
}

SEARCHES = {
    # A whole number, in any spelling.
    "+65 9123 4567": {"sg"},
    "6591234567": {"sg"},
    "0065 9123 4567": {"sg"},
    # A local number: without the country code, the trunk prefix dropped.
    "9123 4567": {"sg"},
    "9123-4567": {"sg"},
    "020 7946 0018": {"uk"},
    "(020) 7946-1111": {"to-uk"},
    # The last digits, from MIN_ENDING_DIGITS on.
    "4567": {"sg"},
    "34567": {"sg"},
    "0018": {"uk"},
    "5432": {"sg-other"},
    # Our own number: every call to it, whichever end it is at.
    "3158 1234": {"sg", "sg-other", "uk"},
    "5678": {"to-uk"},
    # Nothing: too few digits, a middle part, a "+" that makes it whole.
    "567": set(),
    "9123": set(),
    "+4567": set(),
    "+91234567": set(),
    "4567 extension": set(),
}


@pytest.fixture
def searched():
    for name, (source, destination) in SEARCHED.items():
        make_event(
            event_id=name, session_id=name, source=source, destination=destination
        )


@pytest.mark.parametrize(("term", "expected"), list(SEARCHES.items()))
def test_events_are_found_by_a_whole_local_or_partial_number(
    admin_client, searched, term, expected
):
    response = admin_client.get(admin_url(CallEvent, "changelist"), {"q": term})

    assert listed(response) == expected


@pytest.mark.parametrize(("term", "expected"), list(SEARCHES.items()))
def test_calls_are_found_by_a_whole_local_or_partial_number(
    admin_client, searched, term, expected
):
    response = admin_client.get(admin_url(Call, "changelist"), {"q": term})

    assert listed(response) == expected


@pytest.mark.parametrize(
    ("term", "endings"),
    [
        ("4567", ("4567",)),
        ("9123 4567", ("91234567",)),
        ("(020) 7946-0018", ("02079460018", "2079460018")),
        ("0018", ("0018",)),
        ("6591234567", ("6591234567",)),
        ("0065 9123 4567", ("006591234567", "6591234567")),
        ("567", ()),
        ("0567", ("0567",)),
        ("+65 9123 4567", ()),
        ("+4567", ()),
        ("45a67", ()),
        ("٤٥٦٧", ()),  # Arabic-Indic digits: not what 8x8 sends
        ("", ()),
    ],
)
def test_the_endings_a_search_term_gives(term, endings):
    assert number_endings(term) == endings


NO_MATCH_PAGES = {
    CallEvent: (
        "No call events match “4568”: search by a whole number (+65 9123 4567), "
        "a local one (9123 4567), its last 4 or more digits, or a session, call "
        "or event id."
    ),
    Call: (
        "No calls match “4568”: search by a whole number (+65 9123 4567), a "
        "local one (9123 4567), its last 4 or more digits, or a session id."
    ),
}


@pytest.mark.parametrize("model", [CallEvent, Call])
def test_a_search_that_finds_nothing_says_what_can_be_searched(
    admin_client, searched, model
):
    response = admin_client.get(admin_url(model, "changelist"), {"q": " 4568 "})

    assert response.context["cl"].no_match_message == NO_MATCH_PAGES[model]
    assert escape(NO_MATCH_PAGES[model]) in response.content.decode()


@pytest.mark.parametrize("model", [CallEvent, Call])
def test_a_search_that_finds_nothing_among_filters_says_so(
    admin_client, searched, model
):
    response = admin_client.get(
        admin_url(model, "changelist"), {"q": "4567", "direction": "OUTBOUND"}
    )

    message = response.context["cl"].no_match_message
    assert message == history_admin.NO_MATCH_FILTERED.format(
        items=model._meta.verbose_name_plural,
        term="4567",
        digits=MIN_ENDING_DIGITS,
        ids="a session, call or event id" if model is CallEvent else "a session id",
    )


@pytest.mark.parametrize("model", [CallEvent, Call])
def test_a_list_that_finds_something_or_was_not_searched_says_nothing(
    admin_client, searched, model
):
    for query in ({}, {"q": "4567"}, {"q": "  "}):
        response = admin_client.get(admin_url(model, "changelist"), query)
        assert response.context["cl"].no_match_message == ""
        assert 'id="search-no-match"' not in response.content.decode()


@pytest.mark.parametrize("model", [CallEvent, Call])
def test_the_search_term_is_escaped_in_the_message(admin_client, model):
    response = admin_client.get(admin_url(model, "changelist"), {"q": SCRIPT})

    html = response.content.decode()
    assert "<script>alert(1)" not in html
    assert f"match “{escape(SCRIPT)}”" in html


@pytest.mark.parametrize(
    ("model", "ids"),
    [(CallEvent, "a session, call or event id"), (Call, "a session id")],
)
def test_the_search_box_says_what_can_be_searched(admin_client, model, ids):
    response = admin_client.get(admin_url(model, "changelist"))

    help_text = (
        "A phone number: whole (+65 9123 4567), local (9123 4567) or its last 4 "
        f"or more digits; or {ids}."
    )
    assert response.context["cl"].search_help_text == help_text
    assert escape(help_text) in response.content.decode()


LIST_PAGE_QUERIES = {CallEvent: 5, Call: 4}


def list_queries(client, model, rows: int) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(admin_url(model, "changelist"))
    assert len(response.context["cl"].result_list) == rows
    return len(queries)


@pytest.mark.parametrize("model", [CallEvent, Call])
def test_a_history_list_costs_the_same_queries_for_5_rows_or_50(admin_client, model):
    for _ in range(5):
        make_event()
    few = list_queries(admin_client, model, 5)
    for _ in range(45):
        make_event()
    many = list_queries(admin_client, model, 50)
    assert few == many
    # Session, user, the count, the page's rows, (events) the menu filter's
    # choices; on PostgreSQL, the table's size estimate before the count.
    estimate = 1 if connection.vendor == "postgresql" else 0
    assert many == LIST_PAGE_QUERIES[model] + estimate


def test_the_event_list_shows_times_to_the_second_in_the_time_zone(
    admin_client, settings
):
    settings.TIME_ZONE = "Asia/Singapore"
    make_event(occurred_at=datetime(2024, 11, 11, 9, 30, 5, tzinfo=UTC))

    response = admin_client.get(admin_url(CallEvent, "changelist"))

    assert "2024-11-11 17:30:05 +08" in response.content.decode()


def test_an_event_page_shows_the_request_and_the_answer(admin_client, history):
    event = CallEvent.objects.get(status="CALL_RECEIVED")

    response = admin_client.get(admin_url(CallEvent, "change", event.pk))

    html = response.content.decode()
    for value in (event.payload, event.response):
        assert escape(json.dumps(value, indent=2, ensure_ascii=False)) in html
    assert admin_url(Call, "change", event.session_id) in html
    assert admin_url(Menu, "change", event.menu_id) in html


def test_a_call_page_lists_its_events_oldest_first_with_links(admin_client, history):
    response = admin_client.get(admin_url(Call, "change", history.session_id))

    inline = response.context["inline_admin_formsets"][0]
    events = [form.original for form in inline]
    assert [event.status for event in events] == [
        "CALL_RECEIVED",
        "ACTION_COMPLETED",
        "ERROR",
    ]
    html = response.content.decode()
    for event in events:
        assert admin_url(CallEvent, "change", event.pk) in html


def test_a_rejected_callflow_stands_out(admin_client, history):
    highlighted = (
        '<strong style="color: var(--error-fg)">-2003 '
        f"{ivr_admin.REJECTED_CALLFLOW}</strong>"
    )
    for url in (
        admin_url(Call, "changelist"),
        admin_url(Call, "change", history.session_id),
    ):
        assert highlighted in admin_client.get(url).content.decode()


def test_what_callers_and_8x8_send_is_shown_escaped(
    admin_client, webhook_client, payload, menu_tree
):
    body = payload("vca-action-completed")
    body["payload"].update(
        source=SCRIPT,
        destination=SCRIPT,
        callId=SCRIPT,
        sessionId=SCRIPT,
        clientActionId=SCRIPT,
        eventData={"dtmf": SCRIPT},
    )
    assert webhook_client.call_action(body).status_code == 200
    event = CallEvent.objects.get()
    assert event.source == SCRIPT

    for url in (
        admin_url(CallEvent, "changelist"),
        admin_url(CallEvent, "change", event.pk),
        admin_url(Call, "changelist"),
        admin_url(Call, "change", event.session_id),
    ):
        html = admin_client.get(url).content.decode()
        assert "alert(1)</script>" not in html, url
        assert escape(SCRIPT) in html, url


def test_recent_events_come_first(admin_client):
    now = datetime(2024, 11, 11, 9, 30, tzinfo=UTC)
    make_event(event_id="older", occurred_at=now)
    make_event(event_id="newer", occurred_at=now + timedelta(seconds=1))

    response = admin_client.get(admin_url(CallEvent, "changelist"))

    assert [str(e) for e in response.context["cl"].result_list] == ["newer", "older"]


def test_menu_drop_downs_say_which_menus_are_not_active(admin_client, menu_tree):
    page = admin_client.get(admin_url(Menu, "change", menu_tree["main"].pk))

    html = page.content.decode()
    assert escape(NOT_ACTIVE.format(menu=menu_tree["support"])) in html
    assert escape(NOT_ACTIVE.format(menu=menu_tree["sales"])) not in html


def test_the_editor_gets_the_fields_each_choice_uses(admin_client, menu_tree):
    page = admin_client.get(admin_url(Menu, "change", menu_tree["main"].pk))

    rules = json.loads(
        page.content.decode()
        .split('<script id="ivr-field-rules" type="application/json">')[1]
        .split("</script>")[0]
    )
    assert rules["option"]["back"] == []
    assert rules["option"]["menu"] == ["target_menu"]
    assert rules["no_answer"]["transfer"] == ["no_answer_destination"]
    assert rules["exhausted"]["menu"] == ["exhausted_menu"]
    # Each detail sits in its own box the script can hide.
    assert 'class="option-detail field-no_answer_destination"' in page.content.decode()


def test_saving_clears_what_an_options_action_does_not_use(admin_client, menu_tree):
    # "Go back" with a message and a transfer number: neither would be used.
    main = menu_tree["main"]
    data = menu_form_data(main)
    add_option(
        data, digits="7", action="back", message="Hi.", destination="+6560001111"
    )

    response = post_menu(admin_client, main, data)

    assert response.status_code == 302, form_errors(response)
    back = main.options.get(digits="7")
    assert (back.message, back.destination) == ("", "")


def test_the_preview_comes_after_the_options(admin_client, menu_tree):
    html = admin_client.get(admin_url(Menu, "change", menu_tree["main"].pk))
    html = html.content.decode()

    assert html.index('id="options-group"') < html.index('id="menu-preview"')
    assert "<summary>JSON sent to 8x8</summary>" in html


def test_keys_used_twice_are_said_once_in_words(admin_client, menu_tree):
    main = menu_tree["main"]
    data = menu_form_data(main)
    add_option(data, digits="1", action="hangup")
    add_option(data, digits="1", action="repeat")

    response = post_menu(admin_client, main, data)

    message = validation.DUPLICATE_DIGITS.format(digits="1", count="three")
    assert message == "Key 1 is used by three options: give each option its own key."
    assert form_errors(response) == {("options", None): [message]}
    assert response.content.decode().count(escape(message)) == 1


@pytest.mark.parametrize(
    ("retries", "words"),
    [
        (0, "not asked again"),
        (1, "asked again once"),
        (2, "asked again up to twice"),
        (3, "asked again up to 3 times"),
    ],
)
def test_the_preview_counts_retries_in_words(retries, words):
    assert asked_again(retries) == words
