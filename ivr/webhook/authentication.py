"""Authenticating 8x8's webhook requests.

8x8 sends the value registered as the webhook's `httpAuthHeader` as the
`Authorization` header (voice-api-reference.md §5.2: an assumption 8x8 does
not document; `IVR_WEBHOOK_AUTH_HEADER` names another header if a live check
shows otherwise, and a request without it logs the names of the headers it
did carry). `IVR_WEBHOOK_AUTH` lists the accepted values, so a new secret can
be registered with 8x8 while the old one is still accepted. Values are
compared in constant time.

Before the secret, the source: a request from outside
`IVR_WEBHOOK_ALLOWED_IPS` (see `network`) is refused with 403 whatever it
carries. Checking the network first means an outsider never learns from the
answer whether a secret it tried is right.

Every refusal is logged with the client's address (never the header's
value) and counted by reason in the metric `ivr_webhook_auth_failures_total`.
"""

import hmac
import logging

from django.conf import settings
from rest_framework import authentication, exceptions, permissions

from ivr.resilience import metrics
from ivr.webhook.network import client_address, source_allowed

# Named as before the module moved: operators filter the logs on it.
logger = logging.getLogger("ivr.authentication")

AUTH_MISSING = "The {header} header is missing."
AUTH_WRONG = "The {header} header does not match IVR_WEBHOOK_AUTH."
DEFAULT_AUTH_HEADER = "Authorization"
AUTH_NOT_CONFIGURED = "IVR_WEBHOOK_AUTH is not set, and DEBUG is off."
SOURCE_NOT_ALLOWED = "Webhook requests are not accepted from this address."
OPEN_WEBHOOK_WARNING = (
    "The 8x8 webhooks accept requests without authentication: "
    "IVR_WEBHOOK_AUTH is empty and DEBUG is on."
)

_warned_open = False

# The reasons a webhook request is refused, as the metric counts them.
FAILURE_MISSING = "missing"
FAILURE_WRONG = "wrong"
FAILURE_NOT_CONFIGURED = "not_configured"
FAILURE_SOURCE = "source_not_allowed"

FAILURE_REASONS = (
    FAILURE_MISSING,
    FAILURE_WRONG,
    FAILURE_NOT_CONFIGURED,
    FAILURE_SOURCE,
)


def count_failure(reason: str) -> None:
    """Count one refused webhook request, in /metrics."""
    metrics.AUTH_FAILURES.labels(reason).inc()


class WebhookCaller:
    """The authenticated party of a webhook request: 8x8."""

    is_authenticated = True


def auth_header_name() -> str:
    """The header 8x8 puts the webhook's `httpAuthHeader` in: Authorization,
    unless IVR_WEBHOOK_AUTH_HEADER says otherwise."""
    return settings.IVR_WEBHOOK_AUTH_HEADER.strip() or DEFAULT_AUTH_HEADER


def _meta_key(header: str) -> str:
    """Where Django's request.META keeps a header."""
    return "HTTP_" + header.upper().replace("-", "_")


def accepted_secrets() -> list[str]:
    """The accepted Authorization values; [] when none are configured."""
    return [value.strip() for value in settings.IVR_WEBHOOK_AUTH if value.strip()]


def matches_any(candidate: str, secrets: list[str]) -> bool:
    """True if `candidate` equals one of `secrets`, in time that does not
    depend on which one or on how much of it matches."""
    found = False
    for secret in secrets:
        found |= hmac.compare_digest(candidate.encode(), secret.encode())
    return found


class WebhookAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        if not source_allowed(request):
            count_failure(FAILURE_SOURCE)
            logger.warning(
                "Webhook request refused: %s is not in IVR_WEBHOOK_ALLOWED_IPS (%s)",
                client_address(request),
                request.path,
            )
            raise exceptions.PermissionDenied(SOURCE_NOT_ALLOWED)
        secrets = accepted_secrets()
        if not secrets:
            return self._open(request)
        name = auth_header_name()
        header = request.META.get(_meta_key(name), "").strip()
        if not header:
            self._log_failure(request, FAILURE_MISSING)
            raise exceptions.AuthenticationFailed(AUTH_MISSING.format(header=name))
        if not matches_any(header, secrets):
            self._log_failure(request, FAILURE_WRONG)
            raise exceptions.AuthenticationFailed(AUTH_WRONG.format(header=name))
        return WebhookCaller(), None

    def authenticate_header(self, request):
        # Makes DRF answer 401 rather than 403.
        return 'Bearer realm="8x8 webhooks"'

    def _open(self, request):
        global _warned_open
        if not settings.DEBUG:
            count_failure(FAILURE_NOT_CONFIGURED)
            logger.error(
                "Webhook request refused from %s (%s): %s",
                client_address(request),
                request.path,
                AUTH_NOT_CONFIGURED,
            )
            raise exceptions.AuthenticationFailed(AUTH_NOT_CONFIGURED)
        if not _warned_open:
            logger.warning(OPEN_WEBHOOK_WARNING)
            _warned_open = True
        return WebhookCaller(), None

    def _log_failure(self, request, reason: str) -> None:
        # Never log the header itself: it may be a secret with a typo. The
        # names of the headers that came say where else a secret might be.
        count_failure(reason)
        logger.warning(
            "Webhook authentication failed (%s %s header) from %s for %s; "
            "headers sent: %s",
            reason,
            auth_header_name(),
            client_address(request),
            request.path,
            ", ".join(header_names(request)),
        )


def header_names(request) -> list[str]:
    """The names of the HTTP headers of `request`, as sent: names only."""
    return sorted(
        key.removeprefix("HTTP_").replace("_", "-").title()
        for key in request.META
        if key.startswith("HTTP_")
    )


class IsWebhookCaller(permissions.BasePermission):
    def has_permission(self, request, view):
        return isinstance(request.user, WebhookCaller)
