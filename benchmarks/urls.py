"""The app's URLs plus the benchmark's two references (only `make bench`
serves these: it sets DJANGO_ROOT_URLCONF=benchmarks.urls)."""

from django.urls import path

from benchmarks import views
from ivrproject.urls import urlpatterns as app_urlpatterns

urlpatterns = [
    *app_urlpatterns,
    # Under /webhooks/ so that they pass the same middleware as the webhooks.
    path("webhooks/bench/constant/", views.constant),
    path("webhooks/bench/minimal/", views.minimal),
]
