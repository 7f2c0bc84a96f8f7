"""`manage.py ivr_simulate`: walk a call through the menus in the database.

Each step is a webhook body as 8x8 would post it, parsed and decided by the
same code as the live webhook (`parse_event`, then `decide` over a fresh
snapshot), so what it prints is what a caller would get. Nothing is written
to the database: no call, no event.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.management.base import BaseCommand

from ivr.core.decide import Decision, decide
from ivr.core.snapshot import IvrSnapshot
from ivr.eightbyeight.actions import Action
from ivr.eightbyeight.events import (
    ACTION_COMPLETED,
    CALL_ACTION,
    CALL_RECEIVED,
    INBOUND,
    VoiceEvent,
    parse_event,
)
from ivr.selectors import ivr_snapshot_from_database

DEFAULT_CALLER = "+6591234567"
# What --press takes for a caller who presses nothing.
NO_INPUT = ("", "none")
# After these, the menus have nothing more to say on this call.
CALL_ENDING_ACTIONS = ("hangup", "makeCall")

CALL_HUNG_UP = "The call ended: 8x8 hung up."
CALL_TRANSFERRED = "The call left the menus: the caller was transferred."
PRESSES_UNUSED = "Not used, as the call had ended: {presses}."
STILL_WAITING = "No more presses: 8x8 waits for the caller's keys in menu {menu}."


@dataclass(frozen=True)
class Step:
    press: str | None  # None: the call coming in; "": no input
    event: VoiceEvent
    decision: Decision

    @property
    def ends_call(self) -> bool:
        callflow = self.decision.response.get("callflow") or [{}]
        return callflow[-1].get("action") in CALL_ENDING_ACTIONS


def call_walk(
    *, snapshot: IvrSnapshot, number: str, caller: str, presses: Sequence[str]
) -> tuple[list[Step], list[str]]:
    """The steps of an inbound call to `number` in which the caller presses
    `presses` in turn ("" or "none": nothing), until the call ends or the
    presses run out. Returns the steps and the presses left unused."""
    event = parse_event(_webhook_body(1, number=number, caller=caller))
    steps = [Step(None, event, decide(snapshot, event))]
    remaining = list(presses)
    while remaining and not steps[-1].ends_call:
        press = remaining.pop(0)
        digits = None if press.strip().lower() in NO_INPUT else press
        body = _webhook_body(
            len(steps) + 1,
            number=number,
            caller=caller,
            digits=digits,
            client_action_id=steps[-1].decision.response.get("clientActionId"),
        )
        event = parse_event(body)
        steps.append(Step(digits or "", event, decide(snapshot, event)))
    return steps, remaining


def _webhook_body(
    index: int,
    *,
    number: str,
    caller: str,
    digits: str | None = None,
    client_action_id: str | None = None,
) -> dict:
    """A Voice Call Action body shaped like 8x8's own examples."""
    payload = {
        "eventId": f"simulated-event-{index}",
        "callId": "simulated-call",
        "sessionId": "simulated-session",
        "callStatus": CALL_RECEIVED if index == 1 else ACTION_COMPLETED,
        "callDirection": INBOUND,
        "callType": "PSTN",
        "source": caller,
        "destination": number,
        "sipCode": 200,
    }
    if index > 1:
        payload["eventData"] = {"dtmf": digits}
        if client_action_id:
            payload["clientActionId"] = client_action_id
    return {"namespace": "VOICE", "eventType": CALL_ACTION, "payload": payload}


def action_lines(action: Action) -> list[str]:
    """What the caller experiences in one callflow action, in words."""
    params = action.get("params") or {}
    match action.get("action"):
        case "say":
            return [f'Caller hears: "{params.get("text")}"']
        case "sayAndCapture":
            return [
                f'Caller hears: "{params.get("promptMessage")}"',
                f"8x8 waits for {_keys_wanted(params)}.",
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


def _keys_wanted(params: dict) -> str:
    low, high = params.get("minDigits"), params.get("maxDigits")
    if low == high:
        keys = "1 key" if high == 1 else f"{high} keys"
    else:
        keys = f"{low} to {high} keys"
    if params.get("completeOnHash"):
        keys += " (# finishes)"
    return keys


class Command(BaseCommand):
    # The system checks guard serving calls (migrate and runserver run them);
    # menus can be loaded and inspected without repeating their warnings.
    requires_system_checks = []
    help = (
        "Walk a call through the menus with the webhook's own decision code, "
        "printing what the caller hears and the JSON sent to 8x8 at each step. "
        "Writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--number", required=True, help="The 8x8 number called, e.g. +6531581234."
        )
        parser.add_argument(
            "--press",
            action="append",
            default=[],
            metavar="KEYS",
            help='Keys the caller presses at the next prompt; "none" or "" for '
            "no input. Repeat for each prompt.",
        )
        parser.add_argument(
            "--caller", default=DEFAULT_CALLER, help="The caller's number."
        )
        parser.add_argument(
            "--json",
            action="store_true",
            dest="json_only",
            help="Print only the responses sent to 8x8, as a JSON list.",
        )

    def handle(self, *args, number, press, caller, json_only, **options):
        steps, unused = call_walk(
            snapshot=ivr_snapshot_from_database(),
            number=number,
            caller=caller,
            presses=press,
        )
        if json_only:
            responses = [step.decision.response for step in steps]
            self.stdout.write(_json(responses))
            return
        self.stdout.write(f"Call from {caller} to {number}")
        for index, step in enumerate(steps, start=1):
            self.stdout.write("")
            self.stdout.write(_step_lines(index, step))
        self.stdout.write("")
        if steps[-1].ends_call:
            last = steps[-1].decision.response["callflow"][-1]["action"]
            self.stdout.write(CALL_HUNG_UP if last == "hangup" else CALL_TRANSFERRED)
            if unused:
                shown = ", ".join(p if p.strip() else "none" for p in unused)
                self.stdout.write(PRESSES_UNUSED.format(presses=shown))
        else:
            menu = steps[-1].decision.response.get("clientActionId", "")
            self.stdout.write(STILL_WAITING.format(menu=menu.split(";")[0]))


def _step_lines(index: int, step: Step) -> str:
    if step.press is None:
        heading = f"{index}. The call comes in ({CALL_RECEIVED})."
    elif step.press:
        heading = f"{index}. Caller presses {step.press}."
    else:
        heading = f"{index}. Caller presses nothing."
    decision = step.decision
    where = f"menu {decision.menu_key}" if decision.menu_key else "no menu"
    if decision.option is not None:
        where += f", option {decision.option.digits}"
    lines = [heading, f"[{where}: {decision.outcome.value}]"]
    if decision.error:
        lines.append(f"Problem: {decision.error}")
    for action in decision.response.get("callflow", []):
        lines += action_lines(action)
    lines.append("Sent to 8x8:")
    lines += _json(decision.response).splitlines()
    return "\n".join(["   " + line if n else line for n, line in enumerate(lines)])


def _json(value) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)
