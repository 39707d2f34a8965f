"""API endpoints that span the apps: search across everything, and the whole dataset as one download."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularRedocView
from rest_framework import renderers, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from drugs.api.serializers import ApprovalSerializer, DrugSerializer
from drugs.models import Approval, Drug
from references.api.serializers import ReferenceSerializer
from references.models import Reference
from trials.api.serializers import OutcomeSerializer, TrialSerializer
from trials.models import Outcome, Trial

from . import search
from .api import (
    ApiViewMixin,
    DrugSummarySerializer,
    ReferenceSummarySerializer,
    TrialSummarySerializer,
    dataset_last_modified,
)


class SearchResultsSerializer(serializers.Serializer):
    query = serializers.CharField(help_text="The query as searched: whitespace collapsed, cut at 200 characters.")
    drugs = DrugSummarySerializer(many=True)
    trials = TrialSummarySerializer(many=True)
    references = ReferenceSummarySerializer(many=True)

    class Meta:
        ref_name = "SearchResults"


class SearchView(ApiViewMixin, APIView):
    """
    One search across drugs (names, brands, codes such as DS-8201), trials (acronyms, NCT numbers,
    titles) and references (titles, abstracts, PMIDs, DOIs), best match first. Follow each result's
    `url` for the full record.
    """

    renderer_classes = [renderers.JSONRenderer]
    extra_query_parameters = {
        "q": {"schema": {"type": "string"}, "description": "What to look for. An empty query finds nothing."},
        "limit": {
            "schema": {"type": "integer", "minimum": 1, "maximum": search.MAX_LIMIT},
            "description": f"At most this many results of each kind (default {search.DEFAULT_LIMIT}).",
        },
    }

    @extend_schema(responses=SearchResultsSerializer)
    def get(self, request: Request) -> Response:
        limit = int(request.query_params.get("limit", search.DEFAULT_LIMIT))
        results = search.search_everything(request.query_params.get("q", ""), limit=limit)
        serializer = SearchResultsSerializer(results, context={"request": request})
        return Response(serializer.data)


class DatasetSerializer(serializers.Serializer):
    last_modified = serializers.DateTimeField(
        allow_null=True, help_text="When any record in the dataset last changed (null for an empty dataset)."
    )
    drugs = DrugSerializer(many=True)
    approvals = ApprovalSerializer(many=True)
    trials = TrialSerializer(many=True)
    outcomes = OutcomeSerializer(many=True)
    references = ReferenceSerializer(many=True)

    class Meta:
        ref_name = "Dataset"


class ExportView(ApiViewMixin, APIView):
    """
    The whole dataset as one JSON document — drugs, approvals, trials, outcomes and references, each
    shaped exactly as in its own endpoint. The bulk download for analysis; supports ETag/Last-Modified.
    """

    renderer_classes = [renderers.JSONRenderer]

    @extend_schema(responses=DatasetSerializer)
    def get(self, request: Request) -> Response:
        dataset: dict[str, Any] = {
            # Not "generated at": a timestamp that changes on every request would defeat ETag caching.
            "last_modified": dataset_last_modified(),
            "drugs": Drug.objects.for_api(),
            "approvals": Approval.objects.for_api(),
            "trials": Trial.objects.for_api(),
            "outcomes": Outcome.objects.for_api(),
            "references": Reference.objects.for_api().order_by("pmid_number"),
        }
        return Response(DatasetSerializer(dataset, context={"request": request}).data)


class RedocView(SpectacularRedocView):
    """ReDoc from the local static files, without the CDN fonts of the stock template (templates/api/)."""

    template_name = "api/redoc.html"

    @extend_schema(exclude=True)
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().get(request, *args, **kwargs)
        # ReDoc runs its search index in a Web Worker built from a blob: URL. Allow that on this page only;
        # everything else keeps the site-wide policy.
        response["Content-Security-Policy"] = f"{settings.CONTENT_SECURITY_POLICY}; worker-src 'self' blob:"
        return response
