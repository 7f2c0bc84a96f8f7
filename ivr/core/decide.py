"""Decide the next callflow for a Voice Call Action event.

`decide(snapshot, event)` is the whole IVR: it returns a `Decision` holding the
JSON-ready response for 8x8 and what happened (the outcome, the menu and the
option), for the call history. It never raises for anything a caller or a
menu can do; every path ends in a capture, a transfer or a hang-up, so a
caller never hears dead air, and failures are capped per call so no caller is
stuck in a loop.
"""

from dataclasses import dataclass, replace
from enum import StrEnum

from ivr.core.capture import capture_for
from ivr.core.numbers import normalize_number
from ivr.core.snapshot import (
    DEFAULT_FALLBACK_MESSAGE,
    DEFAULT_VOICE_PROFILE,
    ExhaustedAction,
    Fallback,
    IvrSnapshot,
    MenuSnapshot,
    NoAnswerAction,
    OptionAction,
    OptionSnapshot,
)
from ivr.core.state import (
    AFTER_NO_ANSWER_TRANSFER,
    AFTER_TRANSFER,
    CallState,
    decode_state,
    encode_state,
)
from ivr.eightbyeight import actions
from ivr.eightbyeight.events import CALL_RECEIVED, VoiceEvent, transfer_connected
from ivr.eightbyeight.limits import E164_RE

DEFAULT_VOICE = actions.Voice(DEFAULT_VOICE_PROFILE)

# However menus send callers to each other on failure, a call ends after this
# many failed attempts in a row.
MAX_FAILURES_PER_CALL = 10

DEFAULT_EXHAUSTED_HANGUP = "Sorry, we did not get a valid choice. Goodbye."
DEFAULT_EXHAUSTED_TRANSFER = "Please hold while we connect you."
TRANSFER_FAILED = "Sorry, we could not connect your call. Goodbye."
# A transfer option's number did not connect, and its own message is blank.
NO_ANSWER_MESSAGES = {
    NoAnswerAction.RETURN: "Sorry, nobody could take your call.",
    NoAnswerAction.MENU: "Sorry, nobody could take your call.",
    NoAnswerAction.TRANSFER: "Sorry, nobody could take your call. "
    "Please hold while we try another number.",
    NoAnswerAction.HANGUP: TRANSFER_FAILED,
}

UNKNOWN_MENU = "No active menu {key!r}."
NO_ENTRY_MENU = "No menu for number {number!r} and no default menu."
BAD_CALLER_ID = "No valid caller ID for a transfer from {number!r}."
INVALID_RESPONSE = "Built an invalid callflow: {problems}"


class Outcome(StrEnum):
    ENTERED_MENU = "entered_menu"
    CHOSE_OPTION = "chose_option"
    INVALID_INPUT = "invalid_input"
    NO_INPUT = "no_input"
    RETRIES_EXHAUSTED = "retries_exhausted"
    CALL_ENDED = "call_ended"  # 8x8 called back after a transfer ended
    TRANSFER_FAILED = "transfer_failed"  # ... after a transfer did not connect
    FALLBACK = "fallback"
    ERROR = "error"


@dataclass(frozen=True)
class Decision:
    response: dict
    outcome: Outcome
    menu_key: str = ""  # the menu the event was about
    menu_id: int | None = None  # its database row, for the call history
    option: OptionSnapshot | None = None
    error: str = ""
    # TRANSFER_FAILED: the number that did not connect, for the call history.
    failed_transfer_to: str = ""


class _Unanswerable(Exception):
    """The menus cannot answer this event; the caller gets the fallback."""


def decide(snapshot: IvrSnapshot, event: VoiceEvent) -> Decision:
    """The answer to a Voice Call Action event.

    - CALL_RECEIVED: the entry menu of the number called.
    - ACTION_COMPLETED: the digits applied to the menu in the clientActionId,
      or to the entry menu of the call's number when there is none (the first
      capture of a call started with 8x8's Send Callflow API).
    - After a transfer: a polite goodbye.
    - An unknown or inactive menu: the fallback, with `error` saying why.
    """
    try:
        decision = _decide(snapshot, event)
    except _Unanswerable as problem:
        return fallback_decision(snapshot.fallback, event, str(problem))
    problems = actions.response_problems(decision.response)
    if problems:
        error = INVALID_RESPONSE.format(problems="; ".join(problems))
        return fallback_decision(snapshot.fallback, event, error, decision.menu_key)
    return decision


def enter_menu(snapshot: IvrSnapshot, key: str) -> Decision:
    """The answer that puts a caller into menu `key`: what the admin previews
    and a call to a number of that menu receives first."""
    menu = snapshot.active_menu(key) or snapshot.menus.get(key)
    if menu is None:
        raise KeyError(key)
    return _enter(snapshot, menu, CallState(menu=menu.key))


def fallback_decision(
    fallback: Fallback, event: VoiceEvent, error: str, menu_key: str = ""
) -> Decision:
    """The safe answer: an apology, then the operator or a polite hang-up.

    Valid whatever the configuration: a fallback that would itself be
    rejected (an empty message, an impossible voice profile) becomes the
    built-in apology and a hang-up.
    """
    voice = actions.Voice(fallback.voice_profile or DEFAULT_VOICE_PROFILE)
    callflow = [actions.say(fallback.message or DEFAULT_FALLBACK_MESSAGE, voice)]
    client_action_id = None
    source = normalize_number(event.virtual_number)
    operator = normalize_number(fallback.transfer_to)
    if fallback.transfer_to and _is_e164(source) and _is_e164(operator):
        callflow.append(actions.make_call(source, operator))
        client_action_id = encode_state(CallState(after=AFTER_TRANSFER))
    else:
        callflow.append(actions.hangup())
    response = actions.response(callflow, client_action_id)
    if actions.response_problems(response):
        builtin = actions.say(DEFAULT_FALLBACK_MESSAGE, DEFAULT_VOICE)
        response = actions.response([builtin, actions.hangup()], None)
    return Decision(
        response=response,
        outcome=Outcome.FALLBACK,
        menu_key=menu_key,
        error=error,
    )


def _decide(snapshot: IvrSnapshot, event: VoiceEvent) -> Decision:
    if event.call_status == CALL_RECEIVED or not event.client_action_id:
        menu = _entry_menu(snapshot, event)
        if event.call_status == CALL_RECEIVED:
            return _enter(snapshot, menu, CallState(menu=menu.key))
        return _choose(snapshot, event, menu, CallState(menu=menu.key))
    state = decode_state(event.client_action_id)
    if state.after:
        return _after_transfer(snapshot, event, state)
    menu = snapshot.active_menu(state.menu)
    if menu is None:
        # An id that is a whole menu key: a bare key of the form sent before
        # (keys could then hold "__"), or 8x8's guides' style.
        menu = snapshot.active_menu(event.client_action_id)
        state = CallState(menu=event.client_action_id) if menu else state
    if menu is None:
        raise _Unanswerable(UNKNOWN_MENU.format(key=state.menu))
    return _choose(snapshot, event, menu, state)


def _enter(snapshot: IvrSnapshot, menu: MenuSnapshot, state: CallState) -> Decision:
    return Decision(
        response=actions.response(
            [_capture(snapshot, menu)], _client_action_id(snapshot, state)
        ),
        outcome=Outcome.ENTERED_MENU,
        menu_key=menu.key,
        menu_id=menu.id,
    )


def _client_action_id(snapshot: IvrSnapshot, state: CallState) -> str:
    """The clientActionId for `state`, naming the published version the
    answer was decided with, so the rest of the call keeps to it."""
    if snapshot.version:
        state = replace(state, version=snapshot.version)
    return encode_state(state)


def _entry_menu(snapshot: IvrSnapshot, event: VoiceEvent) -> MenuSnapshot:
    key = snapshot.entry_menu_key(event.virtual_number)
    if key is None:
        raise _Unanswerable(NO_ENTRY_MENU.format(number=event.virtual_number))
    menu = snapshot.active_menu(key)
    if menu is None:
        raise _Unanswerable(UNKNOWN_MENU.format(key=key))
    return menu


def _choose(
    snapshot: IvrSnapshot, event: VoiceEvent, menu: MenuSnapshot, state: CallState
) -> Decision:
    """Apply the caller's digits in `menu`."""
    if event.digits is None:
        return _failed(snapshot, event, menu, state, Outcome.NO_INPUT)
    option = menu.option_for(event.digits)
    if option is None:
        return _failed(snapshot, event, menu, state, Outcome.INVALID_INPUT)
    callflow, next_state = _option_callflow(snapshot, event, menu, option, state)
    return Decision(
        response=actions.response(callflow, _client_action_id(snapshot, next_state)),
        outcome=Outcome.CHOSE_OPTION,
        menu_key=menu.key,
        menu_id=menu.id,
        option=option,
    )


def _option_callflow(
    snapshot: IvrSnapshot,
    event: VoiceEvent,
    menu: MenuSnapshot,
    option: OptionSnapshot,
    state: CallState,
) -> tuple[list[actions.Action], CallState]:
    voice = _voice(menu, option)
    match option.action:
        case OptionAction.MENU:
            return _go_to(snapshot, option.target, state, prefix=[])
        case OptionAction.TRANSFER:
            intro = [actions.say(option.message, voice)] if option.message else []
            call = _transfer(event, option.destination, option.caller_id, option.record)
            return [*intro, call], CallState(
                menu=menu.key,
                back=state.back,
                after=AFTER_TRANSFER,
                option=option.digits,
            )
        case OptionAction.SAY | OptionAction.PLAY:
            first = (
                actions.say(option.message, voice)
                if option.action == OptionAction.SAY
                else actions.play_file(option.file_url)
            )
            if option.target:
                return _go_to(snapshot, option.target, state, prefix=[first])
            return [first, actions.hangup()], CallState(menu=menu.key)
        case OptionAction.REPEAT:
            return [_capture(snapshot, menu)], CallState(menu=menu.key, back=state.back)
        case OptionAction.BACK:
            return _back(snapshot, menu, state)
        case OptionAction.HANGUP:
            goodbye = option.message or snapshot.goodbye_message
            return [actions.say(goodbye, voice), actions.hangup()], CallState(menu.key)
    raise _Unanswerable(f"Unknown option action {option.action!r}.")


def _go_to(
    snapshot: IvrSnapshot,
    key: str | None,
    state: CallState,
    prefix: list[actions.Action],
) -> tuple[list[actions.Action], CallState]:
    target = snapshot.active_menu(key)
    if target is None:
        raise _Unanswerable(UNKNOWN_MENU.format(key=key))
    next_state = state.entering(target.key, remember_current=True)
    return [*prefix, _capture(snapshot, target)], next_state


def _back(
    snapshot: IvrSnapshot, menu: MenuSnapshot, state: CallState
) -> tuple[list[actions.Action], CallState]:
    """The menu the caller came from; where there is none (the menu the call
    started in), or it is no longer active, this menu again."""
    back = list(state.back)
    while back:
        previous = snapshot.active_menu(back.pop())
        if previous is not None:
            return [_capture(snapshot, previous)], CallState(
                menu=previous.key, back=tuple(back)
            )
    return [_capture(snapshot, menu)], CallState(menu=menu.key)


def _failed(
    snapshot: IvrSnapshot,
    event: VoiceEvent,
    menu: MenuSnapshot,
    state: CallState,
    outcome: Outcome,
) -> Decision:
    """Invalid or no input: ask again, or do what the menu says once the
    retries are used up."""
    failed = state.failed()
    if state.retry < menu.max_retries and failed.fail < MAX_FAILURES_PER_CALL:
        message = (
            menu.no_input_message
            if outcome == Outcome.NO_INPUT
            else menu.invalid_message
        )
        callflow = [actions.say(message, _voice(menu)), _capture(snapshot, menu)]
        return Decision(
            response=actions.response(callflow, _client_action_id(snapshot, failed)),
            outcome=outcome,
            menu_key=menu.key,
            menu_id=menu.id,
        )
    callflow, next_state = _exhausted(snapshot, event, menu, failed)
    return Decision(
        response=actions.response(callflow, _client_action_id(snapshot, next_state)),
        outcome=Outcome.RETRIES_EXHAUSTED,
        menu_key=menu.key,
        menu_id=menu.id,
    )


def _exhausted(
    snapshot: IvrSnapshot, event: VoiceEvent, menu: MenuSnapshot, state: CallState
) -> tuple[list[actions.Action], CallState]:
    voice = _voice(menu)
    target = snapshot.active_menu(menu.exhausted_target)
    too_many = state.fail >= MAX_FAILURES_PER_CALL
    if menu.on_exhausted == ExhaustedAction.TRANSFER and not too_many:
        message = menu.exhausted_message or DEFAULT_EXHAUSTED_TRANSFER
        call = _transfer(event, menu.exhausted_destination, "", record=False)
        return [actions.say(message, voice), call], CallState(
            menu=menu.key, after=AFTER_TRANSFER
        )
    if menu.on_exhausted == ExhaustedAction.MENU and target and not too_many:
        intro = [actions.say(menu.exhausted_message, voice)]
        next_state = CallState(menu=target.key, fail=state.fail, back=state.back)
        return [
            *(intro if menu.exhausted_message else []),
            _capture(snapshot, target),
        ], next_state
    message = menu.exhausted_message or DEFAULT_EXHAUSTED_HANGUP
    if menu.on_exhausted != ExhaustedAction.HANGUP:
        # Sent elsewhere but that is impossible (a missing menu, or a loop of
        # failures across menus): the promised message, then a goodbye.
        message = DEFAULT_EXHAUSTED_HANGUP
    return [actions.say(message, voice), actions.hangup()], CallState(menu=menu.key)


def _after_transfer(
    snapshot: IvrSnapshot, event: VoiceEvent, state: CallState
) -> Decision:
    """8x8 calls back after a transfer: it connected and ended, so a polite
    goodbye; or it did not connect (busy, no answer, rejected), so what the
    transfer's option says (`_transfer_not_connected`)."""
    if not transfer_connected(event):
        return _transfer_not_connected(snapshot, event, state)
    menu = snapshot.active_menu(state.menu)
    voice = _voice(menu) if menu else actions.Voice(snapshot.fallback.voice_profile)
    goodbye = [actions.say(snapshot.goodbye_message, voice), actions.hangup()]
    return Decision(
        response=actions.response(goodbye, None),
        outcome=Outcome.CALL_ENDED,
        menu_key=state.menu,
        menu_id=menu.id if menu else None,
    )


def _transfer_not_connected(
    snapshot: IvrSnapshot, event: VoiceEvent, state: CallState
) -> Decision:
    """A transfer option's number did not connect: its message, then back to
    the menu, another menu, another number or goodbye, as the option says.
    When that other number does not connect either, or the transfer was not
    an option's (the retries' one, the operator's, or an id of the form
    sent before), an apology and goodbye."""
    menu = snapshot.active_menu(state.menu)
    option = menu.option_for(state.option) if menu and state.option else None
    if option is None or option.action != OptionAction.TRANSFER:
        option = None
    number = _number_tried(snapshot, menu, option, state)
    if option is None or state.after == AFTER_NO_ANSWER_TRANSFER:
        voice = _voice(menu) if menu else actions.Voice(snapshot.fallback.voice_profile)
        callflow = [actions.say(TRANSFER_FAILED, voice), actions.hangup()]
        next_state = CallState(menu=state.menu)
    else:
        callflow, next_state = _no_answer_callflow(snapshot, event, menu, option, state)
    return Decision(
        response=actions.response(callflow, _client_action_id(snapshot, next_state)),
        outcome=Outcome.TRANSFER_FAILED,
        menu_key=state.menu,
        menu_id=menu.id if menu else None,
        option=option,
        failed_transfer_to=normalize_number(number),
    )


def _no_answer_callflow(
    snapshot: IvrSnapshot,
    event: VoiceEvent,
    menu: MenuSnapshot,
    option: OptionSnapshot,
    state: CallState,
) -> tuple[list[actions.Action], CallState]:
    voice = _voice(menu, option)
    action = option.on_no_answer
    sorry = actions.say(option.no_answer_message or NO_ANSWER_MESSAGES[action], voice)
    # Back where the caller chose the transfer, with the same way back.
    returned = CallState(menu=menu.key, back=state.back)
    match action:
        case NoAnswerAction.MENU if snapshot.active_menu(option.no_answer_target):
            return _go_to(snapshot, option.no_answer_target, returned, prefix=[sorry])
        case NoAnswerAction.TRANSFER:
            call = _transfer(
                event, option.no_answer_destination, option.caller_id, option.record
            )
            return [sorry, call], replace(
                returned, after=AFTER_NO_ANSWER_TRANSFER, option=option.digits
            )
        case NoAnswerAction.HANGUP:
            return [sorry, actions.hangup()], returned
    # RETURN, or a menu that is no longer active: the menu the caller was in.
    return [sorry, _capture(snapshot, menu)], returned


def _number_tried(
    snapshot: IvrSnapshot,
    menu: MenuSnapshot | None,
    option: OptionSnapshot | None,
    state: CallState,
) -> str:
    """The number the transfer that did not connect had called."""
    if option is not None:
        if state.after == AFTER_NO_ANSWER_TRANSFER:
            return option.no_answer_destination
        return option.destination
    if menu is not None and menu.on_exhausted == ExhaustedAction.TRANSFER:
        return menu.exhausted_destination
    if not state.menu:
        return snapshot.fallback.transfer_to
    return ""


def _transfer(
    event: VoiceEvent, destination: str, caller_id: str, record: bool
) -> actions.Action:
    """Bridge the caller to `destination`, showing our virtual number (the
    number dialled on an inbound call, the caller ID of an outbound one)
    unless a caller ID is given."""
    source = normalize_number(caller_id or event.virtual_number)
    if not _is_e164(source):
        raise _Unanswerable(BAD_CALLER_ID.format(number=source))
    return actions.make_call(source, normalize_number(destination), record=record)


def _capture(snapshot: IvrSnapshot, menu: MenuSnapshot) -> actions.Action:
    """The menu's sayAndCapture, built once per snapshot (menus in a
    snapshot never change) and copied, so no answer can alter another."""
    built = snapshot.built_actions.get(menu.key)
    if built is None or built[0] is not menu:
        action = actions.say_and_capture(menu.prompt, _voice(menu), capture_for(menu))
        built = snapshot.built_actions[menu.key] = (menu, action)
    action = built[1]
    return {"action": action["action"], "params": dict(action["params"])}


def _voice(menu: MenuSnapshot, option: OptionSnapshot | None = None) -> actions.Voice:
    """The menu's voice, or the option's own for its messages."""
    profile = (option.voice_profile if option else "") or menu.voice_profile
    return actions.Voice(profile, float(menu.speed))


def _is_e164(number: str) -> bool:
    return bool(E164_RE.fullmatch(number))
