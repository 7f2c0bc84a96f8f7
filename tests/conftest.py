"""Fixtures shared by the suite.

- `payload(name)`: a copy of one of 8x8's example webhooks (tests/data/8x8/).
- `webhook_client`: a CSRF-enforcing client that sends the webhook secret, so
  a webhook that lost its csrf_exempt, or its authentication, fails here.
- `menu_tree`: a small menu tree in the database that uses every action.
- `fake_8x8`: a local fake of 8x8's Voice API (tests/fake_8x8.py), running,
  with the IVR_8X8_* settings pointing at it. Without it, those settings
  point nowhere, so no test can reach the real 8x8.
"""

import copy
import json
from pathlib import Path

import pytest
from django.test import Client

from tests.fake_8x8 import Fake8x8
from tests.menus import create_menu_tree

DATA_DIR = Path(__file__).parent / "data"
EXAMPLES_DIR = DATA_DIR / "8x8"
WEBHOOK_SECRET = "Bearer test-webhook-secret"
OLD_WEBHOOK_SECRET = "Bearer previous-webhook-secret"

_examples = {
    path.stem: json.loads(path.read_text())
    for path in EXAMPLES_DIR.glob("*.json")
    if path.stem.startswith(("vca-", "vcs-", "vss-"))
}


@pytest.fixture
def payload():
    def load(name: str) -> dict:
        return copy.deepcopy(_examples[name])

    return load


@pytest.fixture(autouse=True)
def _webhook_secrets(settings):
    settings.IVR_WEBHOOK_AUTH = [WEBHOOK_SECRET, OLD_WEBHOOK_SECRET]
    settings.IVR_FALLBACK_TRANSFER = ""


@pytest.fixture(autouse=True)
def _international_numbers_only(settings):
    # A developer's .env may name a default country: tests that want one say so.
    settings.IVR_DEFAULT_COUNTRY = ""


@pytest.fixture(autouse=True)
def _no_real_8x8(settings):
    # A developer's .env may hold a real key: never use it in a test.
    settings.IVR_8X8_API_KEY = ""
    settings.IVR_8X8_SUBACCOUNT = ""
    settings.IVR_8X8_API_URL = "http://127.0.0.1:9/api/v1"  # the discard port


@pytest.fixture
def fake_8x8(settings):
    with Fake8x8() as fake:
        settings.IVR_8X8_API_KEY = fake.api_key
        settings.IVR_8X8_SUBACCOUNT = fake.sub_account
        settings.IVR_8X8_API_URL = fake.api_url
        yield fake


class WebhookClient(Client):
    """Posts JSON to the webhooks as 8x8 does."""

    def __init__(self, **defaults):
        defaults.setdefault("HTTP_AUTHORIZATION", WEBHOOK_SECRET)
        super().__init__(enforce_csrf_checks=True, **defaults)

    def post_json(self, path, body, **extra):
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        return self.post(path, data, content_type="application/json", **extra)

    def call_action(self, body, **extra):
        return self.post_json("/webhooks/8x8/call-action/", body, **extra)


@pytest.fixture
def webhook_client():
    return WebhookClient()


@pytest.fixture
def menu_tree(db):
    return create_menu_tree()


@pytest.fixture(autouse=True)
def _fresh_process_state(settings, tmp_path):
    """Each test starts like a new app process: no menus in memory, a closed
    breaker, no remembered answers, and a spool of its own."""
    from ivr.resilience import menu_cache
    from ivr.webhook import answer as recorder

    settings.IVR_SPOOL_DIR = tmp_path / "spool"
    # Background replay threads would write outside the test's transaction;
    # tests/test_outage.py shows it working under gunicorn.
    settings.IVR_SPOOL_AUTO_REPLAY = False
    menu_cache.menus.forget()
    menu_cache.breaker.succeeded()
    recorder.recent_answers.clear()
    yield
    menu_cache.menus.forget()
