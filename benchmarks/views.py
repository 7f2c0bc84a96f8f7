"""The two references `make bench` measures the webhook against, served by
the same gunicorn, Django and middleware as the real webhook.

- `constant`: returns a fixed JSON body; the framework's floor.
- `minimal`: what a bare-bones implementation would do: read the menu with
  one SELECT, store the event with one INSERT (raw SQL), answer a
  sayAndCapture. No authentication, validation, retries, history or
  fallback.
"""

import json

from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

CONSTANT = json.dumps(
    {
        "clientActionId": "main",
        "callflow": [
            {
                "action": "sayAndCapture",
                "params": {
                    "promptMessage": "Hello.",
                    "voiceProfile": "en-US-BenjaminRUS",
                },
            }
        ],
    }
).encode()


@csrf_exempt
def constant(request):
    return HttpResponse(CONSTANT, content_type="application/json")


@csrf_exempt
def minimal(request):
    body = json.loads(request.body)
    payload = body["payload"]
    key = (payload.get("clientActionId") or "main").split("__")[0]
    # Skips Django's per-request SELECT 1 as the real webhook does, so the
    # comparison is of the work, not of that setting.
    connection.health_check_done = True
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT prompt, voice_profile FROM ivr_menu WHERE key = %s", [key]
        )
        prompt, voice = cursor.fetchone() or ("Sorry.", "en-US-BenjaminRUS")
        cursor.execute(
            "INSERT INTO ivr_callevent (event_id, event_type, call_leg_id, "
            "session_id, sub_account_id, status, direction, call_type, source, "
            "destination, digits, client_action_id, occurred_at, received_at, "
            "payload, menu_key, option_digits, outcome, error) VALUES (%s, "
            "'CALL_ACTION', '', %s, '', '', '', '', '', '', '', '', %s, %s, "
            "%s::jsonb, %s, '', '', '') ON CONFLICT (event_id) DO NOTHING",
            [
                payload["eventId"],
                payload.get("sessionId", ""),
                timezone.now(),
                timezone.now(),
                json.dumps(body),
                key,
            ],
        )
    return JsonResponse(
        {
            "clientActionId": key,
            "callflow": [
                {
                    "action": "sayAndCapture",
                    "params": {"promptMessage": prompt, "voiceProfile": voice},
                }
            ],
        }
    )
