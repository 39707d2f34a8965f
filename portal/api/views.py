"""API endpoints that span the apps: search across everything, and the whole dataset as one download."""

import re
from typing import Any, Literal

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response, patch_vary_headers
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularRedocView
from rest_framework import renderers, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from drugs.api.serializers import ApprovalSummarySerializer
from her2kb.api.caching import set_validators
from her2kb.api.fields import DrugSummarySerializer, ReferenceSummarySerializer, TrialSummarySerializer
from her2kb.api.parameters import search_text_parameter
from her2kb.api.views import ApiViewMixin
from portal import search
from portal.exports import (
    FIRST_BUILD_RETRY_AFTER_SECONDS,
    DatasetExport,
    DatasetSerializer,
    ExportFile,
    schedule_export_build,
)

# As Django's GZipMiddleware reads Accept-Encoding.
ACCEPTS_GZIP = re.compile(r"\bgzip\b")


class SearchCountsSerializer(serializers.Serializer):
    drugs = serializers.IntegerField()
    approvals = serializers.IntegerField()
    trials = serializers.IntegerField()
    references = serializers.IntegerField()

    class Meta:
        ref_name = "SearchCounts"


class SearchResultsSerializer(serializers.Serializer):
    query = serializers.CharField(help_text="The query as searched: whitespace collapsed.")
    counts = SearchCountsSerializer(
        help_text=f"How many records of each kind match in all (the lists stop at `limit`), counted up to "
        f"{search.COUNT_LIMIT}: see `capped`."
    )
    capped = serializers.SerializerMethodField(
        help_text=f"The kinds whose count stopped at {search.COUNT_LIMIT}: at least that many match (a page says "
        f'"{search.COUNT_LIMIT}+"). Add a word to narrow the search.'
    )
    drugs = DrugSummarySerializer(many=True)
    approvals = ApprovalSummarySerializer(many=True, help_text="Approvals whose indication or drug match.")
    trials = TrialSummarySerializer(many=True)
    references = ReferenceSummarySerializer(many=True)
    suggestions = serializers.ListField(
        child=serializers.CharField(),
        help_text=f"Did you mean: when fewer than {search.FEW_RESULTS} records match, the query with its misspelt "
        "words corrected from the words of the data ('pertuzumab gastirc' → 'pertuzumab gastric'), and when "
        "nothing matches a one-word query, the drug names spelt most like it; each a query to search for.",
    )

    class Meta:
        ref_name = "SearchResults"

    def get_capped(self, results: search.SearchResults) -> list[Literal["drugs", "approvals", "trials", "references"]]:
        return [kind for kind in search.RESULT_KINDS if kind in results.capped]


class SearchView(ApiViewMixin, APIView):
    """
    One search across drugs (names, brands, codes such as DS-8201), approvals (indications), trials (acronyms, NCT
    numbers, titles) and references (titles, abstracts, PMIDs, DOIs), best match first, with how many of each match.
    Every word must match, as a word (stemmed: "cardiotoxicities" finds "cardiotoxicity"; whole: ILD never finds
    wild-type); "quoted phrases", -exclusions and `or` as in a web search. Codes match with or without
    separators (DS8201 = DS-8201a = ds 8201, tdxd = T-DXd), and partial identifiers too (DESTINY-B, NCT0352). A
    misspelt query gets `suggestions`. Follow each result's `url` for the full record.
    """

    renderer_classes = [renderers.JSONRenderer]
    extra_query_parameters = {
        "q": search_text_parameter("What to look for. An empty query finds nothing."),
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


class ExportView(ApiViewMixin, APIView):
    """
    The whole dataset as one JSON document — drugs, approvals, trials, outcomes and references, each
    shaped exactly as in its own endpoint. The bulk download for analysis; supports ETag/Last-Modified, and is
    sent gzip-compressed (`Content-Encoding: gzip`) to clients that send `Accept-Encoding: gzip`.
    """

    renderer_classes = [renderers.JSONRenderer]
    cache_responses = False  # far too big for the response cache: a file of its own (portal/exports.py)

    @extend_schema(responses=DatasetSerializer)
    def get(self, request: Request) -> HttpResponse:
        export = DatasetExport()  # one query: the dataset's state names the file
        compressed = bool(ACCEPTS_GZIP.search(request.META.get("HTTP_ACCEPT_ENCODING", "")))
        last_modified = export.state.last_modified
        # A client holding the current copy gets its 304 before any file is looked for, let alone written.
        not_modified = get_conditional_response(
            request._request,
            etag=export.file.etag(compressed=compressed),
            last_modified=int(last_modified.timestamp()) if last_modified else None,
        )
        if not_modified is not None:
            return _with_headers(not_modified, export.file, compressed, last_modified)
        served = export.current()
        if served is None:
            # Never wait for a build: queue it, and serve the newest complete file meanwhile.
            schedule_export_build()
            served = export.current() or export.previous()  # an in-process build may have finished already
        if served is None:
            return _first_build_pending()
        # A file left by the previous code may have no compressed copy: then the plain one serves everybody.
        compressed = compressed and served.gzip_path.exists()
        if served.version != export.version:
            last_modified = None  # the previous file's own state is older; its ETag says which it is
            response = get_conditional_response(request._request, etag=served.etag(compressed=compressed))
            if response is not None:
                return _with_headers(response, served, compressed, None)
        try:
            body = (served.gzip_path if compressed else served.path).open("rb")
        except FileNotFoundError:  # replaced by a newer build between the look-up and the open
            return self.get(request)
        response = FileResponse(body, content_type="application/json")
        response.headers.pop("Content-Disposition", None)  # FileResponse names the file; the API never did
        if compressed:
            response["Content-Encoding"] = "gzip"
        _with_headers(response, served, compressed, last_modified)
        if served.version != export.version:
            response["X-Export-Pending-Version"] = export.version  # the current state's file, being built
        return response


def _with_headers(response: HttpResponse, served: ExportFile, compressed: bool, last_modified: Any) -> HttpResponse:
    """The validators of the encoding served, the version it holds, and Vary: the body depends on Accept-Encoding."""
    set_validators(response, etag=served.etag(compressed=compressed), last_modified=last_modified)
    response["X-Export-Version"] = served.version
    patch_vary_headers(response, ["Accept-Encoding"])
    return response


def _first_build_pending() -> Response:
    response = Response(
        {"detail": "The export is being prepared for the first time. Try again in a minute."},
        status=503,
    )
    response["Retry-After"] = str(FIRST_BUILD_RETRY_AFTER_SECONDS)
    return response


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
