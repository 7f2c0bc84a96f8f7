"""Reports on the call history: what callers did in each menu, and when
they called, over a range of days.

`report_build(start=, end=, tz=, menu_key=)` returns a `Report` of plain
data (no model instances) for the admin's report page. Every number is
counted by the database (GROUP BY) over the rows of the range only, read
through the indexes that start with the filtered column and end with the
time (`ivr_event_type_time`, `ivr_event_menu_time`, `ivr_call_started`):
the page costs the same `REPORT_QUERIES` queries for a hundred events or
millions, and its time grows with the range, not with the table.

What each number means:

- *calls in the menu*: calls with at least one call-action event in it, that
  is, calls that entered it at the start, or answered or let time out one
  of its prompts. A caller who hangs up while hearing the prompt of a menu
  reached from another one sent no event in it and is not counted there.
- *answers*: the caller's answers to the menu's prompt: an option chosen,
  wrong keys, silence (each an event).
- *invalid input* and *no input*: answers with wrong keys, and with none,
  including the last one before the retries ran out; the rates are their
  shares of the answers.
- *retries exhausted*: times the menu ran out of retries.
- *hang-ups*: calls 8x8 reported ended (a Session Summary arrived) whose
  last menu it was, that were not transferred: 8x8's last action was not a
  transfer (MAKE_CALL), the call had a single leg, and it did not end after
  a transfer (`Outcome.CALL_ENDED`).
- *transfers*: answers that bridged the caller to a number (an option, the
  menu's action when retries ran out, or the number an option tries when
  its own is not answered), by the number in the answer sent to 8x8, which
  stays true after the menu is edited;
- *not answered*: transfers 8x8 reported back as not connected (busy, no
  answer, rejected), by the number that did not answer.
- *calls per day and per hour*: calls by the day and hour they started, in
  the staff's time zone; with a menu chosen, the calls with an event in it.
"""

from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    ExpressionWrapper,
    Q,
    QuerySet,
    When,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce, ExtractHour, TruncDate

from ivr.core.decide import Outcome
from ivr.eightbyeight.events import CALL_ACTION
from ivr.models import Call, CallEvent, Menu, MenuOption

# The queries of one report, whatever the size of the history (tests pin it):
# answers and transfers, calls per menu, hang-ups, calls per hour, menu names.
REPORT_QUERIES = 5

# A report reads every event of its range. Web processes give statements
# IVR_DB_BUDGET_MS (300 ms, for callers on the line); a report may take
# longer, up to this, which is still under gunicorn's 30 s worker timeout.
LONG_STATEMENT_TIMEOUT_MS = 25_000

# The days a report or an export may name: within them, the instants a day
# starts and ends exist in every time zone.
DAY_VALIDATORS = [
    MinValueValidator(date(1970, 1, 1)),
    MaxValueValidator(date(9000, 12, 31)),
]

# 8x8's name of a transfer, as the last action of a Session Summary.
MAKE_CALL = "MAKE_CALL"

ANSWERS = (
    Outcome.CHOSE_OPTION,
    Outcome.INVALID_INPUT,
    Outcome.NO_INPUT,
    Outcome.RETRIES_EXHAUSTED,
)
OPTION_ACTIONS = dict(MenuOption._meta.get_field("action").choices)


@dataclass(frozen=True)
class OptionCount:
    digits: str
    label: str  # the option's label, else its action; "" once deleted
    count: int


@dataclass(frozen=True)
class TransferCount:
    destination: str
    count: int
    not_answered: int = 0  # of those, reported back as not connected

    @property
    def not_answered_rate(self) -> float | None:
        """Transfers not answered, in percent of the transfers; None without."""
        return 100 * self.not_answered / self.count if self.count else None


@dataclass
class MenuReport:
    key: str
    name: str = ""  # "" once the menu is deleted
    calls: int = 0
    answers: int = 0
    invalid_inputs: int = 0
    no_inputs: int = 0
    retries_exhausted: int = 0
    hangups: int = 0
    options: list[OptionCount] = field(default_factory=list)
    transfers: list[TransferCount] = field(default_factory=list)

    @property
    def invalid_rate(self) -> float | None:
        """Wrong keys, in percent of the answers; None without answers."""
        return 100 * self.invalid_inputs / self.answers if self.answers else None

    @property
    def no_input_rate(self) -> float | None:
        """Silence, in percent of the answers; None without answers."""
        return 100 * self.no_inputs / self.answers if self.answers else None

    @property
    def transfer_count(self) -> int:
        return sum(transfer.count for transfer in self.transfers)

    @property
    def not_answered_count(self) -> int:
        return sum(transfer.not_answered for transfer in self.transfers)


@dataclass(frozen=True)
class Report:
    start: date
    end: date  # included
    menu_key: str  # "" for every menu
    menus: list[MenuReport]  # the most calls first
    calls_per_day: list[tuple[date, int]]  # every day of the range
    calls_per_hour: list[tuple[int, int]]  # hours 0 to 23

    @property
    def total_calls(self) -> int:
        return sum(count for _, count in self.calls_per_day)

    @property
    def hangups(self) -> list[MenuReport]:
        """The menus callers hung up in, the most hang-ups first."""
        ended = [menu for menu in self.menus if menu.hangups]
        return sorted(ended, key=lambda menu: (-menu.hangups, menu.key))


def range_bounds(start: date, end: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """The instants the days `start` to `end` (included) begin and end in
    `tz`, as [from, to)."""
    return (
        datetime.combine(start, time.min, tzinfo=tz),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz),
    )


@contextmanager
def long_statements() -> Iterator[None]:
    """A transaction in which PostgreSQL statements may run for up to
    `LONG_STATEMENT_TIMEOUT_MS` (one query); nothing on SQLite."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        # set_config, not SET: SET takes no bound parameters.
        cursor.execute(
            "SELECT set_config('statement_timeout', %s, true)",
            [str(LONG_STATEMENT_TIMEOUT_MS)],
        )
        yield


def report_build(*, start: date, end: date, tz: tzinfo, menu_key: str = "") -> Report:
    """The report of the days `start` to `end` (included, in `tz`), of every
    menu or of `menu_key` alone. `REPORT_QUERIES` queries, plus one on
    PostgreSQL to allow them the time (`long_statements`)."""
    since, until = range_bounds(start, end, tz)
    events = CallEvent.objects.filter(
        event_type=CALL_ACTION, occurred_at__gte=since, occurred_at__lt=until
    ).exclude(menu_key="")
    calls = Call.objects.filter(started_at__gte=since, started_at__lt=until)
    if menu_key:
        events = events.filter(menu_key=menu_key)
    with long_statements():
        menus = _menu_counts(events)
        _add_hangups(menus, calls, menu_key)
        per_hour = _calls_per_day_and_hour(calls, events, tz, bool(menu_key))
        _add_names_and_labels(menus)
    days = (end - start).days + 1
    by_day: dict[date, int] = defaultdict(int)
    by_hour: dict[int, int] = defaultdict(int)
    for (day, hour), count in per_hour.items():
        by_day[day] += count
        by_hour[hour] += count
    return Report(
        start=start,
        end=end,
        menu_key=menu_key,
        menus=sorted(menus.values(), key=lambda menu: (-menu.calls, menu.key)),
        calls_per_day=[
            (start + timedelta(days=n), by_day[start + timedelta(days=n)])
            for n in range(days)
        ],
        calls_per_hour=[(hour, by_hour[hour]) for hour in range(24)],
    )


def _menu_counts(events: QuerySet) -> dict[str, MenuReport]:
    """Answers and transfers by menu, outcome and option (one query), and
    the calls in each menu (one query): two passes over the range's events
    in all, which is what a report's time goes on."""
    # A transfer's makeCall ends the callflow, after at most a message: it is
    # the answer's first or second action. Read only for choices and
    # exhausted retries, the answers that can transfer.
    transferred_to = Case(
        When(
            outcome__in=[
                Outcome.CHOSE_OPTION,
                Outcome.RETRIES_EXHAUSTED,
                Outcome.TRANSFER_FAILED,  # then another number may be tried
            ],
            then=Coalesce(
                KT("response__callflow__1__params__destination"),
                KT("response__callflow__0__params__destination"),
            ),
        )
    )
    rows = (
        events.order_by()
        .annotate(
            silent=ExpressionWrapper(Q(digits=""), output_field=BooleanField()),
            transferred_to=transferred_to,
        )
        .values_list(
            "menu_key",
            "outcome",
            "option_digits",
            "silent",
            "transferred_to",
            "failed_transfer_to",
        )
        .annotate(count=Count("id"))
    )
    menus: dict[str, MenuReport] = {}
    chosen: dict[str, Counter] = defaultdict(Counter)
    transfers: dict[str, Counter] = defaultdict(Counter)
    not_answered: dict[str, Counter] = defaultdict(Counter)
    for key, outcome, digits, silent, number, unanswered, count in rows:
        menu = menus.setdefault(key, MenuReport(key))
        if number:
            transfers[key][number] += count
        if outcome == Outcome.TRANSFER_FAILED and unanswered:
            not_answered[key][unanswered] += count
        if outcome in ANSWERS:
            menu.answers += count
        if outcome == Outcome.CHOSE_OPTION:
            chosen[key][digits] += count
        elif outcome == Outcome.INVALID_INPUT:
            menu.invalid_inputs += count
        elif outcome == Outcome.NO_INPUT:
            menu.no_inputs += count
        elif outcome == Outcome.RETRIES_EXHAUSTED:
            menu.retries_exhausted += count
            # The answer that used up the retries was wrong keys or silence.
            if silent:
                menu.no_inputs += count
            else:
                menu.invalid_inputs += count
    for key, menu in menus.items():
        menu.options = [
            OptionCount(digits, "", count)
            for digits, count in sorted(chosen[key].items(), key=_most_first)
        ]
        # A number may show only as not answered: its transfers were made
        # before the range began.
        numbers = {n: transfers[key][n] for n in {*transfers[key], *not_answered[key]}}
        menu.transfers = [
            TransferCount(number, count, not_answered[key][number])
            for number, count in sorted(numbers.items(), key=_most_first)
        ]
    calls = (
        events.order_by()
        .values_list("menu_key")
        .annotate(calls=Count("call_id", distinct=True))
    )
    for key, count in calls:
        menus.setdefault(key, MenuReport(key)).calls = count
    return menus


def _most_first(item: tuple[str, int]) -> tuple[int, str]:
    return -item[1], item[0]


def _add_hangups(menus: dict[str, MenuReport], calls: QuerySet, menu_key: str):
    """Calls that ended in each menu without a transfer (one query)."""
    ended = (
        calls.exclude(status="")
        .exclude(last_menu_key="")
        .exclude(last_action=MAKE_CALL)
        .exclude(last_outcome=Outcome.CALL_ENDED)
        .filter(leg_count__lte=1)
    )
    if menu_key:
        ended = ended.filter(last_menu_key=menu_key)
    rows = ended.order_by().values_list("last_menu_key").annotate(count=Count("pk"))
    for key, count in rows:
        menus.setdefault(key, MenuReport(key)).hangups = count


def _calls_per_day_and_hour(
    calls: QuerySet, events: QuerySet, tz: tzinfo, in_menu: bool
) -> dict[tuple[date, int], int]:
    """Calls by the day and hour they started in `tz` (one query)."""
    if in_menu:
        calls = calls.filter(pk__in=events.order_by().values("call_id"))
    rows = (
        calls.order_by()
        .annotate(
            day=TruncDate("started_at", tzinfo=tz),
            hour=ExtractHour("started_at", tzinfo=tz),
        )
        .values_list("day", "hour")
        .annotate(count=Count("pk"))
    )
    return {(day, hour): count for day, hour, count in rows}


def _add_names_and_labels(menus: dict[str, MenuReport]) -> None:
    """Each menu's name and its options' labels as they are now, read from
    the small menu tables (one query, also when there is nothing to name)."""
    rows = Menu.objects.values_list(
        "key", "name", "options__digits", "options__label", "options__action"
    )
    labels: dict[tuple[str, str], str] = {}
    for key, name, digits, label, action in rows:
        if key not in menus:
            continue
        menus[key].name = name
        if digits is not None:
            labels[key, digits] = label or OPTION_ACTIONS.get(action, action)
    for menu in menus.values():
        menu.options = [
            OptionCount(o.digits, labels.get((menu.key, o.digits), ""), o.count)
            for o in menu.options
        ]
