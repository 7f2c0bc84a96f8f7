"""System checks refuse an unsafe production start."""

import pytest
from django.core.checks import Error
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from ivr import system_checks as checks


@pytest.mark.parametrize(
    ("debug", "secrets", "expected"),
    [
        (False, [], [checks.WEBHOOK_AUTH_MISSING]),
        (False, ["  "], [checks.WEBHOOK_AUTH_MISSING]),
        (True, [], [checks.WEBHOOK_OPEN]),
        (False, ["Bearer x"], []),
        (True, ["Bearer x"], []),
    ],
)
def test_webhook_auth_check(settings, debug, secrets, expected):
    settings.DEBUG = debug
    settings.IVR_WEBHOOK_AUTH = secrets
    assert checks.check_webhook_auth(None) == expected


def test_the_development_secret_key_is_refused_without_debug(settings):
    settings.DEBUG = False
    settings.SECRET_KEY = settings.DEVELOPMENT_SECRET_KEY
    assert checks.check_secret_key(None) == [checks.SECRET_KEY_DEVELOPMENT]
    settings.DEBUG = True
    assert checks.check_secret_key(None) == []


@pytest.mark.usefixtures("production_settings")
def test_check_deploy_fails_without_a_webhook_secret(settings):
    settings.IVR_WEBHOOK_AUTH = []
    with pytest.raises(SystemCheckError, match=r"ivr\.E001"):
        call_command("check", deploy=True)


@pytest.mark.usefixtures("production_settings")
def test_check_deploy_passes_with_the_documented_production_settings():
    call_command("check", deploy=True, fail_level="WARNING")


def fallback_error(value: str, hint: str) -> Error:
    message = checks.FALLBACK_TRANSFER_NOT_INTERNATIONAL.format(value=value)
    return Error(message, hint=hint, id="ivr.E103")


@pytest.mark.parametrize(
    ("transfer_to", "country", "expected"),
    [
        ("", "", []),
        ("+65 6000 1234", "", []),
        ("0065 6000 1234", "SG", []),
        # Not +60001234 (Malaysia): what to set instead.
        ("6000 1234", "", [fallback_error("6000 1234", checks.FALLBACK_TRANSFER_HINT)]),
        (
            "6000 1234",
            "SG",
            [
                fallback_error(
                    "6000 1234",
                    checks.FALLBACK_TRANSFER_HINT_READ_AS.format(
                        number="+6560001234", value="6000 1234", country="SG"
                    ),
                )
            ],
        ),
        ("6000 123", "SG", [fallback_error("6000 123", checks.FALLBACK_TRANSFER_HINT)]),
        ("operator", "", [fallback_error("operator", checks.FALLBACK_TRANSFER_HINT)]),
    ],
)
def test_the_fallback_transfer_must_be_in_international_form(
    settings, transfer_to, country, expected
):
    settings.IVR_FALLBACK_TRANSFER = transfer_to
    settings.IVR_DEFAULT_COUNTRY = country
    assert checks.check_fallback_transfer(None) == expected


def test_the_fallback_check_says_what_to_set(settings):
    settings.IVR_FALLBACK_TRANSFER = "6000 1234"
    settings.IVR_DEFAULT_COUNTRY = "SG"

    [error] = checks.check_fallback_transfer(None)

    assert error.msg == (
        "IVR_FALLBACK_TRANSFER “6000 1234” is not a phone number in international "
        "form: the fallback hangs up instead of transferring to it."
    )
    assert error.hint == (
        "Set IVR_FALLBACK_TRANSFER=+6560001234 if that is the operator's number "
        "(“6000 1234” read as a number in SG), or leave it empty to hang up "
        "politely."
    )


@pytest.mark.parametrize(
    ("country", "known"),
    [("", True), ("SG", True), ("gb", True), ("XX", False), ("Singapore", False)],
)
def test_the_default_country_must_be_a_country_code(settings, country, known):
    settings.IVR_DEFAULT_COUNTRY = country
    expected = Error(
        checks.DEFAULT_COUNTRY_UNKNOWN.format(value=country),
        hint=checks.DEFAULT_COUNTRY_HINT,
        id="ivr.E104",
    )
    assert checks.check_default_country(None) == ([] if known else [expected])


def test_check_fails_on_a_fallback_transfer_without_its_country_code(settings):
    settings.IVR_FALLBACK_TRANSFER = "6000 1234"
    with pytest.raises(SystemCheckError, match=r"ivr\.E103"):
        call_command("check")
