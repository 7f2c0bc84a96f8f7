"""Building 8x8 actions, and refusing responses 8x8 would reject.

Each invalid case is also checked against the schema file, so the app's
checker and 8x8's written rules agree.
"""

import pytest

from ivr.eightbyeight import actions
from tests.callflow_schema import schema_violations

VOICE = actions.Voice("en-US-BenjaminRUS")
CAPTURE = actions.Capture(
    min_digits=1,
    max_digits=2,
    digit_timeout_ms=5000,
    overall_timeout_ms=15000,
    complete_on_hash=True,
    tries=1,
)


def capture(**params):
    action = actions.say_and_capture("Press 1.", VOICE, CAPTURE)
    action["params"].update(params)
    return action


def body(*callflow, **extra):
    return {"callflow": list(callflow), **extra}


VALID = [
    body(capture(), clientActionId="main"),
    body(actions.say("Hi", VOICE), actions.hangup()),
    body(actions.play_file("https://example.com/a.mp3"), actions.hangup()),
    body(actions.play_file("http://example.com/A.WAV?v=2"), capture()),
    body(actions.make_call("+6531581234", "+6560001111", record=True)),
    body(actions.make_call("6531581234", "+6560001111")),
    body({"action": "hangup", "params": {}}),
]

INVALID = [
    ({"callflow": []}, "callflow must be a non-empty list"),
    ({}, "callflow must be a non-empty list"),
    (body(capture(), extra=1), "unknown response fields ['extra']"),
    (body(capture(), clientActionId=""), "clientActionId must be 1 to 100"),
    (body(capture(), clientActionId="x" * 256), "clientActionId must be 1 to 100"),
    (body(actions.say("Hi", VOICE)), "the last action must be"),
    (body(actions.play_file("https://e.com/a.mp3")), "the last action must be"),
    (body(actions.hangup(), capture()), "hangup must be the last action"),
    (
        body(*[actions.make_call("+6531581234", "+6560001111")] * 3),
        "at most two makeCall",
    ),
    (body({"action": "record"}), "unknown action 'record'"),
    (body({"action": "hangup", "params": {"a": 1}}), "hangup takes no params"),
    (body(capture(overallTimeout=5000)), "overallTimeout must be greater"),
    (body(capture(minDigits=3)), "minDigits must not exceed maxDigits"),
    (body(capture(maxDigits=26)), "maxDigits must be an integer from 1 to 25"),
    (body(capture(speed=2.5)), "speed must be a number from 0.5 to 2"),
    (body(capture(speed="1")), "speed must be a number from 0.5 to 2"),
    (body(capture(noOfTries=11)), "noOfTries must be an integer from 1 to 10"),
    (body(capture(promptMessage="")), "promptMessage must be 1 to 3000"),
    (body(capture(promptMessage="x" * 3001)), "promptMessage must be 1 to 3000"),
    (body(capture(voiceProfile="")), "voiceProfile must be 1 to 100"),
    (body(capture(completeOnHash="yes")), "completeOnHash must be a boolean"),
    (body(capture(language="en-US")), "unknown params ['language']"),
    (
        body(actions.say("Hi", VOICE), actions.make_call("+65", "+6560001111")),
        "source must be an E.164 number",
    ),
    (
        body(actions.make_call("+6531581234\n", "+6560001111")),
        "source must be an E.164 number",
    ),
    (
        body(actions.play_file("https://example.com/a.ogg"), actions.hangup()),
        "fileUrl must be an http(s) URL",
    ),
    (
        body(actions.play_file("ftp://example.com/a.mp3"), actions.hangup()),
        "fileUrl must be an http(s) URL",
    ),
    (
        body(
            {
                "action": "say",
                "params": {"text": "x", "voiceProfile": "v", "repetition": 4},
            },
            actions.hangup(),
        ),
        "repetition must be an integer from 1 to 3",
    ),
]


@pytest.mark.parametrize("response", VALID)
def test_valid_responses_pass_both_checkers(response):
    assert actions.response_problems(response) == []
    assert schema_violations(response) == []


@pytest.mark.parametrize(("response", "problem"), INVALID)
def test_invalid_responses_are_refused_and_say_why(response, problem):
    problems = actions.response_problems(response)
    assert any(problem in p for p in problems), problems


# The schema file allows any 255 characters in clientActionId; the app sends
# only what 8x8's own examples use (letters, digits, "_", "-"), at most 100.
STRICTER_THAN_THE_SCHEMA = [
    body(capture(), clientActionId="x" * 101),
    body(capture(), clientActionId="main;v=1"),
    body(capture(), clientActionId="a.b"),
    body(capture(), clientActionId="main menu"),
    body(capture(), clientActionId="café"),
]


@pytest.mark.parametrize("response", STRICTER_THAN_THE_SCHEMA)
def test_client_action_ids_beyond_8x8s_examples_are_refused(response):
    assert schema_violations(response) == []
    assert actions.response_problems(response) == [
        "clientActionId must be 1 to 100 letters, digits, “_” or “-”"
    ]


# JSON Schema's "pattern" matches like re.search, where "$" accepts a trailing
# newline; the app is stricter there.
@pytest.mark.parametrize(
    ("response", "problem"),
    [case for case in INVALID if "\\n" not in repr(case[0])],
)
def test_the_schema_file_agrees_they_are_invalid(response, problem):
    assert schema_violations(response) != []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello", "Hello"),
        ("  Hello\n\tthere  ", "Hello there"),
        ("a\x00b\x1fc", "a b c"),
        ("x" * 4000, "x" * 3000),
        ("\x01", ""),
    ],
)
def test_clean_tts(text, expected):
    assert actions.clean_tts(text) == expected


def test_capture_sends_every_setting_explicitly():
    params = actions.say_and_capture("Press 1.", VOICE, CAPTURE)["params"]
    assert set(params) == {
        "promptMessage",
        "voiceProfile",
        "speed",
        "minDigits",
        "maxDigits",
        "digitTimeout",
        "overallTimeout",
        "completeOnHash",
        "noOfTries",
    }


def test_hangup_is_sent_without_params():
    assert actions.hangup() == {"action": "hangup"}


def test_recording_is_only_sent_when_asked_for():
    assert (
        "callRecording" not in actions.make_call("+6531581234", "+6560001111")["params"]
    )
