"""A known call history, made through the real webhooks, for the reports
and exports tests.

`Caller` walks one call through `/webhooks/8x8/call-action/` as 8x8 would:
each press echoes the clientActionId of the last answer, and 8x8's Session
Summary ends it. `make_known_history` makes five calls in the `menu_tree`
menus (see tests/menus.py), in the staff time zone `ZONE`:

    A  day -1 10:15  main 1 → sales 1 → transferred to +6560002222
    B  day -1 10:40  main 7 (wrong), silence, 2 → transferred to +6560001111
    C  day -1 14:05  main silence 3 times → retries run out, hung up on
    D  day -2 00:30  main 1 → sales 9 (wrong), then hangs up in sales
    E  day -10 09:00 main 2 → transferred (outside the default 7 days)

D starts half an hour after midnight in Singapore, which is still the day
before in UTC: it tells the staff's days from UTC's.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

ZONE = "Asia/Singapore"
CALL_ACTION_URL = "/webhooks/8x8/call-action/"
SESSION_SUMMARY_URL = "/webhooks/8x8/session-summary/"


def iso(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo("UTC")).isoformat().replace("+00:00", "Z")


@dataclass
class Caller:
    client: object
    payload: object
    session: str
    number: str
    at: datetime
    started: datetime = field(init=False)
    client_action_id: str | None = None
    steps: int = 0

    def __post_init__(self):
        self.started = self.at

    def _post(self, url: str, body: dict) -> dict:
        response = self.client.post_json(url, body)
        assert response.status_code == 200, response.content
        return response.json()

    def _event(self, name: str) -> dict:
        body = self.payload(name)
        self.steps += 1
        body["payload"].update(
            eventId=f"{self.session}-{self.steps}",
            sessionId=self.session,
            callId=f"{self.session}-leg-a",
            source=self.number,
            timestamp=iso(self.at),
        )
        return body

    def received(self) -> "Caller":
        answer = self._post(CALL_ACTION_URL, self._event("vca-call-received-inbound"))
        self.client_action_id = answer.get("clientActionId")
        return self

    def press(self, digits: str | None) -> "Caller":
        self.at += timedelta(seconds=10)
        body = self._event("vca-no-input")
        body["payload"]["eventData"] = {"dtmf": digits}
        body["payload"]["clientActionId"] = self.client_action_id
        answer = self._post(CALL_ACTION_URL, body)
        self.client_action_id = answer.get("clientActionId")
        return self

    def transfer_ends(self, sip_code: int) -> "Caller":
        """8x8 calls back after the transfer the last answer made: with 200
        when it was answered and has ended, 486 when the line was busy."""
        self.at += timedelta(seconds=30)
        body = self._event("vca-no-input")
        body["payload"].pop("eventData", None)
        body["payload"]["sipCode"] = sip_code
        body["payload"]["clientActionId"] = self.client_action_id
        answer = self._post(CALL_ACTION_URL, body)
        self.client_action_id = answer.get("clientActionId")
        return self

    def ends(self, last_action: str = "HANGUP") -> "Caller":
        end = self.at + timedelta(seconds=20)
        body = self.payload("vss-session-completed")
        body["payload"].update(
            sessionId=self.session,
            startTime=iso(self.started),
            endTime=iso(end),
            lastAction=last_action,
        )
        leg = body["payload"]["details"]["callA"]
        leg.update(
            callId=f"{self.session}-leg-a",
            source=self.number,
            initiatedTimestamp=iso(self.started),
            connectedTimestamp=iso(self.started),
            disconnectedTimestamp=iso(end),
            callDuration=int((end - self.started).total_seconds()),
        )
        self._post(SESSION_SUMMARY_URL, body)
        return self


@dataclass(frozen=True)
class KnownHistory:
    today: date  # in ZONE
    day_1: date  # yesterday: A, B, C
    day_2: date  # D
    day_10: date  # E


def local(day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(ZONE))


def make_known_history(client, payload) -> KnownHistory:
    today = timezone.now().astimezone(ZoneInfo(ZONE)).date()
    day_1, day_2, day_10 = (today - timedelta(days=n) for n in (1, 2, 10))

    def call(name, number, day, hour, minute):
        return Caller(client, payload, f"call-{name}", number, local(day, hour, minute))

    call("A", "+6591110001", day_1, 10, 15).received().press("1").press("1").ends(
        "MAKE_CALL"
    )
    (
        call("B", "+6591110002", day_1, 10, 40)
        .received()
        .press("7")
        .press(None)
        .press("2")
        .ends("MAKE_CALL")
    )
    call("C", "+6591110003", day_1, 14, 5).received().press(None).press(None).press(
        None
    ).ends()
    call("D", "+6591110004", day_2, 0, 30).received().press("1").press("9").ends()
    call("E", "+6591110005", day_10, 9, 0).received().press("2").ends("MAKE_CALL")
    return KnownHistory(today=today, day_1=day_1, day_2=day_2, day_10=day_10)
