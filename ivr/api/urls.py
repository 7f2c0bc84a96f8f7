"""The API's URLs, included at /api/ by `ivrproject.urls`.

`v1/` holds the data; `schema/` is its OpenAPI description and `docs/` a
page (Swagger UI, served from this app's static files) to read and try it.
"""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import IsAuthenticated
from rest_framework.routers import SimpleRouter

from ivr.api.views import CallEventViewSet, CallViewSet, ReadOnlyAPIViewSet

app_name = "api"

router = SimpleRouter()
router.register("call-events", CallEventViewSet, basename="callevent")
router.register("calls", CallViewSet, basename="call")

# The schema and its page: for anyone the API itself lets in, by token or
# by staff session; they say what the data is, not what it holds.
_schema_access = {
    "authentication_classes": ReadOnlyAPIViewSet.authentication_classes,
    "permission_classes": [IsAuthenticated],
}

urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(**_schema_access), name="schema"),
    path(
        "docs/",
        SpectacularSwaggerView.as_view(url_name="api:schema", **_schema_access),
        name="docs",
    ),
]
