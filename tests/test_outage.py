"""The line stays up while the database does not: tests that break things.

Each test runs the app under gunicorn (two workers, as in production) on a
PostgreSQL server of its own, then stops that server, blocks it with a lock
or restarts the app in the middle of calls, and checks what callers got and
what was stored afterwards.
"""

import copy
import json
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest

from tests.callflow_schema import schema_violations
from tests.live import AppServer, PostgresServer, freeze, postgres_bin

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        postgres_bin() is None, reason="needs the PostgreSQL server programs"
    ),
]

EXAMPLES = Path(__file__).parent / "data" / "8x8"
CALL_ACTION = "/webhooks/8x8/call-action/"


def example(name: str) -> dict:
    return json.loads((EXAMPLES / f"{name}.json").read_text())


@pytest.fixture(scope="module")
def postgres():
    server = PostgresServer().init()
    server.start()
    yield server
    server.destroy()


@pytest.fixture
def app(postgres, tmp_path):
    # A fresh database per test, on the module's server.
    name = f"ivr_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres.url, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    url = postgres.url.rsplit("/", 1)[0] + "/" + name
    server = AppServer(url, tmp_path)
    server.manage("migrate", "--no-input")
    server.manage("ivr_import", "examples/demo.yaml")
    server.start()
    server.database_url = url
    yield server
    server.stop()


def call_event(event_id: str, session: str, digits: str | None, cid: str | None):
    body = example("vca-no-input")
    body["payload"].update(eventId=event_id, sessionId=session, clientActionId=cid)
    body["payload"]["eventData"] = {"dtmf": digits}
    return body


def stored_ids(database_url: str) -> list[str]:
    with psycopg.connect(database_url) as connection:
        rows = connection.execute("SELECT event_id FROM ivr_callevent").fetchall()
    return [row[0] for row in rows]


def wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.25)
    return condition()


def test_calls_are_answered_while_postgresql_is_down_and_no_event_is_lost(
    app, postgres, capsys
):
    sent: dict[str, tuple[int, dict]] = {}
    stop = threading.Event()

    def caller(number: int) -> None:
        sequence = 0
        while not stop.is_set():
            sequence += 1
            event_id = f"outage-{number}-{sequence}"
            digits = "1" if sequence % 3 else None
            body = call_event(event_id, f"call-{number}-{sequence}", digits, "main")
            sent[event_id] = app.post(CALL_ACTION, body)

    with ThreadPoolExecutor(4) as pool:
        for number in range(4):
            pool.submit(caller, number)
        time.sleep(2)
        postgres.stop()
        down_at = len(sent)
        time.sleep(2)
        health_status, health = app.get("/healthz")
        time.sleep(2)
        during = len(sent) - down_at
        postgres.start()
        time.sleep(3)
        stop.set()

    # Load balancers keep the node: it still answers calls.
    assert health_status == 200
    assert json.loads(health)["status"] == "degraded"
    statuses = {status for status, _ in sent.values()}
    invalid = [eid for eid, (_, body) in sent.items() if schema_violations(body)]
    assert statuses == {200}
    assert invalid == []
    assert during > 0, "no request was sent while the database was down"
    # Spooled events reach the database by themselves, once it is back.
    assert wait_for(lambda: len(stored_ids(app.database_url)) >= len(sent), 20)
    ids = stored_ids(app.database_url)
    assert sorted(ids) == sorted(sent)  # every event, each exactly once
    # The workers' metrics add up across processes.
    status, metrics = app.get("/metrics")
    assert status == 200
    assert b"ivr_database_errors_total" in metrics
    with capsys.disabled():
        print(
            f"\n[outage] requests: {len(sent)}, sent while down: {during}, "
            f"valid answers: {len(sent) - len(invalid)}, stored: {len(ids)}"
        )


def test_a_stalled_database_does_not_hold_callers(app):
    # Another session holds a lock every write needs, for longer than any
    # caller should wait.
    lock_seconds = 8
    answered_while_locked = []
    with psycopg.connect(app.database_url) as blocker:
        blocker.execute("LOCK TABLE ivr_call IN ACCESS EXCLUSIVE MODE")
        locked_until = time.monotonic() + lock_seconds
        for number in range(10):
            body = call_event(f"stall-{number}", f"stall-{number}", "1", "main")
            status, answer = app.post(CALL_ACTION, body)
            assert status == 200
            assert schema_violations(answer) == []
            answered_while_locked.append(time.monotonic() < locked_until)
        time.sleep(max(0.0, locked_until - time.monotonic()))
        blocker.rollback()
    assert all(answered_while_locked)
    expected = {f"stall-{number}" for number in range(10)}
    assert wait_for(lambda: expected <= set(stored_ids(app.database_url)), 20)


def test_the_same_event_at_the_same_moment_on_two_workers_is_stored_once(app):
    answers = {}
    for attempt in range(30):
        body = call_event(f"dup-{attempt}", f"dup-{attempt}", "1", "main")
        barrier = threading.Barrier(2)

        def deliver(body=body, barrier=barrier):
            barrier.wait()
            return app.post(CALL_ACTION, copy.deepcopy(body))

        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(lambda _: deliver(), range(2)))
        assert [status for status, _ in results] == [200, 200]
        assert results[0][1] == results[1][1]
        answers[f"dup-{attempt}"] = results[0][1]
    ids = stored_ids(app.database_url)
    assert sorted(ids) == sorted(answers)


def test_retries_survive_a_restart_of_the_app_in_the_middle_of_a_call(app):
    session = "restarted-call"
    _, answer = app.post(CALL_ACTION, call_event("r-1", session, None, "main"))
    cid = answer["clientActionId"]
    assert cid == "main__r1__f1"
    app.stop()
    app.start()
    _, answer = app.post(CALL_ACTION, call_event("r-2", session, None, cid))
    assert answer["clientActionId"] == "main__r2__f2"
    app.stop()
    app.start()
    _, answer = app.post(
        CALL_ACTION, call_event("r-3", session, None, answer["clientActionId"])
    )
    # The demo's main menu transfers a caller who is stuck.
    assert [a["action"] for a in answer["callflow"]] == ["say", "makeCall"]
    with psycopg.connect(app.database_url) as connection:
        outcome = connection.execute(
            "SELECT outcome FROM ivr_callevent WHERE event_id = 'r-3'"
        ).fetchone()
    assert outcome == ("retries_exhausted",)


def test_a_frozen_database_server_does_not_hold_callers(app, postgres):
    # Warm every worker, then freeze the server: its sockets stay open but
    # nothing answers, so only the app's own deadline can help.
    for number in range(6):
        app.post(CALL_ACTION, call_event(f"pre-{number}", "pre", "1", "main"))
    freeze(postgres, True)
    try:
        timings = []
        for number in range(6):
            started = time.monotonic()
            status, answer = app.post(
                CALL_ACTION,
                call_event(f"frozen-{number}", "frozen", "1", "main"),
                timeout=20,
            )
            timings.append(time.monotonic() - started)
            assert status == 200
            assert schema_violations(answer) == []
    finally:
        freeze(postgres, False)
    # Answered long before gunicorn's 30 s worker timeout would have ended
    # the call (the deadline is 3 x the 300 ms budget).
    print(f"\n[frozen] answer times (s): {[round(t, 2) for t in timings]}")
    assert max(timings) < 10, timings
    expected = {f"frozen-{number}" for number in range(6)}
    assert wait_for(lambda: expected <= set(stored_ids(app.database_url)), 30)
