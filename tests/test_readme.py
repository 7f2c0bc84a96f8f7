"""The README's whole call with curl, as written: its bodies are posted to
the webhook in order, against the demo menus `make run` loads, and each
answer must be what the README shows. A README that drifts from the app
fails here."""

import io
import json
import re
import shlex
from pathlib import Path

import pytest
from django.core.management import call_command

from ivr.models import Call

pytestmark = pytest.mark.django_db

PROJECT = Path(__file__).parent.parent
SECTION = "## A whole call with curl"
BLOCK_RE = re.compile(r"^```(\w+)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
ELLIPSIS = "…"


def readme_section() -> str:
    text = (PROJECT / "README.md").read_text()
    start = text.index(SECTION + "\n")
    end = text.find("\n## ", start + len(SECTION))
    return text[start:end]


def curl_request(command: str) -> tuple[str, bytes]:
    """The URL path and body of a README curl command."""
    words = shlex.split(command.replace("\\\n", " "))
    assert words[:3] == ["curl", "-X", "POST"], command
    url = next(word for word in words if word.startswith("http://"))
    data = words[words.index("-d") + 1]
    body = (PROJECT / data[1:]).read_bytes() if data.startswith("@") else data.encode()
    return re.sub(r"^http://[^/]+", "", url), body


def steps() -> list[tuple[str, bytes, dict]]:
    """(path, body, the answer as shown) for each curl of the section."""
    blocks = BLOCK_RE.findall(readme_section())
    found, request = [], None
    for language, text in blocks:
        if language == "sh":
            assert request is None, "a curl without its answer"
            request = curl_request(text)
        elif language == "json":
            found.append((*request, json.loads(text)))
            request = None
    assert request is None, "a curl without its answer"
    return found


def shown_in(shown, actual) -> bool:
    """Whether the answer as the README shows it is part of `actual`: the
    keys it shows have the same values, a text ending in "…" starts the
    same, and lists have the same length."""
    if isinstance(shown, dict):
        return isinstance(actual, dict) and all(
            key in actual and shown_in(value, actual[key])
            for key, value in shown.items()
        )
    if isinstance(shown, list):
        return (
            isinstance(actual, list)
            and len(shown) == len(actual)
            and all(map(shown_in, shown, actual))
        )
    if isinstance(shown, str) and shown.endswith(ELLIPSIS):
        return isinstance(actual, str) and actual.startswith(shown[:-1].rstrip())
    return shown == actual


def test_the_readme_shows_a_call_from_its_start_through_key_presses():
    found = steps()

    assert len(found) >= 2
    bodies = [json.loads(body)["payload"] for _, body, _ in found]
    assert bodies[0]["callStatus"] == "CALL_RECEIVED"
    assert {body["callStatus"] for body in bodies[1:]} == {"ACTION_COMPLETED"}
    assert all(body["eventData"]["dtmf"] for body in bodies[1:])
    assert len({body["sessionId"] for body in bodies}) == 1
    assert len({body["eventId"] for body in bodies}) == len(bodies)


def test_the_readme_call_gets_the_answers_it_shows(webhook_client):
    call_command(
        "ivr_import", str(PROJECT / "examples" / "demo.yaml"), stdout=io.StringIO()
    )
    previous_answer = None

    for path, body, shown in steps():
        payload = json.loads(body)["payload"]
        if previous_answer is not None:
            # Each key press carries the id copied from the answer before.
            assert payload["clientActionId"] == previous_answer["clientActionId"]
        response = webhook_client.post(path, body, content_type="application/json")

        assert response.status_code == 200
        answer = response.json()
        assert shown_in(shown, answer), (shown, answer)
        previous_answer = answer

    call = Call.objects.get()
    assert call.event_count == len(steps())


@pytest.mark.parametrize(
    ("shown", "actual", "expected"),
    [
        ({"a": "Welcome. …"}, {"a": "Welcome. Press 1.", "b": 2}, True),
        ({"a": "Welcome …"}, {"a": "Goodbye"}, False),
        ({"a": [1]}, {"a": [1, 2]}, False),
        ({"c": 1}, {"a": 1}, False),
        ({"a": 1}, {"a": 2}, False),
    ],
)
def test_an_answer_is_shown_in_part_only_where_it_says_so(shown, actual, expected):
    assert shown_in(shown, actual) is expected
