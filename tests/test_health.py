"""What operations see: /healthz, /metrics and the webhook's log lines."""

import json
import logging

import pytest
from django.conf import settings
from pythonjsonlogger.json import JsonFormatter

from ivr.resilience import menu_cache
from tests.webhooks import WEBHOOK_SECRET

pytestmark = pytest.mark.django_db


def test_healthy(client, menu_tree):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "menus": "loaded",
        "spool_backlog": 0,
    }


def test_degraded_but_serving_while_the_database_is_away(client, menu_tree):
    menu_cache.menus.snapshot()  # this process has its menus
    menu_cache.breaker.failed()  # and the database just failed
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["database"] == "unreachable"


def test_down_when_the_process_has_no_menus_and_no_database(client, monkeypatch):
    menu_cache.breaker.failed()
    monkeypatch.setattr(menu_cache, "_disk_path", lambda: settings.BASE_DIR / "none")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "down"


def test_metrics_count_answers_by_outcome_and_time_them(
    client, webhook_client, payload, menu_tree
):
    def answers(outcome):
        text = client.get("/metrics").content.decode()
        line = f'ivr_call_action_answers_total{{outcome="{outcome}"}}'
        values = [row.split()[-1] for row in text.splitlines() if row.startswith(line)]
        return float(values[0]) if values else 0.0

    before = answers("entered_menu")
    webhook_client.call_action(payload("vca-call-received-inbound"))
    assert answers("entered_menu") == before + 1
    text = client.get("/metrics").content.decode()
    assert 'ivr_webhook_seconds_bucket{endpoint="call-action"' in text
    assert "ivr_spool_backlog 0.0" in text


def test_the_webhook_log_line_says_what_happened_and_never_the_secret(
    webhook_client, payload, menu_tree, caplog
):
    with caplog.at_level(logging.INFO, logger="ivr.webhook"):
        webhook_client.call_action(payload("vca-call-received-inbound"))
    (record,) = [r for r in caplog.records if r.name == "ivr.webhook"]
    line = json.loads(JsonFormatter("%(levelname)s %(message)s").format(record))
    assert line["event_id"] == "5b1c7e2a-9f3d-11ef-8c1a-0242ac120002"
    assert line["session_id"] == "5b1c8212-9f3d-11ef-8c1a-0242ac120002"
    assert line["menu"] == "main"
    assert line["outcome"] == "entered_menu"
    assert "duration_ms" in line
    assert WEBHOOK_SECRET.split()[-1] not in caplog.text


def test_production_logs_are_json(settings):
    handler = settings.LOGGING["handlers"]["console"]
    # DEBUG is off under tests, as in production.
    assert handler["formatter"] == "json"


def test_refused_webhooks_are_counted_for_prometheus(client, payload):
    def refused():
        text = client.get("/metrics").content.decode()
        line = 'ivr_webhook_auth_failures_total{reason="wrong"}'
        values = [row.split()[-1] for row in text.splitlines() if row.startswith(line)]
        return float(values[0]) if values else 0.0

    before = refused()
    client.post(
        "/webhooks/8x8/call-action/",
        payload("vca-call-received-inbound"),
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer wrong",
    )
    assert refused() == before + 1


def test_metrics_can_be_limited_to_the_monitoring_network(client, settings):
    settings.IVR_METRICS_ALLOWED_IPS = ["10.0.0.0/8"]
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    # The health check stays open to load balancers.
    assert client.get("/healthz", REMOTE_ADDR="203.0.113.9").status_code == 200
