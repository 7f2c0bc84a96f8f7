"""URLs: the admin, and the 8x8 webhooks."""

from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

from ivr import monitoring, views

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
    path("healthz", monitoring.healthz, name="healthz"),
    path("metrics", monitoring.metrics, name="metrics"),
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
