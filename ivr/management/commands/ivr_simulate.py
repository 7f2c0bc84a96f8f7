"""`manage.py ivr_simulate`: walk a call through the menus in the database.

Each step is a webhook body as 8x8 would post it, parsed and decided by the
same code as the live webhook (`ivr.core.simulate`, shared with the
simulator on a menu's admin page), so what it prints is what a caller would
get. Nothing is written to the database: no call, no event.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from ivr.core.simulate import (
    ANSWERED,
    CALL_HUNG_UP,
    CALL_TRANSFERRED,
    DEFAULT_CALLER,
    NOT_ANSWERED,
    PRESSED_TRANSFER,
    Step,
    action_lines,
    call_walk,
)
from ivr.core.state import decode_state
from ivr.eightbyeight.events import CALL_RECEIVED
from ivr.menus.phone_numbers import read_number
from ivr.menus.snapshots import ivr_snapshot_from_database

PRESSES_UNUSED = "Not used, as the call had ended: {presses}."
FOLLOW_TRANSFER = (
    f"To follow it, add --press {NOT_ANSWERED} (busy, no answer or rejected) "
    f"or --press {ANSWERED} (answered, then ended)."
)
STILL_WAITING = "No more presses: 8x8 waits for the caller's keys in menu {menu}."
# Numbers are typed here as in the admin (ivr.menus.phone_numbers).
NUMBER_REFUSED = "--{option} {typed}: {problem}"
NUMBER_READ_AS = "--{option} {typed} read as {number} ({country})."


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
            "--number",
            required=True,
            help="The 8x8 number called, in international form: +6531581234.",
        )
        parser.add_argument(
            "--press",
            action="append",
            default=[],
            metavar="KEYS",
            help='Keys the caller presses at the next prompt; "none" or "" for '
            f'no input; after a transfer, "{NOT_ANSWERED}" or "{ANSWERED}". '
            "Repeat for each prompt.",
        )
        parser.add_argument(
            "--caller",
            default=DEFAULT_CALLER,
            help="The caller's number, in international form.",
        )
        parser.add_argument(
            "--json",
            action="store_true",
            dest="json_only",
            help="Print only the responses sent to 8x8, as a JSON list.",
        )

    def handle(self, *args, number, press, caller, json_only, **options):
        number = self._number("number", number)
        caller = self._number("caller", caller)
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
            if last != "hangup" and not unused:
                self.stdout.write(FOLLOW_TRANSFER)
            if unused:
                shown = ", ".join(p if p.strip() else "none" for p in unused)
                self.stdout.write(PRESSES_UNUSED.format(presses=shown))
        else:
            menu = steps[-1].decision.response.get("clientActionId", "")
            self.stdout.write(STILL_WAITING.format(menu=decode_state(menu).menu))

    def _number(self, option: str, typed: str) -> str:
        """`typed` in E.164, a conversion said on stderr (stdout may be the
        JSON); raises CommandError when it is no number in international form
        or of IVR_DEFAULT_COUNTRY."""
        reading = read_number(typed)
        if reading.problem:
            raise CommandError(
                NUMBER_REFUSED.format(
                    option=option, typed=typed, problem=reading.problem
                )
            )
        if reading.converted:
            self.stderr.write(
                NUMBER_READ_AS.format(
                    option=option,
                    typed=typed,
                    number=reading.e164,
                    country=reading.country,
                )
            )
        return reading.e164


def _step_lines(index: int, step: Step) -> str:
    if step.transfer:
        heading = f"{index}. {PRESSED_TRANSFER[step.press]}"
    elif step.press is None:
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
