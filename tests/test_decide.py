"""The pure decision core: menu snapshot + event in, callflow out. No database."""

from dataclasses import replace

import pytest

from ivr.core.decide import (
    DEFAULT_EXHAUSTED_HANGUP,
    DEFAULT_EXHAUSTED_TRANSFER,
    MAX_FAILURES_PER_CALL,
    NO_ANSWER_MESSAGES,
    NO_ENTRY_MENU,
    TRANSFER_FAILED,
    UNKNOWN_MENU,
    Outcome,
    decide,
    enter_menu,
    fallback_decision,
)
from ivr.core.snapshot import (
    DEFAULT_GOODBYE,
    ExhaustedAction,
    Fallback,
    NoAnswerAction,
)
from ivr.core.state import decode_state
from ivr.eightbyeight.events import OUTBOUND
from tests.callflow_schema import schema_violations
from tests.snapshots import (
    CALLER,
    OUR_NUMBER,
    inbound_call,
    menu,
    option,
    pressed,
    snapshot,
    tree,
)


def actions_of(decision):
    return [action["action"] for action in decision.response["callflow"]]


def spoken(decision):
    """Everything the caller hears read out, in order."""
    texts = []
    for action in decision.response["callflow"]:
        params = action.get("params", {})
        texts.append(params.get("text") or params.get("promptMessage"))
    return [text for text in texts if text]


def test_inbound_call_enters_the_menu_of_the_number_called():
    decision = decide(tree(), inbound_call())
    assert decision.outcome == Outcome.ENTERED_MENU
    assert decision.menu_key == "main"
    assert decision.response["clientActionId"] == "main"
    assert actions_of(decision) == ["sayAndCapture"]
    assert spoken(decision) == ["This is the main menu."]


def test_inbound_call_to_an_unlisted_number_enters_the_default_menu():
    ivr = tree()
    ivr.numbers.clear()
    decision = decide(ivr, inbound_call(destination="+6599990000"))
    assert decision.menu_key == "main"
    assert decision.outcome == Outcome.ENTERED_MENU


def test_inbound_number_is_matched_without_its_plus():
    ivr = snapshot(menu("a"), menu("b"), numbers={OUR_NUMBER: "b"}, default="a")
    decision = decide(ivr, inbound_call(destination=OUR_NUMBER.lstrip("+")))
    assert decision.menu_key == "b"


def test_inbound_call_with_no_menu_for_it_gets_the_fallback():
    ivr = snapshot(menu("a"))
    decision = decide(ivr, inbound_call())
    assert decision.outcome == Outcome.FALLBACK
    assert decision.error == NO_ENTRY_MENU.format(number=OUR_NUMBER)
    assert actions_of(decision) == ["say", "hangup"]


@pytest.mark.parametrize(
    ("digits", "expected_actions", "expected_cid", "heard"),
    [
        ("1", ["sayAndCapture"], "sales__bmain", ["This is the sales menu."]),
        ("2", ["makeCall"], "main__t2", []),
        ("3", ["say", "hangup"], "main", ["We are closed."]),
        ("4", ["playFile", "sayAndCapture"], "main", ["This is the main menu."]),
        (
            "5",
            ["say", "sayAndCapture"],
            "sales__bmain",
            ["Going to sales.", "This is the sales menu."],
        ),
        ("6", ["playFile", "hangup"], "main", []),
        ("9", ["sayAndCapture"], "main", ["This is the main menu."]),
        ("*", ["sayAndCapture"], "main", ["This is the main menu."]),
        ("0", ["say", "hangup"], "main", ["Bye now."]),
        ("11", ["sayAndCapture"], "billing__bmain", ["This is the billing menu."]),
    ],
)
def test_each_option_of_main_becomes_its_callflow(
    digits, expected_actions, expected_cid, heard
):
    decision = decide(tree(), pressed(digits, "main"))
    assert decision.outcome == Outcome.CHOSE_OPTION
    assert decision.option.digits == digits
    assert actions_of(decision) == expected_actions
    assert decision.response.get("clientActionId") == expected_cid
    assert spoken(decision) == heard
    assert schema_violations(decision.response) == []


def test_transfer_calls_the_destination_from_the_number_dialled():
    decision = decide(tree(), pressed("2", "main"))
    make_call = decision.response["callflow"][-1]
    assert make_call["params"] == {
        "source": OUR_NUMBER,
        "destination": "+6560001111",
        "callRecording": True,
    }


def test_transfer_on_an_outbound_call_shows_our_number_its_source():
    event = pressed(
        "2", "main", direction=OUTBOUND, source=OUR_NUMBER, destination=CALLER
    )
    make_call = decide(tree(), event).response["callflow"][-1]
    assert make_call["params"]["source"] == OUR_NUMBER


def test_transfer_uses_the_options_caller_id_and_omits_recording_when_off():
    decision = decide(tree(), pressed("2", "sales"))
    assert decision.response["callflow"][-1]["params"] == {
        "source": "+6531580000",
        "destination": "+6560002222",
    }


def test_transfer_with_no_valid_caller_id_gets_the_fallback():
    event = pressed("2", "main", destination="anonymous")
    decision = decide(tree(), event)
    assert decision.outcome == Outcome.FALLBACK
    assert actions_of(decision) == ["say", "hangup"]


def test_back_returns_to_the_menu_the_caller_came_from():
    decision = decide(tree(), pressed("*", "billing__bmain__bsales"))
    assert decision.response["clientActionId"] == "sales__bmain"
    assert spoken(decision) == ["This is the sales menu."]


def test_back_in_the_first_menu_repeats_it():
    decision = decide(tree(), pressed("*", "main"))
    assert decision.response["clientActionId"] == "main"
    assert spoken(decision) == ["This is the main menu."]


def test_back_skips_menus_that_are_no_longer_active():
    ivr = tree(sales={"active": False})
    decision = decide(ivr, pressed("*", "billing__bmain__bsales"))
    assert decision.response["clientActionId"] == "main"


def test_repeat_keeps_the_way_back():
    ivr = tree(sales={"options": (option("9", "repeat"), option("*", "back"))})
    decision = decide(ivr, pressed("9", "sales__r1__f1__bmain"))
    assert decision.response["clientActionId"] == "sales__bmain"


def test_a_hash_option_can_be_chosen():
    ivr = snapshot(menu("m", option("#", "hangup")), default="m")
    decision = decide(ivr, pressed("#", "m"))
    assert decision.outcome == Outcome.CHOSE_OPTION


@pytest.mark.parametrize(
    ("digits", "outcome", "message"),
    [
        ("7", Outcome.INVALID_INPUT, "Sorry, that is not a valid choice."),
        ("abc", Outcome.INVALID_INPUT, "Sorry, that is not a valid choice."),
        (None, Outcome.NO_INPUT, "Sorry, we did not hear your choice."),
    ],
)
def test_a_failed_attempt_says_why_and_asks_again(digits, outcome, message):
    decision = decide(tree(), pressed(digits, "main"))
    assert decision.outcome == outcome
    assert spoken(decision) == [message, "This is the main menu."]
    assert decision.response["clientActionId"] == "main__r1__f1"


def test_retries_count_up_then_the_menu_hangs_up():
    ivr = tree()
    cid = "main"
    outcomes = []
    for _ in range(3):
        decision = decide(ivr, pressed(None, cid))
        outcomes.append(decision.outcome)
        cid = decision.response.get("clientActionId")
    assert outcomes == [Outcome.NO_INPUT, Outcome.NO_INPUT, Outcome.RETRIES_EXHAUSTED]
    assert actions_of(decision) == ["say", "hangup"]
    assert spoken(decision) == [DEFAULT_EXHAUSTED_HANGUP]


def test_zero_retries_exhausts_on_the_first_failure():
    ivr = tree(main={"max_retries": 0})
    decision = decide(ivr, pressed("7", "main"))
    assert decision.outcome == Outcome.RETRIES_EXHAUSTED


def test_a_valid_choice_resets_the_retries():
    ivr = tree()
    decision = decide(ivr, pressed("1", "main__r1__f1"))
    assert decision.response["clientActionId"] == "sales__bmain"


def test_exhausted_retries_can_go_to_another_menu():
    decision = decide(tree(), pressed("7", "sales__r2__f2__bmain"))
    assert decision.outcome == Outcome.RETRIES_EXHAUSTED
    assert spoken(decision) == ["This is the main menu."]
    assert decision.response["clientActionId"] == "main__f3__bmain"


def test_exhausted_retries_can_transfer():
    decision = decide(tree(), pressed(None, "billing__r2__f2"))
    assert actions_of(decision) == ["say", "makeCall"]
    assert spoken(decision) == [DEFAULT_EXHAUSTED_TRANSFER]
    assert decision.response["callflow"][-1]["params"]["destination"] == "+6560003333"
    assert decision.response["clientActionId"] == "billing__t"


def test_exhausted_retries_say_the_menus_own_message():
    ivr = tree(main={"exhausted_message": "Please call back later."})
    decision = decide(ivr, pressed(None, "main__r2__f2"))
    assert spoken(decision) == ["Please call back later."]


def test_exhausted_towards_a_missing_menu_hangs_up_politely():
    ivr = tree(sales={"exhausted_target": "gone"})
    decision = decide(ivr, pressed(None, "sales__r2__f2"))
    assert actions_of(decision) == ["say", "hangup"]


def test_a_caller_who_never_presses_anything_is_not_kept_forever():
    # Two menus that send failing callers to each other.
    ivr = snapshot(
        menu(
            "a",
            option("1", "hangup"),
            on_exhausted=ExhaustedAction.MENU,
            exhausted_target="b",
        ),
        menu(
            "b",
            option("1", "hangup"),
            on_exhausted=ExhaustedAction.MENU,
            exhausted_target="a",
        ),
        default="a",
    )
    decision = decide(ivr, inbound_call())
    silent_attempts = 0
    while actions_of(decision)[-1] != "hangup" and silent_attempts < 100:
        decision = decide(ivr, pressed(None, decision.response["clientActionId"]))
        silent_attempts += 1
    assert actions_of(decision)[-1] == "hangup"
    assert silent_attempts == MAX_FAILURES_PER_CALL


def test_after_a_transfer_ends_the_call_ends_politely():
    decision = decide(tree(), pressed(None, "main__t2", sip_code=200))
    assert decision.outcome == Outcome.CALL_ENDED
    assert actions_of(decision) == ["say", "hangup"]
    assert spoken(decision) == [DEFAULT_GOODBYE]
    assert "clientActionId" not in decision.response


def test_after_the_retries_transfer_fails_the_caller_hears_why():
    # Options choose what a failed transfer does (tests/test_transfers.py);
    # the transfer when retries run out apologises and ends the call.
    decision = decide(tree(), pressed(None, "billing__t", sip_code=486))
    assert spoken(decision) == [TRANSFER_FAILED]
    assert actions_of(decision) == ["say", "hangup"]


@pytest.mark.parametrize("cid", ["nope", "support", "x__r1"])
def test_an_unknown_or_inactive_menu_gets_the_fallback(cid):
    ivr = snapshot(menu("main"), menu("support", active=False), default="main")
    decision = decide(ivr, pressed("1", cid))
    assert decision.outcome == Outcome.FALLBACK
    assert decision.error == UNKNOWN_MENU.format(key=decode_state(cid).menu)
    assert spoken(decision) == ["Sorry, something went wrong."]


def test_an_option_to_an_inactive_menu_gets_the_fallback():
    ivr = tree(sales={"active": False})
    decision = decide(ivr, pressed("1", "main"))
    assert decision.outcome == Outcome.FALLBACK


def test_fallback_transfers_to_the_operator_when_one_is_configured():
    ivr = snapshot(menu("main"), transfer_to="+6560009999")
    decision = decide(ivr, pressed("1", "nope"))
    assert actions_of(decision) == ["say", "makeCall"]
    assert decision.response["callflow"][1]["params"] == {
        "source": OUR_NUMBER,
        "destination": "+6560009999",
    }
    # When the operator hangs up, 8x8 calls back and the call ends politely.
    after = decide(ivr, pressed(None, decision.response["clientActionId"]))
    assert after.outcome == Outcome.CALL_ENDED


@pytest.mark.parametrize(
    "fallback",
    [
        Fallback(message="", voice_profile=""),
        Fallback(message="\x00", voice_profile="x" * 500, transfer_to="+1"),
        Fallback(message="Sorry", voice_profile="v", transfer_to="not a number"),
    ],
)
def test_a_misconfigured_fallback_is_still_a_valid_callflow(fallback):
    decision = fallback_decision(fallback, inbound_call(), "test")
    assert schema_violations(decision.response) == []
    assert actions_of(decision)[-1] == "hangup"


def test_first_capture_of_an_outbound_call_without_client_action_id():
    # A call started with 8x8's Send Callflow API: our number is the source.
    event = pressed(
        "1", None, direction=OUTBOUND, source=OUR_NUMBER, destination=CALLER
    )
    decision = decide(tree(), event)
    assert decision.outcome == Outcome.CHOSE_OPTION
    assert decision.menu_key == "main"
    assert decision.response["clientActionId"] == "sales__bmain"


def test_a_menu_that_would_send_an_invalid_callflow_gets_the_fallback():
    ivr = tree(main={"prompt": "\x01\x02"})  # nothing readable left
    decision = decide(ivr, inbound_call())
    assert decision.outcome == Outcome.FALLBACK
    assert "promptMessage" in decision.error
    assert schema_violations(decision.response) == []


def test_enter_menu_previews_an_inactive_menu_too():
    ivr = snapshot(menu("a", active=False))
    assert enter_menu(ivr, "a").response["clientActionId"] == "a"
    with pytest.raises(KeyError):
        enter_menu(ivr, "missing")


# --- A transfer that is not answered -----------------------------------------


def with_transfer(**fields):
    """The test tree with main's transfer option (2, to +6560001111) changed."""
    ivr = tree()
    main = ivr.menus["main"]
    transfer = replace(main.option_for("2"), **fields)
    options = tuple(transfer if o.digits == "2" else o for o in main.options)
    ivr.menus["main"] = replace(main, options=options)
    return ivr


NOBODY = NO_ANSWER_MESSAGES[NoAnswerAction.RETURN]


@pytest.mark.parametrize(
    ("fields", "cid", "expected_actions", "heard", "next_cid"),
    [
        # The default: a short apology, then the menu the caller was in,
        # with the same way back.
        (
            {},
            "main__t2",
            ["say", "sayAndCapture"],
            [NOBODY, "This is the main menu."],
            "main",
        ),
        (
            {"no_answer_message": "All lines are busy."},
            "main__bsales__t2",
            ["say", "sayAndCapture"],
            ["All lines are busy.", "This is the main menu."],
            "main__bsales",
        ),
        (
            {"on_no_answer": NoAnswerAction.MENU, "no_answer_target": "billing"},
            "main__t2",
            ["say", "sayAndCapture"],
            [NOBODY, "This is the billing menu."],
            "billing__bmain",
        ),
        (
            # A menu that is no longer active: back to the caller's menu.
            {"on_no_answer": NoAnswerAction.MENU, "no_answer_target": "gone"},
            "main__t2",
            ["say", "sayAndCapture"],
            [NOBODY, "This is the main menu."],
            "main",
        ),
        (
            {
                "on_no_answer": NoAnswerAction.TRANSFER,
                "no_answer_destination": "+6560009999",
            },
            "main__t2",
            ["say", "makeCall"],
            [NO_ANSWER_MESSAGES[NoAnswerAction.TRANSFER]],
            "main__n2",
        ),
        (
            {"on_no_answer": NoAnswerAction.HANGUP},
            "main__t2",
            ["say", "hangup"],
            [TRANSFER_FAILED],
            "main",
        ),
    ],
)
def test_an_option_says_what_happens_when_its_transfer_is_not_answered(
    fields, cid, expected_actions, heard, next_cid
):
    decision = decide(with_transfer(**fields), pressed(None, cid, sip_code=486))
    assert decision.outcome == Outcome.TRANSFER_FAILED
    assert decision.menu_key == "main"
    assert decision.option.digits == "2"
    assert decision.failed_transfer_to == "+6560001111"
    assert actions_of(decision) == expected_actions
    assert spoken(decision) == heard
    assert decision.response["clientActionId"] == next_cid
    assert schema_violations(decision.response) == []


def test_the_second_number_tried_also_not_answering_ends_the_call():
    ivr = with_transfer(
        on_no_answer=NoAnswerAction.TRANSFER, no_answer_destination="+6560009999"
    )
    first = decide(ivr, pressed(None, "main__t2", sip_code=480))
    assert first.response["callflow"][1]["params"]["destination"] == "+6560009999"
    second = decide(ivr, pressed(None, first.response["clientActionId"], sip_code=480))
    assert second.outcome == Outcome.TRANSFER_FAILED
    assert second.failed_transfer_to == "+6560009999"
    assert actions_of(second) == ["say", "hangup"]
    assert spoken(second) == [TRANSFER_FAILED]


@pytest.mark.parametrize(
    ("cid", "transfer_to", "number"),
    [
        ("billing__t", "", "+6560003333"),  # the retries' transfer
        ("__t", "+6560009999", "+6560009999"),  # the operator (fallback)
        ("main;after=transfer", "", ""),  # an id of the form sent before
    ],
)
def test_other_transfers_not_answered_apologise_and_end_the_call(
    cid, transfer_to, number
):
    ivr = replace(tree(), fallback=replace(tree().fallback, transfer_to=transfer_to))
    decision = decide(ivr, pressed(None, cid, sip_code=603))
    assert decision.outcome == Outcome.TRANSFER_FAILED
    assert decision.failed_transfer_to == number
    assert actions_of(decision) == ["say", "hangup"]
    assert spoken(decision) == [TRANSFER_FAILED]


@pytest.mark.parametrize("sip_code", [200, None])
def test_a_transfer_that_connected_and_ended_gets_the_goodbye(sip_code):
    ivr = with_transfer(on_no_answer=NoAnswerAction.MENU, no_answer_target="sales")
    decision = decide(ivr, pressed(None, "main__t2", sip_code=sip_code))
    assert decision.outcome == Outcome.CALL_ENDED
    assert spoken(decision) == [DEFAULT_GOODBYE]
    assert actions_of(decision) == ["say", "hangup"]


def test_a_call_keeps_its_version_after_a_transfer_is_not_answered():
    ivr = replace(tree(), version=7)
    decision = decide(ivr, pressed(None, "main__t2__v7", sip_code=486))
    assert decode_state(decision.response["clientActionId"]).version == 7


def test_choosing_a_transfer_carries_the_option_and_the_way_back():
    decision = decide(tree(), pressed("2", "main__bsales"))
    assert decision.response["clientActionId"] == "main__bsales__t2"
