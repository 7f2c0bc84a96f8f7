"""A local fake of 8x8's Voice API: a real HTTP server on 127.0.0.1, in a
thread, answering as 8x8's OpenAPI document and voice-api-reference.md §5, 6
and 8 show, error bodies included.

It keeps state (webhooks by type, speech profiles, the callflow sessions it
created), checks the Bearer key (401) and the sub-account (404, or 403 for
one the key may not use), validates webhook and callflow bodies (422, 400),
and records every request it receives (`requests`: method, path, headers,
body) so tests can check what was sent.

8x8 does not document whether posting a webhook of a type already
registered replaces it (its guide deletes first): `existing_type` picks
"overwrite" (replace it), "refuse" (422, as for an invalid body) or "keep"
(answer 200 and keep the old one).

For retries and timeouts, `fail_next` answers the next requests with an
error status, `drop_next` closes the connection without answering, and
`stall_next` waits before answering.

The fixture `fake_8x8` (tests/conftest.py) starts one per test and points
the IVR_8X8_* settings at it.
"""

import json
import re
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

API_KEY = "test-8x8-api-key-do-not-print"
SUB_ACCOUNT = "acme-ivr_1"
# A sub-account that exists, but not for this key.
OTHER_SUB_ACCOUNT = "someone-else"

WEBHOOK_TYPES = ("VCS", "VCA", "VSS", "VRU", "VNU")
DELETABLE_TYPES = ("VCS", "VCA", "VSS", "VRU")
PATH_RE = re.compile(r"/api/v1/subaccounts/(?P<sub_account>[^/]+)/(?P<rest>.*)")

UNAUTHORIZED_MESSAGE = "Authentication header not found or token invalid"
INVALID_BODY_MESSAGE = "Invalid JSON request body"
FIRST_ACTION_MESSAGE = "Invalid Callflow : First action should be a MakeCall action"
CALLFLOW_ACTIONS = ("makeCall", "say", "playFile", "sayAndCapture", "hangup")

# 8x8's examples (OAS `get-voice-profile-information`; reference §8).
SPEECH_PROFILES = [
    {
        "speechProfileCode": "en-US-Standard-A",
        "localeCode": "en-US",
        "localeDescription": "EnglishUS",
        "gender": "F",
    },
    {
        "speechProfileCode": "da-DK-Naja",
        "localeCode": "da-DK",
        "localeDescription": "Danish",
        "gender": "F",
    },
    {
        "speechProfileCode": "en-US-BenjaminRUS",
        "localeCode": "en-US",
        "localeDescription": "EnglishUS",
        "gender": "M",
    },
]


@dataclass
class Received:
    """A request as the fake received it; `headers` looks names up in any
    case; `body` is the parsed JSON, else the text."""

    method: str
    path: str
    headers: Message
    body: Any


@dataclass
class Fault:
    kind: str  # "status", "drop" or "stall"
    status: int = 0
    body: Any = None
    seconds: float = 0
    method: str | None = None  # only requests of this method; None: any


@dataclass
class Fake8x8:
    api_key: str = API_KEY
    sub_account: str = SUB_ACCOUNT
    existing_type: str = "overwrite"
    webhooks: dict[str, dict[str, Any]] = field(default_factory=dict)
    speech_profiles: list[dict[str, Any]] = field(
        default_factory=lambda: [dict(profile) for profile in SPEECH_PROFILES]
    )
    sessions: list[dict[str, Any]] = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)

    def __post_init__(self):
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}
        )

    # --- Running ------------------------------------------------------------

    @property
    def api_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/api/v1"

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()  # releases stalled requests
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    # --- What a test sets up ------------------------------------------------

    def fail_next(
        self,
        count: int = 1,
        *,
        status: int = 503,
        body: Any = None,
        method: str | None = None,
    ):
        """Answer the next `count` requests (of `method`, if given) with
        `status` and `body` (default: 8x8's 500 body, or a proxy's HTML page
        for 502, 503 and 504)."""
        fault = Fault("status", status=status, body=body, method=method)
        self._add([fault] * count)

    def drop_next(self, count: int = 1):
        """Close the connection of the next `count` requests unanswered."""
        self._add([Fault("drop")] * count)

    def stall_next(self, count: int = 1, *, seconds: float = 5):
        """Answer the next `count` requests only after `seconds`."""
        self._add([Fault("stall", seconds=seconds)] * count)

    def add_webhook(self, webhook_type, url, *, secret="Bearer old", enabled=True):  # noqa: S107
        self.webhooks[webhook_type] = {
            "url": url,
            "enabled": enabled,
            "httpAuthHeader": secret,
        }

    def requests_to(self, method: str, path_end: str) -> list[Received]:
        return [
            received
            for received in self.requests
            if received.method == method and received.path.endswith(path_end)
        ]

    def _add(self, faults):
        with self._lock:
            self._faults.extend(faults)

    def _next_fault(self, method: str) -> Fault | None:
        with self._lock:
            for index, fault in enumerate(self._faults):
                if fault.method in (None, method):
                    return self._faults.pop(index)
            return None

    # --- Answering ----------------------------------------------------------

    def answer(self, method: str, path: str, headers, body: Any):
        """(status, JSON body) for a request; the server's thread calls it
        under the lock."""
        match = PATH_RE.fullmatch(path)
        callflows = bool(match) and match["rest"] == "callflows"
        if headers.get("Authorization") != f"Bearer {self.api_key}":
            return _error(401, UNAUTHORIZED_MESSAGE, callflow=callflows)
        if not match:
            return _error(404, "Resource not found")
        if match["sub_account"] == OTHER_SUB_ACCOUNT:
            return _error(403, "Resource not accessible", callflow=callflows)
        if match["sub_account"] != self.sub_account:
            message = f"SubAccount not found by Id : {match['sub_account']}"
            return _error(404, message, callflow=callflows)
        route = (method, match["rest"].split("/")[0])
        if route == ("GET", "webhooks") and match["rest"] == "webhooks":
            return 200, self._webhook_list()
        if route == ("POST", "webhooks") and match["rest"] == "webhooks":
            return self._webhook_post(body)
        if route == ("DELETE", "webhooks"):
            return self._webhook_delete(match["rest"].removeprefix("webhooks/"))
        if (method, match["rest"]) == ("GET", "speech-profiles"):
            return 200, {
                "speechProfiles": self.speech_profiles,
                "statusCode": 0,
                "statusMessage": "ok",
            }
        if (method, match["rest"]) == ("POST", "callflows"):
            return self._callflow_post(body)
        return _error(404, "Resource not found")

    def _webhook_item(self, webhook_type):
        webhook = self.webhooks[webhook_type]
        return {
            "type": webhook_type,
            "url": webhook["url"],
            "enabled": webhook["enabled"],
            "httpAuthHeaderAvailable": bool(webhook["httpAuthHeader"]),
        }

    def _webhook_list(self, types=None):
        types = list(self.webhooks) if types is None else types
        return {
            "subAccountId": self.sub_account,
            "count": len(types),
            "webhooks": [self._webhook_item(webhook_type) for webhook_type in types],
            "statusCode": 0,
            "statusMessage": "ok",
        }

    def _webhook_post(self, body):
        if not (
            isinstance(body, dict)
            and body.get("type") in WEBHOOK_TYPES
            and isinstance(body.get("url"), str)
            and body["url"]
            and isinstance(body.get("httpAuthHeader"), str | None)
            and isinstance(body.get("enabled"), bool | None)
        ):
            return _invalid_body()
        webhook_type = body["type"]
        if webhook_type in self.webhooks:
            if self.existing_type == "refuse":
                return _invalid_body()
            if self.existing_type == "keep":
                return 200, self._webhook_list([webhook_type])
        self.webhooks[webhook_type] = {
            "url": body["url"],
            "enabled": body.get("enabled") is not False,
            "httpAuthHeader": body.get("httpAuthHeader"),
        }
        return 200, self._webhook_list([webhook_type])

    def _webhook_delete(self, webhook_type):
        if webhook_type not in DELETABLE_TYPES or webhook_type not in self.webhooks:
            return _error(404, "Resource not found")
        item = self._webhook_item(webhook_type)
        del self.webhooks[webhook_type]
        return 200, {
            "subAccountId": self.sub_account,
            **item,
            "statusCode": 0,
            "statusMessage": "deleted",
        }

    def _callflow_post(self, body):
        request_id = str(uuid.uuid4())
        callflow = body.get("callflow") if isinstance(body, dict) else None
        if not isinstance(callflow, list) or not callflow:
            return 400, _not_created(request_id, -1001, "Invalid JSON body")
        for index, action in enumerate(callflow):
            if not isinstance(action, dict) or action.get("action") not in (
                CALLFLOW_ACTIONS
            ):
                message = (
                    f"$.callflow[{index}].action should be one of: "
                    "say,playFile,sayAndCapture"
                )
                return 400, _not_created(request_id, -1007, message)
        if callflow[0]["action"] != "makeCall":
            return 422, _not_created(request_id, -1013, FIRST_ACTION_MESSAGE)
        session = {
            "sessionId": str(uuid.uuid4()),
            "callFlowRequestId": request_id,
            "callflow": callflow,
            "validUntil": body.get("validUntil"),
        }
        self.sessions.append(session)
        answer = {
            "sessionId": session["sessionId"],
            "sessionStatus": "CREATED",
            "callFlowRequestId": request_id,
            "statusCode": 1,
            "statusMessage": "Created",
        }
        if session["validUntil"]:
            answer["validUntil"] = session["validUntil"]
        return 200, answer


def _error(status, message, *, callflow=False):
    """8x8's error body: Send Callflow's shape for callflows, else the plain
    statusCode and statusMessage."""
    if callflow:
        return status, _not_created(str(uuid.uuid4()), status, message)
    return status, {"statusCode": status, "statusMessage": message}


def _not_created(request_id, status_code, message):
    return {
        "sessionStatus": "NOT_CREATED",
        "callFlowRequestId": request_id,
        "statusCode": status_code,
        "statusMessage": message,
    }


def _invalid_body():
    return 422, {
        "errorId": str(uuid.uuid4()),
        "statusCode": "1001",
        "statusMessage": INVALID_BODY_MESSAGE,
        "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds"),
    }


def _fault_body(status):
    if status in (502, 503, 504):
        return f"<html><body><h1>{status} Service Unavailable</h1></body></html>"
    return {"statusCode": status, "statusMessage": "Internal server error"}


def _handler(fake: Fake8x8):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self._handle()

        def do_POST(self):
            self._handle()

        def do_DELETE(self):
            self._handle()

        def log_message(self, format, *args):
            pass  # quiet in the test output

        def _handle(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode("utf-8") if length else ""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = raw
            with fake._lock:
                received = Received(self.command, self.path, self.headers, body)
                fake.requests.append(received)
            fault = fake._next_fault(self.command)
            if fault and fault.kind == "drop":
                self.close_connection = True
                return
            if fault and fault.kind == "stall":
                fake._stop.wait(fault.seconds)
            if fault and fault.kind == "status":
                status = fault.status
                answer = fault.body if fault.body is not None else _fault_body(status)
            else:
                with fake._lock:
                    status, answer = fake.answer(
                        self.command, self.path, self.headers, body
                    )
            self._send(status, answer)

        def _send(self, status, answer):
            is_text = isinstance(answer, str)
            data = (answer if is_text else json.dumps(answer)).encode()
            try:
                self.send_response(status)
                self.send_header(
                    "Content-Type", "text/html" if is_text else "application/json"
                )
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:
                pass  # the client gave up waiting (a timeout test)

    return Handler
