"""The call report: its numbers match a history made through the real
webhooks, and a seeded one counted here row by row; the days are the
staff's; its queries do not grow with the history; staff without the call
events' view permission neither see nor open it."""

import io
from collections import Counter, defaultdict
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from ivr.admin.reports import RANGE_REVERSED, RANGE_TOO_LONG
from ivr.core.decide import Outcome
from ivr.history import reports
from ivr.models import Call, CallEvent, Menu
from ivr.roles import VIEWERS
from tests.admin_forms import SCRIPT
from tests.known_history import ZONE, Caller, local, make_known_history

pytestmark = pytest.mark.django_db

REPORT_URL = "/admin/ivr/callevent/report/"


@pytest.fixture(autouse=True)
def _staff_zone(settings):
    settings.TIME_ZONE = ZONE


@pytest.fixture
def history(webhook_client, payload, menu_tree):
    return make_known_history(webhook_client, payload)


def build(history, *, days=7, end=None, menu_key=""):
    end = end or history.today
    return reports.report_build(
        start=end - timedelta(days=days - 1),
        end=end,
        tz=ZoneInfo(ZONE),
        menu_key=menu_key,
    )


def menus_of(report) -> dict:
    return {menu.key: menu for menu in report.menus}


def seed(*args):
    call_command("ivr_seed_history", *args, stdout=io.StringIO())


def staff_client(client, *groups, name="staff"):
    user = User.objects.create_user(name, password="pw", is_staff=True)
    for group in groups:
        user.groups.add(Group.objects.get(name=group))
    client.force_login(user)
    return client


# --- The numbers ---------------------------------------------------------------


def test_each_menu_counts_what_callers_did_there(history):
    menus = menus_of(build(history))

    main, sales = menus["main"], menus["sales"]
    assert set(menus) == {"main", "sales"}
    # A, B, C and D started in main; A and D went on to sales.
    assert (main.calls, sales.calls) == (4, 2)
    # main: A 1; B 7, silence, 2; C silence 3 times; D 1. sales: A 1, D 9.
    assert (main.answers, sales.answers) == (8, 2)
    assert [(o.digits, o.count) for o in main.options] == [("1", 2), ("2", 1)]
    assert [(o.digits, o.count) for o in sales.options] == [("1", 1)]
    assert (main.invalid_inputs, main.no_inputs) == (1, 4)  # C's last silence too
    assert (sales.invalid_inputs, sales.no_inputs) == (1, 0)
    assert main.invalid_rate == pytest.approx(12.5)
    assert main.no_input_rate == pytest.approx(50)
    assert (main.retries_exhausted, sales.retries_exhausted) == (1, 0)


def test_option_labels_are_the_menus_current_ones(history):
    menu = Menu.objects.get(key="main")
    menu.options.filter(digits="1").update(label="Sales")
    menu.options.filter(digits="2").delete()

    main = menus_of(build(history))["main"]

    assert [(o.digits, o.label) for o in main.options] == [("1", "Sales"), ("2", "")]
    assert main.name == "Main menu"


def test_transfers_are_counted_by_the_number_called(history):
    menus = menus_of(build(history))

    assert [(t.destination, t.count) for t in menus["main"].transfers] == [
        ("+6560001111", 1)
    ]
    assert [(t.destination, t.count) for t in menus["sales"].transfers] == [
        ("+6560002222", 1)
    ]


def test_transfers_not_answered_are_counted_by_the_number(
    history, webhook_client, payload
):
    # F: main 2, busy, back in main; 2 again, answered; sales 1, busy twice.
    f = Caller(
        webhook_client, payload, "call-F", "+6591110006", local(history.day_1, 16, 0)
    )
    f.received().press("2").transfer_ends(486).press("2").transfer_ends(200)
    g = Caller(
        webhook_client, payload, "call-G", "+6591110007", local(history.day_1, 17, 0)
    )
    g.received().press("1").press("1").transfer_ends(486).press("1").transfer_ends(486)

    menus = menus_of(build(history))

    # B transferred to +6560001111 before, A to +6560002222.
    assert [
        (t.destination, t.count, t.not_answered) for t in menus["main"].transfers
    ] == [("+6560001111", 3, 1)]
    assert [
        (t.destination, t.count, t.not_answered) for t in menus["sales"].transfers
    ] == [("+6560002222", 3, 2)]
    assert (menus["main"].not_answered_count, menus["sales"].not_answered_count) == (
        1,
        2,
    )
    assert menus["sales"].transfers[0].not_answered_rate == pytest.approx(200 / 3)


def test_the_page_shows_transfers_not_answered(
    admin_client, history, webhook_client, payload
):
    f = Caller(
        webhook_client, payload, "call-F", "+6591110006", local(history.day_1, 16, 0)
    )
    f.received().press("2").transfer_ends(486)

    page = admin_client.get(REPORT_URL).content.decode()

    assert "Not answered" in page
    assert '<td class="number">1 (50.0 %)</td>' in page


def test_hangups_are_calls_that_ended_in_a_menu_without_a_transfer(history):
    report = build(history)

    # C was hung up on in main when its retries ran out; D hung up in sales.
    # A and B were transferred (8x8's last action MAKE_CALL).
    assert [(menu.key, menu.hangups) for menu in report.hangups] == [
        ("main", 1),
        ("sales", 1),
    ]


def test_a_call_without_a_summary_has_not_ended(webhook_client, payload, menu_tree):
    history = make_known_history(webhook_client, payload)
    Call.objects.filter(session_id="call-C").update(status="")

    assert menus_of(build(history))["main"].hangups == 0


def test_calls_per_day_and_hour_are_in_the_staff_time_zone(history):
    report = build(history)

    per_day = dict(report.calls_per_day)
    assert len(per_day) == 7
    assert per_day[history.today - timedelta(days=6)] == 0
    # D began at 00:30 in Singapore: the day before in UTC.
    assert (per_day[history.day_2], per_day[history.day_1]) == (1, 3)
    assert report.total_calls == 4
    per_hour = dict(report.calls_per_hour)
    assert [hour for hour, count in per_hour.items() if count] == [0, 10, 14]
    assert (per_hour[0], per_hour[10], per_hour[14]) == (1, 2, 1)


def test_the_range_bounds_every_number(history):
    one_day = build(history, days=1, end=history.day_2)

    assert one_day.total_calls == 1  # D alone
    assert {m.key: (m.calls, m.answers) for m in one_day.menus} == {
        "main": (1, 1),
        "sales": (1, 1),
    }
    long_ago = build(history, days=1, end=history.day_10)
    assert long_ago.total_calls == 1  # E
    assert [(t.destination, t.count) for t in long_ago.menus[0].transfers] == [
        ("+6560001111", 1)
    ]
    assert not build(history, days=1, end=history.today).menus


def test_a_menu_chosen_reports_on_it_alone(history):
    report = build(history, menu_key="sales")

    assert [menu.key for menu in report.menus] == ["sales"]
    # The calls with events in sales: A (day -1) and D (day -2).
    assert (report.total_calls, dict(report.calls_per_day)[history.day_2]) == (2, 1)
    assert [(menu.key, menu.hangups) for menu in report.hangups] == [("sales", 1)]


def test_seeded_history_matches_a_count_made_here(menu_tree):
    seed("--events", "3000", "--days", "5", "--seed", "21")
    zone = ZoneInfo(ZONE)
    events = list(
        CallEvent.objects.filter(event_type="CALL_ACTION").values_list(
            "menu_key",
            "outcome",
            "digits",
            "option_digits",
            "call_id",
            "occurred_at",
            "failed_transfer_to",
        )
    )
    start = min(e[5] for e in events).astimezone(zone).date()
    end = max(e[5] for e in events).astimezone(zone).date()

    report = reports.report_build(start=start, end=end, tz=zone)

    answers, invalid, silent, options, calls, unanswered = (
        Counter(),
        Counter(),
        Counter(),
        defaultdict(Counter),
        defaultdict(set),
        defaultdict(Counter),
    )
    for menu, outcome, digits, option, call, _, failed_to in events:
        if outcome == Outcome.TRANSFER_FAILED:
            unanswered[menu][failed_to] += 1
        calls[menu].add(call)
        if outcome in reports.ANSWERS:
            answers[menu] += 1
        if outcome == Outcome.CHOSE_OPTION:
            options[menu][option] += 1
        elif outcome == Outcome.INVALID_INPUT or (
            outcome == Outcome.RETRIES_EXHAUSTED and digits
        ):
            invalid[menu] += 1
        elif outcome == Outcome.NO_INPUT or outcome == Outcome.RETRIES_EXHAUSTED:
            silent[menu] += 1
    menus = menus_of(report)
    assert set(menus) == set(calls)
    for key, menu in menus.items():
        assert menu.calls == len(calls[key])
        assert menu.answers == answers[key]
        assert (menu.invalid_inputs, menu.no_inputs) == (invalid[key], silent[key])
        assert {o.digits: o.count for o in menu.options} == options[key]
        not_answered = {t.destination: t.not_answered for t in menu.transfers}
        assert {n: c for n, c in not_answered.items() if c} == unanswered[key]
    assert sum(map(len, unanswered.values())) > 0  # the seed has some
    assert report.total_calls == Call.objects.count()


# --- Queries -------------------------------------------------------------------


def report_queries(history) -> int:
    with CaptureQueriesContext(connection) as queries:
        build(history)
    return len(queries)


def test_the_queries_do_not_grow_with_the_history(history):
    few = report_queries(history)
    seed("--events", "2000", "--days", "7", "--seed", "4")

    assert report_queries(history) == few
    # One more on PostgreSQL to allow the statements more time, and the
    # savepoint of that transaction inside the test's.
    extra = 3 if connection.vendor == "postgresql" else 0
    assert few == reports.REPORT_QUERIES + extra


def test_an_empty_range_costs_the_same_queries(history):
    with CaptureQueriesContext(connection) as queries:
        build(history, days=1, end=history.today + timedelta(days=30))
    assert len(queries) == report_queries(history)


def test_the_page_costs_the_same_queries_for_any_history(admin_client, history):
    with CaptureQueriesContext(connection) as before:
        assert admin_client.get(REPORT_URL).status_code == 200
    seed("--events", "1500", "--days", "7", "--seed", "8")
    with CaptureQueriesContext(connection) as after:
        assert admin_client.get(REPORT_URL).status_code == 200
    assert len(after) == len(before)


def test_the_queries_read_only_the_range(history):
    with CaptureQueriesContext(connection) as queries:
        build(history)
    history_queries = [
        q["sql"]
        for q in queries
        if "ivr_callevent" in q["sql"] or "ivr_call" in q["sql"]
    ]
    assert history_queries
    for sql in history_queries:
        # Every read of the history is bounded by the time of the range,
        # where the indexes (…, occurred_at) and (started_at, …) apply.
        assert "occurred_at" in sql or "started_at" in sql, sql
        assert "GROUP BY" in sql, sql


# --- The page ------------------------------------------------------------------


def test_the_page_shows_charts_beside_tables_of_the_same_numbers(admin_client, history):
    response = admin_client.get(REPORT_URL)

    assert response.status_code == 200
    html = response.content.decode()
    for element in (
        'id="report-form"',
        '<svg id="chart-calls-per-day"',
        '<svg id="chart-calls-per-hour"',
        '<svg id="chart-hangups"',
        '<svg id="chart-options-main"',
        '<svg id="chart-options-sales"',
        'id="table-calls-per-day"',
        'id="table-calls-per-hour"',
        'id="table-menus"',
        'id="table-hangups"',
        'id="table-options-main"',
        'id="table-transfers-main"',
        'id="table-transfers-sales"',
    ):
        assert element in html, element
    assert "+6560002222" in html
    assert "1 (12.5 %)" in html  # main's wrong keys
    assert "4 (50.0 %)" in html  # and silences
    report = response.context["report"]
    assert (report.start, report.end) == (
        history.today - timedelta(days=6),
        history.today,
    )


def test_the_form_chooses_the_days_and_the_menu(admin_client, history):
    response = admin_client.get(
        REPORT_URL,
        {"start": history.day_2.isoformat(), "end": history.day_1, "menu": "sales"},
    )

    report = response.context["report"]
    assert (report.start, report.end, report.menu_key) == (
        history.day_2,
        history.day_1,
        "sales",
    )
    assert [menu.key for menu in report.menus] == ["sales"]
    assert 'id="chart-options-main"' not in response.content.decode()


def test_a_deleted_menu_can_still_be_chosen(admin_client, history):
    response = admin_client.get(REPORT_URL, {"menu": "gone"})

    assert response.context["form"].is_valid()
    assert response.context["report"].menus == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "2026-02-01", "end": "2026-01-01"}, RANGE_REVERSED),
        ({"start": "2024-01-01", "end": "2026-01-01"}, RANGE_TOO_LONG),
        ({"start": "yesterday"}, "Enter a valid date."),
        ({"start": "9999-12-30", "end": "9999-12-31"}, "less than or equal to"),
        ({"start": "0001-01-01", "end": "0001-01-02"}, "greater than or equal to"),
        ({"menu": "<b>"}, "Select a valid choice."),
    ],
)
def test_a_wrong_form_says_why_and_reports_nothing(
    admin_client, history, query, message
):
    response = admin_client.get(REPORT_URL, query)

    assert response.status_code == 200
    assert "report" not in response.context
    assert message in response.content.decode()
    assert "errornote" in response.content.decode()


def test_what_staff_typed_is_escaped(admin_client, history):
    Menu.objects.filter(key="main").update(name=SCRIPT)
    Menu.objects.get(key="sales").options.filter(digits="1").update(label=SCRIPT)

    html = admin_client.get(REPORT_URL).content.decode()

    assert SCRIPT not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_links_lead_to_the_exports_of_the_same_days(admin_client, history):
    response = admin_client.get(REPORT_URL, {"menu": "sales"})

    start = history.today - timedelta(days=6)
    url = f"/admin/ivr/callevent/export/?from={start}&to={history.today}&menu_key=sales"
    assert f'href="{escape(url)}"' in response.content.decode()
    export = admin_client.get(response.context["events_export_url"])
    assert export.status_code == 200
    rows = b"".join(export.streaming_content).decode().splitlines()[1:]
    assert len(rows) == 2  # A and D pressed a key in sales
    assert all(",sales," in row for row in rows)


# --- Who may see it ------------------------------------------------------------


def test_staff_without_the_call_events_permission_get_403(client, history):
    staff_client(client)

    assert client.get(REPORT_URL).status_code == 403


def test_viewers_open_it_and_find_it_on_the_index(client, history):
    staff_client(client, VIEWERS)

    assert client.get(REPORT_URL).status_code == 200
    for page in ("/admin/", "/admin/ivr/"):
        assert 'id="index-report-link"' in client.get(page).content.decode()
    for model in ("callevent", "call"):
        html = client.get(reverse(f"admin:ivr_{model}_changelist")).content.decode()
        assert 'id="report-link"' in html


def test_the_links_are_hidden_from_staff_who_may_not_open_it(client, history):
    user = User.objects.create_user("calls-only", password="pw", is_staff=True)
    user.user_permissions.add(
        *Group.objects.get(name=VIEWERS).permissions.filter(codename="view_call")
    )
    client.force_login(user)

    assert client.get(REPORT_URL).status_code == 403
    assert 'id="index-report-link"' not in client.get("/admin/").content.decode()
    calls = client.get(reverse("admin:ivr_call_changelist"))
    assert calls.status_code == 200
    assert 'id="report-link"' not in calls.content.decode()


def test_anonymous_visitors_are_sent_to_log_in(client, history):
    response = client.get(REPORT_URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
