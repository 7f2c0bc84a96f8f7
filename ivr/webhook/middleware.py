"""A size limit on webhook request bodies, enforced before anything reads them.

8x8's webhooks are a few kilobytes; a body larger than
`IVR_WEBHOOK_MAX_BODY_BYTES` is not one of them, so it gets 413 before any of
it is read: a declared `Content-Length` over the limit is refused unread, and
a body without one (`Transfer-Encoding: chunked`) is read only up to one byte
past the limit.

Django reads no body at all without a Content-Length, so this also makes
chunked webhooks work: what was read is handed on as an ordinary body of known
length. A WSGI application may only read past CONTENT_LENGTH when the server
says the input ends by itself (`wsgi.input_terminated`, set by gunicorn,
waitress and mod_wsgi when they de-chunk); elsewhere a read could wait on the
socket for ever, so without that flag a body of unknown length stays empty,
as Django leaves it.

Under ASGI, Django's handler has already received the whole body before any
middleware runs; only the Content-Length check applies there.
"""

import io
import logging

from asgiref.sync import iscoroutinefunction
from django.conf import settings
from django.contrib.auth import middleware as auth_middleware
from django.contrib.messages import middleware as messages_middleware
from django.contrib.sessions import middleware as sessions_middleware
from django.core.handlers.wsgi import LimitedStream
from django.http import JsonResponse
from django.utils.decorators import sync_and_async_middleware
from simple_history import middleware as history_middleware

# Named as before the module moved: operators filter the logs on it.
logger = logging.getLogger("ivr.middleware")

WEBHOOK_PATH_PREFIX = "/webhooks/"
BODY_TOO_LARGE = "The request body is larger than {limit} bytes."
BODY_UNREADABLE = "The request body could not be read."

# Read a body of unknown length in pieces of this size, so that a generous
# limit is never one allocation.
READ_CHUNK_BYTES = 64 * 1024


class WebhookBodyLimitMiddleware:
    """Answers 413 to a webhook request whose body is over the limit."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith(WEBHOOK_PATH_PREFIX):
            limit = settings.IVR_WEBHOOK_MAX_BODY_BYTES
            try:
                within_limit = body_within_limit(request, limit)
            except Exception as error:
                # The client hung up mid-body, or broke the chunked framing
                # (gunicorn raises its own parse errors): a bad request, not
                # a server error.
                logger.warning("Reading a webhook body failed: %r", error)
                return JsonResponse({"detail": BODY_UNREADABLE}, status=400)
            if not within_limit:
                return JsonResponse(
                    {"detail": BODY_TOO_LARGE.format(limit=limit)}, status=413
                )
        return self.get_response(request)


def body_within_limit(request, limit: int) -> bool:
    """False when the body of `request` is over `limit` bytes.

    A body of unknown length that is within the limit is read, and `request`
    is left as if it had arrived with that Content-Length.
    """
    length = declared_length(request.META)
    if length is not None:
        return length <= limit
    if not request.META.get("wsgi.input_terminated"):
        return True
    body = read_at_most(request.META["wsgi.input"], limit + 1)
    if len(body) > limit:
        return False
    # What WSGIRequest.__init__ would have built had the length been known;
    # DRF reads the body only when CONTENT_LENGTH says there is one.
    request.META["wsgi.input"] = io.BytesIO(body)
    request.META["CONTENT_LENGTH"] = str(len(body))
    request._stream = LimitedStream(io.BytesIO(body), len(body))
    return True


def declared_length(meta) -> int | None:
    """The request's Content-Length; None when absent or not a length."""
    text = (meta.get("CONTENT_LENGTH") or "").strip()
    if not (text.isascii() and text.isdigit()):
        return None
    # int() refuses more than 4300 digits; past twenty, the length is over
    # any limit anyway.
    digits = text.lstrip("0") or "0"
    return int(digits) if len(digits) <= 20 else 10**20


def read_at_most(stream, size: int) -> bytes:
    """Up to `size` bytes of `stream`, fewer if it ends first."""
    chunks = []
    remaining = size
    while remaining > 0:
        chunk = stream.read(min(remaining, READ_CHUNK_BYTES))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


# --- Web-page middleware the webhooks skip ----------------------------------
# 8x8 sends no cookies and needs no session, user or flash messages; these
# three cost a webhook more than deciding its answer. Each stays a subclass of
# Django's own, so the admin's checks still find them.


def _is_webhook(request) -> bool:
    return request.path_info.startswith(WEBHOOK_PATH_PREFIX)


class SessionMiddleware(sessions_middleware.SessionMiddleware):
    def __call__(self, request):
        if _is_webhook(request):
            return self.get_response(request)
        return super().__call__(request)


class AuthenticationMiddleware(auth_middleware.AuthenticationMiddleware):
    def __call__(self, request):
        if _is_webhook(request):
            return self.get_response(request)
        return super().__call__(request)


class MessageMiddleware(messages_middleware.MessageMiddleware):
    def __call__(self, request):
        if _is_webhook(request):
            return self.get_response(request)
        return super().__call__(request)


@sync_and_async_middleware
def HistoryRequestMiddleware(get_response):
    """simple-history's, which lets the audit history record who made a
    change; the webhooks change no menu and have no user, so they skip it.
    A function, as simple-history's is, and like it sync or async."""
    with_history = history_middleware.HistoryRequestMiddleware(get_response)
    if iscoroutinefunction(get_response):

        async def middleware(request):
            if _is_webhook(request):
                return await get_response(request)
            return await with_history(request)

    else:

        def middleware(request):
            if _is_webhook(request):
                return get_response(request)
            return with_history(request)

    return middleware
