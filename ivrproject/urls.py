"""URLs: the admin, the 8x8 webhooks, and the read API."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from ivr.resilience import health as monitoring
from ivr.webhook import views

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
    path("healthz", monitoring.healthz, name="healthz"),
    path("metrics", monitoring.metrics, name="metrics"),
    # The read API for reporting tools: /api/v1/..., /api/schema/, /api/docs/.
    path("api/", include("ivr.api.urls")),
    path(
        "webhooks/8x8/call-action/",
        views.CallActionWebhook.as_view(),
        name="webhook-call-action",
    ),
    path(
        "webhooks/8x8/session-summary/",
        views.SessionSummaryWebhook.as_view(),
        name="webhook-session-summary",
    ),
    path(
        "webhooks/8x8/call-status/",
        views.CallStatusWebhook.as_view(),
        name="webhook-call-status",
    ),
]
