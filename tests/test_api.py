"""The read API (`ivr.api`): who may read it, what each filter selects, the
cursor walking every row once, its cost per page, and its OpenAPI schema."""

import io
import itertools
import re
from base64 import b64encode
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.management import call_command
from django.db import connection
from rest_framework.authtoken.models import Token

from ivr.api import filters as api_filters
from ivr.api import pagination
from ivr.api import views as api_views
from ivr.core.decide import Outcome
from ivr.core.numbers import number_spellings
from ivr.models import Call, CallEvent, CallLeg
from ivr.roles import EDITORS, VIEWERS
from tests.numbering import next_number

EVENTS = "/api/v1/call-events/"
CALLS = "/api/v1/calls/"
SCHEMA = "/api/schema/"
DOCS = "/api/docs/"

CALLER = "+6591234567"
OUR_NUMBER = "+6531581234"
T0 = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)


# --- Helpers -------------------------------------------------------------------


def make_event(**fields) -> CallEvent:
    """An event as the webhooks store it, with its call."""
    values = {
        "event_id": f"api-event-{next_number('api events')}",
        "event_type": "CALL_ACTION",
        "status": "ACTION_COMPLETED",
        "direction": "INBOUND",
        "source": CALLER,
        "destination": OUR_NUMBER,
        "occurred_at": T0,
        "payload": {"eventType": "CALL_ACTION"},
        "response": {"callflow": []},
        "menu_key": "main",
        "outcome": Outcome.CHOSE_OPTION,
        "session_id": "session-1",
        **fields,
    }
    call = None
    if values["session_id"]:
        call, _ = Call.objects.get_or_create(
            session_id=values["session_id"],
            defaults={
                "started_at": values["occurred_at"],
                "direction": values["direction"],
                "caller": values["source"],
                "number_called": values["destination"],
            },
        )
    return CallEvent.objects.create(call=call, **values)


def token_client(client, user):
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {Token.objects.create(user=user)}"
    return client


def make_user(name, *, groups=(), permissions=(), **fields) -> User:
    user = User.objects.create_user(name, **fields)
    user.groups.set(Group.objects.filter(name__in=groups))
    for codename in permissions:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


@pytest.fixture
def reader(client, db):
    """A client with the token of a reporting account: not staff, in the
    viewers' group."""
    return token_client(client, make_user("bi-tool", groups=[VIEWERS]))


def rows(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


# --- Who may read -------------------------------------------------------------


@pytest.mark.django_db
def test_a_token_reads_events_and_calls(reader):
    make_event()

    assert [row["event_id"] for row in rows(reader.get(EVENTS))] == ["api-event-0"]
    assert [row["session_id"] for row in rows(reader.get(CALLS))] == ["session-1"]


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Token not-a-real-token",
        "Token ",
        "Token two words",
        "Bearer {key}",  # the right key, the wrong scheme
        "{key}",
    ],
)
@pytest.mark.parametrize("path", [EVENTS, CALLS, SCHEMA])
@pytest.mark.django_db
def test_a_missing_or_wrong_token_gets_401(client, path, authorization):
    key = Token.objects.create(user=make_user("bi-tool", groups=[VIEWERS])).key
    headers = {}
    if authorization is not None:
        headers["HTTP_AUTHORIZATION"] = authorization.format(key=key)

    response = client.get(path, **headers)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.django_db
def test_the_token_of_an_inactive_user_gets_401(client):
    user = make_user("left-the-company", groups=[VIEWERS])
    token_client(client, user)
    user.is_active = False
    user.save()

    assert client.get(EVENTS).status_code == 401


@pytest.mark.parametrize(
    ("permissions", "events_status", "calls_status"),
    [
        ((), 403, 403),
        (("view_callevent",), 200, 403),
        (("view_call",), 403, 200),
        (("view_callevent", "view_call"), 200, 200),
        # Write permissions do not include reading.
        (("add_callevent", "change_callevent", "change_call"), 403, 403),
    ],
)
@pytest.mark.django_db
def test_reading_needs_the_models_view_permission(
    client, permissions, events_status, calls_status
):
    event = make_event()
    token_client(client, make_user("someone", permissions=permissions))

    assert client.get(EVENTS).status_code == events_status
    assert client.get(f"{EVENTS}{event.pk}/").status_code == events_status
    assert client.get(CALLS).status_code == calls_status
    assert client.get(f"{CALLS}session-1/").status_code == calls_status


@pytest.mark.parametrize("role", [EDITORS, VIEWERS])
@pytest.mark.django_db
def test_both_staff_roles_read_the_api_in_the_browser(client, role):
    make_event()
    client.force_login(make_user("staff", groups=[role], is_staff=True))

    assert len(rows(client.get(EVENTS))) == 1
    assert len(rows(client.get(CALLS))) == 1


@pytest.mark.django_db
def test_staff_without_a_role_get_403_in_the_browser(client):
    client.force_login(make_user("staff", is_staff=True))

    assert client.get(EVENTS).status_code == 403


@pytest.mark.django_db
def test_only_superusers_manage_api_tokens(admin_client, client):
    """Whoever can add a token can add one for any user, a superuser too,
    and read every key: neither role may, so only superusers do."""
    for role in (EDITORS, VIEWERS):
        codenames = Group.objects.get(name=role).permissions.values_list(
            "content_type__app_label", flat=True
        )
        assert "authtoken" not in set(codenames)
    client.force_login(make_user("editor", groups=[EDITORS], is_staff=True))
    assert client.get("/admin/authtoken/tokenproxy/add/").status_code == 403

    assert admin_client.get("/admin/authtoken/tokenproxy/add/").status_code == 200


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("path", [EVENTS, "event", CALLS, f"{CALLS}session-1/"])
@pytest.mark.django_db
def test_writes_get_405_and_change_nothing(reader, method, path):
    event = make_event()
    if path == "event":
        path = f"{EVENTS}{event.pk}/"

    response = getattr(reader, method)(
        path, {"outcome": "error"}, content_type="application/json"
    )

    assert response.status_code == 405
    event.refresh_from_db()
    assert event.outcome == Outcome.CHOSE_OPTION
    assert Call.objects.count() == 1


# --- What a row says -------------------------------------------------------------


@pytest.mark.django_db
def test_times_are_iso_8601_with_the_offset_of_the_configured_zone(reader, settings):
    make_event(occurred_at=T0)

    settings.TIME_ZONE = "UTC"
    assert rows(reader.get(EVENTS))[0]["occurred_at"] == "2026-01-05T01:00:00Z"
    settings.TIME_ZONE = "Asia/Singapore"
    assert rows(reader.get(EVENTS))[0]["occurred_at"] == "2026-01-05T09:00:00+08:00"
    assert rows(reader.get(CALLS))[0]["started_at"] == "2026-01-05T09:00:00+08:00"


@pytest.mark.django_db
def test_the_event_list_leaves_out_the_stored_json_and_the_detail_has_it(reader):
    event = make_event(
        payload={"payload": {"eventId": "x"}},
        response={"clientActionId": "main"},
        error="Internal error: boom",
    )

    listed = rows(reader.get(EVENTS))[0]
    assert not {"payload", "response", "error"} & set(listed)

    detail = reader.get(listed["url"]).json()
    assert detail["id"] == event.pk
    assert detail["payload"] == {"payload": {"eventId": "x"}}
    assert detail["response"] == {"clientActionId": "main"}
    assert detail["error"] == "Internal error: boom"
    assert detail["call"] == "http://testserver/api/v1/calls/session-1/"


@pytest.mark.django_db
def test_a_call_shows_its_legs_and_links_to_its_events(reader):
    # 8x8's session ids hold dots; the URL takes any character but "/".
    session = "4f2c.9a1e-77"
    make_event(session_id=session)
    make_event(session_id=session, event_type="SESSION_SUMMARY")
    make_event(session_id="another-call")
    CallLeg.objects.create(
        call_id=session, call_leg_id="leg-a", source=CALLER, mos=4.2, in_summary=True
    )

    call = reader.get(f"{CALLS}{session}/").json()

    assert call["session_id"] == session
    assert [(leg["call_leg_id"], leg["mos"]) for leg in call["legs"]] == [
        ("leg-a", 4.2)
    ]
    events = rows(reader.get(call["events"]))
    assert len(events) == 2
    assert {event["call"] for event in events} == {call["url"]}


@pytest.mark.django_db
def test_an_unknown_event_or_call_is_404(reader):
    assert reader.get(f"{EVENTS}999999/").status_code == 404
    assert reader.get(f"{CALLS}no-such-session/").status_code == 404


# --- Filters ---------------------------------------------------------------------


@pytest.fixture
def history(db):
    """Four events of three calls, by label."""
    return {
        "a": make_event(session_id="s1", occurred_at=T0),
        "b": make_event(
            session_id="s1",
            event_type="SESSION_SUMMARY",
            status="COMPLETED",
            outcome="",
            menu_key="",
            occurred_at=T0 + timedelta(minutes=5),
        ),
        "c": make_event(
            session_id="s2",
            direction="OUTBOUND",
            source=OUR_NUMBER,
            destination="+6560001111",
            menu_key="sales",
            outcome=Outcome.INVALID_INPUT,
            occurred_at=datetime(2026, 1, 6, 2, 0, tzinfo=UTC),
        ),
        # Stored without the "+", as some 8x8 payloads spell it.
        "d": make_event(
            session_id="s3",
            event_type="CALL_STATUS",
            source="6591234567",
            outcome=Outcome.NO_INPUT,
            call_leg_id="leg-d",
            occurred_at=datetime(2026, 1, 7, tzinfo=UTC),
        ),
    }


EVENT_FILTER_CASES = [
    ("", "abcd"),
    # A date alone is its midnight; "after" includes its time.
    ("occurred_after=2026-01-06", "cd"),
    ("occurred_after=2026-01-05T09:00:00%2B08:00", "abcd"),
    ("occurred_after=2026-01-05T01:00:00.000001Z", "bcd"),
    # "before" excludes its time.
    ("occurred_before=2026-01-05T01:05:00Z", "a"),
    ("occurred_after=2026-01-05T01:05:00Z&occurred_before=2026-01-07", "bc"),
    # Any spelling of the number, either end of the call.
    ("number=%2B65 9123 4567", "abd"),
    ("number=6591234567", "abd"),
    ("number=006591234567", "abd"),
    ("number=(65) 6000-1111", "c"),
    ("number=%2B6531581234", "abcd"),
    ("number=%2B6599999999", ""),
    ("menu_key=sales", "c"),
    ("menu_key=nowhere", ""),
    ("outcome=no_input", "d"),
    ("session_id=s1", "ab"),
    ("event_type=SESSION_SUMMARY", "b"),
    ("event_type=CALL_STATUS", "d"),
    ("direction=OUTBOUND", "c"),
    ("direction=INBOUND", "abd"),
    ("call_leg_id=leg-d", "d"),
    ("session_id=s1&event_type=CALL_ACTION", "a"),
    ("number=6591234567&occurred_after=2026-01-06", "d"),
]


@pytest.mark.parametrize(("query", "expected"), EVENT_FILTER_CASES)
def test_each_event_filter_selects_exactly_its_events(reader, history, query, expected):
    found = rows(reader.get(f"{EVENTS}?{query}"))

    by_id = {event.pk: label for label, event in history.items()}
    # Newest first, so the labels come back reversed.
    assert "".join(by_id[row["id"]] for row in found) == expected[::-1]


def test_event_id_filter_finds_one_event(reader, history):
    found = rows(reader.get(f"{EVENTS}?event_id={history['c'].event_id}"))
    assert [row["id"] for row in found] == [history["c"].pk]


def test_a_time_without_offset_is_in_the_configured_zone(reader, history, settings):
    settings.TIME_ZONE = "Asia/Singapore"
    # 09:05 in Singapore is 01:05 UTC: event "b", excluded.
    found = rows(reader.get(f"{EVENTS}?occurred_before=2026-01-05T09:05"))
    assert [row["id"] for row in found] == [history["a"].pk]


@pytest.fixture
def calls(db):
    def call(session_id, **fields):
        return Call.objects.create(session_id=session_id, **fields)

    return {
        "a": call(
            "c-a",
            started_at=T0,
            direction="INBOUND",
            caller=CALLER,
            number_called=OUR_NUMBER,
            first_menu_key="main",
            last_menu_key="sales",
            last_outcome=Outcome.CHOSE_OPTION,
            status="COMPLETED",
        ),
        "b": call(
            "c-b",
            started_at=T0 + timedelta(days=1),
            direction="INBOUND",
            caller="6560001111",
            number_called=OUR_NUMBER,
            first_menu_key="main",
            last_menu_key="main",
            last_outcome=Outcome.NO_INPUT,
            status="NO_ANSWER",
        ),
        "c": call(
            "c-c",
            started_at=T0 + timedelta(days=2),
            direction="OUTBOUND",
            caller=OUR_NUMBER,
            number_called="+6591234567",
            first_menu_key="sales",
            last_menu_key="sales",
            last_outcome=Outcome.ERROR,
        ),
    }


CALL_FILTER_CASES = [
    ("", "abc"),
    ("started_after=2026-01-06T01:00:00Z", "bc"),
    ("started_before=2026-01-06T01:00:00Z", "a"),
    ("started_after=2026-01-06&started_before=2026-01-07", "b"),
    ("number=65 9123 4567", "ac"),
    ("number=%2B6560001111", "b"),
    ("number=3158 1234", ""),  # a part of a number matches nothing
    ("direction=OUTBOUND", "c"),
    ("status=NO_ANSWER", "b"),
    ("outcome=error", "c"),
    ("first_menu_key=main", "ab"),
    ("last_menu_key=sales", "ac"),
    ("session_id=c-b", "b"),
    ("direction=INBOUND&outcome=chose_option", "a"),
]


@pytest.mark.parametrize(("query", "expected"), CALL_FILTER_CASES)
def test_each_call_filter_selects_exactly_its_calls(reader, calls, query, expected):
    found = rows(reader.get(f"{CALLS}?{query}"))

    by_id = {call.pk: label for label, call in calls.items()}
    assert "".join(by_id[row["session_id"]] for row in found) == expected[::-1]


INVALID = [
    (EVENTS, "occurred_after", "yesterday"),
    (EVENTS, "occurred_before", "2026-13-01"),
    (EVENTS, "outcome", "happy"),
    (EVENTS, "event_type", "VOICE"),
    (EVENTS, "direction", "SIDEWAYS"),
    (CALLS, "started_after", "2026-01-05T25:00"),
    (CALLS, "outcome", "chose"),
    (CALLS, "direction", "inbound "),
    (EVENTS, "page_size", "0"),
    (EVENTS, "page_size", "-5"),
    (CALLS, "page_size", "ten"),
    (EVENTS, "cursor", "not-a-cursor"),
    (CALLS, "cursor", b64encode(b"p=yesterday&p=x").decode()),
    # A misspelt filter would return every row: refused.
    (EVENTS, "ocurred_after", "2026-01-05"),
    (CALLS, "occurred_after", "2026-01-05"),  # the events' name, not the calls'
]


@pytest.mark.parametrize(("path", "parameter", "value"), INVALID)
@pytest.mark.django_db
def test_an_invalid_parameter_gets_400_naming_it(reader, path, parameter, value):
    response = reader.get(path, {parameter: value})

    assert response.status_code == 400
    assert list(response.json()) == [parameter]


@pytest.mark.django_db
def test_the_400_messages_say_what_to_do(reader):
    assert reader.get(EVENTS, {"cursor": "x"}).json() == {
        "cursor": [pagination.INVALID_CURSOR]
    }
    assert reader.get(EVENTS, {"ocurred": "1"}).json() == {
        "ocurred": [api_filters.UNKNOWN_PARAMETER]
    }
    assert reader.get(EVENTS, {"page_size": "0"}).json() == {
        "page_size": [pagination.PAGE_SIZE_INVALID.format(maximum=1000)]
    }


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("+65 9123 4567", {"+65 9123 4567", "+6591234567", "6591234567"}),
        ("6591234567", {"6591234567", "+6591234567"}),
        ("006591234567", {"006591234567", "+6591234567", "6591234567"}),
        ("anonymous", {"anonymous"}),
        ("123", {"123"}),  # too short for E.164: as typed
    ],
)
def test_number_spellings(term, expected):
    assert number_spellings(term) == expected


# --- Pages -----------------------------------------------------------------------


def walk(client, url, *, between_pages=None) -> list[dict]:
    """Every row, following `next` links; `between_pages(rows)` runs
    between two pages, with the rows served so far."""
    served = []
    while url:
        body = client.get(url).json()
        served.extend(body["results"])
        url = body["next"]
        if between_pages and url:
            between_pages(served)
        assert len(served) < 1000, "the walk does not end"
    return served


@pytest.mark.django_db
def test_the_cursor_walks_every_event_once_while_new_events_arrive(reader):
    # Three events share each second: pages end in the middle of a tie.
    originals = {
        make_event(session_id=f"s{n}", occurred_at=T0 + timedelta(seconds=n // 3)).pk
        for n in range(20)
    }
    live, late, old = set(), set(), set()

    def new_events_arrive(served):
        last = CallEvent.objects.get(pk=served[-1]["id"])
        # Newer than everything: a live call.
        live.add(make_event(session_id="live", occurred_at=T0 + timedelta(hours=1)).pk)
        # At the time of the row just served, stored late (8x8's own time):
        # DRF's offset cursor would serve a row of that tie twice.
        late.add(make_event(session_id="late", occurred_at=last.occurred_at).pk)
        # Older than anything served yet: ahead of the cursor.
        old_time = T0 - timedelta(days=len(served))
        old.add(make_event(session_id="old", occurred_at=old_time).pk)

    served = walk(reader, f"{EVENTS}?page_size=4", between_pages=new_events_arrive)

    ids = [row["id"] for row in served]
    assert len(ids) == len(set(ids)), "an event was served twice"
    assert originals <= set(ids)
    assert old <= set(ids)
    assert not set(ids) & (live | late), "served behind the cursor"
    times = [row["occurred_at"] for row in served]
    assert times == sorted(times, reverse=True)


@pytest.mark.django_db
def test_previous_links_walk_back_over_the_same_rows(reader):
    for n in range(11):
        make_event(session_id=f"s{n}", occurred_at=T0 + timedelta(seconds=n // 4))
    forward = []
    pages = []
    url = f"{EVENTS}?page_size=3"
    while url:
        body = reader.get(url).json()
        pages.append([row["id"] for row in body["results"]])
        forward.extend(pages[-1])
        url = body["next"]
    assert body["previous"] is not None

    backward = []
    url = body["previous"]
    while url:
        body = reader.get(url).json()
        backward[:0] = [row["id"] for row in body["results"]]
        url = body["previous"]

    assert backward + pages[-1] == forward
    assert len(set(forward)) == 11


@pytest.mark.django_db
def test_the_cursor_walks_every_call_once_while_new_calls_arrive(reader):
    # Calls that started in the same second: the session id breaks the tie.
    for n in range(14):
        Call.objects.create(
            session_id=f"c{n:02}", started_at=T0 + timedelta(seconds=n // 5)
        )
    Call.objects.create(session_id="no-start-yet")

    new = itertools.count()

    def new_calls_arrive(served):
        n = next(new)
        Call.objects.create(session_id=f"new-{n}", started_at=T0 + timedelta(hours=1))
        # Ties the oldest calls and sorts first among them (descending).
        Call.objects.create(session_id=f"z-tie-{n}", started_at=T0)

    served = walk(reader, f"{CALLS}?page_size=4", between_pages=new_calls_arrive)

    found = [row["session_id"] for row in served]
    assert len(found) == len(set(found))
    assert {f"c{n:02}" for n in range(14)} <= set(found)
    assert "no-start-yet" not in found


@pytest.mark.django_db
def test_the_page_size_has_a_maximum(reader, monkeypatch):
    monkeypatch.setattr(pagination.CallEventPagination, "max_page_size", 3)
    for n in range(5):
        make_event(session_id=f"s{n}")

    assert len(rows(reader.get(EVENTS, {"page_size": 500}))) == 3
    assert len(rows(reader.get(EVENTS, {"page_size": 2}))) == 2


# --- Cost ------------------------------------------------------------------------

# The token and its user, the user's and its groups' permissions, the page.
LIST_QUERIES = 4


@pytest.mark.parametrize("page_size", [1, 10, 20])
@pytest.mark.parametrize("path", [EVENTS, CALLS])
@pytest.mark.django_db
def test_a_page_costs_the_same_queries_whatever_its_size(
    reader, django_assert_num_queries, path, page_size
):
    for n in range(45):
        make_event(session_id=f"s{n}", occurred_at=T0 + timedelta(seconds=n))
    first = reader.get(path, {"page_size": page_size}).json()

    with django_assert_num_queries(LIST_QUERIES):
        response = reader.get(first["next"])

    assert len(rows(response)) == page_size


@pytest.mark.django_db
def test_a_detail_costs_a_fixed_number_of_queries(reader, django_assert_num_queries):
    event = make_event()
    for n in range(3):
        CallLeg.objects.create(call_id="session-1", call_leg_id=f"leg-{n}")

    with django_assert_num_queries(LIST_QUERIES):
        assert reader.get(f"{EVENTS}{event.pk}/").status_code == 200
    # The call, then its legs.
    with django_assert_num_queries(LIST_QUERIES + 1):
        assert len(reader.get(f"{CALLS}session-1/").json()["legs"]) == 3


# --- Indexes (PostgreSQL) --------------------------------------------------------


def api_select_statements(client, url, table) -> list[tuple[str, tuple]]:
    """The SELECTs on `table` that serving `url` ran, with their parameters."""
    statements = []

    def capture(execute, sql, params, many, context):
        if sql.lstrip().startswith("SELECT") and f'FROM "{table}"' in sql:
            statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        assert client.get(url).status_code == 200
    return statements


# Each list, unfiltered or with a filter that has an index of its own, and
# the index its pages must be read from.
INDEXED_PAGES = [
    (EVENTS, "", "ivr_callevent", "ivr_event_time"),
    (EVENTS, "outcome=no_input", "ivr_callevent", "ivr_event_outcome_time"),
    (EVENTS, "event_type=CALL_ACTION", "ivr_callevent", "ivr_event_type_time"),
    (CALLS, "", "ivr_call", "ivr_call_started"),
    (CALLS, "direction=INBOUND", "ivr_call", "ivr_call_direction_started"),
]


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="EXPLAIN shows PostgreSQL's plans"
)
@pytest.mark.django_db
def test_pages_are_read_from_an_index_in_order_without_sorting(reader, menu_tree):
    # Seeded once for every case: seeding is most of this test's time.
    call_command(
        "ivr_seed_history", "--events", "6000", "--seed", "3", stdout=io.StringIO()
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE ivr_callevent")
        cursor.execute("ANALYZE ivr_call")

    for path, query, table, index in INDEXED_PAGES:
        first_url = f"{path}?page_size=50&{query}"
        # The first page, and one deeper in the list from its cursor.
        for url in (first_url, reader.get(first_url).json()["next"]):
            [(sql, params)] = api_select_statements(reader, url, table)
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN {sql}", params)
                plan = "\n".join(row[0] for row in cursor.fetchall())
            case = f"{url}\n{plan}"
            assert re.search(rf"Index Scan Backward using {index}\b", plan), case
            assert "Sort" not in plan, case


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="statement timeouts are PostgreSQL's"
)
@pytest.mark.django_db
def test_a_page_over_the_statement_timeout_gets_503_saying_what_to_do(reader):
    make_event()

    def slow_page(execute, sql, params, many, context):
        # The page's statement takes longer than web requests may wait.
        if 'FROM "ivr_callevent"' in sql:
            execute("SELECT pg_sleep(1)", None, False, context)
        return execute(sql, params, many, context)

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 50")
    with connection.execute_wrapper(slow_page):
        response = reader.get(EVENTS)

    assert response.status_code == 503
    assert response.json() == {"detail": api_views.TOO_SLOW}


# --- The schema and its page -----------------------------------------------------


@pytest.mark.django_db
def test_the_schema_is_valid_openapi_without_warnings(tmp_path):
    # Raises on an invalid schema, and on any warning while building it.
    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--file",
        str(tmp_path / "schema.yaml"),
    )
    assert "/api/v1/call-events/" in (tmp_path / "schema.yaml").read_text()


@pytest.mark.django_db
def test_the_schema_describes_the_filters_and_the_cursor(reader):
    schema = reader.get(SCHEMA, {"format": "json"}).json()

    assert set(schema["paths"]) == {
        "/api/v1/call-events/",
        "/api/v1/call-events/{id}/",
        "/api/v1/calls/",
        "/api/v1/calls/{session_id}/",
    }

    def parameters(path):
        listed = schema["paths"][path]["get"]["parameters"]
        return {parameter["name"]: parameter["schema"] for parameter in listed}

    events = parameters("/api/v1/call-events/")
    assert set(events) == {
        *api_filters.CallEventFilter.base_filters,
        "cursor",
        "page_size",
    }
    assert events["occurred_after"]["format"] == "date-time"
    assert set(events["outcome"]["enum"]) == {o.value for o in Outcome}
    assert events["page_size"]["maximum"] == 1000
    calls = parameters("/api/v1/calls/")
    assert set(calls) == {*api_filters.CallFilter.base_filters, "cursor", "page_size"}
    page = schema["components"]["schemas"]["PaginatedCallEventList"]
    assert set(page["properties"]) == {"next", "previous", "results"}
    assert "tokenAuth" in schema["components"]["securitySchemes"]


@pytest.mark.django_db
def test_the_docs_page_is_served_from_local_files(client, settings):
    settings.DEBUG = False
    client.force_login(make_user("staff", groups=[VIEWERS], is_staff=True))

    page = client.get(DOCS)

    assert page.status_code == 200
    html = page.content.decode()
    # Swagger UI's scripts, styles and icon: no CDN, which a server without
    # internet access (or a strict proxy) could not reach.
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert len(assets) == 4
    for asset in assets:
        assert asset.startswith("/static/drf_spectacular_sidecar/"), asset
        assert client.get(asset).status_code == 200, asset
    client.logout()
    assert client.get(DOCS).status_code == 401
