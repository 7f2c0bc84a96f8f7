"""Turn what 8x8 POSTs into one normalized `VoiceEvent`.

Lenient in what it accepts (voice-api-reference.md §2.2 and §12): digits
wherever 8x8 puts them, `callDuration` as a string or a number, `"null"` as a
string, `callA`/`CallA` leg keys, unknown fields. It rejects, with a
`PayloadError` naming the field, only what cannot be an 8x8 event at all: a
body that is not an object, a missing `payload`, ids that are not strings.

`sanitize` makes any parsed JSON storable on every database: PostgreSQL
refuses NUL characters and lone surrogates that SQLite would keep, and JSON
has no infinity.
"""

import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ivr.eightbyeight import limits

CALL_ACTION = "CALL_ACTION"
CALL_STATUS = "CALL_STATUS"
SESSION_SUMMARY = "SESSION_SUMMARY"
CALL_RECORDING_STATUS = "CALL_RECORDING_STATUS"
VIRTUAL_NUMBER_UPDATE = "VIRTUAL_NUMBER_UPDATE"
# The events that only inform (reference §4): stored, answered `{}`. Any
# other `eventType` (missing, unknown, not a string) is read as the type of
# the URL it came to, so that a garbled call action on the call-action URL
# still gets a callflow: `{}` would leave the caller with nothing.
NOTIFICATION_TYPES = frozenset(
    {CALL_STATUS, SESSION_SUMMARY, CALL_RECORDING_STATUS, VIRTUAL_NUMBER_UPDATE}
)

CALL_RECEIVED = "CALL_RECEIVED"
ACTION_COMPLETED = "ACTION_COMPLETED"
INBOUND = "INBOUND"
OUTBOUND = "OUTBOUND"

ID_MAX_CHARS = 100
TEXT_MAX_CHARS = 100

BODY_NOT_OBJECT = "The request body must be a JSON object."
PAYLOAD_MISSING = "The request body has no `payload` object."
ID_NOT_STRING = "`payload.{name}` must be a string."
ID_TOO_LONG = "`payload.{name}` must be at most 100 characters."

INTEGER_TEXT_RE = re.compile(r"-?[0-9]{1,10}")

ID_FIELDS = ("eventId", "callId", "sessionId", "subAccountId", "clientActionId")


class PayloadError(ValueError):
    """The request cannot be an 8x8 event; `message` says why."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class SummaryLeg:
    """One leg of a session, from a Session Summary's `details`.

    `key` is the leg's key in `details` as sent ("callA", "CallB"): the only
    name of a leg that comes without a `callId`.
    """

    call_id: str = ""
    key: str = ""
    direction: str = ""
    call_type: str = ""
    source: str = ""
    destination: str = ""
    status: str = ""
    initiated_at: datetime | None = None
    connected_at: datetime | None = None
    disconnected_at: datetime | None = None
    duration_seconds: int | None = None
    mos: float | None = None
    jitter_ms: float | None = None
    packet_loss_rate: float | None = None


@dataclass(frozen=True)
class SessionSummary:
    """What a Session Summary (VSS) says about the whole session."""

    status: str = ""
    started_at: datetime | None = None
    ended_at: datetime | None = None
    last_action: str = ""
    error_code: int | None = None
    error_message: str = ""
    legs: tuple[SummaryLeg, ...] = ()


@dataclass(frozen=True)
class VoiceEvent:
    """Any 8x8 voice webhook, normalized.

    `digits` is None when the caller entered nothing; otherwise the DTMF
    string with a trailing "#" removed (a lone "#" stays "#").
    """

    event_type: str
    event_id: str
    session_id: str = ""
    call_id: str = ""
    sub_account_id: str = ""
    call_status: str = ""
    direction: str = ""
    call_type: str = ""
    source: str = ""
    destination: str = ""
    digits: str | None = None
    client_action_id: str | None = None
    sip_code: int | None = None
    occurred_at: datetime | None = None
    duration_seconds: int | None = None
    summary: SessionSummary | None = None
    payload: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def virtual_number(self) -> str:
        """Our 8x8 number on this call: what was dialled on an inbound call,
        the caller ID on an outbound one."""
        return self.source if self.direction == OUTBOUND else self.destination

    @property
    def caller_number(self) -> str:
        """The other party: who called us, or whom we called."""
        return self.destination if self.direction == OUTBOUND else self.source


def sanitize(value: Any, depth: int = 0) -> Any:
    """A copy of parsed JSON that every database stores as it is.

    NUL and lone surrogates become U+FFFD; infinities (JSON "1e999") become
    None. Raises PayloadError past a nesting depth no 8x8 event reaches.
    Values that need nothing are returned as they are, not copied.
    """
    if depth > 64:
        raise PayloadError("The request body is nested too deeply.")
    if isinstance(value, str):
        return value if _is_clean(value) else _clean_text(value)
    if isinstance(value, dict):
        return {
            (k if isinstance(k, str) and _is_clean(k) else _clean_text(str(k))): (
                v
                if isinstance(v, str | int) and _is_clean_scalar(v)
                else sanitize(v, depth + 1)
            )
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [sanitize(v, depth + 1) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _is_clean(text: str) -> bool:
    # The common case, decided by two C-speed checks: ASCII without NUL.
    return text.isascii() and "\x00" not in text


def _is_clean_scalar(value: str | int) -> bool:
    return not isinstance(value, str) or _is_clean(value)


def _clean_text(text: str) -> str:
    text = text.replace("\x00", "\ufffd")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def parse_event(body: Any, default_event_type: str = CALL_ACTION) -> VoiceEvent:
    """Normalize a parsed webhook body; raise PayloadError if it can't be one."""
    if not isinstance(body, dict):
        raise PayloadError(BODY_NOT_OBJECT)
    body = sanitize(body)
    payload = body.get("payload")
    if not isinstance(payload, dict):
        raise PayloadError(PAYLOAD_MISSING, "payload")
    ids = {name: _id(payload, name) for name in ID_FIELDS}
    event_type = _event_type(body.get("eventType"), default_event_type)
    status = _text(payload.get("callStatus") or payload.get("sessionStatus"))
    summary = _summary(payload) if event_type == SESSION_SUMMARY else None
    return VoiceEvent(
        event_type=event_type,
        event_id=ids["eventId"] or _derived_event_id(body),
        session_id=ids["sessionId"],
        call_id=ids["callId"],
        sub_account_id=ids["subAccountId"],
        call_status=status.upper(),
        direction=_text(payload.get("callDirection")).upper(),
        call_type=_text(payload.get("callType")).upper(),
        source=_text(payload.get("source")),
        destination=_text(payload.get("destination")),
        digits=_digits(payload),
        client_action_id=ids["clientActionId"] or None,
        sip_code=_integer(payload.get("sipCode")),
        occurred_at=_timestamp(payload.get("timestamp") or payload.get("endTime")),
        duration_seconds=_integer(payload.get("callDuration")),
        summary=summary,
        payload=body,
    )


def _event_type(value: Any, default: str) -> str:
    """The event's type: a known one as sent (in any case, trimmed), else
    `default`, the type of the URL it was posted to."""
    if isinstance(value, str):
        name = value.strip().upper()
        if name == CALL_ACTION or name in NOTIFICATION_TYPES:
            return name
    return default


def _id(payload: dict, name: str) -> str:
    value = payload.get(name)
    if value is None or value == "null":
        return ""
    if not isinstance(value, str):
        raise PayloadError(ID_NOT_STRING.format(name=name), f"payload.{name}")
    if len(value) > ID_MAX_CHARS and name != "clientActionId":
        raise PayloadError(ID_TOO_LONG.format(name=name), f"payload.{name}")
    return value.strip()[: limits.CLIENT_ACTION_ID_ACCEPTED_CHARS]


def _derived_event_id(body: dict) -> str:
    """A stable id for events that carry none (a Session Summary has no
    eventId): the same body delivered twice gets the same id."""
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=True)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()[:56]


def _text(value: Any, max_chars: int = TEXT_MAX_CHARS) -> str:
    """A short display string from any JSON value; "" for null or "null"."""
    if value is None or isinstance(value, dict | list):
        return ""
    text = str(value).strip()
    if text.lower() == "null":
        return ""
    return limits.CONTROL_CHARS_RE.sub("", text)[:max_chars]


def _integer(value: Any) -> int | None:
    """An int from a number or numeric string; None for anything else,
    including values too large for a database integer column."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and math.isfinite(value):
        value = int(value)
    if isinstance(value, str) and INTEGER_TEXT_RE.fullmatch(value.strip()):
        value = int(value.strip())
    if isinstance(value, int) and -(2**31) < value < 2**31:
        return value
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and math.isfinite(value):
        return float(value)
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


# Times within a day of the ends of Python's datetime range overflow when
# shown in a time zone ahead of or behind UTC: one event stamped
# "9999-12-31T23:59:59Z" made every admin history page a 500 under
# TIME_ZONE=Asia/Singapore (found by tests/test_fuzz.py). No call happens
# then, so such a time is unreadable.
_EARLIEST = datetime.min.replace(tzinfo=UTC) + timedelta(days=1)
_LATEST = datetime.max.replace(tzinfo=UTC) - timedelta(days=1)


def _timestamp(value: Any) -> datetime | None:
    """An aware UTC datetime from 8x8's ISO-8601 text; None if unreadable,
    or too near year 1 or 9999 to show in every time zone."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        parsed = parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    return parsed if _EARLIEST <= parsed <= _LATEST else None


def _digits(payload: dict) -> str | None:
    """The captured DTMF from wherever 8x8 put it (reference §2.2):
    `eventData.dtmf`, `eventData` as a string, or `payload.dtmf`."""
    event_data = payload.get("eventData")
    raw: Any = None
    if isinstance(event_data, dict):
        raw = event_data.get("dtmf")
    elif isinstance(event_data, str | int) and not isinstance(event_data, bool):
        raw = event_data
    if raw is None:
        raw = payload.get("dtmf")
    return normalize_digits(raw)


def normalize_digits(raw: Any) -> str | None:
    """DTMF as the menus match it; None means no input.

    A trailing "#" only ends the input, so it is dropped, except when "#" is
    all the caller pressed. Characters that are not DTMF are kept, so that
    the caller hears "not a valid choice" rather than silence.
    """
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        return None
    text = "".join(str(raw).split())
    if not text or text.lower() == "null":
        return None
    if len(text) > 1 and text.endswith("#"):
        text = text[:-1]
    return limits.CONTROL_CHARS_RE.sub("", text)[:TEXT_MAX_CHARS] or None


def _summary(payload: dict) -> SessionSummary:
    error = payload.get("errorDetails")
    error = error if isinstance(error, dict) else {}
    details = payload.get("details")
    details = details if isinstance(details, dict) else {}
    # Leg keys are "callA", "CallA", ...: take every object value, in key order.
    legs = tuple(
        _leg(details[key], key)
        for key in sorted(details, key=str.lower)
        if isinstance(details[key], dict)
    )
    return SessionSummary(
        status=_text(payload.get("sessionStatus")).upper(),
        started_at=_timestamp(payload.get("startTime")),
        ended_at=_timestamp(payload.get("endTime")),
        last_action=_text(payload.get("lastAction")).upper(),
        error_code=_integer(error.get("errorCode")),
        error_message=_text(error.get("errorMsg"), max_chars=500),
        legs=legs,
    )


def _leg(data: dict, key: str = "") -> SummaryLeg:
    # Field casing varies across 8x8's examples ("SourceRefId"), so look up
    # keys case-insensitively.
    lower = {str(k).lower(): v for k, v in data.items()}
    quality = lower.get("callquality")
    quality = (
        {str(k).lower(): v for k, v in quality.items()}
        if isinstance(quality, dict)
        else {}
    )
    return SummaryLeg(
        call_id=_text(lower.get("callid")),
        key=_text(key),
        direction=_text(lower.get("calldirection")).upper(),
        call_type=_text(lower.get("calltype")).upper(),
        source=_text(lower.get("source")),
        destination=_text(lower.get("destination")),
        status=_text(lower.get("callstatus")).upper(),
        initiated_at=_timestamp(lower.get("initiatedtimestamp")),
        connected_at=_timestamp(lower.get("connectedtimestamp")),
        disconnected_at=_timestamp(lower.get("disconnectedtimestamp")),
        duration_seconds=_integer(lower.get("callduration")),
        mos=_number(quality.get("mos")),
        jitter_ms=_number(quality.get("jitter")),
        packet_loss_rate=_number(quality.get("packetlossrate")),
    )


# --- After a transfer -------------------------------------------------------

# Words 8x8 or a carrier may use for a leg that never connected. 8x8
# documents the Session Summary's leg statuses (BUSY, NO_ANSWER, FAILED,
# CANCELED) but not what the Voice Call Action after a failed makeCall
# carries, so any of these, wherever a status is, counts.
NOT_CONNECTED_STATUSES = frozenset(
    {
        "BUSY",
        "NO_ANSWER",
        "NOANSWER",
        "NOT_ANSWERED",
        "UNANSWERED",
        "FAILED",
        "CALL_FAILED",
        "REJECTED",
        "DECLINED",
        "CANCELED",
        "CANCELLED",
        "UNREACHABLE",
        "ERROR",
    }
)
# The final SIP response of a leg that did not connect: 3xx to 6xx
# (486 busy, 480 and 408 no answer, 603 declined; RFC 3261).
SIP_NOT_CONNECTED_FROM = 300


def transfer_connected(event: VoiceEvent) -> bool:
    """Whether the transfer 8x8 calls back about had connected.

    False when `sipCode` is 300 or more, or a status (`callStatus`, `status`,
    or the same inside `eventData`) says BUSY, NO_ANSWER, FAILED and the like
    (`NOT_CONNECTED_STATUSES`). True otherwise, a 2xx code or nothing said:
    the caller was bridged and the call then ended, and a goodbye is the
    answer that fits every such call.
    """
    if event.sip_code is not None and event.sip_code >= SIP_NOT_CONNECTED_FROM:
        return False
    return not any(
        status in NOT_CONNECTED_STATUSES for status in _statuses(event.payload)
    )


def _statuses(body: dict) -> list[str]:
    payload = body.get("payload")
    payload = payload if isinstance(payload, dict) else {}
    places = [payload]
    if isinstance(payload.get("eventData"), dict):
        places.append(payload["eventData"])
    names = ("callStatus", "status", "callResult", "result")
    return [
        _text(place.get(name)).upper().replace(" ", "_")
        for place in places
        for name in names
    ]
