"""System checks that stop an unsafe production start.

Django runs them on `manage.py check` (and `check --deploy`), `migrate` and
`runserver`, so a production box without a webhook secret fails loudly
instead of answering 8x8 with 401s, or worse, to anyone.
"""

from django.conf import settings
from django.core import checks

WEBHOOK_AUTH_MISSING = checks.Error(
    "IVR_WEBHOOK_AUTH is empty and DEBUG is off: the 8x8 webhooks would "
    "refuse every request.",
    hint="Set IVR_WEBHOOK_AUTH to the httpAuthHeader value registered with 8x8.",
    id="ivr.E001",
)
WEBHOOK_OPEN = checks.Warning(
    "IVR_WEBHOOK_AUTH is empty: with DEBUG on, the 8x8 webhooks accept "
    "requests from anyone.",
    hint="Fine on a laptop; set IVR_WEBHOOK_AUTH anywhere else.",
    id="ivr.W001",
)
SECRET_KEY_DEVELOPMENT = checks.Error(
    "DJANGO_SECRET_KEY is not set and DEBUG is off.",
    hint="Set DJANGO_SECRET_KEY to a long random value.",
    id="ivr.E002",
)


@checks.register(checks.Tags.security)
def check_webhook_auth(app_configs, **kwargs):
    secrets = [value for value in settings.IVR_WEBHOOK_AUTH if value.strip()]
    if secrets:
        return []
    return [WEBHOOK_OPEN] if settings.DEBUG else [WEBHOOK_AUTH_MISSING]


@checks.register(checks.Tags.security)
def check_secret_key(app_configs, **kwargs):
    if not settings.DEBUG and settings.SECRET_KEY == settings.DEVELOPMENT_SECRET_KEY:
        return [SECRET_KEY_DEVELOPMENT]
    return []
