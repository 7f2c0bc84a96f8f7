"""The call history from 8x8's Session Summary (VSS) and Call Status (VCS)
events: final status, times, duration, legs, call quality and 8x8's error,
the same whatever order the events arrive in and however often; and the
admin that shows it, with a rejected callflow impossible to miss.

Most tests store events as `ivr.history.store` does (a CallEvent row) and call
`call_history_apply` as it must, inside the same transaction: they depend
only on the model and on this module. The "end to end" section posts
webhooks, so it also needs the wiring in ivr/webhook/answer.py.
"""

import copy
import itertools
import threading
import time
from dataclasses import asdict
from datetime import datetime, timedelta

import pytest
from django.contrib.admin.utils import quote
from django.contrib.messages import get_messages
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from ivr.admin import display as ivr_admin
from ivr.eightbyeight.events import parse_event
from ivr.history import calls as call_history
from ivr.history.calls import (
    NOT_STORED_YET,
    REBUILD_FAILED,
    LegFacts,
    StoredHistoryEvent,
    call_history_apply,
    call_history_rebuild,
    history_fold,
)
from ivr.models import Call, CallEvent, CallLeg

SESSION = "5b1c8212-9f3d-11ef-8c1a-0242ac120002"
LEG_A = "5b1c80b4-9f3d-11ef-8c1a-0242ac120002"
LEG_B = "9d0e11c2-9f3d-11ef-8c1a-0242ac120002"
CALLER = "+6591234567"
OUR_NUMBER = "+6531581234"
TRANSFER_TO = "+6560001111"
CALL_STATUS_URL = "/webhooks/8x8/call-status/"
SESSION_SUMMARY_URL = "/webhooks/8x8/session-summary/"

CALL_COLUMNS = (
    "status",
    "started_at",
    "ended_at",
    "duration_seconds",
    "last_action",
    "leg_count",
    "summary_received_at",
    "error_code",
    "error_message",
    "direction",
    "caller",
    "number_called",
)
LEG_COLUMNS = tuple(
    f.name for f in CallLeg._meta.concrete_fields if f.name not in ("id", "call")
)


def at(text: str) -> datetime:
    """A time on the day of 8x8's examples: at("09:30:01")."""
    return datetime.fromisoformat(f"2024-11-11T{text}+00:00")


def iso(text: str) -> str:
    return f"2024-11-11T{text}Z"


# --- Building events ---------------------------------------------------------


@pytest.fixture
def status(payload):
    """A Call Status event of leg A (by default) of the example call."""

    def build(call_status, time, *, event_id=None, duration=0, **fields):
        body = payload("vcs-call-status")
        body["payload"].update(
            eventId=event_id or f"{call_status}-{time}",
            callStatus=call_status,
            timestamp=iso(time),
            callDuration=duration,
            **fields,
        )
        return body

    return build


def transfer_leg_status(build, call_status, time, **fields):
    return build(
        call_status,
        time,
        callId=LEG_B,
        callDirection="OUTBOUND",
        source=OUR_NUMBER,
        destination=TRANSFER_TO,
        **fields,
    )


@pytest.fixture
def summary(payload):
    """The example Session Summary, changed by `change(body, leg_a)`."""

    def build(change=None):
        body = payload("vss-session-completed")
        if change:
            change(body["payload"], body["payload"]["details"]["callA"])
        return body

    return build


def with_session(body: dict, session_id: str) -> dict:
    """`body` as an event of another call, with its own event id."""
    body = copy.deepcopy(body)
    body["payload"]["sessionId"] = session_id
    if "eventId" in body["payload"]:
        body["payload"]["eventId"] = f"{session_id}:{body['payload']['eventId']}"
    return body


# --- Storing events as ivr.history.store does ------------------------------------


def store(body: dict):
    """Store `body` as a CallEvent once (a repeat is not stored again), then
    apply it, in one transaction: the wiring ivr.history.store has. The event is
    "received" 5 s after it happened, so that times are repeatable."""
    event = parse_event(body)
    with transaction.atomic():
        _, created = CallEvent.objects.get_or_create(
            event_id=event.event_id,
            defaults={
                "event_type": event.event_type,
                "call_id": event.session_id or None,
                "session_id": event.session_id,
                "call_leg_id": event.call_id,
                "status": event.call_status[:30],
                "occurred_at": event.occurred_at or at("00:00:00"),
                "payload": event.payload,
            },
        )
        if created:
            CallEvent.objects.filter(event_id=event.event_id).update(
                received_at=(event.occurred_at or at("00:00:00")) + timedelta(seconds=5)
            )
        # Applied for repeats too (storing does not): the worst case.
        call_history_apply(event)
    return event


def history(session_id: str = SESSION) -> dict:
    """The call's columns this module owns, and its legs."""
    return {
        "call": Call.objects.values(*CALL_COLUMNS).get(pk=session_id),
        "legs": list(CallLeg.objects.filter(call_id=session_id).values(*LEG_COLUMNS)),
    }


def leg_row(**values) -> dict:
    return {**asdict(LegFacts(call_leg_id=LEG_A)), **values}


def distinct_orders(names):
    """Every distinct order of `names` (repeats included)."""
    return sorted(set(itertools.permutations(names)))


# --- Every order, every repeat, the same result ------------------------------

# Leg A of the example call as 8x8's summary gives it.
SUMMARY_LEG_A = {
    "call_leg_id": LEG_A,
    "direction": "INBOUND",
    "call_type": "PSTN",
    "source": CALLER,
    "destination": OUR_NUMBER,
    "status": "COMPLETED",
    "initiated_at": at("09:30:00"),
    "connected_at": at("09:30:01"),
    "disconnected_at": at("09:31:12"),
    "duration_seconds": 71,
    "mos": 4.3,
    "jitter_ms": 3.0,
    "packet_loss_rate": 0.001,
    "in_summary": True,
}


@pytest.mark.django_db
def test_one_leg_in_every_order_with_repeats_gives_the_same_call(status, summary):
    # The statuses disagree with the summary on purpose (received earlier,
    # disconnected later, longer): the summary must win whatever the order,
    # and fill its one gap (no connectedTimestamp) from the statuses.
    def without_connected(_payload, leg):
        del leg["connectedTimestamp"]

    events = {
        "received": status("CALL_RECEIVED", "09:29:59"),
        "connected": status("CALL_CONNECTED", "09:30:01"),
        "disconnected": status("CALL_DISCONNECTED", "09:31:13", duration=72),
        "summary": summary(without_connected),
    }
    names = [*events, "disconnected", "summary"]  # each of these twice
    orders = distinct_orders(names)
    assert len(orders) == 180

    results = []
    for number, order in enumerate(orders):
        session_id = f"order-{number}"
        for name in order:
            store(with_session(events[name], session_id))
        results.append(history(session_id))

    assert results[0] == {
        "call": {
            "status": "COMPLETED",
            # The earliest start reported (the status); the duration is
            # the summary's own.
            "started_at": at("09:29:59"),
            "ended_at": at("09:31:12"),
            "duration_seconds": 72,
            "last_action": "HANGUP",
            "leg_count": 1,
            "summary_received_at": at("09:31:17"),
            "error_code": None,
            "error_message": "",
            "direction": "INBOUND",
            "caller": CALLER,
            "number_called": OUR_NUMBER,
        },
        "legs": [SUMMARY_LEG_A],
    }
    assert all(result == results[0] for result in results)


@pytest.mark.django_db
def test_a_transfer_nobody_answered_in_every_order(status, summary):
    def with_unanswered_transfer(payload, leg_a):
        payload["lastAction"] = "MAKE_CALL"
        payload["callCount"] = 2
        payload["details"]["callB"] = {
            "callId": LEG_B,
            "callDirection": "OUTBOUND",
            "callType": "PSTN",
            "initiatedTimestamp": iso("09:30:20"),
            "disconnectedTimestamp": iso("09:30:50"),
            "source": OUR_NUMBER,
            "destination": TRANSFER_TO,
            "callStatus": "NO_ANSWER",
            "callDuration": 0,
        }

    events = {
        "a received": status("CALL_RECEIVED", "09:30:00"),
        "b initiated": transfer_leg_status(status, "CALL_INITIATED", "09:30:20"),
        "b disconnected": transfer_leg_status(status, "CALL_DISCONNECTED", "09:30:50"),
        "summary": summary(with_unanswered_transfer),
    }
    results = []
    for number, order in enumerate(distinct_orders(events)):
        session_id = f"order-{number}"
        for name in order:
            store(with_session(events[name], session_id))
        results.append(history(session_id))

    assert len(results) == 24
    assert all(result == results[0] for result in results)
    call, legs = results[0]["call"], results[0]["legs"]
    assert (call["leg_count"], call["last_action"]) == (2, "MAKE_CALL")
    assert legs == [
        SUMMARY_LEG_A,
        leg_row(
            call_leg_id=LEG_B,
            direction="OUTBOUND",
            call_type="PSTN",
            source=OUR_NUMBER,
            destination=TRANSFER_TO,
            status="NO_ANSWER",
            initiated_at=at("09:30:20"),
            connected_at=None,
            disconnected_at=at("09:30:50"),
            duration_seconds=0,
            in_summary=True,
        ),
    ]


@pytest.mark.django_db
def test_of_two_different_summaries_the_one_that_ends_later_wins(summary):
    first = summary()
    later = summary(
        lambda payload, leg: payload.update(
            sessionStatus="ERROR",
            endTime=iso("09:31:20"),
            errorDetails={"errorCode": -2001, "errorMsg": "internal error"},
        )
    )
    results = []
    for number, order in enumerate([(first, later), (later, first)]):
        for body in order:
            store(with_session(body, f"order-{number}"))
        results.append(history(f"order-{number}")["call"])

    assert results[0] == results[1]
    assert (results[0]["status"], results[0]["error_code"]) == ("ERROR", -2001)
    assert results[0]["ended_at"] == at("09:31:20")


@pytest.mark.django_db
def test_a_repeated_event_writes_nothing(status, summary):
    for body in (status("CALL_RECEIVED", "09:30:00"), summary()):
        store(body)
    before = history()

    again = call_history_rebuild(session_id=SESSION)

    assert (again.legs_written, again.call_fields_written) == (0, [])
    assert history() == before


# --- Before the summary: what the statuses say -------------------------------


@pytest.mark.django_db
def test_statuses_alone_describe_the_leg_until_the_summary_comes(status):
    store(status("CALL_RECEIVED", "09:30:00"))
    store(status("CALL_CONNECTED", "09:30:01"))

    during = history()
    assert during["call"]["status"] == ""  # "No summary yet"
    assert during["call"]["ended_at"] is None
    assert during["legs"] == [
        leg_row(
            direction="INBOUND",
            call_type="PSTN",
            source=CALLER,
            destination=OUR_NUMBER,
            status="CALL_CONNECTED",
            initiated_at=at("09:30:00"),
            connected_at=at("09:30:01"),
        )
    ]

    store(status("CALL_DISCONNECTED", "09:31:12", duration=71))

    after = history()
    assert after["call"]["status"] == ""
    assert (after["call"]["ended_at"], after["call"]["duration_seconds"]) == (
        at("09:31:12"),
        72,
    )
    (leg,) = after["legs"]
    assert (leg["status"], leg["duration_seconds"]) == ("CALL_DISCONNECTED", 71)


@pytest.mark.django_db
def test_a_call_with_a_leg_still_up_has_not_ended(status):
    store(status("CALL_RECEIVED", "09:30:00"))
    store(status("CALL_DISCONNECTED", "09:31:12"))
    store(transfer_leg_status(status, "CALL_CONNECTED", "09:30:25"))

    assert history()["call"]["ended_at"] is None
    assert history()["call"]["leg_count"] == 2


@pytest.mark.django_db
def test_the_call_starts_at_the_earliest_time_reported(summary):
    Call.objects.create(session_id=SESSION, started_at=at("09:31:12"))
    store(summary())
    assert Call.objects.get().started_at == at("09:30:00")

    # Never later than the call's row already has it.
    Call.objects.update(started_at=at("09:29:00"))
    call_history_rebuild(session_id=SESSION)
    assert Call.objects.get().started_at == at("09:29:00")


@pytest.mark.django_db
def test_who_called_whom_fills_only_what_is_blank(summary):
    Call.objects.create(session_id="blank")
    Call.objects.create(session_id="known", caller="+6500000000")
    for session_id in ("blank", "known"):
        store(with_session(summary(), session_id))

    blank, known = Call.objects.get(pk="blank"), Call.objects.get(pk="known")
    assert (blank.direction, blank.caller, blank.number_called) == (
        "INBOUND",
        CALLER,
        OUR_NUMBER,
    )
    assert known.caller == "+6500000000"


# --- Reading what 8x8 sends, leniently ----------------------------------------


def _drop_quality_and_answer(payload, leg):
    del leg["callQuality"], leg["connectedTimestamp"]


def _capitalised_keys_and_null_strings(payload, leg):
    payload["details"] = {"CallA": leg}
    leg["connectedTimestamp"] = "null"
    leg["SourceRefId"] = "null"
    leg["callQuality"] = {"MOS": "4.1", "PacketLossRate": "0.02", "Jitter": "7"}


def _out_of_range(payload, leg):
    leg["callDuration"] = -5
    leg["callQuality"] = {"mos": 0, "packetLossRate": 3, "jitter": -1}


def _no_call_id(payload, leg):
    del leg["callId"]


def _details_not_an_object(payload, leg):
    payload["details"] = "null"


def _no_times(payload, leg):
    del payload["startTime"], payload["endTime"]


# (change to the example summary, expected leg values, expected call values)
LENIENT_SUMMARIES = {
    "example as sent": (None, SUMMARY_LEG_A, {"duration_seconds": 72}),
    "never answered, no call quality": (
        _drop_quality_and_answer,
        {"connected_at": None, "mos": None, "jitter_ms": None},
        {"status": "COMPLETED"},
    ),
    "CallA, null strings, quality as text": (
        _capitalised_keys_and_null_strings,
        {"connected_at": None, "mos": 4.1, "jitter_ms": 7.0, "packet_loss_rate": 0.02},
        {},
    ),
    "values out of range are dropped": (
        _out_of_range,
        {"duration_seconds": 60 + 11, "mos": None, "jitter_ms": None},
        {},
    ),
    "a leg without callId is named by its key": (
        _no_call_id,
        {"call_leg_id": "callA"},
        {"leg_count": 1},
    ),
    "details that are not an object": (
        _details_not_an_object,
        None,
        {"status": "COMPLETED", "leg_count": 0, "direction": ""},
    ),
    "no start or end: taken from the leg": (
        _no_times,
        {"initiated_at": at("09:30:00")},
        {"started_at": at("09:30:00"), "ended_at": at("09:31:12")},
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "leg", "call"),
    list(LENIENT_SUMMARIES.values()),
    ids=list(LENIENT_SUMMARIES),
)
def test_summaries_are_read_leniently(summary, change, leg, call):
    store(summary(change))

    stored = history()
    if leg is None:
        assert stored["legs"] == []
    else:
        (row,) = stored["legs"]
        assert {name: row[name] for name in leg} == leg
    assert {name: stored["call"][name] for name in call} == call


def test_the_rules_hold_without_a_database(status, summary):
    # history_fold is pure: the same facts from the same events, any order.
    events = [
        StoredHistoryEvent(event_id=event.event_id, event=event)
        for event in map(
            parse_event,
            [
                status("CALL_CONNECTED", "09:30:01"),
                status("CALL_DISCONNECTED", "09:31:13"),
                summary(),
                status("CALL_UPDATED", "09:30:30"),
                status("DTMF_RECEIVED", "09:30:40"),
            ],
        )
    ]
    results = [history_fold(order) for order in itertools.permutations(events)]
    assert all(result == results[0] for result in results)
    assert asdict(results[0].legs[LEG_A]) == SUMMARY_LEG_A


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        # The furthest a leg got, whichever came last.
        (["CALL_DISCONNECTED", "CALL_CONNECTED"], "CALL_DISCONNECTED"),
        (["CALL_RECEIVED", "CALL_UPDATED", "DTMF_RECEIVED"], "CALL_RECEIVED"),
        (["CALL_UPDATED"], ""),
    ],
)
def test_a_leg_shows_the_furthest_status_reached(status, statuses, expected):
    events = [
        parse_event(status(name, f"09:30:{index:02}"))
        for index, name in enumerate(statuses)
    ]
    stored = [StoredHistoryEvent(e.event_id, e) for e in reversed(events)]
    assert history_fold(stored).legs[LEG_A].status == expected


def test_a_status_without_a_call_id_describes_no_leg(status):
    event = parse_event(status("CALL_CONNECTED", "09:30:01", callId=None))
    assert history_fold([StoredHistoryEvent(event.event_id, event)]).legs == {}


# --- The contract with ivr.history.store -------------------------------------------


@pytest.mark.django_db
def test_call_actions_cost_no_query(payload, django_assert_num_queries):
    event = parse_event(payload("vca-call-received-inbound"))
    with django_assert_num_queries(0):
        call_history_apply(event)


@pytest.mark.django_db
def test_an_event_applied_before_it_is_stored_counts_for_nothing(summary, caplog):
    event = parse_event(summary())
    Call.objects.create(session_id=SESSION)

    call_history_apply(event)

    assert NOT_STORED_YET % event.event_id in caplog.text
    assert Call.objects.get().status == ""


@pytest.mark.django_db
def test_a_failed_rebuild_keeps_the_stored_event_and_is_logged(
    summary, monkeypatch, caplog
):
    def broken(events):
        raise RuntimeError("the rules are on fire")

    monkeypatch.setattr(call_history, "history_fold", broken)

    event = store(summary())  # raises nothing

    assert CallEvent.objects.filter(event_id=event.event_id).exists()
    assert REBUILD_FAILED % SESSION in caplog.text
    assert "the rules are on fire" in caplog.text
    # Fixed, the next rebuild fills it all in.
    monkeypatch.undo()
    call_history_rebuild(session_id=SESSION)
    assert Call.objects.get().status == "COMPLETED"


@pytest.mark.django_db
def test_the_call_is_created_if_services_did_not(summary):
    store(summary())
    assert Call.objects.get().status == "COMPLETED"


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL"
)
@pytest.mark.django_db(transaction=True)
def test_two_servers_storing_two_events_of_one_call_at_once(status, summary):
    # Server A stores the summary and holds its transaction open; server B
    # stores a status meanwhile. B's rebuild must wait for A's commit and
    # then see both events; without the lock it would compute from its own
    # event alone and overwrite A's legs.
    Call.objects.create(session_id=SESSION)
    applied, errors = threading.Event(), []

    def server(body, before_commit=None, wait_for=None):
        try:
            if wait_for:
                wait_for.wait(5)
            with transaction.atomic():
                store(body)
                if before_commit:
                    before_commit.set()
                    time.sleep(0.5)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=server, args=(summary(), applied)),
        threading.Thread(
            target=server,
            args=(status("CALL_CONNECTED", "09:30:01"),),
            kwargs={"wait_for": applied},
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert errors == []
    assert history()["legs"] == [SUMMARY_LEG_A]
    assert history()["call"]["status"] == "COMPLETED"


# --- The admin -----------------------------------------------------------------


def call_page(client, session_id=SESSION):
    return client.get(reverse("admin:ivr_call_change", args=[quote(session_id)]))


@pytest.mark.django_db
def test_the_call_page_shows_the_legs_and_the_summary(admin_client, status, summary):
    def with_unanswered_transfer(payload, leg_a):
        payload["details"]["callB"] = {
            "callId": LEG_B,
            "callDirection": "OUTBOUND",
            "source": OUR_NUMBER,
            "destination": TRANSFER_TO,
            "callStatus": "NO_ANSWER",
            "initiatedTimestamp": iso("09:30:20"),
        }

    store(summary(with_unanswered_transfer))

    response = call_page(admin_client)

    legs = response.context["inline_admin_formsets"][1]
    assert [form.original.call_leg_id for form in legs] == [LEG_A, LEG_B]
    html = response.content.decode()
    for shown in (
        CALLER,
        TRANSFER_TO,
        "COMPLETED",
        "NO_ANSWER",
        "never answered",
        "1:11",  # leg A's connected time
        "1:12",  # the call's duration
        "4.3",
        "3 ms",
        "0.1 %",
        "HANGUP",
        "2024-11-11 09:31:12",
    ):
        assert shown in html, shown
    assert not list(get_messages(response.wsgi_request))


@pytest.mark.django_db
def test_what_8x8_has_not_said_yet_shows_as_a_dash(admin_client, status):
    store(status("CALL_RECEIVED", "09:30:00"))

    html = call_page(admin_client).content.decode()

    # Django would print a display method's None as "None".
    assert "None" not in html
    assert '<div class="readonly">-</div>' in html


@pytest.mark.django_db
def test_a_rejected_callflow_is_announced_above_the_call_page(admin_client, payload):
    store(payload("vss-session-error"))
    session_id = payload("vss-session-error")["payload"]["sessionId"]

    response = call_page(admin_client, session_id)

    html = response.content.decode()
    assert escape(ivr_admin.REJECTED_CALLFLOW_BANNER) in html
    assert f"{ivr_admin.REJECTED_CALLFLOW}</strong>" in html
    assert "The call flow provided is invalid" in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("rejected", {"rejected"}),
        ("any", {"rejected", "other-error"}),
        ("none", {"fine"}),
        ("", {"rejected", "other-error", "fine"}),
    ],
)
def test_calls_are_filtered_by_8x8_error(admin_client, payload, choice, expected):
    rejected = payload("vss-session-error")
    other = copy.deepcopy(rejected)
    other["payload"]["errorDetails"]["errorCode"] = -2005
    for session_id, body in [
        ("rejected", rejected),
        ("other-error", other),
        ("fine", payload("vss-session-completed")),
    ]:
        store(with_session(body, session_id))

    response = admin_client.get(
        reverse("admin:ivr_call_changelist"), {"error": choice} if choice else {}
    )

    assert {str(call) for call in response.context["cl"].result_list} == expected
    assert ivr_admin.REJECTED_CALLFLOW in response.content.decode()


def list_queries(client, rows: int) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin:ivr_call_changelist"))
    assert len(response.context["cl"].result_list) == rows
    return len(queries)


@pytest.mark.django_db
def test_the_call_list_costs_the_same_with_legs_for_5_calls_or_30(
    admin_client, status, summary
):
    def calls(numbers):
        for number in numbers:
            store(with_session(status("CALL_RECEIVED", "09:30:00"), f"call-{number}"))
            store(with_session(summary(), f"call-{number}"))

    calls(range(5))
    few = list_queries(admin_client, 5)
    calls(range(5, 30))
    many = list_queries(admin_client, 30)
    assert few == many


# --- End to end: needs ivr/webhook/answer.py to call call_history_apply ------------


@pytest.mark.django_db
def test_webhooks_in_every_order_leave_the_same_call(webhook_client, status, summary):
    posts = {
        "received": (CALL_STATUS_URL, status("CALL_RECEIVED", "09:30:00")),
        "disconnected": (
            CALL_STATUS_URL,
            status("CALL_DISCONNECTED", "09:31:12", duration=71),
        ),
        "summary": (SESSION_SUMMARY_URL, summary()),
    }
    results = []
    orders = distinct_orders([*posts, "summary"])  # the summary twice
    for number, order in enumerate(orders):
        session_id = f"order-{number}"
        for name in order:
            url, body = posts[name]
            response = webhook_client.post_json(url, with_session(body, session_id))
            assert response.status_code == 200
        row = Call.objects.values().get(pk=session_id)
        # When this test's server received it: the clock, not the events.
        assert row.pop("summary_received_at") is not None
        del row["session_id"]
        results.append((row, history(session_id)["legs"]))

    assert len(results) == 12
    for order, result in zip(orders, results, strict=True):
        assert result == results[0], order
    call, legs = results[0]
    assert (call["status"], call["ended_at"], call["event_count"]) == (
        "COMPLETED",
        at("09:31:12"),
        3,
    )
    assert legs[0]["mos"] == 4.3


@pytest.mark.django_db
def test_a_rejected_callflow_posted_as_a_webhook_is_flagged(
    webhook_client, admin_client, payload
):
    body = payload("vss-session-error")
    assert webhook_client.post_json(SESSION_SUMMARY_URL, body).status_code == 200

    call = Call.objects.get()
    assert (call.status, call.error_code, call.last_action) == (
        "ERROR",
        -2003,
        "SAY_AND_CAPTURE",
    )
    assert call.legs.get().source == "+6568888888"
    page = call_page(admin_client, call.session_id)
    assert escape(ivr_admin.REJECTED_CALLFLOW_BANNER) in page.content.decode()
