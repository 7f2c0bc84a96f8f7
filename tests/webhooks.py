"""Calling the webhooks as 8x8 does, for the tests that post to them.

- `WEBHOOK_SECRET`, `OLD_WEBHOOK_SECRET`: the Authorization values the suite
  accepts (conftest.py sets IVR_WEBHOOK_AUTH to both: a secret being rotated).
- `WebhookClient`: a CSRF-enforcing client that sends the secret and posts
  JSON (the `webhook_client` fixture is one).
- `answer(response)`: the JSON answer of a webhook, checked to be a 200 that
  8x8's callflow schema accepts.
- `EXAMPLES_DIR`: 8x8's example webhooks (the `payload` fixture reads them).
"""

import json
from pathlib import Path

from django.test import Client

from tests.callflow_schema import schema_violations

EXAMPLES_DIR = Path(__file__).parent / "data" / "8x8"
WEBHOOK_SECRET = "Bearer test-webhook-secret"
OLD_WEBHOOK_SECRET = "Bearer previous-webhook-secret"


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


def answer(response):
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert schema_violations(body) == []
    return body
