"""What a webhook costs the database, with the menus warm in memory.

PostgreSQL: one statement per call-action request, which stores the event,
updates its call and reads the menus' version (ivr.history.store). SQLite has no
data-modifying CTEs, so there the same work is an INSERT of the event, an
upsert of the call and a read of the version, in a transaction (the test
database counts that transaction's SAVEPOINT and RELEASE too): local calls
into the same process, not network round trips.
"""

import pytest
from django.db import connection

from ivr.models import CallEvent
from ivr.webhook import answer as recorder

pytestmark = pytest.mark.django_db

# Statements per request: PostgreSQL, SQLite (with its savepoint pair).
STORE = {"postgresql": 1, "sqlite": 5}
# A repeat of a stored event from another process: the insert that does
# nothing, then the read of the stored answer.
REPEAT_FROM_ANOTHER_PROCESS = {"postgresql": 2, "sqlite": 5}


@pytest.fixture
def warm(webhook_client, payload, menu_tree):
    """A process that has answered one call, so its menus are in memory."""
    body = payload("vca-call-received-inbound")
    body["payload"]["eventId"] = "warm-up"
    webhook_client.call_action(body)


def with_digits(payload, digits, event_id):
    body = payload("vca-no-input")
    body["payload"]["eventId"] = event_id
    body["payload"]["eventData"] = {"dtmf": digits}
    return body


@pytest.mark.parametrize(
    ("kind", "digits"),
    [("option", "1"), ("invalid", "7"), ("no input", None)],
)
def test_a_call_action_costs_one_statement(
    warm, webhook_client, payload, django_assert_num_queries, kind, digits
):
    with django_assert_num_queries(STORE[connection.vendor]):
        response = webhook_client.call_action(with_digits(payload, digits, kind))
    assert response.status_code == 200
    assert CallEvent.objects.filter(event_id=kind).exists()


def test_an_inbound_call_costs_one_statement(
    warm, webhook_client, payload, django_assert_num_queries
):
    with django_assert_num_queries(STORE[connection.vendor]):
        webhook_client.call_action(payload("vca-call-received-inbound"))


def test_a_repeat_answered_by_this_process_costs_nothing(
    warm, webhook_client, payload, django_assert_num_queries
):
    body = with_digits(payload, "1", "twice")
    first = webhook_client.call_action(body).json()
    with django_assert_num_queries(0):
        assert webhook_client.call_action(body).json() == first


def test_a_repeat_answered_by_another_process_reads_the_stored_answer(
    warm, webhook_client, payload, django_assert_num_queries
):
    body = with_digits(payload, "1", "twice")
    first = webhook_client.call_action(body).json()
    recorder.recent_answers.clear()  # as if another worker got it
    with django_assert_num_queries(REPEAT_FROM_ANOTHER_PROCESS[connection.vendor]):
        assert webhook_client.call_action(body).json() == first
