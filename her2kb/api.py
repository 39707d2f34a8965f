"""
Shared pieces of the read-only REST API: the base viewset behaviour, pagination, renderers, throttles,
the error format and the OpenAPI schema class.

One idea runs through this module: every query parameter an endpoint accepts is described once, as a
JSON-Schema fragment (`query_parameter_specs`). The same description is published in the OpenAPI schema
and enforced on every request, so what the docs promise and what the server accepts cannot drift apart:
an unknown parameter, a value outside an enumeration, a malformed identifier or a page size over the cap
is a 400 with a message naming the parameter, never a silently ignored filter or a 500.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import itertools
import pickle
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import django_filters
from django import forms
from django.apps import apps as django_apps
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import FieldDoesNotExist
from django.core.validators import RegexValidator
from django.db.models import BigIntegerField, Count, DateTimeField, IntegerField, Max, QuerySet, Value
from django.db.models.functions import Cast
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, pagination, renderers, serializers, status, throttling
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from .cache import data_version

# Formats that download a whole (filtered) list as one file: they are not paginated, because a CSV or a
# BibTeX file that silently holds only the first page would mislead whoever opens it.
FILE_FORMATS = frozenset({"csv", "bibtex", "ris", "csljson"})
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200

INTEGER_RE = re.compile(r"^-?[0-9]+\Z")
NUMBER_RE = re.compile(r"^-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?\Z")
DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")


# ---------------------------------------------------------------------------------------------
# Query parameters: described once, published in the schema, enforced on every request
# ---------------------------------------------------------------------------------------------
def python_pattern(pattern: str) -> re.Pattern[str]:
    """A schema pattern for Python: `$` also matches before a final newline in Python, not in JSON Schema."""
    return re.compile(pattern[:-1] + r"\Z" if pattern.endswith("$") else pattern)


def _form_field_schema(field: forms.Field, *, whole_number: bool = False) -> dict[str, Any]:
    """The JSON-Schema fragment for one django-filter form field: what the filterset will accept."""
    if isinstance(field, forms.ChoiceField):
        return {"type": "string", "enum": [str(value) for value, _ in field.choices if value != ""]}
    if isinstance(field, forms.NullBooleanField):
        return {"type": "boolean"}
    if isinstance(field, forms.IntegerField):  # django-filter's NumberFilter: a DecimalField, a subclass
        is_integer = whole_number or not isinstance(field, forms.DecimalField)
        schema: dict[str, Any] = {"type": "integer" if is_integer else "number"}
        if field.min_value is not None:
            schema["minimum"] = field.min_value
        if field.max_value is not None:
            schema["maximum"] = field.max_value
        return schema
    if isinstance(field, forms.DateField):
        return {"type": "string", "format": "date"}
    schema = {"type": "string"}
    for validator in field.validators:
        if isinstance(validator, RegexValidator) and not validator.inverse_match:
            schema["pattern"] = validator.regex.pattern
    return schema


def filterset_parameter_specs(filterset_class: type[django_filters.FilterSet]) -> dict[str, dict[str, Any]]:
    """Query parameters of a FilterSet: a range filter such as `date` becomes `date_after` and `date_before`."""
    specs: dict[str, dict[str, Any]] = {}
    for name, filter_ in filterset_class.base_filters.items():
        field = filter_.field
        description = str(filter_.label or name)
        if isinstance(field, forms.MultiValueField):
            suffixes = getattr(field.widget, "suffixes", [])
            for suffix, subfield in zip(suffixes, field.fields, strict=True):
                bound = "on or after" if suffix in ("after", "min") else "on or before"
                specs[f"{name}_{suffix}"] = {
                    "schema": _form_field_schema(subfield),
                    "description": f"{description}: {bound} this value.",
                }
        else:
            schema = _form_field_schema(field, whole_number=_filters_whole_numbers(filterset_class, filter_))
            specs[name] = {"schema": schema, "description": description}
    return specs


def _filters_whole_numbers(filterset_class: type[django_filters.FilterSet], filter_: django_filters.Filter) -> bool:
    """A number filter on a year, or on an integer column, takes integers: `year=2019.5` is a mistake."""
    if filter_.lookup_expr in ("year", "month", "day"):
        return True
    try:
        model_field = filterset_class._meta.model._meta.get_field(filter_.field_name)
    except FieldDoesNotExist:
        return False
    return isinstance(model_field, IntegerField)


def query_parameter_specs(view: Any) -> dict[str, dict[str, Any]]:
    """Every query parameter `view` accepts for its current action, as {name: {schema, description}}."""
    specs: dict[str, dict[str, Any]] = {}
    is_list = getattr(view, "action", None) in ("list", None) and not getattr(view, "detail", False)
    if is_list:
        filterset_class = getattr(view, "filterset_class", None)
        if filterset_class is not None:
            specs.update(filterset_parameter_specs(filterset_class))
        if getattr(view, "search_fields", None):
            specs["search"] = {
                "schema": {"type": "string"},
                "description": "Words to look for in "
                + ", ".join(f.lstrip("^=@$").replace("__", " ") for f in view.search_fields)
                + ".",
            }
        if getattr(view, "ordering_fields", None):
            specs["ordering"] = {
                "schema": {"type": "string", "enum": ordering_terms(view)},
                "description": "Sort by this field; prefix with '-' for descending order.",
            }
        paginator_class = getattr(view, "pagination_class", None)
        if paginator_class is not None:
            if issubclass(paginator_class, pagination.CursorPagination):
                specs["cursor"] = {
                    "schema": {"type": "string"},
                    "description": "Opaque position in the list: follow the `next` and `previous` links.",
                }
            else:
                specs["page"] = {"schema": {"type": "integer", "minimum": 1}, "description": "Page number."}
            specs["page_size"] = {
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
                "description": f"Results per page (default {PAGE_SIZE}, at most {MAX_PAGE_SIZE}). "
                "File formats (CSV, citations) are not paginated: they hold every matching row.",
            }
    specs.update(getattr(view, "extra_query_parameters", {}))
    formats = [renderer.format for renderer in view.renderer_classes]
    if formats:
        specs["format"] = {
            "schema": {"type": "string", "enum": formats},
            "description": "Response format (instead of an Accept header). "
            "Lists in file formats hold every matching row, not one page.",
        }
    return specs


def _check_value(name: str, value: str, schema: Mapping[str, Any]) -> str | None:
    """Why `value` does not satisfy `schema`, or None when it does."""
    value_shown = value if len(value) <= 60 else value[:60] + "…"  # messages quote the value, briefly
    if "enum" in schema:
        if value not in schema["enum"]:
            return f"'{value_shown}' is not a valid value for {name}. Choose one of: {', '.join(schema['enum'])}."
        return None
    kind = schema.get("type")
    if kind == "boolean":
        return None if value in ("true", "false") else f"{name} must be 'true' or 'false'."
    if kind in ("integer", "number"):
        if not (INTEGER_RE if kind == "integer" else NUMBER_RE).match(value):
            return f"{name} must be {'an integer' if kind == 'integer' else 'a number'}, not '{value_shown}'."
        try:
            number = Decimal(value)
        except InvalidOperation:
            return f"{name} must be a number, not '{value_shown}'."
        if "minimum" in schema and number < schema["minimum"]:
            return f"{name} must be at least {schema['minimum']}."
        if "maximum" in schema and number > schema["maximum"]:
            return f"{name} must be at most {schema['maximum']}."
        return None
    if schema.get("format") == "date":
        try:
            if not DATE_RE.match(value):
                raise ValueError
            datetime.date.fromisoformat(value)
        except ValueError:
            return f"{name} must be a date written YYYY-MM-DD, not '{value_shown}'."
        return None
    if "pattern" in schema and not python_pattern(schema["pattern"]).search(value):
        return f"'{value_shown}' is not a valid {name} (expected the pattern {schema['pattern']})."
    return None


def validate_query_parameters(request: Request, specs: Mapping[str, Mapping[str, Any]]) -> None:
    """Raise a 400 naming every unknown, repeated or malformed query parameter."""
    errors: dict[str, list[str]] = {}
    for name, values in request.query_params.lists():
        if name not in specs:
            allowed = ", ".join(sorted(specs)) or "none"
            errors[name] = [f"Unknown query parameter '{name}'. This endpoint accepts: {allowed}."]
            continue
        if len(values) > 1:
            errors[name] = [f"Give {name} once, not {len(values)} times."]
            continue
        value = values[0]
        if "\x00" in value:
            # PostgreSQL cannot store or compare NUL characters; no real query contains one.
            errors[name] = [f"{name} contains a NUL character."]
            continue
        problem = _check_value(name, value, specs[name]["schema"])
        if problem:
            errors[name] = [problem]
    if errors:
        raise exceptions.ValidationError(errors)


def ordering_terms(view: Any) -> list[str]:
    """The values `?ordering=` accepts on `view`: each public field name, ascending or descending."""
    return [term for name in view.ordering_fields for term in (name, f"-{name}")]


class StrictOrderingFilter(OrderingFilter):
    """
    `?ordering=<field>` or `?ordering=-<field>` with the view's public names.

    `view.ordering_fields` maps public names to model fields or annotations, so the API can offer
    `year` for `pub_year`. A tie-breaker (`view.ordering_tiebreaker`, default `pk`) makes pages stable.
    Unknown names are rejected by `validate_query_parameters`; this filter trusts what it receives.
    """

    def get_ordering(self, request: Request, queryset: QuerySet, view: Any) -> list[str]:
        term = request.query_params.get(self.ordering_param)
        if term and term in ordering_terms(view):
            descending = term.startswith("-")
            field = view.ordering_fields[term.lstrip("-")]
            ordering = [f"-{field}" if descending else field]
        else:
            ordering = list(view.ordering)
        tiebreaker = getattr(view, "ordering_tiebreaker", "pk")
        return ordering if tiebreaker in {term.lstrip("-") for term in ordering} else [*ordering, tiebreaker]

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return []  # described by ApiAutoSchema from query_parameter_specs

    def get_schema_fields(self, view: Any) -> list:
        return []


class StrictSearchFilter(SearchFilter):
    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return []  # described by ApiAutoSchema from query_parameter_specs


# ---------------------------------------------------------------------------------------------
# Pagination
# ---------------------------------------------------------------------------------------------
class ApiPagination(pagination.PageNumberPagination):
    """Numbered pages of PAGE_SIZE rows; `page_size` can ask for up to MAX_PAGE_SIZE."""

    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    last_page_strings = ()  # `page=last` is not documented: the parameter is an integer
    invalid_page_message = "Page {page_number} does not exist: {message}"

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return []  # described by ApiAutoSchema from query_parameter_specs


class ApiCursorPagination(pagination.CursorPagination):
    """
    Cursor pagination for long lists (references): stable under inserts and cheap at any depth.

    The first ordering field must be unique and integer-valued (see ReferenceViewSet), so a cursor's
    position is checked to be an integer before it reaches the database.
    """

    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ordering = "-pk"
    invalid_cursor_message = "Invalid cursor: follow the `next` and `previous` links instead of building one."

    def decode_cursor(self, request: Request) -> pagination.Cursor | None:
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None and not INTEGER_RE.match(cursor.position):
            raise exceptions.NotFound(self.invalid_cursor_message)
        return cursor

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return []  # described by ApiAutoSchema from query_parameter_specs


# ---------------------------------------------------------------------------------------------
# Renderers
# ---------------------------------------------------------------------------------------------
# How a related object is named in a CSV cell: the first of these keys it has.
IDENTIFIER_KEYS = ("identifier", "slug", "pmid", "id")


def _label(item: Mapping[str, Any]) -> Any:
    """The short name of a nested object: an identifier, or an author as 'Last Initials'."""
    if "last_name" in item or "collective_name" in item:
        return item.get("collective_name") or f"{item.get('last_name', '')} {item.get('initials', '')}".strip()
    for key in IDENTIFIER_KEYS:
        if key in item:
            return item[key]
    # e.g. {"drug": {...}, "role": ...}: named by its first part (JSON from the database has no key order,
    # but serializers' summaries do).
    return next(iter(item.values()), "")


def _cell(value: Any) -> str:
    """One CSV cell. Related objects appear as their identifiers, several of them '; '-joined."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "; ".join(part for part in (_cell(item) for item in value) if part)
    if isinstance(value, dict):
        return _cell(_label(value))
    text = str(value)
    # Spreadsheets run cells starting with these characters as formulas (CSV injection).
    return "'" + text if text[:1] in ("=", "+", "@", "\t", "\r") else text


def serializer_columns(serializer: serializers.BaseSerializer) -> list[str]:
    """CSV columns of a serializer: its fields, with a nested single object spread as `parent.child`."""
    serializer = getattr(serializer, "child", serializer)
    columns = []
    for name, field in serializer.fields.items():
        if isinstance(field, serializers.Serializer):
            columns += [f"{name}.{child}" for child in field.fields]
        else:
            columns.append(name)
    return columns


def flatten_row(row: Mapping[str, Any], columns: Iterable[str]) -> list[str]:
    cells = []
    for column in columns:
        parent, _, child = column.partition(".")
        value = row.get(parent)
        if child:
            value = value.get(child) if isinstance(value, dict) else None
        cells.append(_cell(value))
    return cells


def rows_of(data: Any) -> list[Mapping[str, Any]]:
    """The records in a response body: an unpaginated list, a page's `results`, or one object."""
    if isinstance(data, list):
        return data
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        return data["results"]
    return [data] if isinstance(data, dict) else []


class CSVRenderer(renderers.BaseRenderer):
    """Any list or object as CSV: one row per record, one column per field (see `serializer_columns`)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"
    response_schema = {
        "type": "string",
        "description": "CSV with a header row; a list holds every matching row (no pagination).",
    }

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: dict | None = None) -> bytes:
        rows = rows_of(data)
        view = (renderer_context or {}).get("view")
        if view is not None and hasattr(view, "get_serializer"):
            columns = serializer_columns(view.get_serializer())
        else:
            columns = list(rows[0]) if rows else []
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow(flatten_row(row, columns))
        return buffer.getvalue().encode(self.charset)


# ---------------------------------------------------------------------------------------------
# Throttles: rates come from settings at request time (API_THROTTLE_RATES), so they can be tuned live
# ---------------------------------------------------------------------------------------------
class _SettingsRateMixin:
    scope: str

    def get_rate(self) -> str | None:
        # DRF reads rates once at import; reading them per request honours settings overrides.
        # No rate (None) means the throttle lets everything through.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class AnonymousRateThrottle(_SettingsRateMixin, throttling.AnonRateThrottle):
    """Anonymous clients, counted per IP address."""


class TokenRateThrottle(_SettingsRateMixin, throttling.UserRateThrottle):
    """Authenticated clients (API token or staff session), counted per user: a higher rate."""

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        # DRF's UserRateThrottle also counts anonymous clients (per address): they have their own rate, and only
        # that one must apply to them. None means "not mine to throttle".
        if not (request.user and request.user.is_authenticated):
            return None
        return super().get_cache_key(request, view)


# ---------------------------------------------------------------------------------------------
# Errors: one JSON shape for every 4xx, {"detail": "...", "errors": {"parameter": ["..."]}}
# ---------------------------------------------------------------------------------------------
def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler (which sets Allow and Retry-After), reshaped to `{"detail", "errors"}`."""
    # Imported here: rest_framework.views reads the renderer settings, which name this module.
    from rest_framework.views import exception_handler as drf_exception_handler

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        errors = data if isinstance(data, dict) else {"non_field_errors": data}
        first = next(iter(errors.values()), ["Invalid request."])
        message = first[0] if isinstance(first, list) and first else str(first)
        response.data = {"detail": f"Invalid request: {message}", "errors": errors}
    elif isinstance(data, dict) and "detail" in data:
        response.data = {"detail": str(data["detail"])}
    else:
        response.data = {"detail": str(data)}
    return response


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in a sentence.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="For invalid requests: the problems with each query parameter, by name.",
    )


def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Unknown URLs under /api/ answer in JSON like the rest of the API, not with the HTML 404 page."""
    return JsonResponse({"detail": f"No API endpoint at {request.path}. See /api/docs/."}, status=404)


# ---------------------------------------------------------------------------------------------
# Conditional requests
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DatasetState:
    """The records the API serves, summarised: when they last changed, and a fingerprint of their state."""

    last_modified: datetime.datetime | None
    fingerprint: str


def dataset_state() -> DatasetState:
    """
    When any record the API serves last changed, and a fingerprint that changes on any insert, update or
    delete of what the API shows: one query over every table behind it (see `_summary_rows`).
    """
    rows = _summary_rows(fingerprint=True)
    return DatasetState(_latest_update(rows), hashlib.sha256(repr(rows).encode()).hexdigest())


def dataset_last_modified() -> datetime.datetime | None:
    """When any record the API serves last changed. Only each table's latest `updated_at`, without the
    fingerprint's counts: this runs for every API answer that is not served from the cache."""
    return _latest_update(_summary_rows(fingerprint=False))


# The tables whose rows carry `updated_at`: their latest is the dataset's Last-Modified.
TIMESTAMPED_MODELS = ("drugs.Drug", "references.Reference", "drugs.Approval", "trials.Trial", "trials.Outcome")


def _latest_update(rows: list[tuple]) -> datetime.datetime | None:
    # The first parts of `_summary_rows` are the timestamped tables' latest `updated_at`, in this order.
    return max((latest for part, latest, _ in rows if part < len(TIMESTAMPED_MODELS) and latest), default=None)


def _summary_rows(*, fingerprint: bool) -> list[tuple]:
    """
    (part, latest, number) rows from one UNION query: the latest `updated_at` of each timestamped table and,
    for the fingerprint, what else a change moves:

    - per table, the row count (deletions) and the largest id (insertions: ids are never reused, so an
      insert plus a delete still moves it) — link tables (many-to-many, a trial's drugs) included, which
      have no timestamps;
    - the trial-drug history's largest id: a role changed in place moves nothing else;
    - references' latest `last_synced_at`, which the PubMed sync moves without touching `updated_at`.
    """
    from drugs.models import Target
    from references.models import Reference
    from trials.models import TrialDrug

    timestamped = [django_apps.get_model(label) for label in TIMESTAMPED_MODELS]
    parts = itertools.count()

    def select(queryset: QuerySet, *, latest: Any = None, number: Any = None) -> QuerySet:
        # One aggregate per SELECT, so each is an index look-up or a plain count, grouped by a constant: one
        # row per table, not one per record. NULLs are typed: PostgreSQL would take an untyped one for text.
        return (
            queryset.order_by()
            .annotate(part=Value(next(parts)))
            .values("part")
            .annotate(
                latest=latest or Cast(Value(None), DateTimeField()),
                number=number or Cast(Value(None), BigIntegerField()),
            )
        )

    selects = [select(model.objects, latest=Max("updated_at")) for model in timestamped]
    if fingerprint:
        links = {field.remote_field.through for model in timestamped for field in model._meta.many_to_many}
        tables = [*timestamped, *sorted(links, key=lambda model: model._meta.label), Target]
        for model in tables:
            selects.append(select(model._default_manager, number=Count("*")))
            selects.append(select(model._default_manager, number=Max("pk")))
        selects.append(select(TrialDrug.history.model._default_manager, number=Max("pk")))
        selects.append(select(Reference.objects, latest=Max("last_synced_at")))
    union = selects[0].union(*selects[1:], all=True)
    return sorted((row["part"], row["latest"], row["number"]) for row in union)


def set_validators(response: HttpResponse, *, etag: str, last_modified: datetime.datetime | None) -> None:
    """The headers a client revalidates its copy with: ETag, Last-Modified, and "ask every time"."""
    response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified.timestamp())
    response["Cache-Control"] = "public, max-age=0, must-revalidate"


# ---------------------------------------------------------------------------------------------
# The response cache: a 200's data, keyed by the data version, the absolute URL and the format
# ---------------------------------------------------------------------------------------------
# Bigger answers (a whole table as CSV or BibTeX) are not cached: they would crowd out everything else. Counting
# records first spares pickling a huge list only to find it too big.
API_CACHE_MAX_RECORDS = 1000
API_CACHE_MAX_BYTES = 4 * 1024 * 1024


class CachedResponse(Exception):
    """A cache hit, raised from `ApiViewMixin.initial` once the request is validated and throttled."""

    def __init__(self, data: Any, last_modified: datetime.datetime | None) -> None:
        super().__init__("served from the API cache")
        self.data, self.last_modified = data, last_modified


def response_cache_key(request: Request) -> str:
    """The cache key of a request's answer: data version, absolute URL (answers hold absolute links) and format."""
    renderer = request.accepted_renderer
    what = f"{request.build_absolute_uri()}\n{renderer.format}\n{request.accepted_media_type}"
    return f"her2kb:api:{data_version()}:{hashlib.sha256(what.encode()).hexdigest()}"


# ---------------------------------------------------------------------------------------------
# The base behaviour of every API view
# ---------------------------------------------------------------------------------------------
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
        validate_query_parameters(request, query_parameter_specs(self))
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

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, CachedResponse):
            self._cache_hit = exc
            return Response(exc.data)
        return super().handle_exception(exc)

    def paginate_queryset(self, queryset: QuerySet) -> list | None:
        renderer = getattr(self.request, "accepted_renderer", None)
        if renderer is not None and renderer.format in FILE_FORMATS:
            return None
        return super().paginate_queryset(queryset)

    def finalize_response(self, request: Request, response: HttpResponse, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(response, Response) and response.status_code >= 400:
            # Errors are JSON even when the request asked for CSV or BibTeX.
            response.accepted_renderer = renderers.JSONRenderer()
            response.accepted_media_type = response.accepted_renderer.media_type
            return response
        if request.method in ("GET", "HEAD") and response.status_code == status.HTTP_200_OK:
            if response.streaming:
                return response  # a file with validators of its own (the bulk export)
            if self._cache_hit is not None:
                last_modified = self._cache_hit.last_modified
                response["X-Cache"] = "hit"
            else:
                last_modified = dataset_last_modified()
                if self._cache_key is not None and self._store(response.data, last_modified):
                    response["X-Cache"] = "miss"
            return self._conditional(request, response, last_modified)
        return response

    def _store(self, data: Any, last_modified: datetime.datetime | None) -> bool:
        """Cache a 200's data with its Last-Modified (so a hit runs no query at all), if it is not too big."""
        if len(rows_of(data)) > API_CACHE_MAX_RECORDS:
            return False
        payload = pickle.dumps((data, last_modified), protocol=pickle.HIGHEST_PROTOCOL)
        if len(payload) > API_CACHE_MAX_BYTES:
            return False
        cache.set(self._cache_key, payload, settings.API_CACHE_SECONDS)
        return True

    def _conditional(
        self, request: Request, response: Response, last_modified: datetime.datetime | None
    ) -> HttpResponse:
        """ETag from the rendered body (exact), Last-Modified from the data; 304 when the client is current."""
        response.render()
        set_validators(
            response, etag=f'"{hashlib.sha256(response.content).hexdigest()[:32]}"', last_modified=last_modified
        )
        return get_conditional_response(
            request._request,
            etag=response["ETag"],
            last_modified=int(last_modified.timestamp()) if last_modified else None,
            response=response,
        )


# ---------------------------------------------------------------------------------------------
# Links and summaries shared by every app's serializers
# ---------------------------------------------------------------------------------------------
@extend_schema_field(OpenApiTypes.URI)
class ApiLinkField(serializers.Field):
    """The API URL of a related object: `view_name` reversed with `{url_kwarg: lookup(obj)}`."""

    def __init__(self, view_name: str, url_kwarg: str, lookup: Any, **kwargs: Any) -> None:
        kwargs.update(source="*", read_only=True)
        self.view_name, self.url_kwarg, self.lookup = view_name, url_kwarg, lookup
        super().__init__(**kwargs)

    def to_representation(self, instance: Any) -> str:
        # Django's reverse, not DRF's: DRF would carry this request's ?format=csv into every link.
        url = reverse(self.view_name, kwargs={self.url_kwarg: self.lookup(instance)})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


@extend_schema_field(OpenApiTypes.URI)
class HtmlLinkField(serializers.Field):
    """The public web page of an object (its get_absolute_url), absolute when there is a request."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.update(source="*", read_only=True)
        kwargs.setdefault("help_text", "The record's page on the her2kb website.")
        super().__init__(**kwargs)

    def to_representation(self, instance: Any) -> str:
        request = self.context.get("request")
        url = instance.get_absolute_url()
        return request.build_absolute_uri(url) if request else url


def trial_identifier(trial: Any) -> str:
    """How the API names a trial: its NCT number, or its slug when it has none."""
    return trial.nct_id or trial.slug


class DrugSummarySerializer(serializers.Serializer):
    """A drug as it appears inside another record."""

    slug = serializers.SlugField(read_only=True)
    name = serializers.CharField(read_only=True)
    drug_class = serializers.CharField(read_only=True, help_text="See /api/v1/drugs/ for the classes.")
    url = ApiLinkField("drug-detail", "slug", lambda drug: drug.slug)

    class Meta:
        ref_name = "DrugSummary"


class TrialSummarySerializer(serializers.Serializer):
    """A trial as it appears inside another record."""

    identifier = serializers.SerializerMethodField(help_text="NCT number, or the slug for trials without one.")
    nct_id = serializers.CharField(read_only=True, allow_null=True)
    acronym = serializers.CharField(read_only=True)
    url = ApiLinkField("trial-detail", "identifier", trial_identifier)

    class Meta:
        ref_name = "TrialSummary"

    def get_identifier(self, trial: Any) -> str:
        return trial_identifier(trial)


class ReferenceSummarySerializer(serializers.Serializer):
    """A publication as it appears inside another record."""

    pmid = serializers.CharField(read_only=True)
    citation = serializers.CharField(read_only=True, help_text="Short Vancouver-style citation.")
    url = ApiLinkField("reference-detail", "pmid", lambda reference: reference.pmid)

    class Meta:
        ref_name = "ReferenceSummary"


class StringListField(serializers.ListField):
    """A JSON list of texts (brand names, sources …), described as such in the schema."""

    child = serializers.CharField()

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)
