"""Checks a response against 8x8's schema, independently of the app.

The JSON Schema part uses `jsonschema` on the schema file as 8x8's rules were
written down (tests/data/8x8/callflow-response.schema.json); the `x-rules` are
written out again here rather than borrowed from `ivr.eightbyeight.actions`,
so a mistake there cannot hide itself.
"""

import json
from pathlib import Path

from jsonschema import Draft202012Validator

SCHEMA = json.loads(
    (Path(__file__).parent / "data/8x8/callflow-response.schema.json").read_text()
)
_validator = Draft202012Validator(SCHEMA)


def x_rule_violations(body: dict) -> list[str]:
    callflow = body["callflow"]
    names = [action["action"] for action in callflow]
    problems = []
    for action in callflow:
        params = action.get("params", {})
        if action["action"] != "sayAndCapture":
            continue
        digit, overall = params.get("digitTimeout"), params.get("overallTimeout")
        if digit is not None and overall is not None and overall <= digit:
            problems.append("overallTimeout must exceed digitTimeout")
        low, high = params.get("minDigits"), params.get("maxDigits")
        if low is not None and high is not None and low > high:
            problems.append("minDigits exceeds maxDigits")
    if "hangup" in names and names[-1] != "hangup":
        problems.append("hangup is not last")
    if names[-1] not in ("sayAndCapture", "hangup", "makeCall"):
        problems.append(f"ends with {names[-1]}")
    if names.count("makeCall") > 2:
        problems.append("more than two makeCall")
    return problems


def schema_violations(body) -> list[str]:
    """Every way `body` breaks 8x8's schema or its x-rules; [] if valid."""
    problems = [error.message for error in _validator.iter_errors(body)]
    if problems:
        return problems
    return x_rule_violations(body)
