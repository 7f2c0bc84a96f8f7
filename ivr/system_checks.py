"""System checks that stop an unsafe production start, or one whose
settings would not do what they say.

Django runs them on `manage.py check` (and `check --deploy`), `migrate` and
`runserver`, so a production box without a webhook secret fails loudly
instead of answering 8x8 with 401s, or worse, to anyone.
"""

from django.conf import settings
from django.core import checks

from ivr.core.numbers import known_country, read_typed_number
from ivr.menus.phone_numbers import default_country, read_number

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


# --- Phone numbers in settings ----------------------------------------------------

FALLBACK_TRANSFER_NOT_INTERNATIONAL = (
    "IVR_FALLBACK_TRANSFER “{value}” is not a phone number in international "
    "form: the fallback hangs up instead of transferring to it."
)
FALLBACK_TRANSFER_HINT = (
    "Set IVR_FALLBACK_TRANSFER to the operator's number with + and the "
    "country code, for example +6560001234, or leave it empty to hang up "
    "politely."
)
FALLBACK_TRANSFER_HINT_READ_AS = (
    "Set IVR_FALLBACK_TRANSFER={number} if that is the operator's number "
    "(“{value}” read as a number in {country}), or leave it empty to hang up "
    "politely."
)
DEFAULT_COUNTRY_UNKNOWN = (
    "IVR_DEFAULT_COUNTRY “{value}” is not a country code: numbers typed "
    "without a country code are refused, as if it were empty."
)
DEFAULT_COUNTRY_HINT = (
    "Set it to an ISO 3166 alpha-2 code such as SG, GB or US, or leave it "
    "empty to accept numbers in international form only."
)


@checks.register()
def check_fallback_transfer(app_configs, **kwargs):
    # Read as typed numbers are (ivr.menus.phone_numbers), but never converted at
    # call time (ivr.menus.snapshots.fallback_from_settings): a setting has no page to
    # show the conversion on, so this says what to set instead.
    value = settings.IVR_FALLBACK_TRANSFER.strip()
    if not value or not read_typed_number(value).problem:
        return []
    reading = read_number(value)
    hint = FALLBACK_TRANSFER_HINT
    if reading.converted:
        hint = FALLBACK_TRANSFER_HINT_READ_AS.format(
            number=reading.e164, value=value, country=reading.country
        )
    message = FALLBACK_TRANSFER_NOT_INTERNATIONAL.format(value=value)
    return [checks.Error(message, hint=hint, id="ivr.E103")]


@checks.register()
def check_default_country(app_configs, **kwargs):
    value = default_country()
    if not value.strip() or known_country(value):
        return []
    message = DEFAULT_COUNTRY_UNKNOWN.format(value=value)
    return [checks.Error(message, hint=DEFAULT_COUNTRY_HINT, id="ivr.E104")]
