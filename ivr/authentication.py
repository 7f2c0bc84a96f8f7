"""Authenticating 8x8's webhook requests.

8x8 sends the value registered as the webhook's `httpAuthHeader` as the
`Authorization` header (voice-api-reference.md §5.2). `IVR_WEBHOOK_AUTH` lists
the accepted values, so a new secret can be registered with 8x8 while the old
one is still accepted. Values are compared in constant time.

Before the secret, the source: a request from outside
`IVR_WEBHOOK_ALLOWED_IPS` (see `network`) is refused with 403 whatever it
carries. Checking the network first means an outsider never learns from the
answer whether a secret it tried is right.

Every refusal is logged with the client's address (never the header's
value) and counted in `AUTH_FAILURES` by reason.
"""

import hmac
import logging
import threading
from collections import Counter

from django.conf import settings
from rest_framework import authentication, exceptions, permissions

from . import metrics
from .network import client_address, source_allowed

logger = logging.getLogger(__name__)

AUTH_MISSING = "The Authorization header is missing."
AUTH_WRONG = "The Authorization header does not match IVR_WEBHOOK_AUTH."
AUTH_NOT_CONFIGURED = "IVR_WEBHOOK_AUTH is not set, and DEBUG is off."
SOURCE_NOT_ALLOWED = "Webhook requests are not accepted from this address."
OPEN_WEBHOOK_WARNING = (
    "The 8x8 webhooks accept requests without authentication: "
    "IVR_WEBHOOK_AUTH is empty and DEBUG is on."
)

_warned_open = False

# The reasons a webhook request is refused, as counted in AUTH_FAILURES.
FAILURE_MISSING = "missing"
FAILURE_WRONG = "wrong"
FAILURE_NOT_CONFIGURED = "not_configured"
FAILURE_SOURCE = "source_not_allowed"

# Refused webhook requests in this process, by reason. A plain counter for
# now; `count_failure` is the one place that would also feed a metric.
AUTH_FAILURES: Counter[str] = Counter()
_failures_lock = threading.Lock()


def count_failure(reason: str) -> None:
    """Count one refused webhook request (thread-safe)."""
    with _failures_lock:
        AUTH_FAILURES[reason] += 1
    metrics.AUTH_FAILURES.labels(reason).inc()


class WebhookCaller:
    """The authenticated party of a webhook request: 8x8."""

    is_authenticated = True


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
        header = request.META.get("HTTP_AUTHORIZATION", "").strip()
        if not header:
            self._log_failure(request, FAILURE_MISSING)
            raise exceptions.AuthenticationFailed(AUTH_MISSING)
        if not matches_any(header, secrets):
            self._log_failure(request, FAILURE_WRONG)
            raise exceptions.AuthenticationFailed(AUTH_WRONG)
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
        # Never log the header itself: it may be a secret with a typo.
        count_failure(reason)
        logger.warning(
            "Webhook authentication failed (%s header) from %s for %s",
            reason,
            client_address(request),
            request.path,
        )


class IsWebhookCaller(permissions.BasePermission):
    def has_permission(self, request, view):
        return isinstance(request.user, WebhookCaller)
