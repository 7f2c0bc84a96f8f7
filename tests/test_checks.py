"""System checks refuse an unsafe production start."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from ivr import checks

PRODUCTION = {
    "DEBUG": False,
    "SECRET_KEY": "a-real-secret-key-" + "x" * 50,
    "ALLOWED_HOSTS": ["ivr.example.com"],
    "IVR_WEBHOOK_AUTH": ["Bearer secret"],
    "SECURE_SSL_REDIRECT": True,
    "SECURE_HSTS_SECONDS": 31536000,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
    "SECURE_HSTS_PRELOAD": True,
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
}


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


def test_check_deploy_fails_without_a_webhook_secret(settings):
    for name, value in PRODUCTION.items():
        setattr(settings, name, value)
    settings.IVR_WEBHOOK_AUTH = []
    with pytest.raises(SystemCheckError, match=r"ivr\.E001"):
        call_command("check", deploy=True)


def test_check_deploy_passes_with_the_documented_production_settings(settings):
    for name, value in PRODUCTION.items():
        setattr(settings, name, value)
    call_command("check", deploy=True, fail_level="WARNING")
