"""Build the callflow actions 8x8 accepts, and check a whole response.

Strict in what we send: every builder emits only parameters 8x8 documents,
always sends the capture settings explicitly (8x8's own documents disagree on
the defaults), and `response_problems` checks a response against the rules of
`callflow-response.schema.json` and its `x-rules` before it goes on the wire.
"""

from dataclasses import dataclass
from typing import Any

from ivr.eightbyeight import limits

Action = dict[str, Any]


@dataclass(frozen=True)
class Voice:
    """How text is read to the caller."""

    profile: str
    speed: float = 1.0


def clean_tts(text: str) -> str:
    """Text 8x8 can read: no control characters, trimmed, within the limit.

    Returns "" when nothing readable is left; callers must not send that.
    """
    text = limits.CONTROL_CHARS_RE.sub(" ", text or "")
    return " ".join(text.split())[: limits.TTS_MAX_CHARS]


def say(text: str, voice: Voice) -> Action:
    return {
        "action": "say",
        "params": {
            "text": clean_tts(text),
            "voiceProfile": voice.profile,
            "repetition": 1,
            "speed": voice.speed,
        },
    }


@dataclass(frozen=True)
class Capture:
    """The DTMF capture settings of a sayAndCapture, all explicit."""

    min_digits: int
    max_digits: int
    digit_timeout_ms: int
    overall_timeout_ms: int
    complete_on_hash: bool
    tries: int


def say_and_capture(prompt: str, voice: Voice, capture: Capture) -> Action:
    return {
        "action": "sayAndCapture",
        "params": {
            "promptMessage": clean_tts(prompt),
            "voiceProfile": voice.profile,
            "speed": voice.speed,
            "minDigits": capture.min_digits,
            "maxDigits": capture.max_digits,
            "digitTimeout": capture.digit_timeout_ms,
            "overallTimeout": capture.overall_timeout_ms,
            "completeOnHash": capture.complete_on_hash,
            "noOfTries": capture.tries,
        },
    }


def play_file(file_url: str) -> Action:
    return {"action": "playFile", "params": {"fileUrl": file_url, "repetition": 1}}


def make_call(source: str, destination: str, *, record: bool = False) -> Action:
    params: dict[str, Any] = {"source": source, "destination": destination}
    # callRecording is documented only in VCA-response examples (the OpenAPI
    # schema allows two params): send it only when it is asked for.
    if record:
        params["callRecording"] = True
    return {"action": "makeCall", "params": params}


def hangup() -> Action:
    # 8x8's documents send hangup without params.
    return {"action": "hangup"}


def response(callflow: list[Action], client_action_id: str | None) -> dict:
    body: dict[str, Any] = {}
    if client_action_id:
        body["clientActionId"] = client_action_id
    body["callflow"] = callflow
    return body


# --- Checking a response ----------------------------------------------------

TERMINAL_ACTIONS = {"sayAndCapture", "hangup", "makeCall"}


def response_problems(body: Any) -> list[str]:
    """Everything in `body` that 8x8 would reject; [] when it is valid.

    Mirrors `callflow-response.schema.json` and its `x-rules`, so that the
    webhook never sends what 8x8 would answer with a -2003 session error.
    """
    if not isinstance(body, dict):
        return ["the response is not an object"]
    problems = []
    extra = set(body) - {"clientActionId", "callflow"}
    if extra:
        problems.append(f"unknown response fields {sorted(extra)}")
    cid = body.get("clientActionId")
    if "clientActionId" in body and not (
        isinstance(cid, str) and limits.CLIENT_ACTION_ID_RE.fullmatch(cid)
    ):
        problems.append("clientActionId must be 1 to 100 letters, digits, “_” or “-”")
    callflow = body.get("callflow")
    if not isinstance(callflow, list) or not callflow:
        return [*problems, "callflow must be a non-empty list"]
    for index, action in enumerate(callflow):
        problems += [f"action {index}: {p}" for p in _action_problems(action)]
    names = [a.get("action") if isinstance(a, dict) else None for a in callflow]
    if "hangup" in names and names.index("hangup") != len(names) - 1:
        problems.append("hangup must be the last action")
    if names[-1] not in TERMINAL_ACTIONS:
        problems.append("the last action must be sayAndCapture, hangup or makeCall")
    if names.count("makeCall") > limits.MAKE_CALLS_MAX:
        problems.append("at most two makeCall actions")
    return problems


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _tts_ok(value: Any) -> bool:
    return isinstance(value, str) and 1 <= len(value) <= limits.TTS_MAX_CHARS


def _voice_ok(value: Any) -> bool:
    return isinstance(value, str) and 1 <= len(value) <= limits.VOICE_PROFILE_MAX_CHARS


def _in_range(value: Any, low: float, high: float, *, integer: bool) -> bool:
    kind_ok = _is_int(value) if integer else _is_number(value)
    return kind_ok and low <= value <= high


def _e164_ok(value: Any) -> bool:
    return isinstance(value, str) and bool(limits.E164_RE.fullmatch(value))


def _action_problems(action: Any) -> list[str]:
    if not isinstance(action, dict):
        return ["not an object"]
    name = action.get("action")
    checker = _PARAM_CHECKERS.get(name)
    if checker is None:
        return [f"unknown action {name!r}"]
    if set(action) - {"action", "params"}:
        return ["unknown fields beside action and params"]
    params = action.get("params")
    if name == "hangup":
        return [] if params in (None, {}) else ["hangup takes no params"]
    if not isinstance(params, dict):
        return ["params must be an object"]
    allowed, problems = checker(params)
    unknown = set(params) - allowed
    if unknown:
        problems.append(f"unknown params {sorted(unknown)}")
    return problems


def _say_problems(params: dict) -> tuple[set, list[str]]:
    problems = []
    if not _tts_ok(params.get("text")):
        problems.append("say text must be 1 to 3000 characters")
    problems += _voice_problems(params)
    return {"text", "voiceProfile", "repetition", "speed"}, problems


def _voice_problems(params: dict) -> list[str]:
    problems = []
    if not _voice_ok(params.get("voiceProfile")):
        problems.append("voiceProfile must be 1 to 100 characters")
    if "speed" in params and not _in_range(
        params["speed"], limits.SPEED_MIN, limits.SPEED_MAX, integer=False
    ):
        problems.append("speed must be a number from 0.5 to 2")
    if "repetition" in params and not _in_range(
        params["repetition"], limits.REPETITION_MIN, limits.REPETITION_MAX, integer=True
    ):
        problems.append("repetition must be an integer from 1 to 3")
    return problems


def _capture_problems(params: dict) -> tuple[set, list[str]]:
    problems = []
    if not _tts_ok(params.get("promptMessage")):
        problems.append("promptMessage must be 1 to 3000 characters")
    problems += _voice_problems(params)
    for name in ("minDigits", "maxDigits"):
        if name in params and not _in_range(
            params[name], limits.DIGITS_MIN, limits.DIGITS_MAX, integer=True
        ):
            problems.append(f"{name} must be an integer from 1 to 25")
    for name in ("digitTimeout", "overallTimeout"):
        if name in params and not (_is_int(params[name]) and params[name] >= 1):
            problems.append(f"{name} must be a positive integer")
    if "noOfTries" in params and not _in_range(
        params["noOfTries"], limits.TRIES_MIN, limits.TRIES_MAX, integer=True
    ):
        problems.append("noOfTries must be an integer from 1 to 10")
    if "completeOnHash" in params and not isinstance(params["completeOnHash"], bool):
        problems.append("completeOnHash must be a boolean")
    for name in ("successMessage", "failureMessage"):
        value = params.get(name)
        if value is not None and not (
            isinstance(value, str) and len(value) <= limits.TTS_MAX_CHARS
        ):
            problems.append(f"{name} must be text of at most 3000 characters")
    problems += _capture_rule_problems(params)
    allowed = {
        "promptMessage",
        "voiceProfile",
        "speed",
        "repetition",
        "completeOnHash",
        "minDigits",
        "maxDigits",
        "digitTimeout",
        "overallTimeout",
        "noOfTries",
        "successMessage",
        "failureMessage",
    }
    return allowed, problems


def _capture_rule_problems(params: dict) -> list[str]:
    """The cross-field rules 8x8 answers with -1003, -1005, -1006 and -1008."""
    problems = []
    if "minDigits" in params and "maxDigits" not in params:
        problems.append("minDigits needs maxDigits")
    if "digitTimeout" in params and "overallTimeout" not in params:
        problems.append("digitTimeout needs overallTimeout")
    if params.get("completeOnHash") is False and "maxDigits" not in params:
        problems.append("completeOnHash false needs maxDigits")
    low, high = params.get("minDigits"), params.get("maxDigits")
    if _is_int(low) and _is_int(high) and low > high:
        problems.append("minDigits must not exceed maxDigits")
    digit, overall = params.get("digitTimeout"), params.get("overallTimeout")
    if _is_int(digit) and _is_int(overall) and overall <= digit:
        problems.append("overallTimeout must be greater than digitTimeout")
    return problems


def _play_problems(params: dict) -> tuple[set, list[str]]:
    problems = []
    url = params.get("fileUrl")
    if not (
        isinstance(url, str)
        and len(url) <= limits.FILE_URL_MAX_CHARS
        and limits.FILE_URL_RE.fullmatch(url)
    ):
        problems.append("fileUrl must be an http(s) URL of an mp3 or wav file")
    if "repetition" in params and not _in_range(
        params["repetition"], limits.REPETITION_MIN, limits.REPETITION_MAX, integer=True
    ):
        problems.append("repetition must be an integer from 1 to 3")
    return {"fileUrl", "repetition"}, problems


def _make_call_problems(params: dict) -> tuple[set, list[str]]:
    problems = []
    for name in ("source", "destination"):
        if not _e164_ok(params.get(name)):
            problems.append(f"{name} must be an E.164 number")
    if "callRecording" in params and not isinstance(params["callRecording"], bool):
        problems.append("callRecording must be a boolean")
    return {"source", "destination", "callRecording"}, problems


_PARAM_CHECKERS = {
    "say": _say_problems,
    "sayAndCapture": _capture_problems,
    "playFile": _play_problems,
    "makeCall": _make_call_problems,
    # hangup's params are checked in _action_problems: there are none.
    "hangup": lambda params: (set(), []),
}
