"""The read-only REST API: one router for every app's viewsets, plus the OpenAPI schema and docs."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from curation.views import LatestReleaseView, ReleaseApiListView
from drugs.api.views import (
    ApprovalViewSet,
    CompanionDiagnosticViewSet,
    DrugViewSet,
    LabelViewSet,
    LabelWarningViewSet,
    LandscapeView,
    ProductViewSet,
    RegulatoryEventViewSet,
)
from her2kb.api.errors import api_not_found
from portal.api.views import ExportView, RedocView, SearchView
from references.api.views import ReferenceViewSet
from trials.api.views import EvidenceView, OutcomeViewSet, TrialViewSet


class ApiRouter(DefaultRouter):
    # Formats are chosen with ?format= (documented per endpoint), not with .json/.csv URL suffixes.
    include_format_suffixes = False


router = ApiRouter()
router.register("drugs", DrugViewSet, basename="drug")
router.register("approvals", ApprovalViewSet, basename="approval")
router.register("products", ProductViewSet, basename="product")
router.register("diagnostics", CompanionDiagnosticViewSet, basename="diagnostic")
router.register("labels", LabelViewSet, basename="label")
router.register("warnings", LabelWarningViewSet, basename="warning")
router.register("events", RegulatoryEventViewSet, basename="event")
router.register("trials", TrialViewSet, basename="trial")
router.register("outcomes", OutcomeViewSet, basename="outcome")
router.register("references", ReferenceViewSet, basename="reference")

urlpatterns = [
    path("v1/search/", SearchView.as_view(), name="api_search"),
    path("v1/evidence/", EvidenceView.as_view(), name="evidence-list"),
    path("v1/landscape/", LandscapeView.as_view(), name="api_landscape"),
    path("v1/export/", ExportView.as_view(), name="export"),
    path("v1/releases/", ReleaseApiListView.as_view(), name="release-list"),
    path("v1/releases/latest/", LatestReleaseView.as_view(), name="release-latest"),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file: the site's CSP forbids inline scripts.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("redoc/", RedocView.as_view(url_name="schema"), name="redoc"),
    # Anything else under /api/ that ends in a slash: a JSON 404 (without the slash, APPEND_SLASH redirects).
    re_path(r"^.*/$", api_not_found),
]
