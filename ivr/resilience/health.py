"""Endpoints for load balancers and monitoring: /healthz and /metrics.

Neither needs a login, so neither says more than it must: no versions, no
error texts, no names.
"""

import os

from django.conf import settings
from django.db import connection
from django.http import HttpResponse, HttpResponseForbidden, JsonResponse
from django.views.decorators.http import require_GET
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from ivr.resilience.breaker import breaker, is_transient
from ivr.resilience.menu_cache import menus
from ivr.resilience.spool import spool_backlog
from ivr.webhook.network import client_ip, parse_networks


def database_is_reachable() -> bool:
    """One `SELECT 1` within the request's database budget; False at once
    while the breaker says the database just failed."""
    if not breaker.allows():
        return False
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:
        if is_transient(error):
            breaker.failed()
        return False
    return True


@require_GET
def healthz(request):
    """200 while this process can answer calls: from the database, or from
    the menus it keeps for when the database is away (then "degraded").
    503 only when it has no menus at all."""
    database = database_is_reachable()
    has_menus = menus.snapshot() is not None
    if database and has_menus:
        status = "ok"
    elif has_menus:
        status = "degraded"
    else:
        status = "down"
    body = {
        "status": status,
        "database": "ok" if database else "unreachable",
        "menus": "loaded" if has_menus else "missing",
        "spool_backlog": spool_backlog(),
    }
    return JsonResponse(body, status=503 if status == "down" else 200)


class SpoolCollector:
    """The spool's backlog, counted when scraped (it is shared by every
    process, so it is read from the files, not kept per process)."""

    def collect(self):
        yield GaugeMetricFamily(
            "ivr_spool_backlog",
            "Events waiting in the local spool for the database.",
            value=spool_backlog(),
        )


def _registry():
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return registry


def metrics_allowed(request) -> bool:
    """True when IVR_METRICS_ALLOWED_IPS is empty or holds the client."""
    entries = tuple(e.strip() for e in settings.IVR_METRICS_ALLOWED_IPS if e.strip())
    if not entries:
        return True
    address = client_ip(request)
    return address is not None and any(
        address in network for network in parse_networks(entries)
    )


@require_GET
def metrics(request):
    if not metrics_allowed(request):
        return HttpResponseForbidden()
    registry = _registry()
    output = generate_latest(registry)
    spool = CollectorRegistry()
    spool.register(SpoolCollector())
    output += generate_latest(spool)
    return HttpResponse(output, content_type=CONTENT_TYPE_LATEST)
