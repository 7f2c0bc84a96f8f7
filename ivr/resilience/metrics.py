"""Metrics in the Prometheus format, served at /metrics.

Under gunicorn each worker is its own process; with PROMETHEUS_MULTIPROC_DIR
set (ivrproject/gunicorn.conf.py sets it) prometheus_client keeps the values
in files that /metrics adds up across workers.
"""

from prometheus_client import Counter, Histogram

WEBHOOK_SECONDS = Histogram(
    "ivr_webhook_seconds",
    "Time to answer an 8x8 webhook, by endpoint.",
    ["endpoint"],
    buckets=(0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
ANSWERS = Counter(
    "ivr_call_action_answers",
    "Call-action answers by outcome (entered_menu, chose_option, invalid_input, "
    "no_input, retries_exhausted, call_ended, fallback, error).",
    ["outcome"],
)
AUTH_FAILURES = Counter(
    "ivr_webhook_auth_failures",
    "Webhook requests refused: missing or wrong secret, or a source outside "
    "the allowed networks.",
    ["reason"],
)
DATABASE_ERRORS = Counter(
    "ivr_database_errors",
    "Database errors met while answering webhooks (the event was spooled).",
    ["kind"],
)
SPOOLED = Counter("ivr_spooled_events", "Events written to the local spool.")
