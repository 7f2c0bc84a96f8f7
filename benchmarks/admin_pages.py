"""Time the call-history admin pages on a database of seeded history.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ivr_scale \\
        python -m benchmarks.admin_pages

Run `manage.py ivr_seed_history --events 1000000` on that database first.
Each page is requested in-process through Django's test client (the whole
admin: middleware, queries, rendering), once to warm up, then `--runs`
times; the median time and the median time spent in SQL are printed.
"""

import argparse
import os
import statistics
import time
from urllib.parse import quote

import django


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ivrproject.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from ivr.models import Call, CallEvent

    user, _ = get_user_model().objects.get_or_create(
        username="admin-pages-bench", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    event = CallEvent.objects.order_by("-occurred_at").first()
    call = Call.objects.order_by("-started_at").first()
    print(f"{CallEvent.objects.count():,} call events, {Call.objects.count():,} calls")
    print(f"{'page':58} {'median ms':>10} {'SQL ms':>8} {'queries':>8}")
    for name, url in pages(event, call):
        client.get(url)
        times, sql = [], []
        for _ in range(args.runs):
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (url, response.status_code)
            sql.append(sum(float(q["time"]) for q in queries.captured_queries) * 1000)
        print(
            f"{name:58} {statistics.median(times):10.1f} "
            f"{statistics.median(sql):8.1f} {len(queries.captured_queries):8}"
        )


def pages(event, call):
    events = "/admin/ivr/callevent/"
    calls = "/admin/ivr/call/"
    phone = quote(event.source)
    # The number called: in most rows when one number takes every call.
    ours = event.destination
    return [
        ("events: first page", events),
        ("events: page 50", events + "?p=50"),
        ("events: today", events + "?occurred_at__gte=" + today()),
        ("events: outcome invalid input", events + "?outcome__exact=invalid_input"),
        ("events: menu billing", events + "?menu_key=billing"),
        ("events: type CALL_ACTION", events + "?event_type=CALL_ACTION"),
        ("events: direction inbound", events + "?direction=INBOUND"),
        ("events: search phone number", events + "?q=" + phone),
        ("events: search local number", events + "?q=" + local(event.source)),
        ("events: search last 4 digits", events + "?q=" + event.source[-4:]),
        ("events: search our number's last 4", events + "?q=" + ours[-4:]),
        # Eleven digits: longer than the seeded numbers, so nothing ends so.
        ("events: search finding nothing", events + "?q=12345678901"),
        ("events: search session id", events + "?q=" + quote(event.session_id)),
        ("events: search event id", events + "?q=" + quote(event.event_id)),
        ("events: detail", f"{events}{event.pk}/change/"),
        ("calls: first page", calls),
        ("calls: page 50", calls + "?p=50"),
        ("calls: today", calls + "?started_at__gte=" + today()),
        ("calls: status completed", calls + "?status=COMPLETED"),
        ("calls: direction inbound", calls + "?direction=INBOUND"),
        ("calls: search phone number", calls + "?q=" + quote(call.caller)),
        ("calls: search local number", calls + "?q=" + local(call.caller)),
        ("calls: search last 4 digits", calls + "?q=" + call.caller[-4:]),
        ("calls: search our number's last 4", calls + "?q=" + ours[-4:]),
        ("calls: detail", f"{calls}{quote(call.session_id)}/change/"),
        ("report: last 7 days", "/admin/ivr/callevent/report/"),
    ]


def local(number: str) -> str:
    """The number as staff may type it at home: "+6591234567" -> "9123 4567"
    (the last eight digits, as a Singapore number is dialled)."""
    digits = number[-8:]
    return quote(f"{digits[:4]} {digits[4:]}")


def today() -> str:
    """Midnight in the staff time zone, as the date filter's "Today" sends it."""
    from django.utils import timezone

    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return quote(midnight.isoformat())


if __name__ == "__main__":
    main()
