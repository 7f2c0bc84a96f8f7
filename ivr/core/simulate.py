"""Simulated calls: the webhook's own decision code, driven by hand.

`manage.py ivr_simulate` and the simulator on a menu's admin page both build
each step as the Voice Call Action body 8x8 would post, parse it with
`parse_event` and answer it with `decide`, so what they show is what a caller
would get. The call's place in the menus travels in the clientActionId of the
answer before, as on a live call, so retries, "back" and exhausted paths
behave as they do live. Nothing here reads or writes the database: callers
pass a snapshot, and no call or event is recorded.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace

from ivr.core.capture import capture_for, how_callers_choose
from ivr.core.decide import Decision, Outcome, decide
from ivr.core.numbers import normalize_number
from ivr.core.snapshot import IvrSnapshot, OptionAction
from ivr.core.state import decode_state
from ivr.eightbyeight.actions import Action
from ivr.eightbyeight.events import (
    ACTION_COMPLETED,
    CALL_ACTION,
    CALL_RECEIVED,
    INBOUND,
    VoiceEvent,
    parse_event,
)

DEFAULT_CALLER = "+6591234567"
# The number called when no number is set up at all: transfers need one as
# their caller ID. Made up, and said so wherever it is shown.
MADE_UP_NUMBER = "+6500000000"
# After these, the menus have nothing more to say on this call, unless 8x8
# calls back after a transfer (see TRANSFER_RESULTS).
CALL_ENDING_ACTIONS = ("hangup", "makeCall")

CALL_HUNG_UP = "The call ended: 8x8 hung up."
CALL_TRANSFERRED = "The call left the menus: the caller was transferred."
TRANSFERRING = "The caller is being transferred: say whether the transfer was answered."

# What happened to a transfer, as 8x8 reports it in the Voice Call Action
# that follows it: the leg's final SIP code (the assumption the README's 8x8
# section lists). Presses in `call_walk` and simulator events name them.
ANSWERED = "answered"  # connected, and that call has now ended
NOT_ANSWERED = "not-answered"  # busy, no answer or rejected
TRANSFER_RESULTS = {ANSWERED: 200, NOT_ANSWERED: 486}

# What each step did, in plain words, for the admin's transcript.
PRESSED_CALL_COMES_IN = "The call comes in."
PRESSED_KEYS = "Pressed {keys}."
PRESSED_NOTHING = "Pressed nothing (no input)."
PRESSED_TRANSFER = {
    ANSWERED: "The transfer was answered, and that call has now ended.",
    NOT_ANSWERED: "The transfer was not answered (busy, no answer or rejected).",
}
OUTCOME_ENTERED = "Entered menu {menu}."
OUTCOME_CHOSE = "Chose option {digits}{label}: {does}."
# {retries}: "1 retry", "2 retries".
OUTCOME_INVALID = "Not a valid choice: asked again ({retry} of {retries} used)."
OUTCOME_NO_INPUT = "No input: asked again ({retry} of {retries} used)."
OUTCOME_EXHAUSTED = "Retries used up."
OUTCOME_CALL_ENDED = "The transferred call ended."
OUTCOME_TRANSFER_FAILED = "The transfer to {number} did not connect."
OUTCOME_FALLBACK = "The menus could not answer: the caller hears the apology."
OUTCOME_ERROR = "Something went wrong."
WAITING_IN = "Now in menu {menu}: 8x8 waits for the caller's keys."

OPTION_DOES = {
    OptionAction.MENU: "go to menu {target}",
    OptionAction.TRANSFER: "transfer",
    OptionAction.SAY: "a message",
    OptionAction.PLAY: "an audio file",
    OptionAction.REPEAT: "hear this menu again",
    OptionAction.BACK: "back to the menu before",
    OptionAction.HANGUP: "hang up",
}


@dataclass(frozen=True)
class Step:
    # None: the call coming in; "": no input; ANSWERED or NOT_ANSWERED when
    # `transfer`: what happened to the transfer of the step before.
    press: str | None
    event: VoiceEvent
    decision: Decision
    transfer: bool = False

    @property
    def ends_call(self) -> bool:
        """The menus have nothing more to say unless a transfer reports back."""
        return self._last_action in CALL_ENDING_ACTIONS

    @property
    def transferring(self) -> bool:
        """The caller was transferred: 8x8 calls back when that call ends or
        could not be made."""
        return self._last_action == "makeCall"

    @property
    def _last_action(self) -> str | None:
        callflow = self.decision.response.get("callflow") or [{}]
        return callflow[-1].get("action")


def call_step(
    snapshot: IvrSnapshot,
    *,
    number: str,
    caller: str,
    press: str | None,
    client_action_id: str | None = None,
    index: int = 1,
    transfer: bool = False,
) -> Step:
    """One webhook of a call to `number` and its answer.

    `press` None is the call coming in (CALL_RECEIVED); otherwise the keys
    the caller pressed at the prompt whose answer carried `client_action_id`
    ("": none), or, with `transfer`, ANSWERED or NOT_ANSWERED: what became of
    the transfer that answer made. `index` numbers the event within the call.
    """
    body = webhook_body(
        f"simulated-event-{index}",
        number=number,
        caller=caller,
        received=press is None,
        digits=None if transfer else press or None,
        client_action_id=client_action_id,
        sip_code=TRANSFER_RESULTS[press] if transfer else 200,
    )
    event = parse_event(body)
    return Step(press, event, decide(snapshot, event), transfer=transfer)


def call_walk(
    *, snapshot: IvrSnapshot, number: str, caller: str, presses: Sequence[str]
) -> tuple[list[Step], list[str]]:
    """The steps of an inbound call to `number` in which the caller presses
    `presses` in turn ("" or "none": nothing), until the call ends or the
    presses run out. After a transfer, the next press says what became of
    it: ANSWERED or NOT_ANSWERED (any other press leaves the call there).
    Returns the steps and the presses left unused."""
    steps = [call_step(snapshot, number=number, caller=caller, press=None)]
    remaining = list(presses)
    while remaining:
        last = steps[-1]
        word = remaining[0].strip().lower()
        transfer = last.transferring and word in TRANSFER_RESULTS
        if last.ends_call and not transfer:
            break
        press = remaining.pop(0)
        if transfer:
            press = word
        elif word in ("", "none"):
            press = ""
        steps.append(
            call_step(
                snapshot,
                number=number,
                caller=caller,
                press=press,
                client_action_id=last.decision.response.get("clientActionId"),
                index=len(steps) + 1,
                transfer=transfer,
            )
        )
    return steps, remaining


def webhook_body(
    event_id: str,
    *,
    number: str,
    caller: str,
    received: bool,
    digits: str | None = None,
    client_action_id: str | None = None,
    sip_code: int = 200,
) -> dict:
    """A Voice Call Action body shaped like 8x8's own examples: the call
    coming in (`received`), the keys captured at a prompt, or (no digits, a
    `sip_code`) what became of a transfer."""
    payload = {
        "eventId": event_id,
        "callId": "simulated-call",
        "sessionId": "simulated-session",
        "callStatus": CALL_RECEIVED if received else ACTION_COMPLETED,
        "callDirection": INBOUND,
        "callType": "PSTN",
        "source": caller,
        "destination": number,
        "sipCode": sip_code,
    }
    if not received:
        payload["eventData"] = {"dtmf": digits}
        if client_action_id:
            payload["clientActionId"] = client_action_id
    return {"namespace": "VOICE", "eventType": CALL_ACTION, "payload": payload}


# --- Starting in any menu ---------------------------------------------------------


def number_for_menu(snapshot: IvrSnapshot, menu_key: str) -> str:
    """The number a simulated call to `menu_key` dials: the first number that
    starts in that menu, else the first number set up (its caller ID is what
    a transfer shows), else `MADE_UP_NUMBER`."""
    numbers = sorted(snapshot.numbers.items())
    own = [number for number, key in numbers if key == menu_key]
    return (own or [number for number, _ in numbers] or [MADE_UP_NUMBER])[0]


def starting_in(snapshot: IvrSnapshot, menu_key: str, number: str) -> IvrSnapshot:
    """`snapshot` in which a call to `number` starts in `menu_key`.

    Only the entry lookup changes: the decision code then treats the
    CALL_RECEIVED of the simulated call exactly as a live one, and an
    inactive menu gets the apology, as a live call to it would.
    """
    numbers = {**snapshot.numbers, normalize_number(number): menu_key}
    return replace(snapshot, numbers=numbers)


# --- In words ---------------------------------------------------------------------


def action_lines(action: Action) -> list[str]:
    """What the caller experiences in one callflow action, in words."""
    params = action.get("params") or {}
    match action.get("action"):
        case "say":
            return [f'Caller hears: "{params.get("text")}"']
        case "sayAndCapture":
            return [
                f'Caller hears: "{params.get("promptMessage")}"',
                f"8x8 waits for {keys_wanted(params)}.",
            ]
        case "playFile":
            return [f"Caller hears: plays {params.get('fileUrl')}"]
        case "makeCall":
            recorded = " (recorded)" if params.get("callRecording") else ""
            return [
                f"Caller is transferred to {params.get('destination')}{recorded}, "
                f"who sees the call from {params.get('source')}."
            ]
        case "hangup":
            return ["Call hangs up."]
    return [f"Unknown action: {json.dumps(action)}"]


def keys_wanted(params: dict) -> str:
    """A sayAndCapture's keys in words: "1 key", "1 to 2 keys (# finishes)"."""
    low, high = params.get("minDigits"), params.get("maxDigits")
    if low == high:
        keys = "1 key" if high == 1 else f"{high} keys"
    else:
        keys = f"{low} to {high} keys"
    if params.get("completeOnHash"):
        keys += " (# finishes)"
    return keys


def step_report(snapshot: IvrSnapshot, step: Step) -> dict:
    """One step as the admin's transcript shows it, JSON-ready.

    - `pressed`: the keys as pressed (None: the call coming in; "": none),
      `pressed_text` the same in words;
    - `menu`: the menu the keys were pressed in (the entered one at the
      start), `outcome` the decision's outcome and `outcome_text` in words,
      `error` what stopped the menus from answering ("" if nothing);
    - `heard`: what the caller hears, a line per thing;
    - `now_in`: the menu the caller is in after this answer ("" once the
      call ended), `call_ended`, `transferring` (8x8 will say what became
      of the transfer) and `ending` (in words);
    - `how_to_choose`: how the caller finishes entering a choice there, in
      words, and `finish_on_hash` and `max_digits` as sent to 8x8 (a
      capture without # ends on the last of `max_digits` keys);
    - `client_action_id`: for the next step, exactly as 8x8 echoes it;
    - `response`: the JSON 8x8 gets, `request`: the webhook it answers.
    """
    decision = step.decision
    response = decision.response
    client_action_id = response.get("clientActionId")
    now_in = "" if step.ends_call else decode_state(client_action_id).menu
    if not step.ends_call:
        ending = WAITING_IN.format(menu=now_in)
    elif step.transferring:
        ending = TRANSFERRING
    else:
        ending = CALL_HUNG_UP
    capture = response["callflow"][-1].get("params", {})
    menu = snapshot.menus.get(now_in)
    return {
        "pressed": step.press,
        "pressed_text": _pressed_text(step),
        "menu": decision.menu_key,
        "outcome": decision.outcome.value,
        "outcome_text": _outcome_text(snapshot, decision),
        "error": decision.error,
        "heard": [
            line for action in response["callflow"] for line in action_lines(action)
        ],
        "now_in": now_in,
        "call_ended": step.ends_call and not step.transferring,
        "transferring": step.transferring,
        "ending": ending,
        "how_to_choose": how_callers_choose(capture_for(menu)) if menu else "",
        "finish_on_hash": bool(capture.get("completeOnHash")),
        "max_digits": capture.get("maxDigits"),
        "client_action_id": client_action_id,
        "response": response,
        "request": step.event.payload,
    }


def _pressed_text(step: Step) -> str:
    press = step.press
    if step.transfer:
        return PRESSED_TRANSFER[press]
    if press is None:
        return PRESSED_CALL_COMES_IN
    if not press:
        return PRESSED_NOTHING
    return PRESSED_KEYS.format(keys=" ".join(press))


def _outcome_text(snapshot: IvrSnapshot, decision: Decision) -> str:
    menu = snapshot.menus.get(decision.menu_key)
    match decision.outcome:
        case Outcome.ENTERED_MENU:
            return OUTCOME_ENTERED.format(menu=decision.menu_key)
        case Outcome.CHOSE_OPTION if decision.option is not None:
            option = decision.option
            return OUTCOME_CHOSE.format(
                digits=option.digits,
                label=f" ({option.label})" if option.label else "",
                does=OPTION_DOES[option.action].format(target=option.target),
            )
        case Outcome.INVALID_INPUT | Outcome.NO_INPUT if menu is not None:
            text = (
                OUTCOME_NO_INPUT
                if decision.outcome == Outcome.NO_INPUT
                else OUTCOME_INVALID
            )
            retry = decode_state(decision.response.get("clientActionId")).retry
            retries = menu.max_retries
            counted = f"{retries} retry" if retries == 1 else f"{retries} retries"
            return text.format(retry=retry, retries=counted)
        case Outcome.RETRIES_EXHAUSTED:
            return OUTCOME_EXHAUSTED
        case Outcome.CALL_ENDED:
            return OUTCOME_CALL_ENDED
        case Outcome.TRANSFER_FAILED:
            number = decision.failed_transfer_to or "the number"
            return OUTCOME_TRANSFER_FAILED.format(number=number)
        case Outcome.FALLBACK:
            return OUTCOME_FALLBACK
    return OUTCOME_ERROR
