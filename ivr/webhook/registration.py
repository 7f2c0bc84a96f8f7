"""Registering this app's webhooks with 8x8 (`manage.py ivr_8x8_webhooks`).

Three webhooks, each at its endpoint under the app's address, each with the
first value of IVR_WEBHOOK_AUTH as the secret 8x8 sends in the Authorization
header: Voice Call Action at the call-action endpoint, Voice Session Summary
at session-summary, Voice Call Status at call-status.

8x8 keeps one webhook per type, but does not document whether posting a type
that is registered already replaces it (its guide deletes it first). So each
is posted; when 8x8 refuses that, or still lists the old address afterwards,
the old one is deleted and the new one posted again. The secret is always
sent again, since 8x8 never shows it: there is no telling whether the one it
has is current.

No message or result holds the secret: where 8x8's own words might echo it,
it is blanked out.
"""

from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse

from ivr.eightbyeight.client import (
    VCA,
    VCS,
    VSS,
    EightByEightClient,
    EightByEightError,
    Webhook,
)

# Each webhook type and the name of the URL it is sent to (ivrproject/urls.py).
WEBHOOK_URL_NAMES = {
    VCA: "webhook-call-action",
    VSS: "webhook-session-summary",
    VCS: "webhook-call-status",
}
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})

CREATED = "created"
UPDATED = "updated"
# The address was right; the secret was sent again all the same.
UNCHANGED = "unchanged"
DELETED = "deleted"
NOT_THERE = "not there"

BAD_BASE_URL = (
    "--url must be the app's address as 8x8 reaches it, like "
    "https://ivr.example.com (no query or fragment); got {url!r}."
)
NOT_HTTPS = (
    "--url must start with https://: 8x8 would send the webhook secret and "
    "the callers' numbers in the clear. (http is accepted only with "
    "DJANGO_DEBUG on, or for localhost.)"
)
WEBHOOK_AUTH_EMPTY = (
    "IVR_WEBHOOK_AUTH is empty: set it to the secret 8x8 should send, for "
    'example "Bearer <a long random string>", before registering the '
    "webhooks. Without it, every call would be refused with 401."
)
NOT_KEPT = (
    "8x8 still lists {url} for the {type} webhook after it was deleted and "
    "registered again, instead of {wanted}. Check the webhooks in the 8x8 "
    "Connect portal, or ask 8x8 support."
)
REPLACE_FAILED = (
    "8x8 has no {type} webhook now: the old one was deleted to make room for "
    "the new one, and 8x8 refused the new one. Run the command again once "
    "this is fixed. {error}"
)
REDACTED = "[secret]"
SECRET_MIN_CHARS = 8


class WebhookSetupError(Exception):
    """The webhooks cannot be registered as asked; the message says why."""


@dataclass(frozen=True)
class WebhookResult:
    """What happened to one webhook: CREATED, UPDATED, UNCHANGED, DELETED or
    NOT_THERE; `url` is its address at 8x8 ("" when NOT_THERE)."""

    type: str
    url: str
    outcome: str
    secret_set: bool


def webhook_urls(*, base_url: str) -> dict[str, str]:
    """The address of each webhook type under `base_url`, in the order
    VCA, VSS, VCS; WebhookSetupError (BAD_BASE_URL, NOT_HTTPS) for an address
    8x8 should not be given."""
    base = base_url.strip()
    parts = urlsplit(base)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.query
        or parts.fragment
        or "@" in parts.netloc
    ):
        raise WebhookSetupError(BAD_BASE_URL.format(url=base_url))
    if parts.scheme == "http" and not (settings.DEBUG or parts.hostname in LOCAL_HOSTS):
        raise WebhookSetupError(NOT_HTTPS)
    base = base.rstrip("/")
    return {
        webhook_type: base + reverse(name)
        for webhook_type, name in WEBHOOK_URL_NAMES.items()
    }


def webhook_secret() -> str:
    """The secret 8x8 is to send: the first value of IVR_WEBHOOK_AUTH (the
    newest, while one is being rotated); WebhookSetupError
    (WEBHOOK_AUTH_EMPTY) when there is none."""
    accepted = settings.IVR_WEBHOOK_AUTH
    secret = accepted[0].strip() if accepted else ""
    if not secret:
        raise WebhookSetupError(WEBHOOK_AUTH_EMPTY)
    return secret


def webhooks_register(
    *, base_url: str, client: EightByEightClient | None = None
) -> list[WebhookResult]:
    """Register the three webhooks under `base_url`, each with the secret,
    replacing those 8x8 has; one result per type, VCA, VSS, VCS.

    Raises WebhookSetupError before sending anything when the address or the
    secret cannot work, and EightByEightError when 8x8 refuses or fails.
    """
    urls = webhook_urls(base_url=base_url)
    secret = webhook_secret()
    client = client or EightByEightClient.from_settings()
    with _secret_blanked(secret):
        before = _by_type(client.webhooks())
        replaced = set()
        for webhook_type, url in urls.items():
            try:
                _register(client, webhook_type, url, secret)
            except EightByEightError as error:
                # A type already registered may be refused (an undocumented
                # case, see the module docstring); anything else is an error.
                if error.status != 422 or webhook_type not in before:
                    raise
                _replace(client, webhook_type, url, secret)
                replaced.add(webhook_type)
        after = _by_type(client.webhooks())
        stale = [
            webhook_type
            for webhook_type, url in urls.items()
            if webhook_type not in replaced and not _is(after.get(webhook_type), url)
        ]
        if stale:
            for webhook_type in stale:
                _replace(client, webhook_type, urls[webhook_type], secret)
            after = _by_type(client.webhooks())
        for webhook_type, url in urls.items():
            now = after.get(webhook_type)
            if not _is(now, url):
                raise EightByEightError(
                    NOT_KEPT.format(
                        type=webhook_type, url=now.url if now else "nothing", wanted=url
                    )
                )
    return [
        WebhookResult(
            type=webhook_type,
            url=url,
            outcome=_outcome(before.get(webhook_type), url),
            secret_set=after[webhook_type].secret_set,
        )
        for webhook_type, url in urls.items()
    ]


def webhooks_list(*, client: EightByEightClient | None = None) -> list[Webhook]:
    """Every webhook 8x8 has for the sub-account, ours and any other type."""
    client = client or EightByEightClient.from_settings()
    return client.webhooks()


def webhooks_delete(*, client: EightByEightClient | None = None) -> list[WebhookResult]:
    """Remove the three webhooks; one result per type, VCA, VSS, VCS:
    DELETED, or NOT_THERE when 8x8 had none of that type."""
    client = client or EightByEightClient.from_settings()
    before = _by_type(client.webhooks())
    results = []
    for webhook_type in WEBHOOK_URL_NAMES:
        webhook = before.get(webhook_type)
        if webhook is None:
            results.append(WebhookResult(webhook_type, "", NOT_THERE, False))
            continue
        client.webhook_delete(webhook_type)
        results.append(
            WebhookResult(webhook_type, webhook.url, DELETED, webhook.secret_set)
        )
    return results


def _register(client, webhook_type, url, secret):
    client.webhook_register(webhook_type=webhook_type, url=url, http_auth_header=secret)


def _replace(client, webhook_type, url, secret):
    client.webhook_delete(webhook_type)
    try:
        _register(client, webhook_type, url, secret)
    except EightByEightError as error:
        raise EightByEightError(
            REPLACE_FAILED.format(type=webhook_type, error=error),
            status=error.status,
            status_code=error.status_code,
            status_message=error.status_message,
        ) from error


def _by_type(webhooks: list[Webhook]) -> dict[str, Webhook]:
    return {webhook.type: webhook for webhook in webhooks}


def _is(webhook, url) -> bool:
    """Whether 8x8 has the webhook at `url`, on, with a secret."""
    return (
        webhook is not None
        and webhook.url == url
        and webhook.enabled
        and webhook.secret_set
    )


def _outcome(before, url) -> str:
    if before is None:
        return CREATED
    return UNCHANGED if _is(before, url) else UPDATED


@contextmanager
def _secret_blanked(secret: str):
    """Re-raise an EightByEightError with the secret blanked out of its
    message: 8x8's statusMessage might quote the request."""
    # The whole header value, and the token alone ("Bearer <token>") when it
    # is long enough not to blank ordinary words.
    token = secret.split()[-1]
    secrets = [secret, token] if len(token) >= SECRET_MIN_CHARS else [secret]
    try:
        yield
    except EightByEightError as error:
        message, status_message = error.message, error.status_message
        for value in secrets:
            message = message.replace(value, REDACTED)
            if status_message:
                status_message = status_message.replace(value, REDACTED)
        if message == error.message:
            raise
        # "from None": the original, shown with a traceback, holds the secret.
        raise EightByEightError(
            message,
            status=error.status,
            status_code=error.status_code,
            status_message=status_message,
        ) from None
