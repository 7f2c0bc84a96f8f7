"""The simulator on a menu's admin page: each request is one step of a
simulated call that starts in that menu, answered by `ivr.core.simulate`
with the webhook's own decision code.

The browser holds the call, as 8x8 does: it sends back the clientActionId of
the answer before, so the server keeps nothing between steps, and retries,
"back" and exhausted paths behave as live. The menus are those saved in the
database (`ivr_snapshot_from_database`), the draft staff are editing, which
is what they want to try. Nothing is written: no call, no event.

    POST /admin/ivr/menu/<id>/simulate/
    {"event": "start"}
    {"event": "keys", "digits": "12#", "clientActionId": "main", "step": 2}
    {"event": "no_input", "clientActionId": "main__r1", "step": 3}
    {"event": "transfer_not_answered", "clientActionId": "main__t2", "step": 4}
    {"event": "transfer_answered", "clientActionId": "main__t2", "step": 4}

answers `{"call": {...}, "step": {...}}` (see `simulate.step_report`), or
`{"error": "..."}` with 400, 403 or 404.
"""

import json
from dataclasses import dataclass

from django.contrib.admin.utils import unquote
from django.http import JsonResponse
from django.views.decorators.http import require_POST

from ivr.core.simulate import (
    ANSWERED,
    DEFAULT_CALLER,
    MADE_UP_NUMBER,
    NOT_ANSWERED,
    call_step,
    number_for_menu,
    starting_in,
    step_report,
)
from ivr.eightbyeight.limits import CLIENT_ACTION_ID_ACCEPTED_CHARS, DIGITS_MAX, DTMF_RE
from ivr.menus.snapshots import ivr_snapshot_from_database

START, KEYS, NO_INPUT = "start", "keys", "no_input"
# What became of a transfer: the events after a step that transferred.
TRANSFER_EVENTS = {
    "transfer_answered": ANSWERED,
    "transfer_not_answered": NOT_ANSWERED,
}
# A menu takes at most DIGITS_MAX keys; the "#" that ends them comes on top.
PRESS_MAX_CHARS = DIGITS_MAX + 1
STEP_MAX = 1000

BODY_NOT_JSON = "The request body must be a JSON object."
EVENT_UNKNOWN = (
    '"event" must be "start", "keys", "no_input", "transfer_answered" or '
    '"transfer_not_answered".'
)
DIGITS_INVALID = (
    f'"digits" must be 1 to {PRESS_MAX_CHARS} keys of a phone keypad: 0 to 9, * and #.'
)
CLIENT_ACTION_ID_MISSING = (
    'Keys and no input need the "clientActionId" of the answer before: '
    "start a call first."
)
CLIENT_ACTION_ID_INVALID = (
    '"clientActionId" must be text of at most '
    f"{CLIENT_ACTION_ID_ACCEPTED_CHARS} characters."
)
STEP_INVALID = f'"step" must be a whole number from 1 to {STEP_MAX}.'
NOT_ALLOWED = "You may not view menus, so you cannot try them."
MENU_GONE = "This menu no longer exists: it may have been deleted."


class SimulatorRequestError(ValueError):
    """The request is not a step of a call; the message says why."""


@dataclass(frozen=True)
class SimulatorRequest:
    press: str | None  # None: the call comes in; "": no input
    client_action_id: str | None = None
    step: int = 1
    transfer: bool = False  # press is ANSWERED or NOT_ANSWERED


def simulator_request(data) -> SimulatorRequest:
    """The step a parsed request body asks for; raises SimulatorRequestError
    with a message for staff when it asks for none."""
    if not isinstance(data, dict):
        raise SimulatorRequestError(BODY_NOT_JSON)
    event = data.get("event")
    if event == START:
        return SimulatorRequest(press=None)
    if event not in (KEYS, NO_INPUT, *TRANSFER_EVENTS):
        raise SimulatorRequestError(EVENT_UNKNOWN)
    press = TRANSFER_EVENTS.get(event, "")
    if event == KEYS:
        press = data.get("digits")
        if not (
            isinstance(press, str)
            and len(press) <= PRESS_MAX_CHARS
            and DTMF_RE.fullmatch(press)
        ):
            raise SimulatorRequestError(DIGITS_INVALID)
    client_action_id = data.get("clientActionId")
    if client_action_id is None or client_action_id == "":
        raise SimulatorRequestError(CLIENT_ACTION_ID_MISSING)
    if (
        not isinstance(client_action_id, str)
        or len(client_action_id) > CLIENT_ACTION_ID_ACCEPTED_CHARS
    ):
        raise SimulatorRequestError(CLIENT_ACTION_ID_INVALID)
    step = data.get("step", 2)
    if isinstance(step, bool) or not isinstance(step, int) or not 1 <= step <= STEP_MAX:
        raise SimulatorRequestError(STEP_INVALID)
    return SimulatorRequest(
        press=press,
        client_action_id=client_action_id,
        step=step,
        transfer=event in TRANSFER_EVENTS,
    )


@require_POST
def menu_simulate_view(request, object_id, *, model_admin):
    """One step of a simulated call starting in the menu `object_id`, for
    staff who may view menus (the admin site checks login and CSRF)."""
    if not model_admin.has_view_permission(request):
        return _error(NOT_ALLOWED, status=403)
    menu = model_admin.get_object(request, unquote(object_id))
    if menu is None:
        return _error(MENU_GONE, status=404)
    try:
        wanted = simulator_request(json.loads(request.body))
    except (ValueError, UnicodeDecodeError) as problem:
        # json.JSONDecodeError is a ValueError, as is SimulatorRequestError.
        message = str(problem) if isinstance(problem, SimulatorRequestError) else ""
        return _error(message or BODY_NOT_JSON, status=400)
    snapshot = ivr_snapshot_from_database()
    number = number_for_menu(snapshot, menu.key)
    step = call_step(
        starting_in(snapshot, menu.key, number),
        number=number,
        caller=DEFAULT_CALLER,
        press=wanted.press,
        client_action_id=wanted.client_action_id,
        index=wanted.step,
        transfer=wanted.transfer,
    )
    call = {
        "menu": menu.key,
        "number": number,
        "number_made_up": number == MADE_UP_NUMBER,
        "caller": DEFAULT_CALLER,
    }
    return JsonResponse({"call": call, "step": step_report(snapshot, step)})


def _error(message: str, *, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)
