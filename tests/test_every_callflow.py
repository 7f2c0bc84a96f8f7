"""Every callflow the menus can produce is valid under 8x8's schema.

Walks each menu tree like a very patient caller: from every menu, every
option, an invalid key and silence, following the clientActionId through
retries, exhaustion, transfers and the calls back after them, until no new
state is left. Each answer is checked with tests/callflow_schema.py.
"""

from collections import deque
from dataclasses import replace

import pytest

from ivr.core.decide import decide
from ivr.core.graph import snapshot_with_menu
from ivr.core.snapshot import IvrSnapshot, NoAnswerAction
from ivr.core.state import CallState, decode_state, encode_state
from ivr.eightbyeight.events import OUTBOUND
from ivr.eightbyeight.limits import CLIENT_ACTION_ID_RE
from tests.callflow_schema import schema_violations
from tests.menus import DEMO_FILE
from tests.snapshots import (
    CALLER,
    OUR_NUMBER,
    inbound_call,
    pressed,
    snapshot,
    tree,
)

STATE_LIMIT = 20_000


def walk(ivr: IvrSnapshot) -> dict[str, dict]:
    """Every answer reachable in `ivr`, keyed by a description of the step."""
    answers = {}
    starts = [encode_state(CallState(menu=key)) for key in ivr.menus]
    queue = deque(starts)
    seen = set(starts)
    answers["inbound"] = decide(ivr, inbound_call()).response
    outbound = pressed(
        "1", None, direction=OUTBOUND, source=OUR_NUMBER, destination=CALLER
    )
    answers["outbound first capture"] = decide(ivr, outbound).response
    while queue and len(seen) < STATE_LIMIT:
        cid = queue.popleft()
        menu = ivr.menus.get(decode_state(cid).menu)
        keys = [option.digits for option in menu.options] if menu else []
        for digits in [*keys, "x", None]:
            for sip_code in (200, 486):
                event = pressed(digits, cid, sip_code=sip_code)
                response = decide(ivr, event).response
                answers[f"{cid} + {digits!r} ({sip_code})"] = response
                following = response.get("clientActionId")
                if following and following not in seen:
                    seen.add(following)
                    queue.append(following)
    assert len(seen) < STATE_LIMIT, "the walk did not finish"
    return answers


def assert_all_valid(answers: dict[str, dict]) -> None:
    invalid = {step: schema_violations(body) for step, body in answers.items()}
    invalid = {step: problems for step, problems in invalid.items() if problems}
    assert invalid == {}
    # Beyond the schema: only the characters 8x8's own examples use.
    ids = {step: body.get("clientActionId") for step, body in answers.items()}
    bad_ids = {
        step: cid
        for step, cid in ids.items()
        if cid is not None and not CLIENT_ACTION_ID_RE.fullmatch(cid)
    }
    assert bad_ids == {}


@pytest.mark.parametrize("transfer_to", ["", "+6560009999"])
def test_every_callflow_of_the_test_tree_is_valid(transfer_to):
    answers = walk(tree(transfer_to=transfer_to))
    assert len(answers) > 100
    assert_all_valid(answers)


@pytest.mark.parametrize("on_no_answer", list(NoAnswerAction))
def test_every_callflow_after_a_transfer_that_is_not_answered_is_valid(on_no_answer):
    ivr = tree()
    main = ivr.menus["main"]
    transfer = replace(
        main.option_for("2"),
        on_no_answer=on_no_answer,
        no_answer_target="sales",
        no_answer_destination="+6560009999",
        no_answer_message="Nobody is free.",
    )
    options = tuple(transfer if o.digits == "2" else o for o in main.options)
    ivr.menus["main"] = replace(main, options=options)
    answers = walk(ivr)
    assert any(
        "__n2" in (body.get("clientActionId") or "") for body in answers.values()
    ) == (on_no_answer == NoAnswerAction.TRANSFER)
    assert_all_valid(answers)


def test_every_callflow_of_menus_with_keys_saved_before_the_rule_is_valid():
    # "." and "__" were allowed in keys before ids were limited to letters,
    # digits, "_" and "-": such menus still answer, with hex-encoded keys.
    ivr = tree()
    for old_key, new_key in (("sales", "sales.team"), ("billing", "bill__ing")):
        ivr = snapshot_with_menu(
            ivr, replace(ivr.menus[old_key], key=new_key), replacing=old_key
        )
    answers = walk(ivr)
    assert len(answers) > 100
    assert_all_valid(answers)


def test_every_callflow_on_a_published_version_is_valid():
    answers = walk(replace(tree(), version=2**31 - 1))
    assert all(
        decode_state(body["clientActionId"]).version == 2**31 - 1
        for body in answers.values()
        if "clientActionId" in body
    )
    assert_all_valid(answers)


def test_every_callflow_with_every_capture_setting_is_valid():
    ivr = tree(
        main={
            "max_digits": 2,
            "min_digits": 1,
            "complete_on_hash": True,
            "digit_timeout_ms": 20000,
            "tries": 10,
            "speed": 0.5,
        },
        sales={"digit_timeout_ms": 1, "overall_timeout_ms": 2, "speed": 2.0},
    )
    assert_all_valid(walk(ivr))


def test_every_callflow_of_an_empty_configuration_is_valid():
    assert_all_valid(walk(snapshot()))


@pytest.mark.django_db
def test_every_callflow_of_the_demo_menus_is_valid():
    from django.core.management import call_command

    from ivr.menus.snapshots import ivr_snapshot_from_database

    call_command("ivr_import", str(DEMO_FILE))
    answers = walk(ivr_snapshot_from_database())
    assert len(answers) > 200
    assert_all_valid(answers)
