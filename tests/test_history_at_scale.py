"""Call history at scale: ivr_seed_history, the list pages' counting, and
searches that stay index lookups however many events there are."""

import io
import re

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum
from django.test import RequestFactory
from django.urls import reverse

from ivr.core.decide import Outcome
from ivr.history import paginators
from ivr.history.seed import SEED_PREFIX
from ivr.models import Call, CallEvent, Menu

pytestmark = pytest.mark.django_db


def seed(*args) -> str:
    out = io.StringIO()
    call_command("ivr_seed_history", *args, stdout=out)
    return out.getvalue()


def test_seeding_makes_exactly_the_events_asked_for_in_whole_calls(menu_tree):
    output = seed("--events", "700", "--seed", "7")

    assert CallEvent.objects.count() == 700
    assert Call.objects.aggregate(total=Sum("event_count"))["total"] == 700
    assert not CallEvent.objects.filter(call__isnull=True).exists()
    assert "Seeded 700 events" in output


def test_seeded_calls_walk_the_real_menus(menu_tree):
    seed("--events", "2000", "--seed", "11")

    outcomes = set(CallEvent.objects.values_list("outcome", flat=True))
    # Callers choose, press wrong keys and say nothing, as real ones do.
    assert {
        Outcome.ENTERED_MENU,
        Outcome.CHOSE_OPTION,
        Outcome.INVALID_INPUT,
        Outcome.NO_INPUT,
    } <= outcomes
    menus = set(CallEvent.objects.values_list("menu_key", flat=True))
    assert menus <= set(Menu.objects.values_list("key", flat=True))
    assert len(menus) > 1
    first = CallEvent.objects.filter(status="CALL_RECEIVED").first()
    assert first.session_id.startswith(SEED_PREFIX)
    assert first.response["clientActionId"].startswith(first.menu_key)


def test_the_same_seed_makes_the_same_history(menu_tree):
    seed("--events", "300", "--seed", "5")
    first = list(CallEvent.objects.order_by("id").values_list("digits", "outcome"))
    seed("--delete")
    seed("--events", "300", "--seed", "5")
    again = list(CallEvent.objects.order_by("id").values_list("digits", "outcome"))
    assert first == again


def test_seeding_shows_progress_in_plain_lines_off_a_terminal(menu_tree):
    output = seed("--events", "5000", "--seed", "1")
    lines = output.splitlines()
    assert any("Seeding call events" in line and "%" in line for line in lines)
    assert "\r" not in output


def test_delete_removes_only_seeded_history(menu_tree, webhook_client, payload):
    webhook_client.call_action(payload("vca-call-received-inbound"))
    seed("--events", "200", "--seed", "3")

    output = seed("--delete")

    assert "Deleted 200 seeded events" in output
    assert CallEvent.objects.count() == 1
    assert Call.objects.count() == 1


def test_seeding_without_menus_says_what_to_do(db):
    with pytest.raises(Exception, match="import some first"):
        seed("--events", "10")


def test_seeded_history_opens_in_the_admin(admin_client, menu_tree):
    seed("--events", "500", "--seed", "9")
    for name in ("ivr_callevent_changelist", "ivr_call_changelist"):
        response = admin_client.get(reverse(f"admin:{name}"))
        assert response.status_code == 200
        assert len(response.context["cl"].result_list) == 50


# --- counting large lists ----------------------------------------------------------


@pytest.fixture
def small_cap(monkeypatch):
    """A cap of 20 rows stands in for 10,000, so a test need not write them."""
    monkeypatch.setattr(paginators, "COUNT_CAP", 20)


def changelist(admin_client, query=""):
    response = admin_client.get(reverse("admin:ivr_callevent_changelist") + query)
    assert response.status_code == 200
    return response


def test_a_filtered_list_stops_counting_at_the_cap(admin_client, menu_tree, small_cap):
    seed("--events", "200", "--seed", "2")

    response = changelist(admin_client, "?direction__exact=INBOUND")

    assert response.context["cl"].paginator.is_capped
    assert "more than 20 call events" in response.content.decode()


def test_a_list_under_the_cap_is_counted_exactly(admin_client, menu_tree, small_cap):
    seed("--events", "15", "--seed", "2")

    response = changelist(admin_client, "?direction__exact=INBOUND")

    assert not response.context["cl"].paginator.is_capped
    assert "15 call events" in response.content.decode()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the estimate is PostgreSQL's"
)
def test_an_unfiltered_list_takes_postgresqls_estimate(
    admin_client, menu_tree, small_cap
):
    seed("--events", "200", "--seed", "2")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE ivr_callevent")

    response = changelist(admin_client)

    paginator = response.context["cl"].paginator
    assert paginator.is_estimate
    assert "about 200 call events" in response.content.decode()
    assert paginator.num_pages == 4


# --- searching large lists ---------------------------------------------------------

# Each search term, and the indexes its lookups must use on each list.
SEARCH_TERMS = ["+65 9123 4567", "9123 4567", "4567", "020 7946 0018"]
SEARCH_INDEXES = {
    CallEvent: ["ivr_event_source_reversed", "ivr_event_destination_reversed"],
    Call: ["ivr_call_caller_reversed", "ivr_call_called_reversed"],
}


def search_plan(model, term: str) -> str:
    """The database's plan for the rows the admin's search of `term` finds,
    without the page's order and limit (which may rightly prefer the time
    index when a number is in most rows)."""
    model_admin = admin.site._registry[model]
    request = RequestFactory().get("/", {"q": term})
    queryset, _ = model_admin.get_search_results(
        request, model.objects.order_by(), term
    )
    sql, params = queryset.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # On a small table PostgreSQL would rightly read every row.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            return "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(row[-1] for row in cursor.fetchall())


@pytest.mark.parametrize("model", [CallEvent, Call])
@pytest.mark.parametrize("term", SEARCH_TERMS)
def test_a_number_search_reads_the_number_indexes_never_every_row(
    menu_tree, model, term
):
    seed("--events", "300", "--seed", "4")

    plan = search_plan(model, term)

    for index in SEARCH_INDEXES[model]:
        assert index in plan, plan
    table = model._meta.db_table
    assert f"Seq Scan on {table}" not in plan, plan  # PostgreSQL
    assert not re.search(rf"^SCAN {table}\b", plan, re.MULTILINE), plan  # SQLite
