"""Conditional requests (ETag, Last-Modified) and the response cache, keyed by the data version."""

from __future__ import annotations

import datetime
import hashlib
import itertools
from dataclasses import dataclass
from typing import Any

from django.apps import apps as django_apps
from django.db.models import BigIntegerField, Count, DateTimeField, F, QuerySet, Subquery, Value
from django.db.models.functions import Cast
from django.http import HttpResponse
from django.utils.http import http_date
from rest_framework.request import Request

from her2kb.cache import cached_for_data_version, data_version, site_code_version


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
    """When any record the API serves last changed: each table's latest `updated_at` (index look-ups, without the
    fingerprint's counts), kept under the data version as the lists' counts are. Every API answer that is not served
    from the response cache asks for it, and building the query costs more than running it; a write the API shows
    moves the data version (her2kb.cache), as a cached answer's Last-Modified already assumes."""
    return cached_for_data_version("dataset:last-modified", lambda: _latest_update(_summary_rows(fingerprint=False)))


# The tables whose rows carry `updated_at`: their latest is the dataset's Last-Modified. (Targets carry it too, but
# the migrations create them: they count in the fingerprint, by rows and ids, as before.)
TIMESTAMPED_MODELS = (
    "drugs.Drug",
    "references.Reference",
    "drugs.Approval",
    "trials.Trial",
    "trials.Outcome",
    "drugs.Product",
    "drugs.CompanionDiagnostic",
    "drugs.Label",
    "drugs.LabelWarning",
    "drugs.RegulatoryEvent",
    "drugs.ApprovalDesignation",
    "trials.OutcomeSource",
)


def _latest_update(rows: list[tuple]) -> datetime.datetime | None:
    # The first parts of `_summary_rows` are the timestamped tables' latest `updated_at`, in this order.
    return max((latest for part, latest, _ in rows if part < len(TIMESTAMPED_MODELS) and latest), default=None)


def _summary_rows(*, fingerprint: bool) -> list[tuple]:
    """(part, latest, number) rows of `summary_query`, in part order."""
    return sorted((row["part"], row["latest"], row["number"]) for row in summary_query(fingerprint=fingerprint))


def summary_query(*, fingerprint: bool) -> QuerySet:
    """
    One UNION query of (part, latest, number) rows: the latest `updated_at` of each timestamped table and,
    for the fingerprint, what else a change moves:

    - per table, the row count (deletions) and the largest id (insertions: ids are never reused, so an
      insert plus a delete still moves it) — link tables (many-to-many, a trial's drugs) included, which
      have no timestamps;
    - the trial-drug history's largest id: a role changed in place moves nothing else;
    - references' latest `last_synced_at`, which the PubMed sync moves without touching `updated_at`.
    """
    # By label, not by import: the project package imports no app.
    Target, Reference, TrialDrug = (
        django_apps.get_model(label) for label in ("drugs.Target", "references.Reference", "trials.TrialDrug")
    )
    timestamped = [django_apps.get_model(label) for label in TIMESTAMPED_MODELS]
    parts = itertools.count()

    def select(queryset: QuerySet, *, latest: Any = None, number: Any = None) -> QuerySet:
        # One row per table, not one per record: an aggregate (a count) is grouped by the constant part. NULLs are
        # typed: PostgreSQL would take an untyped one for text.
        return (
            queryset.order_by()
            .annotate(part=Value(next(parts)))
            .values("part")
            .annotate(
                latest=latest or Cast(Value(None), DateTimeField()),
                number=number or Cast(Value(None), BigIntegerField()),
            )
        )

    def newest(queryset: QuerySet, field: str, *, column: str) -> QuerySet:
        # A table's largest `field` as the row at the end of its index (ORDER BY field DESC LIMIT 1: one index
        # entry), not MAX(field): grouped by the part's constant, as a UNION member must be, MAX reads every row
        # (PostgreSQL looks MAX up in the index only without GROUP BY). An empty table gives no row.
        top = queryset.filter(**{f"{field}__isnull": False}).order_by(f"-{field}").values("pk")[:1]
        return select(queryset.filter(pk=Subquery(top)), **{column: F(field)})

    selects = [newest(model.objects, "updated_at", column="latest") for model in timestamped]
    if fingerprint:
        links = {field.remote_field.through for model in timestamped for field in model._meta.many_to_many}
        tables = [*timestamped, *sorted(links, key=lambda model: model._meta.label), Target]
        for model in tables:
            selects.append(select(model._default_manager, number=Count("*")))
            selects.append(newest(model._default_manager.all(), "pk", column="number"))
        selects.append(newest(TrialDrug.history.model._default_manager.all(), "pk", column="number"))
        selects.append(newest(Reference.objects.all(), "last_synced_at", column="latest"))
    return selects[0].union(*selects[1:], all=True)


def set_validators(response: HttpResponse, *, etag: str, last_modified: datetime.datetime | None) -> None:
    """The headers a client revalidates its copy with: ETag, Last-Modified, and "ask every time"."""
    response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified.timestamp())
    response["Cache-Control"] = "public, max-age=0, must-revalidate"


# Bigger answers (a whole table as CSV or BibTeX) are not cached: they would crowd out everything else. Counting
# records first spares pickling a huge list only to find it too big.
API_CACHE_MAX_RECORDS = 1000
API_CACHE_MAX_BYTES = 4 * 1024 * 1024


class CachedResponse(Exception):
    """A cache hit, raised from `ApiViewMixin.initial` once the request is validated and throttled: the answer as it
    was sent (body, Content-Type, ETag), so a hit renders nothing (rendering a page of records again cost more than
    the rest of a hit), and its Last-Modified."""

    def __init__(self, content: bytes, content_type: str, etag: str, last_modified: datetime.datetime | None) -> None:
        super().__init__("served from the API cache")
        self.content, self.content_type, self.etag, self.last_modified = content, content_type, etag, last_modified

    def as_tuple(self) -> tuple[bytes, str, str, datetime.datetime | None]:
        """What the cache keeps (pickled): `CachedResponse(*kept)` is the hit again."""
        return self.content, self.content_type, self.etag, self.last_modified


def response_cache_key(request: Request) -> str:
    """The cache key of a request's answer: data and code versions, path with query string, and format. Not the
    host: answers hold no link built from it (her2kb.links.site_url), so every Host a client sends shares one entry.
    The code version: a deploy must not serve what the previous code rendered (or kept in another shape)."""
    renderer = request.accepted_renderer
    what = f"{request.get_full_path()}\n{renderer.format}\n{request.accepted_media_type}"
    return f"her2kb:api:{data_version()}:{site_code_version()}:{hashlib.sha256(what.encode()).hexdigest()}"
