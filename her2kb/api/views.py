"""The base behaviour of every API view."""

from __future__ import annotations

import datetime
import hashlib
import pickle
from typing import Any

import django_filters
from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.text import slugify
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from her2kb.filters import split_list
from her2kb.links import site_url

from . import caching, downloads
from .caching import (
    CachedResponse,
    dataset_last_modified,
    response_cache_key,
    set_validators,
)
from .parameters import (
    FILE_FORMATS,
    StrictOrderingFilter,
    StrictSearchFilter,
    query_parameter_specs,
    validate_query_parameters,
)
from .renderers import JSONLDRenderer, ProblemJSONRenderer, rows_of
from .throttling import AnonymousRateThrottle, DownloadRateThrottle, rate_limit_state

FILE_EXTENSIONS = {"csv": "csv", "bibtex": "bib", "ris": "ris", "csljson": "csl.json"}


def download_name(view: Any, format_name: str) -> str:
    """The file name of a download: the endpoint's name, and the record's identifier on a detail."""
    basename = getattr(view, "basename", None) or "records"
    lookup = (getattr(view, "kwargs", None) or {}).get(
        getattr(view, "lookup_url_kwarg", None) or getattr(view, "lookup_field", "pk")
    )
    stem = f"her2kb-{basename}-{slugify(str(lookup))}" if lookup else f"her2kb-{basename}s"
    return f"{stem}.{FILE_EXTENSIONS[format_name]}"


class ApiViewMixin:
    """
    What every endpoint does: strict query parameters, JSON errors whatever the format asked for,
    whole-list downloads in file formats, and conditional GET (ETag and Last-Modified, 304 on match).
    """

    filter_backends = [
        django_filters.rest_framework.DjangoFilterBackend,
        StrictSearchFilter,
        StrictOrderingFilter,
    ]
    extra_query_parameters: dict[str, dict[str, Any]] = {}
    # GET answers are cached (API_CACHE_SECONDS) unless a view opts out (the bulk export has its own file).
    cache_responses = True
    _cache_key: str | None = None
    _cache_hit: CachedResponse | None = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # Before content negotiation, so `?format=nonsense` gets this message rather than a bare 404.
        try:
            validate_query_parameters(request, query_parameter_specs(self))
        except exceptions.ValidationError:
            # An invalid request counts against the rate like any other (and says so in its RateLimit headers);
            # past the rate it is a 429.
            self.perform_authentication(request)
            self.check_throttles(request)
            raise
        # Authentication, content negotiation and throttling: a cached answer still counts against the rate.
        super().initial(request, *args, **kwargs)
        if self.cache_responses and request.method in ("GET", "HEAD") and settings.API_CACHE_SECONDS > 0:
            self._cache_key = response_cache_key(request)
            cached = cache.get(self._cache_key)
            if cached is not None:
                # Leave the way DRF leaves `initial()` when a request is throttled: by raising. The handler
                # (and its queries) never runs; `handle_exception` turns the hit into the response. Wrapping
                # the handler instead would mean reimplementing DRF's dispatch.
                raise CachedResponse(*pickle.loads(cached))

    def get_throttles(self) -> list:
        throttles = super().get_throttles()
        if self._whole_list_download(self.request):
            throttles.append(DownloadRateThrottle())
        return throttles

    def _whole_list_download(self, request: Request) -> bool:
        renderer = getattr(request, "accepted_renderer", None)
        return getattr(self, "action", None) == "list" and renderer is not None and renderer.format in FILE_FORMATS

    def list(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        # A whole list too long for the response cache is a file of its own, streamed (her2kb.api.downloads).
        if self._whole_list_download(request) and hasattr(request.accepted_renderer, "render_pieces"):
            queryset = self.filter_queryset(self.get_queryset())
            if queryset.count() > caching.API_CACHE_MAX_RECORDS:
                return downloads.download_response(self, request, queryset)
        return super().list(request, *args, **kwargs)

    def perform_authentication(self, request: Request) -> None:
        try:
            super().perform_authentication(request)
        except exceptions.AuthenticationFailed:
            # A wrong token is an anonymous request: it counts against its address's anonymous rate, or guessing
            # (or flooding with) tokens would be the one unthrottled way in. Past the rate, a 429 instead of the 401.
            throttle = AnonymousRateThrottle()
            if not throttle.allow_request(request, self):
                self.throttled(request, throttle.wait())
            raise

    def handle_exception(self, exc: Exception) -> HttpResponse:
        if isinstance(exc, CachedResponse):
            self._cache_hit = exc
            return HttpResponse(exc.content, content_type=exc.content_type)
        return super().handle_exception(exc)

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        """The view's serializer, keeping only the fields `?fields=` names (a sparse fieldset), in its own order."""
        serializer = super().get_serializer(*args, **kwargs)
        request = getattr(self, "request", None)
        wanted = split_list(request.query_params.getlist("fields")) if request is not None else []
        if wanted:
            record = getattr(serializer, "child", serializer)
            for name in [name for name in record.fields if name not in wanted]:
                record.fields.pop(name)
        return serializer

    def paginate_queryset(self, queryset: QuerySet) -> list | None:
        renderer = getattr(self.request, "accepted_renderer", None)
        if renderer is not None and renderer.format in FILE_FORMATS:
            return None
        return super().paginate_queryset(queryset)

    def finalize_response(self, request: Request, response: HttpResponse, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(response, Response) and response.status_code >= 400:
            # Errors are problem JSON even when the request asked for CSV or BibTeX.
            response.accepted_renderer = ProblemJSONRenderer()
            response.accepted_media_type = response.accepted_renderer.media_type
            return self._with_rate_limit(response)
        if request.method in ("GET", "HEAD") and response.status_code == status.HTTP_200_OK:
            if response.streaming:  # a file with validators of its own (a long whole-list download, the bulk export)
                self._name_download(request, response)
                return self._with_rate_limit(response)
            if self._cache_hit is not None:
                hit = self._cache_hit
                response["X-Cache"] = "hit"
                etag, last_modified = hit.etag, hit.last_modified
            else:
                last_modified = dataset_last_modified()
                response.render()
                etag = f'"{hashlib.sha256(response.content).hexdigest()[:32]}"'
                if self._cache_key is not None and self._store(response, etag, last_modified):
                    response["X-Cache"] = "miss"
            self._name_download(request, response)
            return self._with_rate_limit(self._conditional(request, response, etag, last_modified))
        return self._with_rate_limit(response)

    def check_throttles(self, request: Request) -> None:
        """DRF's, remembering how much of the tightest limit is left, for the RateLimit headers."""
        waits, tightest = [], None
        for throttle in self.get_throttles():
            allowed = throttle.allow_request(request, self)
            if not allowed:
                waits.append(throttle.wait())
            state = rate_limit_state(throttle)
            if state is not None and (tightest is None or state.remaining < tightest.remaining):
                tightest = state
        self._rate_limit = tightest
        if waits:
            self.throttled(request, max((wait for wait in waits if wait is not None), default=None))

    def _with_rate_limit(self, response: HttpResponse) -> HttpResponse:
        """RateLimit-Limit/-Remaining/-Reset (IETF httpapi draft) on every answer a throttle counted."""
        state = getattr(self, "_rate_limit", None)
        if state is not None:
            response["RateLimit-Limit"] = str(state.limit)
            response["RateLimit-Remaining"] = str(state.remaining)
            response["RateLimit-Reset"] = str(state.reset)
            response["RateLimit-Policy"] = f"{state.limit};w={state.window}"
        return response

    def _name_download(self, request: Request, response: HttpResponse) -> None:
        """A file format downloads as a named file: her2kb-approvals.csv, her2kb-reference-12345.bib …"""
        renderer = getattr(request, "accepted_renderer", None)
        if renderer is None or renderer.format not in FILE_FORMATS:
            return
        response["Content-Disposition"] = f'attachment; filename="{download_name(self, renderer.format)}"'

    def _store(self, response: Response, etag: str, last_modified: datetime.datetime | None) -> bool:
        """Cache a rendered 200 with its validators (so a hit runs no query and renders nothing), if it is not too
        big."""
        if len(rows_of(response.data)) > caching.API_CACHE_MAX_RECORDS or (
            len(response.content) > caching.API_CACHE_MAX_BYTES
        ):
            return False
        kept = CachedResponse(response.content, response["Content-Type"], etag, last_modified)
        cache.set(
            self._cache_key, pickle.dumps(kept.as_tuple(), protocol=pickle.HIGHEST_PROTOCOL), settings.API_CACHE_SECONDS
        )
        return True

    def _conditional(
        self, request: Request, response: HttpResponse, etag: str, last_modified: datetime.datetime | None
    ) -> HttpResponse:
        """ETag from the rendered body (exact), Last-Modified from the data; 304 when the client is current."""
        set_validators(response, etag=etag, last_modified=last_modified)
        return get_conditional_response(
            request._request,
            etag=etag,
            last_modified=int(last_modified.timestamp()) if last_modified else None,
            response=response,
        )


class JSONLDDetailMixin:
    """
    A detail answer that is also the record's schema.org JSON-LD (`Accept: application/ld+json` or
    `?format=jsonld`): `jsonld_builder` (her2kb.jsonld), called as builder(record, url=page URL), is the one that
    builds the document the record's page embeds. Put before ApiViewMixin on a viewset with a detail route.
    """

    jsonld_builder: Any = None

    def get_renderers(self) -> list:
        renderers = super().get_renderers()
        if getattr(self, "action", None) == "retrieve":
            renderers.append(JSONLDRenderer())
        return renderers

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if request.accepted_renderer.format == JSONLDRenderer.format:
            record = self.get_object()
            return Response(type(self).jsonld_builder(record, url=site_url(record.get_absolute_url())))
        return super().retrieve(request, *args, **kwargs)
