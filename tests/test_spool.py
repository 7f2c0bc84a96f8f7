"""The spool keeps events the database could not take, and gives them back."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError

from ivr.history.store import EventRecord
from ivr.models import Call, CallEvent
from ivr.resilience import menu_cache, spool
from ivr.webhook import answer as recorder

pytestmark = pytest.mark.django_db


def record(event_id: str) -> EventRecord:
    return EventRecord(
        event_id=event_id,
        event_type="CALL_ACTION",
        occurred_at="2026-01-01T09:00:00+00:00",
        payload={"payload": {"eventId": event_id}},
        response={"callflow": [{"action": "hangup"}]},
        session_id="s-" + event_id,
        outcome="entered_menu",
    )


def test_appended_records_come_back_in_order_and_the_file_goes():
    for name in ["a", "b", "c"]:
        spool.spool_append(record(name).to_json())
    assert spool.spool_backlog() == 3
    seen = []
    result = spool.spool_replay(lambda line: seen.append(json.loads(line)["event_id"]))
    assert seen == ["a", "b", "c"]
    assert result == spool.ReplayResult(replayed=3)
    assert spool.spool_backlog() == 0
    assert not spool.spool_path().exists()


def test_a_failing_store_keeps_the_rest_for_later():
    for name in ["a", "b", "c"]:
        spool.spool_append(record(name).to_json())

    def store(line):
        if json.loads(line)["event_id"] == "b":
            raise OperationalError("still down")

    result = spool.spool_replay(store)
    assert (result.replayed, result.remaining) == (1, 2)
    assert spool.spool_backlog() == 2


def test_an_unreadable_line_is_set_aside_not_lost():
    spool.spool_append("not a record")
    spool.spool_append(record("a").to_json())
    call_command("ivr_replay_spool")
    assert CallEvent.objects.filter(event_id="a").exists()
    bad = spool.spool_path().with_suffix(".bad")
    assert bad.read_text() == "not a record\n"


def test_the_command_replays_every_process_file_idempotently(capsys):
    spool.spool_append(record("a").to_json())
    other = spool.spool_path(pid=999999)
    other.write_text(record("b").to_json() + "\n" + record("a").to_json() + "\n")
    call_command("ivr_replay_spool")
    assert sorted(CallEvent.objects.values_list("event_id", flat=True)) == ["a", "b"]
    assert Call.objects.count() == 2
    assert "Replayed 3 events; 0 still waiting" in capsys.readouterr().out


def test_the_command_says_so_when_there_is_nothing(capsys):
    call_command("ivr_replay_spool")
    assert "No spooled events" in capsys.readouterr().out


def test_the_command_fails_while_the_database_is_away(monkeypatch):
    spool.spool_append(record("a").to_json())

    def down(record):
        raise OperationalError("connection refused")

    monkeypatch.setattr(recorder, "event_record_store", down)
    with pytest.raises(CommandError, match="stay in the spool"):
        call_command("ivr_replay_spool")
    assert spool.spool_backlog() == 1


def test_a_webhook_spools_when_the_database_refuses_and_answers_anyway(
    webhook_client, payload, menu_tree, monkeypatch
):
    webhook_client.call_action(payload("vca-call-received-inbound"))  # warm menus

    def down(record):
        raise OperationalError("connection refused")

    monkeypatch.setattr(recorder, "event_record_store", down)
    body = payload("vca-eventdata-string")
    first = webhook_client.call_action(body)
    assert first.status_code == 200
    assert first.json()["clientActionId"] == "main__t2"
    assert spool.spool_backlog() == 1
    # While the breaker is open the database is not even tried.
    assert not menu_cache.breaker.allows()
    # A redelivery meanwhile gets the same answer and is not spooled twice.
    assert webhook_client.call_action(body).json() == first.json()
    assert spool.spool_backlog() == 1
    monkeypatch.undo()
    call_command("ivr_replay_spool")
    event = CallEvent.objects.get(event_id=body["payload"]["eventId"])
    assert event.response == first.json()
