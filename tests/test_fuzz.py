"""Fuzzing the webhooks: whatever arrives, never a 5xx, never an invalid
callflow, never an error in the log, and never unescaped HTML in the admin.

Every case starts from one of 8x8's example payloads (tests/data/8x8/) and
mutates it: any field at any depth replaced by any JSON value (hostile text,
huge strings, huge numbers, nested containers), fields deleted or added,
values buried in deep nesting, fields 8x8 really sends set to values that
steer the menus (real menu keys with state suffixes, digits, call statuses),
and raw bytes (truncated JSON, invalid UTF-8, byte order marks). Each body
goes to all three webhook URLs through the CSRF-enforcing client, and then
again: the answer repeats and the event is stored once.

Two fuzzers share the mutations: Hypothesis (`IVR_FUZZ_EXAMPLES` examples a
test, default 150), and a seeded one that CI runs identically every time
(`IVR_FUZZ_CASES` cases a payload, default 15). Then the admin: hostile
payloads posted through the webhook are shown escaped on every history page,
and whatever was stored, those pages render, in any time zone. For a long
run:

    IVR_FUZZ_EXAMPLES=2000 IVR_FUZZ_CASES=300 .venv/bin/python -m pytest \\
        tests/test_fuzz.py
"""

import copy
import json
import logging
import os
import random
import re
from collections.abc import Sequence
from typing import Any

import hypothesis
import pytest
from django.contrib.admin.utils import quote
from django.db import transaction
from django.urls import reverse
from django.utils.html import escape
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from ivr.models import Call, CallEvent
from ivr.webhook import answer as recorder
from tests.callflow_schema import schema_violations
from tests.webhooks import EXAMPLES_DIR

URLS = [
    "/webhooks/8x8/call-action/",
    "/webhooks/8x8/session-summary/",
    "/webhooks/8x8/call-status/",
]
EXAMPLES = {
    path.stem: json.loads(path.read_text())
    for path in sorted(EXAMPLES_DIR.glob("v*.json"))
}
FUZZ_EXAMPLES = int(os.environ.get("IVR_FUZZ_EXAMPLES", "150"))
FUZZ_CASES = int(os.environ.get("IVR_FUZZ_CASES", "15"))

# Failing examples are kept in .hypothesis/ (which ignores itself in git) and
# replayed first on the next run. The database is not rolled back between
# examples: each case runs in a transaction of its own (check_every_url).
FUZZ_SETTINGS = hypothesis.settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

pytestmark = pytest.mark.django_db


# --- What goes in --------------------------------------------------------------

SQL_INJECTION = "'; DROP TABLE ivr_callevent; --"
HUGE_TEXT = "x" * 60_000
HOSTILE_TEXTS = [
    "",
    " ",
    "null",
    "NULL",
    "None",
    "undefined",
    "0",
    "-1",
    "1e999",
    "NaN",
    SQL_INJECTION,
    "1' OR '1'='1",
    '" OR ""="',
    "\\",
    "%s%s%n",
    "{{ 7|add:7 }}{% debug %}",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "\x00",
    "a\x00b",
    "\x1b[31m\x07",
    "\r\n\t",
    "\u202e\u200b",
    "\ufeff",
    "\ud800",
    "x\udfffx",
    "😀" * 10,
    "١٢٣",  # Arabic-Indic digits: isdigit(), but not 0-9
    "²",
    "\uff4d\uff41\uff49\uff4e",  # "main" in fullwidth letters
    "ß" * 60,  # upper() makes it longer
    "ﬃ" * 40,
    "#",
    "1#",
    "##",
    "*",
    "0123456789*#" * 10,
    "+6531581234",
    "+65 3158 1234",
    "6531581234",
    "+" + "9" * 20,
    "2024-11-11T09:30:00Z",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "9999-12-31T23:59:59.999999Z",
    "0001-01-01T00:00:00Z",
    "2024-02-30T25:61:00Z",
    "x" * 100,
    "x" * 101,
    "x" * 256,
    "../../etc/passwd",
    "%2e%2e/%00",
]
CLIENT_ACTION_IDS = [
    "main",
    "sales",
    "support",  # inactive
    # The form sent now (ivr/core/state.py) ...
    "main__r1__f1",
    "sales__r2__f9__bmain",
    "sales__f10",
    "main__t2",
    "main__t",
    "main__n2",
    "main__t9s9h",
    "main__n",
    "sales__bmain__t2",
    "__t",
    "__n2",
    "main__r99999999999999999999__f-1",
    "main__r\u00b2__f\u0661",  # digits, but not 0-9
    "main" + "__bsales" * 30,
    "main__K",
    "main__Kzz__B0",
    "__K6d61696e__B73616c6573__t2",
    "____",
    "main__v0__v-1__vx",
    "x" * 99 + "__t2",
    # ... and the form sent before, still read.
    "main;retry=1;fail=1",
    "sales;retry=1;back=main",
    "sales;retry=2;fail=9;back=main",
    "sales;fail=10",
    "main;after=transfer",
    "sales;after=transfer;back=main",
    "main;retry=99999999999999999999;fail=-1",
    "main;retry=\u00b2;fail=\u0661",  # digits, but not 0-9
    "main;back=" + ",".join(["sales"] * 60),
    "sales;back=main,nowhere,support,,",
    ";;;",
    "=;=",
    ";after=transfer",
    " main ",
    "MAIN",
    "main\x00",
    "main;back=main;back=sales",
    "x" * 200 + ";after=transfer",
    "sales;back=" + "m" * 250,
    "m" * 255,
    "m" * 256,
    "m" * 1000,
]
DIGITS = [
    "1",
    "2",
    "3",
    "4",
    "9",
    "0",
    "*",
    "#",
    "1#",
    "12",
    " 1 ",
    "\u0661",
    "",
    "null",
]
# Fields 8x8 sends, and values that take the menus down their paths.
STEERING = {
    ("payload", "clientActionId"): CLIENT_ACTION_IDS,
    ("payload", "eventData"): [
        *({"dtmf": digits} for digits in DIGITS),
        *DIGITS,
        None,
        {},
        [],
        5,
        10**40,
        True,
        {"dtmf": 1},
        {"dtmf": ["1"]},
    ],
    ("payload", "dtmf"): [*DIGITS, 7, None],
    ("payload", "callStatus"): [
        "CALL_RECEIVED",
        "ACTION_COMPLETED",
        "CALL_INITIATED",
        "CALL_CONNECTED",
        "CALL_ANSWERED",
        "call_received",
        " CALL_RECEIVED ",
        "CALL_DISCONNECTED",
        None,
        7,
    ],
    ("payload", "callDirection"): ["INBOUND", "OUTBOUND", "outbound", "SIDEWAYS"],
    ("payload", "destination"): ["+6531581234", "6531581234", "+65 3158 1234", ""],
    ("payload", "source"): ["+6531581234", "+6591234567", "0", "", None],
    ("payload", "sipCode"): [200, 486, 300, "486", 2**40, -1, None, 4.5e9],
    ("payload", "callDuration"): [0, "14", "-3", 2**31, "2147483648", 1e300],
    ("payload", "timestamp"): [s for s in HOSTILE_TEXTS if s[:1].isdigit()],
    ("payload", "eventId"): ["", None, "null", "x" * 100, "x" * 101, "  ", 5, []],
    ("payload", "sessionId"): ["", None, "null", "s" * 100, "s" * 101, "..", "a/b"],
    ("payload", "callId"): ["", None, "c" * 101, {"a": 1}],
    ("eventType",): [
        "CALL_ACTION",
        "SESSION_SUMMARY",
        "CALL_STATUS",
        "call_action",
        " session_summary ",
        "",
        None,
        5,
        "X" * 200,
        "ß" * 30,
    ],
    ("payload", "sessionStatus"): ["COMPLETED", "ERROR", "ß" * 30, None],
    ("payload", "errorDetails"): [
        {"errorCode": -2003, "errorMsg": "x" * 1000},
        {"errorCode": "-2003"},
        {"errorCode": 2**40},
        "boom",
    ],
    ("payload", "details"): [
        {"callA": {"callDirection": "OUTBOUND", "source": "x" * 500}},
        {"CallB": {"callQuality": {"mos": "NaN", "jitter": 1e400}}},
        {"callA": {"callQuality": {"mos": 1e308, "jitter": -1, "packetLossRate": 7}}},
        {"callA": {"callQuality": {"MOS": "0", "Jitter": "-0", "packetlossrate": []}}},
        {"callA": {"callDuration": -5}, "callB": {"callDuration": 2**40}},
        {"callA": {"callId": "same"}, "callB": {"callId": "same"}},
        {"callA": {"callId": "c" * 150}, "callA\x01": {}, "CALLA": {}},
        {f"call{index}": {"callId": str(index)} for index in range(300)},
        {
            "callA": {
                "initiatedTimestamp": "0001-01-01T00:00:00Z",
                "connectedTimestamp": "9999-12-31T23:59:59Z",
                "disconnectedTimestamp": "0001-01-01T00:00:01Z",
            }
        },
        {"callA": []},
        [],
    ],
    ("payload", "startTime"): ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"],
    ("payload", "endTime"): ["0001-01-01T00:00:00Z", "not a time"],
    ("payload", "lastAction"): ["HANGUP", "x" * 200, None],
}
KNOWN_KEYS = sorted({key for path in STEERING for key in path} | {"payload"})
NEST_DEPTHS = [1, 2, 3, 10, 30, 62, 63, 64, 65, 300]
EDGE_INTEGERS = [
    0,
    -1,
    1,
    2**31 - 1,
    2**31,
    -(2**31),
    2**53 + 1,
    2**63,
    -(2**63) - 1,
    10**100,
    -(10**100),
]
EDGE_FLOATS = [0.0, -0.0, 0.1, 1e308, -1e308, 5e-324, 1e-7, 2.0**63]
BYTE_ORDER_MARKS = [b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xff\xfe\x00\x00"]
INVALID_UTF8 = [b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xc0\xaf", b"\xf8\x88\x80"]
CONTENT_TYPES = [
    "application/json",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=xyz",
    "application/json; charset=utf-16",
    "application/json; charset=nonsense",
    "",
]


# --- Mutations, whoever chooses ------------------------------------------------


class SeededChooser:
    """Choices from a seeded random generator: the same cases every run."""

    def __init__(self, seed: str):
        self.random = random.Random(seed)

    def choice(self, options: Sequence):
        return self.random.choice(options)

    def integer(self, low: int, high: int) -> int:
        return self.random.randint(low, high)

    def text(self) -> str:
        kind = self.random.randrange(4)
        if kind == 0:
            return self.random.choice(HOSTILE_TEXTS + CLIENT_ACTION_IDS)
        if kind == 1:  # any code points, surrogates and controls included
            size = self.random.randrange(30)
            return "".join(chr(self.random.randrange(0x110000)) for _ in range(size))
        if kind == 2:
            size = self.random.randrange(30)
            return "".join(chr(self.random.randrange(0x80)) for _ in range(size))
        piece = self.random.choice(["x", "<", "😀", "\x00", "9", SQL_INJECTION])
        return piece * (self.random.randrange(1, 60_000) // len(piece))

    def value(self, depth: int = 0) -> Any:
        kind = self.random.randrange(7 if depth < 3 else 5)
        if kind == 0:
            return self.random.choice([None, True, False])
        if kind == 1:
            return self.random.choice(
                [*EDGE_INTEGERS, self.random.randint(-(10**6), 10**6)]
            )
        if kind == 2:
            return self.random.choice([*EDGE_FLOATS, self.random.uniform(-1e6, 1e6)])
        if kind in (3, 4):
            return self.text()
        if kind == 5:
            return [self.value(depth + 1) for _ in range(self.random.randrange(4))]
        return {
            self.text()[:50]: self.value(depth + 1)
            for _ in range(self.random.randrange(4))
        }


class HypothesisChooser:
    """The same choices, drawn by Hypothesis (so that failures shrink)."""

    def __init__(self, data):
        self.data = data

    def choice(self, options: Sequence):
        return self.data.draw(st.sampled_from(options))

    def integer(self, low: int, high: int) -> int:
        return self.data.draw(st.integers(low, high))

    def text(self) -> str:
        return self.data.draw(TEXTS)

    def value(self) -> Any:
        return self.data.draw(JSON_VALUES)


TEXTS = st.one_of(
    st.sampled_from(HOSTILE_TEXTS + CLIENT_ACTION_IDS),
    st.text(max_size=30),
    st.text(st.characters(categories=["Cc", "Cs", "Cf", "Zs", "Nd"]), max_size=30),
    st.builds(
        lambda piece, size: piece * (size // len(piece)),
        st.sampled_from(["x", "<", "😀", "\x00", "9", SQL_INJECTION]),
        st.integers(1, 60_000),
    ),
)
JSON_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.sampled_from(EDGE_INTEGERS),
        st.integers(-(10**20), 10**20),
        st.sampled_from(EDGE_FLOATS),
        st.floats(allow_nan=False, allow_infinity=False),
        TEXTS,
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(TEXTS.map(lambda text: text[:50]), children, max_size=4),
    ),
    max_leaves=12,
)


def paths(body: Any) -> list[tuple]:
    """The path to every value in `body`, the body itself first."""
    found = []
    stack = [()]
    while stack:
        path = stack.pop()
        found.append(path)
        value = get_path(body, path)
        if isinstance(value, dict):
            stack.extend((*path, key) for key in value)
        elif isinstance(value, list):
            stack.extend((*path, index) for index in range(len(value)))
    return found


def get_path(body: Any, path: tuple) -> Any:
    for key in path:
        body = body[key]
    return body


def set_path(body: Any, path: tuple, value: Any) -> Any:
    """`body` with `value` at `path`; the body itself when path is ()."""
    if not path:
        return value
    get_path(body, path[:-1])[path[-1]] = value
    return body


def replace_any(body, chooser):
    return set_path(body, chooser.choice(paths(body)), chooser.value())


def delete_any(body, chooser):
    candidates = paths(body)[1:]
    if not candidates:
        return body
    path = chooser.choice(candidates)
    del get_path(body, path[:-1])[path[-1]]
    return body


def add_field(body, chooser):
    objects = [path for path in paths(body) if isinstance(get_path(body, path), dict)]
    if not objects:
        return body
    key = chooser.choice([*KNOWN_KEYS, chooser.text()[:100]])
    get_path(body, chooser.choice(objects))[key] = chooser.value()
    return body


def bury(body, chooser):
    """A value deep inside nested lists or objects."""
    path = chooser.choice(paths(body))
    value = get_path(body, path)
    for _ in range(chooser.choice(NEST_DEPTHS)):
        value = [value] if chooser.integer(0, 1) else {"a": value}
    return set_path(body, path, value)


def steer(body, chooser):
    """A field 8x8 sends, set to a value that leads somewhere in the menus."""
    path = chooser.choice(list(STEERING))
    try:
        parent = get_path(body, path[:-1])
    except (KeyError, IndexError, TypeError):
        return body  # an earlier mutation removed or replaced the parent
    if isinstance(parent, dict):
        # A copy: later mutations must not change the table itself.
        parent[path[-1]] = copy.deepcopy(chooser.choice(STEERING[path]))
    return body


def steer_call(body, chooser):
    """A caller's next step: a state from a clientActionId and keys pressed,
    which together reach retries, exhaustion, transfers and goodbyes."""
    payload = body.get("payload") if isinstance(body, dict) else None
    if isinstance(payload, dict):
        payload["callStatus"] = "ACTION_COMPLETED"
        for path in [("payload", "clientActionId"), ("payload", "eventData")]:
            payload[path[-1]] = copy.deepcopy(chooser.choice(STEERING[path]))
    return body


MUTATIONS = {
    "replace": replace_any,
    "delete": delete_any,
    "add": add_field,
    "bury": bury,
    "steer": steer,
    "steer call": steer_call,
}
# Mostly changes of value; burying, which mostly ends in "nested too
# deeply", less often.
MUTATION_CHOICES = [*MUTATIONS, "replace", "steer", "steer call"]


def mutate(example: dict, chooser) -> Any:
    body = copy.deepcopy(example)
    for _ in range(chooser.integer(1, 4)):
        body = MUTATIONS[chooser.choice(MUTATION_CHOICES)](body, chooser)
    return body


def encode(body: Any, chooser) -> bytes:
    """`body` as JSON bytes; lone surrogates written raw make invalid UTF-8."""
    # Mostly escaped, so that lone surrogates reach the app as text.
    text = json.dumps(body, ensure_ascii=chooser.choice([True, True, True, False]))
    return text.encode("utf-8", "surrogatepass")


def damage(data: bytes, chooser) -> bytes:
    """Byte-level damage: cut, invalid UTF-8, a byte order mark, a flipped
    byte."""
    kind = chooser.choice(["cut", "invalid", "bom", "flip", "utf16"])
    position = chooser.integer(0, len(data))
    if kind == "cut":
        return data[:position]
    if kind == "invalid":
        return data[:position] + chooser.choice(INVALID_UTF8) + data[position:]
    if kind == "bom":
        return chooser.choice(BYTE_ORDER_MARKS) + data
    if kind == "utf16":
        return data.decode("utf-8", "surrogatepass").encode("utf-16", "surrogatepass")
    if not data:
        return data
    position = min(position, len(data) - 1)
    return data[:position] + bytes([chooser.integer(0, 255)]) + data[position + 1 :]


# --- What must come out ----------------------------------------------------------


def check_every_url(client, data: bytes, caplog, content_type="application/json"):
    """Post `data` to each webhook, each time on the same database, and check
    the answers: 200, 400 or 413; a 200 is a valid callflow (a call action)
    or {} (anything else), stored once, and repeated for a repeat delivery;
    nothing logged at ERROR."""
    for url in URLS:
        # A process that has not answered this body yet (it remembers recent
        # answers by event id), on the database as it was.
        recorder.recent_answers.clear()
        with transaction.atomic():
            caplog.clear()
            check_one(client, url, data, content_type, caplog)
            transaction.set_rollback(True)


def check_one(client, url, data, content_type, caplog):
    case = f"{url} {content_type!r} {data[:300]!r}"
    # generic(): post() would re-encode the bytes to the charset named.
    response = client.generic("POST", url, data, content_type=content_type)
    assert response.status_code in (200, 400, 413), case
    assert response["Content-Type"] == "application/json", case
    answer = response.json()
    if response.status_code != 200:
        assert isinstance(answer.get("detail"), str), case
        assert not CallEvent.objects.exists(), case
    else:
        stored = CallEvent.objects.get()
        if answer == {}:
            assert stored.event_type != "CALL_ACTION", case
        else:
            assert stored.event_type == "CALL_ACTION", case
            assert schema_violations(answer) == [], case
            assert stored.response == answer, case
        again = client.generic("POST", url, data, content_type=content_type)
        assert (again.status_code, again.json()) == (200, answer), case
        assert CallEvent.objects.count() == 1, case
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, f"{case}\n{caplog.text}"


# --- The fuzzers -------------------------------------------------------------------


@FUZZ_SETTINGS
@given(data=st.data())
def test_mutated_payloads(webhook_client, menu_tree, caplog, data):
    name = data.draw(st.sampled_from(sorted(EXAMPLES)), label="example")
    chooser = HypothesisChooser(data)
    body = mutate(EXAMPLES[name], chooser)
    check_every_url(webhook_client, encode(body, chooser), caplog)


KNOWN_BAD_BODIES = [
    b"[" * 100_000,
    b'{"payload":' * 5_000,
    b"1" * 5_000,
    b"1e999999",
    b'{"payload": {"eventId": "a", "x": 1e999}}',
    b'{"payload": {}, "payload": 1}',
    b'{"payload": {"eventId": "\\ud800"}}',
    b"\x00" * 100,
    b"-",
    b"nul",
]


@FUZZ_SETTINGS
@given(data=st.data())
def test_raw_bodies(webhook_client, menu_tree, caplog, data):
    chooser = HypothesisChooser(data)
    kind = chooser.choice(["random", "damaged", "known"])
    if kind == "random":
        body = data.draw(st.binary(max_size=500), label="body")
    elif kind == "damaged":
        name = chooser.choice(sorted(EXAMPLES))
        body = damage(json.dumps(EXAMPLES[name]).encode(), chooser)
    else:
        body = chooser.choice(KNOWN_BAD_BODIES)
    content_type = data.draw(st.sampled_from(CONTENT_TYPES), label="content type")
    check_every_url(webhook_client, body, caplog, content_type)


SEEDED_CASES = [
    (name, index) for name in sorted(EXAMPLES) for index in range(FUZZ_CASES)
]


@pytest.mark.parametrize(
    ("name", "index"), SEEDED_CASES, ids=[f"{n}-{i}" for n, i in SEEDED_CASES]
)
def test_seeded_cases(webhook_client, menu_tree, caplog, name, index):
    chooser = SeededChooser(f"{name}-{index}")
    data = encode(mutate(EXAMPLES[name], chooser), chooser)
    if chooser.integer(0, 4) == 0:
        data = damage(data, chooser)
    check_every_url(webhook_client, data, caplog)


# --- The admin shows it all escaped --------------------------------------------------

HOSTILE_HTML = [
    '<script>alert("xss")</script>',
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    '" onerror="alert(1)',
    "javascript:alert(1)",
    "<iframe src=//evil.example>",
    "</pre><script>alert(1)</script>",
    "</textarea><script>alert(1)</script>",
    "<a href='javascript:alert(1)'>x</a>",
]
# What any of them would leave in a page if it were not escaped: a real tag,
# a quote that closes an attribute, a javascript: link. (Escaped, the same
# characters read "&lt;img src=x onerror=alert(1)&gt;", which is harmless.)
UNESCAPED = re.compile(
    r"<script>alert|<img src=x|<svg onload|<iframe src=//evil|<a href='javascript"
    r"""|["'] ?on(?:error|load)=["']?alert|href=["']?javascript:""",
    re.IGNORECASE,
)


def admin_url(model, view, *args):
    opts = model._meta
    name = f"admin:{opts.app_label}_{opts.model_name}_{view}"
    return reverse(name, args=[quote(arg) for arg in args])


def hostile_call(payload, text: str, session_id: str) -> list[dict]:
    """A call action and a session summary carrying `text` in every field
    staff see, in an extra field, and as the key of one."""
    action = payload("vca-action-completed")
    action["payload"].update(
        eventId=f"{session_id}-action",
        sessionId=session_id,
        callId=text,
        subAccountId=text,
        source=text,
        destination=text,
        callStatus=text,
        callType=text,
        clientActionId=text,
        eventData={"dtmf": text},
        extra={text: [text]},
    )
    summary = payload("vss-session-error")
    summary["payload"].update(sessionId=session_id, lastAction=text)
    summary["payload"]["errorDetails"]["errorMsg"] = text
    summary["payload"]["details"]["CallA"].update(source=text, destination=text)
    return [action, summary]


def test_what_callers_and_8x8_send_is_shown_escaped_in_the_admin(
    admin_client, webhook_client, payload, menu_tree
):
    sessions = {}
    for number, text in enumerate(HOSTILE_HTML):
        sessions[text] = f"session{number}{text[:40]}"
        for body in hostile_call(payload, text, sessions[text]):
            assert webhook_client.post_json(URLS[0], body).status_code == 200
    events = CallEvent.objects.all()
    assert len(events) == 2 * len(HOSTILE_HTML)

    lists = [admin_url(CallEvent, "changelist"), admin_url(Call, "changelist")]
    pages = dict.fromkeys(lists, HOSTILE_HTML)
    for event in events:
        text = next(t for t, session in sessions.items() if session == event.session_id)
        pages[admin_url(CallEvent, "change", event.pk)] = [text]
    for text, session_id in sessions.items():
        pages[admin_url(Call, "change", session_id)] = [text]
    for url, texts in pages.items():
        response = admin_client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        # JSON shown in a page escapes quotes with a backslash.
        found = UNESCAPED.search(html.replace('\\"', '"'))
        assert found is None, (url, html[found.start() - 200 : found.end() + 200])
        for text in texts:
            assert escape(text) in html, (url, text)


# --- The admin shows every stored event --------------------------------------------

# Ahead of and behind UTC as far as time zones go.
TIME_ZONES = ["UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago"]
EDGE_TIMES = [
    "9999-12-31T23:59:59Z",
    "9999-12-30T23:59:59Z",
    "0001-01-01T00:00:00Z",
    "0001-01-02T00:00:00Z",
]


def history_pages() -> list[str]:
    """Every history page: the lists, each event, each call."""
    # A call without a session id has no page (no URL ends in "//change/");
    # that such a call is stored at all is test_an_event_without_a_session_
    # makes_no_call's business.
    calls = Call.objects.exclude(pk="").values_list("pk", flat=True)
    events = CallEvent.objects.values_list("pk", flat=True)
    return [
        admin_url(CallEvent, "changelist"),
        admin_url(Call, "changelist"),
        *(admin_url(CallEvent, "change", pk) for pk in events),
        *(admin_url(Call, "change", pk) for pk in calls),
    ]


@pytest.mark.parametrize("time_zone", TIME_ZONES[1:])
def test_events_at_the_ends_of_time_are_shown_in_any_time_zone(
    admin_client, webhook_client, payload, menu_tree, settings, time_zone
):
    settings.TIME_ZONE = time_zone
    for number, time in enumerate(EDGE_TIMES):
        action = payload("vca-call-received-inbound")
        action["payload"].update(
            eventId=f"event-{number}", sessionId=f"session-{number}", timestamp=time
        )
        summary = payload("vss-session-completed")
        summary["payload"].update(
            sessionId=f"session-{number}", startTime=time, endTime=time
        )
        summary["payload"]["details"]["callA"].update(
            initiatedTimestamp=time,
            connectedTimestamp=time,
            disconnectedTimestamp=time,
        )
        for url, body in [(URLS[0], action), (URLS[1], summary)]:
            assert webhook_client.post_json(url, body).status_code == 200

    for url in history_pages():
        assert admin_client.get(url).status_code == 200, url


@hypothesis.settings(FUZZ_SETTINGS, max_examples=max(5, FUZZ_EXAMPLES // 10))
@given(data=st.data())
def test_the_admin_shows_any_stored_event(
    admin_client, webhook_client, menu_tree, settings, data
):
    name = data.draw(st.sampled_from(sorted(EXAMPLES)), label="example")
    chooser = HypothesisChooser(data)
    body = encode(mutate(EXAMPLES[name], chooser), chooser)
    settings.TIME_ZONE = data.draw(st.sampled_from(TIME_ZONES), label="time zone")
    recorder.recent_answers.clear()
    with transaction.atomic():
        for url in URLS[:2]:
            webhook_client.generic("POST", url, body, content_type="application/json")
        for url in history_pages():
            response = admin_client.get(url)
            assert response.status_code == 200, url
            found = UNESCAPED.search(response.content.decode().replace('\\"', '"'))
            assert found is None, url
        transaction.set_rollback(True)


# Found by the fuzz: on PostgreSQL the one-statement store once made a call
# "" of every event without a session id.
@pytest.mark.parametrize(
    ("name", "url"),
    [
        ("vca-eventdata-string", URLS[0]),
        ("vss-session-completed", URLS[1]),
        ("vcs-call-status", URLS[2]),
    ],
)
def test_an_event_without_a_session_makes_no_call(
    webhook_client, payload, menu_tree, name, url
):
    body = payload(name)
    del body["payload"]["sessionId"]

    assert webhook_client.post_json(url, body).status_code == 200

    assert CallEvent.objects.get().call_id is None
    assert not Call.objects.exists()
