"""Fixtures shared by the suite.

- `payload(name)`: a copy of one of 8x8's example webhooks (tests/data/8x8/).
- `webhook_client`: a CSRF-enforcing client that sends the webhook secret, so
  a webhook that lost its csrf_exempt, or its authentication, fails here
  (tests/webhooks.py has the client and the secrets).
- `menu_tree`: a small menu tree in the database that uses every action.
- `fake_8x8`: a local fake of 8x8's Voice API (tests/fake_8x8.py), running,
  with the IVR_8X8_* settings pointing at it. Without it, those settings
  point nowhere, so no test can reach the real 8x8.
- `production_settings`: the settings a production start needs, applied.

And for every test, without asking: the webhook secrets, no default country,
no real 8x8, a fast password hasher, a process with nothing in memory, and
row numbers (event-0, ...) counted from 0 (tests/numbering.py).

Helpers that tests import live in modules of their own (tests/admin_forms.py,
tests/webhooks.py, ...), never here nor in a test module.
"""

import copy
import json

import pytest

# pytest explains a failed assert only in test modules and conftest.py by
# itself: helpers that assert are named here, before anything imports them.
pytest.register_assert_rewrite("tests.known_history", "tests.webhooks")

from tests import numbering  # noqa: E402
from tests.fake_8x8 import Fake8x8  # noqa: E402
from tests.menus import create_menu_tree  # noqa: E402
from tests.webhooks import (  # noqa: E402
    EXAMPLES_DIR,
    OLD_WEBHOOK_SECRET,
    WEBHOOK_SECRET,
    WebhookClient,
)

_examples = {
    path.stem: json.loads(path.read_text())
    for path in EXAMPLES_DIR.glob("*.json")
    if path.stem.startswith(("vca-", "vcs-", "vss-"))
}

# The settings the README's production environment values give: with them,
# `manage.py check --deploy` passes.
PRODUCTION = {
    "DEBUG": False,
    "SECRET_KEY": "a-real-secret-key-" + "x" * 50,
    "ALLOWED_HOSTS": ["ivr.example.com"],
    "IVR_WEBHOOK_AUTH": ["Bearer secret"],
    "SECURE_SSL_REDIRECT": True,
    "SECURE_HSTS_SECONDS": 31536000,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
    "SECURE_HSTS_PRELOAD": True,
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
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
def _fast_passwords(settings):
    # Users made in a test (admin_client's superuser, a browser's login) hash
    # their password with this: not 0.5 s each.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _numbering_from_zero():
    numbering.restart()


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


@pytest.fixture
def webhook_client():
    return WebhookClient()


@pytest.fixture
def production_settings(settings):
    for name, value in PRODUCTION.items():
        setattr(settings, name, value)
    return settings


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
