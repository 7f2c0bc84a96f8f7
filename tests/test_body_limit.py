"""The webhook body limit (ivr.webhook.middleware): 413 before the body is read.

Through the test client with request bodies that count what is read from
them, then over real sockets: Django's development server (`make run`) and
gunicorn (production), which is the one that de-chunks a
`Transfer-Encoding: chunked` body.
"""

import http.client
import json
import logging
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.http import HttpResponse

from ivr.eightbyeight.events import PAYLOAD_MISSING
from ivr.models import CallEvent
from ivr.webhook.middleware import (
    BODY_TOO_LARGE,
    BODY_UNREADABLE,
    WebhookBodyLimitMiddleware,
)
from ivr.webhook.parsers import NOT_JSON
from tests.callflow_schema import schema_violations
from tests.webhooks import WEBHOOK_SECRET

CALL_ACTION_URL = "/webhooks/8x8/call-action/"
WEBHOOK_URLS = [
    CALL_ACTION_URL,
    "/webhooks/8x8/session-summary/",
    "/webhooks/8x8/call-status/",
]
DEFAULT_LIMIT = 64 * 1024  # the setting's default
TEN_MB = 10 * 1024 * 1024
BASE_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _default_limit(settings):
    # Whatever the environment running the tests says.
    settings.IVR_WEBHOOK_MAX_BODY_BYTES = DEFAULT_LIMIT


class CountingBody:
    """A request body of `size` bytes ("x" after `prefix`), or an endless
    one, that counts the bytes read from it."""

    def __init__(self, prefix: bytes = b"", size: int | None = None):
        self.prefix = prefix
        self.size = size
        self.bytes_read = 0

    def _take(self, size: int) -> bytes:
        left = None if self.size is None else self.size - self.bytes_read
        if size is None or size < 0:
            if left is None:
                raise AssertionError("read() of an endless body, without a size")
            size = left
        if left is not None:
            size = min(size, left)
        start = self.bytes_read
        data = self.prefix[start : start + size]
        data += b"x" * (size - len(data))
        self.bytes_read += len(data)
        return data

    def read(self, size=-1, /):
        return self._take(size)

    def readline(self, size=-1, /):
        return self._take(size)


def padded(body: dict, size: int) -> bytes:
    """`body` as JSON of exactly `size` bytes, padded in an extra field."""
    body = {**body, "padding": ""}
    body["padding"] = "x" * (size - len(json.dumps(body).encode()))
    data = json.dumps(body).encode()
    assert len(data) == size
    return data


def too_large(limit: int) -> dict:
    return {"detail": BODY_TOO_LARGE.format(limit=limit)}


def unknown_length(client, url, stream, **extra):
    """POST `stream` without a Content-Length, as gunicorn hands on a chunked
    body: de-chunked, the input ending by itself."""
    return client.generic(
        "POST",
        url,
        b"",  # no data: the client sets no CONTENT_LENGTH
        content_type="application/json",
        **{"wsgi.input": stream, "wsgi.input_terminated": True, **extra},
    )


# --- Through the test client ------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("url", WEBHOOK_URLS)
def test_a_declared_length_over_the_limit_gets_413_and_nothing_is_read(
    webhook_client, url
):
    body = CountingBody(b'{"payload": {', size=TEN_MB)

    response = webhook_client.post(
        url,
        b"",
        content_type="application/json",
        CONTENT_LENGTH=str(TEN_MB),
        **{"wsgi.input": body},
    )

    assert response.status_code == 413
    assert response.json() == too_large(DEFAULT_LIMIT)
    assert body.bytes_read == 0
    assert CallEvent.objects.count() == 0


@pytest.mark.django_db
def test_a_body_of_exactly_the_limit_is_answered(webhook_client, payload, menu_tree):
    data = padded(payload("vca-call-received-inbound"), DEFAULT_LIMIT)

    response = webhook_client.call_action(data)

    assert response.status_code == 200
    assert response.json()["clientActionId"] == "main"


@pytest.mark.django_db
def test_one_byte_over_the_limit_gets_413(webhook_client, payload, menu_tree):
    data = padded(payload("vca-call-received-inbound"), DEFAULT_LIMIT + 1)

    response = webhook_client.call_action(data)

    assert response.status_code == 413
    assert response.json() == too_large(DEFAULT_LIMIT)
    assert CallEvent.objects.count() == 0


@pytest.mark.django_db
def test_the_limit_is_read_on_every_request(webhook_client, payload, settings):
    settings.IVR_WEBHOOK_MAX_BODY_BYTES = 100
    response = webhook_client.call_action(padded({}, 101))
    assert response.status_code == 413
    assert response.json() == too_large(100)

    settings.IVR_WEBHOOK_MAX_BODY_BYTES = 200
    response = webhook_client.call_action(padded({}, 101))
    assert response.status_code == 400
    assert response.json()["detail"] == PAYLOAD_MISSING


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/", 302),  # the redirect to the admin
        ("/admin/login/", 200),
        ("/webhooks", 404),  # not under /webhooks/
        ("/webhooksx/8x8/call-action/", 404),
    ],
)
def test_other_paths_are_left_alone(client, path, status):
    body = CountingBody(size=TEN_MB)

    response = client.get(path, CONTENT_LENGTH=str(TEN_MB), **{"wsgi.input": body})

    assert response.status_code == status
    assert body.bytes_read == 0


# --- Bodies without a Content-Length (chunked) ------------------------------------


@pytest.mark.django_db
def test_a_body_of_unknown_length_within_the_limit_reaches_the_view(
    webhook_client, payload, menu_tree
):
    data = padded(payload("vca-call-received-inbound"), DEFAULT_LIMIT)
    body = CountingBody(data, size=len(data))

    response = unknown_length(webhook_client, CALL_ACTION_URL, body)

    assert response.status_code == 200
    sent = response.json()
    assert schema_violations(sent) == []
    assert sent["clientActionId"] == "main"
    assert CallEvent.objects.get().payload == json.loads(data)


@pytest.mark.django_db
@pytest.mark.parametrize("size", [DEFAULT_LIMIT + 1, TEN_MB, None])
def test_a_body_of_unknown_length_over_the_limit_is_read_only_past_the_limit(
    webhook_client, size
):
    body = CountingBody(b'{"payload": {"eventId": "', size=size)

    response = unknown_length(webhook_client, CALL_ACTION_URL, body)

    assert response.status_code == 413
    assert response.json() == too_large(DEFAULT_LIMIT)
    assert body.bytes_read == DEFAULT_LIMIT + 1
    assert CallEvent.objects.count() == 0


class BrokenBody:
    """A request body whose reading fails, as when the client hangs up."""

    def read(self, size=-1, /):
        raise OSError("the client went away")

    readline = read


@pytest.mark.django_db
def test_a_body_that_cannot_be_read_is_a_bad_request(webhook_client, caplog):
    response = unknown_length(webhook_client, CALL_ACTION_URL, BrokenBody())

    assert response.status_code == 400
    assert response.json() == {"detail": BODY_UNREADABLE}
    assert "the client went away" in caplog.text
    assert max(record.levelno for record in caplog.records) == logging.WARNING


@pytest.mark.django_db
def test_an_empty_body_of_unknown_length_is_an_empty_body(webhook_client):
    response = unknown_length(webhook_client, CALL_ACTION_URL, CountingBody(size=0))

    assert response.status_code == 400
    assert response.json()["detail"] == PAYLOAD_MISSING


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content_length", "detail"),
    [
        (None, PAYLOAD_MISSING),
        ("", PAYLOAD_MISSING),
        ("abc", PAYLOAD_MISSING),
        ("1e3", PAYLOAD_MISSING),
        # Django reads nothing for it; DRF then parses b"".
        ("-1", NOT_JSON.format(error="Expecting value")),
    ],
)
def test_without_a_usable_length_or_a_terminated_input_nothing_is_read(
    webhook_client, content_length, detail
):
    # A server that does not promise the input ends (no wsgi.input_terminated)
    # may hand on the raw socket: reading it could wait for ever. Django reads
    # such a body as empty, and so it stays.
    body = CountingBody(size=TEN_MB)
    extra = {} if content_length is None else {"CONTENT_LENGTH": content_length}

    response = webhook_client.generic(
        "POST", CALL_ACTION_URL, b"", content_type="application/json",
        **{"wsgi.input": body, **extra},
    )  # fmt: skip

    assert response.status_code == 400
    assert response.json()["detail"].startswith(detail)
    assert body.bytes_read == 0


@pytest.mark.parametrize(
    ("content_length", "expected"),
    [
        ("0", True),
        (str(DEFAULT_LIMIT), True),
        (f" {DEFAULT_LIMIT} ", True),
        (str(DEFAULT_LIMIT + 1), False),
        ("0" * 30 + "5", True),
        ("9" * 5000, False),  # more digits than int() takes
    ],
)
def test_declared_lengths(rf, content_length, expected):
    request = rf.post(CALL_ACTION_URL, b"", content_type="application/json")
    request.META["CONTENT_LENGTH"] = content_length
    request.META["wsgi.input"] = body = CountingBody(size=TEN_MB)

    response = WebhookBodyLimitMiddleware(lambda request: "passed on")(request)

    assert (response == "passed on") is expected
    assert body.bytes_read == 0


# --- Over real sockets ------------------------------------------------------------


def exchange(
    host: str, port: int, head: bytes, body: bytes = b"", *, hang_up: bool = False
) -> tuple[int, dict]:
    """Send `head` and `body` (not necessarily all of the request), then
    read the answer: the status and the JSON body. `hang_up`: stop sending
    (a half-close) before waiting for the answer."""
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(head + body)
        if hang_up:
            sock.shutdown(socket.SHUT_WR)
        response = http.client.HTTPResponse(sock)
        response.begin()
        return response.status, json.loads(response.read())


def request_head(path: str, **headers: str) -> bytes:
    lines = [
        f"POST {path} HTTP/1.1",
        "Host: 127.0.0.1",
        f"Authorization: {WEBHOOK_SECRET}",
        "Content-Type: application/json",
        *(f"{name.replace('_', '-')}: {value}" for name, value in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def chunked(*pieces: bytes) -> bytes:
    encoded = b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces)
    return encoded + b"0\r\n\r\n"


def test_the_development_server_refuses_a_declared_length_without_the_body(
    live_server, transactional_db
):
    host, port = live_server.url.removeprefix("http://").split(":")
    # Only the headers and a few bytes are sent: the answer cannot wait for
    # the other ten megabytes.
    head = request_head(CALL_ACTION_URL, Content_Length=str(TEN_MB))

    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(head + b'{"pay')
        response = http.client.HTTPResponse(sock)
        response.begin()
        # The answer has no length and runserver drains the body it declared
        # before closing: take the JSON as it comes, then hang up.
        assert response.status == 413
        assert json.loads(response.read1(1000)) == too_large(DEFAULT_LIMIT)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory):
    """gunicorn serving the app on a migrated SQLite file with the demo
    menus, as in production; (host, port)."""
    folder = tmp_path_factory.mktemp("gunicorn")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ivrproject.settings",
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "DJANGO_DEBUG": "0",
        "IVR_WEBHOOK_AUTH": WEBHOOK_SECRET,
        "IVR_WEBHOOK_MAX_BODY_BYTES": str(DEFAULT_LIMIT),
        "IVR_WEBHOOK_ALLOWED_IPS": "",
        "IVR_SPOOL_DIR": str(folder / "spool"),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
    }
    manage = [sys.executable, "manage.py"]
    for command in (["migrate", "--skip-checks"], ["ivr_import", "examples/demo.yaml"]):
        subprocess.run(
            [*manage, *command, "-v0"],
            cwd=BASE_DIR,
            env=env,
            check=True,
        )
    port = free_port()
    with (folder / "gunicorn.log").open("w") as log:
        server = subprocess.Popen(
            [
                *(sys.executable, "-m", "gunicorn", "ivrproject.wsgi"),
                *("--bind", f"127.0.0.1:{port}", "--workers", "1"),
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(
                        "gunicorn did not start:\n"
                        + (folder / "gunicorn.log").read_text()
                    )
                time.sleep(0.05)
        yield "127.0.0.1", port
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_gunicorn_passes_a_chunked_body_within_the_limit_to_the_view(gunicorn, payload):
    # The README's curl example, chunked, and at the very limit.
    data = padded(payload("vca-call-received-inbound"), DEFAULT_LIMIT)
    pieces = [data[start : start + 1000] for start in range(0, len(data), 1000)]

    status, sent = exchange(
        *gunicorn, request_head(CALL_ACTION_URL, Transfer_Encoding="chunked"),
        chunked(*pieces),
    )  # fmt: skip

    assert status == 200
    assert schema_violations(sent) == []
    assert sent["clientActionId"] == "main"


def test_gunicorn_refuses_a_chunked_body_over_the_limit_before_its_end(gunicorn):
    # A chunk of 10 MB is announced and twice the limit sent (gunicorn reads
    # ahead a little): the answer cannot wait for the rest.
    head = request_head(CALL_ACTION_URL, Transfer_Encoding="chunked")
    body = b"%x\r\n" % TEN_MB + b"[" * (2 * DEFAULT_LIMIT)

    assert exchange(*gunicorn, head, body) == (413, too_large(DEFAULT_LIMIT))


@pytest.mark.parametrize(
    ("body", "hang_up"),
    [
        (b"zz\r\n{}\r\n0\r\n\r\n", False),  # not a chunk size
        (b"2\r\n{}XX0\r\n\r\n", False),  # no CRLF after the chunk
        (b'64\r\n{"payload": ', True),  # the client hangs up mid-chunk
    ],
)
def test_gunicorn_a_broken_chunked_body_is_a_bad_request(gunicorn, body, hang_up):
    head = request_head(CALL_ACTION_URL, Transfer_Encoding="chunked")

    status, answer = exchange(*gunicorn, head, body, hang_up=hang_up)

    assert (status, answer) == (400, {"detail": BODY_UNREADABLE})


def test_gunicorn_refuses_a_declared_length_over_the_limit_without_the_body(
    gunicorn,
):
    head = request_head(CALL_ACTION_URL, Content_Length=str(TEN_MB))

    assert exchange(*gunicorn, head, b'{"pay') == (413, too_large(DEFAULT_LIMIT))


@pytest.mark.parametrize(
    ("path", "expects_session"),
    [("/webhooks/8x8/call-action/", False), ("/admin/", True)],
)
def test_webhooks_skip_the_web_page_middleware(rf, path, expects_session):
    from ivr.webhook.middleware import (
        AuthenticationMiddleware,
        MessageMiddleware,
        SessionMiddleware,
    )

    seen = {}

    def view(request):
        seen.update(
            session=hasattr(request, "session"),
            user=hasattr(request, "user"),
            messages=hasattr(request, "_messages"),
        )
        return HttpResponse()

    chain = SessionMiddleware(AuthenticationMiddleware(MessageMiddleware(view)))
    chain(rf.get(path))
    assert seen == dict.fromkeys(["session", "user", "messages"], expects_session)
