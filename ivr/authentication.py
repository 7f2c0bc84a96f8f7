"""Authenticating 8x8's webhook requests.

8x8 sends the value registered as the webhook's `httpAuthHeader` as the
`Authorization` header (voice-api-reference.md §5.2). `IVR_WEBHOOK_AUTH` lists
the accepted values, so a new secret can be registered with 8x8 while the old
one is still accepted. Values are compared in constant time.
"""

import hmac
import logging

from django.conf import settings
from rest_framework import authentication, exceptions, permissions

logger = logging.getLogger(__name__)

AUTH_MISSING = "The Authorization header is missing."
AUTH_WRONG = "The Authorization header does not match IVR_WEBHOOK_AUTH."
AUTH_NOT_CONFIGURED = "IVR_WEBHOOK_AUTH is not set, and DEBUG is off."
OPEN_WEBHOOK_WARNING = (
    "The 8x8 webhooks accept requests without authentication: "
    "IVR_WEBHOOK_AUTH is empty and DEBUG is on."
)

_warned_open = False


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
        secrets = accepted_secrets()
        if not secrets:
            return self._open(request)
        header = request.META.get("HTTP_AUTHORIZATION", "").strip()
        if not header:
            self._log_failure(request, "missing")
            raise exceptions.AuthenticationFailed(AUTH_MISSING)
        if not matches_any(header, secrets):
            self._log_failure(request, "wrong")
            raise exceptions.AuthenticationFailed(AUTH_WRONG)
        return WebhookCaller(), None

    def authenticate_header(self, request):
        # Makes DRF answer 401 rather than 403.
        return 'Bearer realm="8x8 webhooks"'

    def _open(self, request):
        global _warned_open
        if not settings.DEBUG:
            raise exceptions.AuthenticationFailed(AUTH_NOT_CONFIGURED)
        if not _warned_open:
            logger.warning(OPEN_WEBHOOK_WARNING)
            _warned_open = True
        return WebhookCaller(), None

    def _log_failure(self, request, reason: str) -> None:
        # Never log the header itself: it may be a secret with a typo.
        logger.warning(
            "Webhook authentication failed (%s header) from %s for %s",
            reason,
            request.META.get("REMOTE_ADDR", "?"),
            request.path,
        )


class IsWebhookCaller(permissions.BasePermission):
    def has_permission(self, request, view):
        return isinstance(request.user, WebhookCaller)
