"""Parsing every payload shape 8x8 sends into one normalized VoiceEvent."""

import json
from datetime import UTC, datetime

import pytest

from ivr.eightbyeight.events import (
    BODY_NOT_OBJECT,
    ID_NOT_STRING,
    ID_TOO_LONG,
    PAYLOAD_MISSING,
    PayloadError,
    normalize_digits,
    parse_event,
    sanitize,
    transfer_connected,
)


@pytest.mark.parametrize(
    ("name", "event_type", "status", "digits", "client_action_id"),
    [
        ("vca-call-received-inbound", "CALL_ACTION", "CALL_RECEIVED", None, None),
        ("vca-action-completed", "CALL_ACTION", "ACTION_COMPLETED", "1", "ivr1_level1"),
        ("vca-eventdata-string", "CALL_ACTION", "ACTION_COMPLETED", "2", "main"),
        ("vca-no-input", "CALL_ACTION", "ACTION_COMPLETED", None, "main"),
        ("vcs-call-status", "CALL_STATUS", "CALL_DISCONNECTED", None, None),
        ("vss-session-completed", "SESSION_SUMMARY", "COMPLETED", None, None),
        ("vss-session-error", "SESSION_SUMMARY", "ERROR", None, None),
    ],
)
def test_every_example_payload_parses(
    payload, name, event_type, status, digits, client_action_id
):
    event = parse_event(payload(name))
    assert event.event_type == event_type
    assert event.call_status == status
    assert event.digits == digits
    assert event.client_action_id == client_action_id
    assert event.session_id
    assert event.event_id


def test_inbound_call_fields(payload):
    event = parse_event(payload("vca-call-received-inbound"))
    assert event.event_id == "5b1c7e2a-9f3d-11ef-8c1a-0242ac120002"
    assert event.call_id == "5b1c80b4-9f3d-11ef-8c1a-0242ac120002"
    assert event.sub_account_id == "account_x"
    assert event.direction == "INBOUND"
    assert event.call_type == "PSTN"
    assert event.virtual_number == "+6531581234"
    assert event.caller_number == "+6591234567"
    assert event.sip_code == 200
    assert event.duration_seconds == 0
    assert event.occurred_at == datetime(2024, 11, 11, 9, 30, tzinfo=UTC)


def test_outbound_call_our_number_is_the_source(payload):
    event = parse_event(payload("vca-action-completed"))
    assert event.virtual_number == "+6568888888"
    assert event.caller_number == "+6598888888"
    assert event.occurred_at == datetime(2024, 5, 16, 4, 12, 11, 217000, tzinfo=UTC)


def test_call_duration_as_a_string(payload):
    assert parse_event(payload("vca-eventdata-string")).duration_seconds == 14


@pytest.mark.parametrize(
    ("event_data", "top_level_dtmf", "expected"),
    [
        ({"dtmf": "1"}, None, "1"),
        ({"dtmf": None}, None, None),
        ("2", None, "2"),
        (None, "3", "3"),
        ({"dtmf": None}, "4", "4"),
        ({}, None, None),
        ({"dtmf": 5}, None, "5"),
        ({"dtmf": "12#"}, None, "12"),
        ({"dtmf": "#"}, None, "#"),
        ({"dtmf": ""}, None, None),
        ({"dtmf": "null"}, None, None),
        ({"dtmf": " 1 2 "}, None, "12"),
        ({"dtmf": True}, None, None),
        ([1, 2], None, None),
    ],
)
def test_digits_from_wherever_8x8_puts_them(
    payload, event_data, top_level_dtmf, expected
):
    body = payload("vca-action-completed")
    body["payload"]["eventData"] = event_data
    if top_level_dtmf is not None:
        body["payload"]["dtmf"] = top_level_dtmf
    assert parse_event(body).digits == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1#", "1"), ("#", "#"), ("##", "#"), ("*", "*"), ("1*#", "1*"), ("", None)],
)
def test_trailing_hash_ends_input_but_a_lone_hash_is_a_choice(raw, expected):
    assert normalize_digits(raw) == expected


@pytest.mark.parametrize(
    ("body", "message", "field"),
    [
        ([], BODY_NOT_OBJECT, None),
        ("text", BODY_NOT_OBJECT, None),
        (None, BODY_NOT_OBJECT, None),
        ({}, PAYLOAD_MISSING, "payload"),
        ({"payload": "x"}, PAYLOAD_MISSING, "payload"),
        ({"payload": []}, PAYLOAD_MISSING, "payload"),
        (
            {"payload": {"eventId": 12}},
            ID_NOT_STRING.format(name="eventId"),
            "payload.eventId",
        ),
        (
            {"payload": {"sessionId": ["a"]}},
            ID_NOT_STRING.format(name="sessionId"),
            "payload.sessionId",
        ),
        (
            {"payload": {"clientActionId": {"a": 1}}},
            ID_NOT_STRING.format(name="clientActionId"),
            "payload.clientActionId",
        ),
        (
            {"payload": {"callId": True}},
            ID_NOT_STRING.format(name="callId"),
            "payload.callId",
        ),
        (
            {"payload": {"subAccountId": 1.5}},
            ID_NOT_STRING.format(name="subAccountId"),
            "payload.subAccountId",
        ),
        (
            {"payload": {"eventId": "e" * 101}},
            ID_TOO_LONG.format(name="eventId"),
            "payload.eventId",
        ),
    ],
)
def test_what_cannot_be_an_event_is_refused_with_the_field_named(body, message, field):
    with pytest.raises(PayloadError) as raised:
        parse_event(body)
    assert raised.value.message == message
    assert raised.value.field == field


def test_null_ids_are_accepted_as_absent():
    event = parse_event({"payload": {"clientActionId": None, "callId": "null"}})
    assert event.client_action_id is None
    assert event.call_id == ""


def test_an_event_without_an_id_gets_a_stable_one():
    body = {"payload": {"sessionId": "s", "callStatus": "CALL_RECEIVED"}}
    first, again = parse_event(body), parse_event(json.loads(json.dumps(body)))
    assert first.event_id == again.event_id
    assert first.event_id.startswith("sha256:")
    other = parse_event({"payload": {"sessionId": "t"}})
    assert other.event_id != first.event_id


def test_the_event_type_defaults_to_the_endpoints():
    event = parse_event({"payload": {}}, default_event_type="SESSION_SUMMARY")
    assert event.event_type == "SESSION_SUMMARY"


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        ("CALL_ACTION", "CALL_ACTION"),
        ("CALL_STATUS", "CALL_STATUS"),
        ("SESSION_SUMMARY", "SESSION_SUMMARY"),
        (" session_summary ", "SESSION_SUMMARY"),
        ("CALL_RECORDING_STATUS", "CALL_RECORDING_STATUS"),
        ("VIRTUAL_NUMBER_UPDATE", "VIRTUAL_NUMBER_UPDATE"),
        # Garbled, unknown or not text: the type of the URL it came to.
        ("CALL_ACTON", "CALL_ACTION"),
        ("FOO", "CALL_ACTION"),
        ("", "CALL_ACTION"),
        (None, "CALL_ACTION"),
        (123, "CALL_ACTION"),
        (["CALL_STATUS"], "CALL_ACTION"),
        ({"type": "SESSION_SUMMARY"}, "CALL_ACTION"),
    ],
)
def test_only_a_known_event_type_overrides_the_urls(sent, expected):
    body = {"eventType": sent, "payload": {"eventId": "e"}}
    assert parse_event(body, default_event_type="CALL_ACTION").event_type == expected


def test_a_missing_event_type_takes_the_urls():
    body = {"payload": {"eventId": "e"}}
    assert parse_event(body, default_event_type="CALL_STATUS").event_type == (
        "CALL_STATUS"
    )


@pytest.mark.parametrize(
    ("payload_fields", "connected"),
    [
        ({"sipCode": 200}, True),
        ({"sipCode": "200", "callStatus": "ACTION_COMPLETED"}, True),
        ({}, True),  # nothing said: the goodbye fits any call
        ({"sipCode": 486}, False),  # busy
        ({"sipCode": 480}, False),  # no answer
        ({"sipCode": "408"}, False),  # request timeout
        ({"sipCode": 603}, False),  # declined
        ({"sipCode": 302}, False),
        ({"callStatus": "BUSY"}, False),
        ({"callStatus": "no_answer"}, False),
        ({"callStatus": "No Answer"}, False),
        ({"sipCode": 200, "callStatus": "FAILED"}, False),
        ({"status": "REJECTED"}, False),
        ({"eventData": {"callStatus": "CANCELED"}}, False),
        ({"eventData": {"status": "UNANSWERED", "dtmf": None}}, False),
        ({"eventData": "1"}, True),
    ],
)
def test_what_says_a_transfer_did_not_connect(payload_fields, connected):
    body = {"eventType": "CALL_ACTION", "payload": {"eventId": "e", **payload_fields}}
    assert transfer_connected(parse_event(body)) is connected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (200, 200),
        ("486", 486),
        (200.0, 200),
        ("abc", None),
        (True, None),
        (10**30, None),
        ("²", None),
        (None, None),
    ],
)
def test_sip_code_is_read_leniently(payload, value, expected):
    body = payload("vca-no-input")
    body["payload"]["sipCode"] = value
    assert parse_event(body).sip_code == expected


@pytest.mark.parametrize(
    "value", ["yesterday", "", 12, "9999-99-99", "0001-01-01T00:00:00+14:00"]
)
def test_an_unreadable_timestamp_is_none(payload, value):
    body = payload("vca-no-input")
    body["payload"]["timestamp"] = value
    assert parse_event(body).occurred_at is None


def test_session_summary_legs_and_quality(payload):
    summary = parse_event(payload("vss-session-completed")).summary
    assert summary.status == "COMPLETED"
    assert summary.started_at == datetime(2024, 11, 11, 9, 30, tzinfo=UTC)
    assert summary.ended_at == datetime(2024, 11, 11, 9, 31, 12, tzinfo=UTC)
    assert summary.last_action == "HANGUP"
    (leg,) = summary.legs
    assert leg.direction == "INBOUND"
    assert leg.source == "+6591234567"
    assert leg.connected_at == datetime(2024, 11, 11, 9, 30, 1, tzinfo=UTC)
    assert leg.duration_seconds == 71
    assert (leg.mos, leg.jitter_ms, leg.packet_loss_rate) == (4.3, 3.0, 0.001)


def test_session_summary_error_with_capitalised_leg_key(payload):
    summary = parse_event(payload("vss-session-error")).summary
    assert summary.error_code == -2003
    assert summary.error_message == "The call flow provided is invalid"
    (leg,) = summary.legs
    assert leg.call_id == "c3f1a9a8-9f3d-11ef-8c1a-0242ac120002"
    assert leg.mos is None


def test_sanitize_makes_text_storable_on_postgresql():
    dirty = {
        "a\x00": ["x\x00y", "\ud800", float("inf"), {"k": float("-inf")}],
        "n": 1.5,
    }
    clean = sanitize(dirty)
    assert clean == {"a\ufffd": ["x\ufffdy", "?", None, {"k": None}], "n": 1.5}
    json.dumps(clean).encode("utf-8")


def test_sanitize_refuses_absurd_nesting():
    deep = current = {}
    for _ in range(100):
        current["x"] = {}
        current = current["x"]
    with pytest.raises(PayloadError):
        sanitize({"payload": deep})
