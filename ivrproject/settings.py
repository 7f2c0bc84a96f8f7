"""Settings for the IVR project.

Every difference between a laptop and production is an environment variable
(see `.env.example`); there is one settings module. With nothing set, the app
runs on an SQLite file in the project folder with DEBUG off, so production
never starts in debug mode by accident: `make run` turns debug on explicitly.
"""

from pathlib import Path

import environ

# The app's own defaults, written once in its pure core (no Django there).
from ivr.core.snapshot import DEFAULT_FALLBACK_MESSAGE, DEFAULT_VOICE_PROFILE

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A `.env` file beside manage.py is read if present; real environment
# variables win over it.
environ.Env.read_env(BASE_DIR / ".env")

# The development key is public; `ivr.system_checks` refuses it when DEBUG is off.
DEVELOPMENT_SECRET_KEY = "django-insecure-development-key-not-for-production"  # noqa: S105

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)
ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"]
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    # Before staticfiles so runserver serves static files as gunicorn will.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",  # the read API's tokens (ivr.api)
    "drf_spectacular",  # the read API's OpenAPI schema and docs page
    "drf_spectacular_sidecar",  # the docs page's Swagger UI, served locally
    "simple_history",  # audit history of menus, options and numbers
    "ivr",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "ivr.webhook.middleware.WebhookBodyLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # ivr.webhook.middleware's session, authentication and message middleware are
    # Django's, skipped for the webhooks, which need none of them.
    "ivr.webhook.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "ivr.webhook.middleware.AuthenticationMiddleware",
    # Who changed a menu, for the audit history; skipped for the webhooks too.
    "ivr.webhook.middleware.HistoryRequestMiddleware",
    "ivr.webhook.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# `make bench` adds its reference views with benchmarks.urls.
ROOT_URLCONF = env.str("DJANGO_ROOT_URLCONF", default="ivrproject.urls")

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "ivrproject.wsgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
# Reuse database connections between requests: a new PostgreSQL connection
# costs more than a whole webhook request.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DJANGO_CONN_MAX_AGE", 60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# The longest a web request may wait on the database, in milliseconds: a
# caller is on the line. Web processes (wsgi.py, asgi.py set IVR_WEB_PROCESS)
# get it as statement and lock timeouts; management commands, which may
# rightly run long statements, don't unless IVR_DB_STATEMENT_TIMEOUT_MS is set.
IVR_DB_BUDGET_MS = env.int("IVR_DB_BUDGET_MS", default=300)
IVR_DB_STATEMENT_TIMEOUT_MS = env.int(
    "IVR_DB_STATEMENT_TIMEOUT_MS",
    default=IVR_DB_BUDGET_MS if env.bool("IVR_WEB_PROCESS", default=False) else 0,
)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _timeouts = (
        f"-c statement_timeout={IVR_DB_STATEMENT_TIMEOUT_MS} "
        f"-c lock_timeout={IVR_DB_STATEMENT_TIMEOUT_MS}"
    )
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # libpq's smallest connect timeout is 2 s; the breaker
            # (ivr.resilience.menu_cache) keeps later requests from paying it
            # again while the server is down.
            "connect_timeout": 2,
            "options": _timeouts if IVR_DB_STATEMENT_TIMEOUT_MS else "",
            # Notice a dead server or network within seconds, not hours.
            "keepalives": 1,
            "keepalives_idle": 5,
            "keepalives_interval": 1,
            "keepalives_count": 3,
            "tcp_user_timeout": 3000,
            # Bind parameters on the server and let psycopg prepare a
            # statement once it has run 5 times on a connection: planning the
            # webhook's store costs more than running it. (Not behind a
            # transaction-pooling pgbouncer, which can't keep prepared
            # statements.)
            "server_side_binding": True,
            "prepare_threshold": 5,
        }
    )
else:
    _sqlite = DATABASES["default"].setdefault("OPTIONS", {})
    # Take the write lock when a transaction starts, so that two saves of the
    # same menu cannot both read it before either writes (PostgreSQL gets
    # the same from SELECT ... FOR UPDATE, which SQLite ignores).
    _sqlite.setdefault("transaction_mode", "IMMEDIATE")
    if IVR_DB_STATEMENT_TIMEOUT_MS:
        # How long a write waits for another writer's lock.
        _sqlite["timeout"] = IVR_DB_STATEMENT_TIMEOUT_MS / 1000

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
# Times are stored in UTC and shown to staff in this zone.
TIME_ZONE = env.str("DJANGO_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True
# Times in the admin as "2026-01-31 09:30:05 +08", never "9:30 a.m." (which
# doubles the period at the end of a sentence): ivrproject/formats/en/.
FORMAT_MODULE_PATH = ["ivrproject.formats"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Not the manifest storage: it fails every admin page under gunicorn
    # until `collectstatic` has run. Unhashed names cost only browser caching
    # of the admin's own files.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve the admin's files straight from the installed apps, so gunicorn shows
# the admin as runserver does even before `collectstatic`.
WHITENOISE_USE_FINDERS = True

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication"
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAdminUser"],
    "UNAUTHENTICATED_USER": None,
}

# The read API's OpenAPI schema (ivr.api). Its views set drf-spectacular's
# schema class themselves: a global DEFAULT_SCHEMA_CLASS would be the
# webhooks' too, and the schema leaves them out (ivr.api.schema).
SPECTACULAR_SETTINGS = {
    "TITLE": "IVR call history API",
    "DESCRIPTION": "Read-only call events and calls, for reporting tools. "
    "Send `Authorization: Token <key>` (README: Read API).",
    "VERSION": "1",
    "SCHEMA_PATH_PREFIX": "/api/v1/",
    "SERVE_INCLUDE_SCHEMA": False,
    "PREPROCESSING_HOOKS": ["ivr.api.schema.only_the_read_api"],
    # Events' `outcome` and calls' `last_outcome` share one enum.
    "ENUM_NAME_OVERRIDES": {"OutcomeEnum": "ivr.models.OUTCOME_CHOICES"},
    # Swagger UI from the installed drf-spectacular-sidecar, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Production hardening; each is an environment value so that `check --deploy`
# passes with the values documented in the README.
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https")
    if env.bool("DJANGO_BEHIND_TLS_PROXY", default=False)
    else None
)
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool(
    "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False
)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# One JSON object a line in production (IVR_JSON_LOGS, on unless DEBUG): the
# webhook's line carries event_id, session_id, menu, outcome and duration_ms.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {
            "()": "pythonjsonlogger.orjson.OrjsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json"
            if env.bool("IVR_JSON_LOGS", default=not DEBUG)
            else "plain",
        },
    },
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "django": {"level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    },
}

# --- The IVR app -----------------------------------------------------------
# Read by the app at request time through django.conf.settings.

# Accepted values of the Authorization header 8x8 sends (its `httpAuthHeader`),
# comma-separated so that a secret can be rotated without downtime.
IVR_WEBHOOK_AUTH = env.list("IVR_WEBHOOK_AUTH", default=[])
# The header 8x8 sends the webhook's httpAuthHeader in (an assumption: see
# the README's "What the app assumes of 8x8").
IVR_WEBHOOK_AUTH_HEADER = env.str("IVR_WEBHOOK_AUTH_HEADER", default="Authorization")
# What a caller hears when something goes wrong, and where they are sent.
IVR_FALLBACK_MESSAGE = env.str(
    "IVR_FALLBACK_MESSAGE",
    default=DEFAULT_FALLBACK_MESSAGE,
)
# E.164 number of an operator; empty means the fallback hangs up politely.
IVR_FALLBACK_TRANSFER = env.str("IVR_FALLBACK_TRANSFER", default="")
# The country (ISO 3166 alpha-2, "SG") whose national numbers staff may type,
# shown converted before they are saved; empty: international form only.
IVR_DEFAULT_COUNTRY = env.str("IVR_DEFAULT_COUNTRY", default="")
IVR_DEFAULT_VOICE_PROFILE = env.str(
    "IVR_DEFAULT_VOICE_PROFILE", default=DEFAULT_VOICE_PROFILE
)
# The voice of the fallback apology. It was IVR_DEFAULT_VOICE_PROFILE before
# it had a name of its own, so that value stays its default.
IVR_FALLBACK_VOICE_PROFILE = env.str(
    "IVR_FALLBACK_VOICE_PROFILE", default=IVR_DEFAULT_VOICE_PROFILE
)

# Largest webhook body read, in bytes; bigger requests get 413 unread.
IVR_WEBHOOK_MAX_BODY_BYTES = env.int("IVR_WEBHOOK_MAX_BODY_BYTES", default=64 * 1024)
# Networks (CIDR) allowed to call the webhooks; empty allows any source.
# 8x8's published voice webhook addresses are in the README.
IVR_WEBHOOK_ALLOWED_IPS = env.list("IVR_WEBHOOK_ALLOWED_IPS", default=[])
# The header a trusted proxy puts the client address in (for example
# X-Forwarded-For); empty means the socket's address is the client's.
IVR_TRUSTED_PROXY_HEADER = env.str("IVR_TRUSTED_PROXY_HEADER", default="")
# Networks (CIDR) allowed to read /metrics; empty allows any source.
IVR_METRICS_ALLOWED_IPS = env.list("IVR_METRICS_ALLOWED_IPS", default=[])
# Call events older than this are deleted by `manage.py ivr_purge`.
IVR_RETENTION_DAYS = env.int("IVR_RETENTION_DAYS", default=90)
# Where events are kept when the database cannot take them (a file per
# process), until they are replayed.
IVR_SPOOL_DIR = env.path("IVR_SPOOL_DIR", default=BASE_DIR / "var" / "spool")
# Each process writes its spooled events by itself once the database is back.
IVR_SPOOL_AUTO_REPLAY = env.bool("IVR_SPOOL_AUTO_REPLAY", default=True)

# 8x8's Voice API, for `manage.py ivr_8x8_webhooks` and `ivr_8x8_voices`
# (ivr.eightbyeight.client reads them when a client is built): an API key of
# the 8x8 Connect account, the voice sub-account, and the API's address.
IVR_8X8_API_KEY = env.str("IVR_8X8_API_KEY", default="")
IVR_8X8_SUBACCOUNT = env.str("IVR_8X8_SUBACCOUNT", default="")
IVR_8X8_API_URL = env.str("IVR_8X8_API_URL", default="https://voice.8x8.com/api/v1")
