"""The menus in memory, on disk, and the breaker that spares the database."""

import pytest
from django.db import OperationalError

from ivr.resilience import breaker as breaker_module
from ivr.resilience import menu_cache
from ivr.resilience.breaker import DatabaseBreaker
from ivr.resilience.menu_cache import MenuCache

pytestmark = pytest.mark.django_db


def broken_database(*args, **kwargs):
    raise OperationalError("connection refused")


def test_a_process_started_during_an_outage_answers_from_the_disk_copy(
    menu_tree, monkeypatch
):
    original = MenuCache(DatabaseBreaker()).snapshot()  # loads, saves a copy
    monkeypatch.setattr(menu_cache, "live_snapshot_from_database", broken_database)
    restarted = MenuCache(DatabaseBreaker())
    copy = restarted.snapshot()
    assert copy.menus == original.menus
    assert copy.numbers == original.numbers
    assert copy.default_menu == "main"


def test_without_database_or_copy_there_are_no_menus(monkeypatch):
    monkeypatch.setattr(menu_cache, "menu_tree_token", broken_database)
    assert MenuCache(DatabaseBreaker()).snapshot() is None


def test_the_breaker_skips_the_database_for_a_moment_after_a_failure(monkeypatch):
    calls = []

    def counting(*args):
        calls.append(1)
        raise OperationalError("down")

    monkeypatch.setattr(menu_cache, "menu_tree_token", counting)
    breaker = DatabaseBreaker(cooldown=60)
    cache = MenuCache(breaker)
    assert cache.reload() is None
    assert cache.reload() is None
    assert len(calls) == 1
    breaker.succeeded()
    assert cache.reload() is None
    assert len(calls) == 2


def test_no_menus_at_all_still_answers_the_caller(webhook_client, payload, monkeypatch):
    monkeypatch.setattr(menu_cache, "menu_tree_token", broken_database)
    response = webhook_client.call_action(payload("vca-call-received-inbound"))
    assert response.status_code == 200
    assert [a["action"] for a in response.json()["callflow"]] == ["say", "hangup"]


def test_the_breaker_waits_longer_after_each_failure_in_a_row(monkeypatch):
    now = [100.0]
    monkeypatch.setattr(breaker_module.time, "monotonic", lambda: now[0])
    breaker = DatabaseBreaker(cooldown=1, longest=4)
    waits = []
    for _ in range(4):
        breaker.failed()
        start = now[0]
        while not breaker.allows():
            now[0] += 0.5
        waits.append(now[0] - start)
    assert waits == [1, 2, 4, 4]
    breaker.succeeded()
    breaker.failed()
    now[0] += 1
    assert breaker.allows()
