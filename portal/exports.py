"""
The bulk export (/api/v1/export/): the whole dataset as one JSON document, written to a file once per
dataset state, in the background, and streamed from that file.

Serialising the whole dataset takes seconds (tens of seconds at full scale); reading a file takes none, and no
request waits for a build: a request that finds no file for the current state queues one (a Celery task,
`portal.tasks.build_export`; a thread when tasks run in-process) and is served the newest complete file
meanwhile, its version in the `X-Export-Version` header. Only before the very first file exists is the
answer a 503 with Retry-After.

A file is named by `export_file_name()`: a fingerprint of the dataset (`dataset_state()`: changes on any
insert, update or delete), of the code that shapes the records, and of the site (records hold absolute
links), so a stale file is never taken for the current one. It is written in chunks, each with the
endpoints' own serializers, so memory stays bounded however large the dataset grows, and published
atomically (a temporary file, then `os.replace`): two builds of the same state both write the same content,
and either wins.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.encoding import iri_to_uri
from rest_framework import serializers
from rest_framework.utils.encoders import JSONEncoder

from drugs.api.serializers import (
    ApprovalSerializer,
    CompanionDiagnosticSerializer,
    DrugSerializer,
    LabelSerializer,
    ProductSerializer,
    RegulatoryEventSerializer,
)
from drugs.models import Approval, CompanionDiagnostic, Drug, Label, Product, RegulatoryEvent
from her2kb.api.caching import DatasetState, dataset_state
from references.api.serializers import ReferenceSerializer
from references.models import Reference
from trials.api.serializers import OutcomeSerializer, TrialSerializer
from trials.models import Outcome, Trial

# Records serialised per step: one query per prefetched relation per chunk, and at most this many in memory.
CHUNK_SIZE = 1000
FILE_PREFIX = "her2kb-export-"
# A temporary file this old was left by a build that died (a killed worker): remove it.
ABANDONED_AFTER_SECONDS = 3600
# One build per site at a time; should its worker die, another may start after this long.
BUILD_LOCK_SECONDS = 1800
# What a 503 (no file written yet) asks the client to wait before trying again.
FIRST_BUILD_RETRY_AFTER_SECONDS = 30

# As DRF's JSONRenderer writes JSON (compact, UTF-8, no NaN), so the file is what the endpoint used to render.
_encoder = JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))


class DatasetSerializer(serializers.Serializer):
    """The export's shape: each record exactly as its own endpoint shows it."""

    last_modified = serializers.DateTimeField(
        allow_null=True, help_text="When any record in the dataset last changed (null for an empty dataset)."
    )
    drugs = DrugSerializer(many=True)
    products = ProductSerializer(many=True)
    approvals = ApprovalSerializer(many=True)
    diagnostics = CompanionDiagnosticSerializer(many=True)
    labels = LabelSerializer(many=True, help_text="Each label with its warnings.")
    events = RegulatoryEventSerializer(many=True)
    trials = TrialSerializer(many=True)
    outcomes = OutcomeSerializer(many=True)
    references = ReferenceSerializer(many=True)

    class Meta:
        ref_name = "Dataset"


def dataset_querysets() -> dict[str, QuerySet]:
    """The records of each list in the export, in the order they appear."""
    return {
        "drugs": Drug.objects.for_api(),
        "products": Product.objects.for_api(),
        "approvals": Approval.objects.for_api(),
        "diagnostics": CompanionDiagnostic.objects.for_api(),
        "labels": Label.objects.for_api(),
        "events": RegulatoryEvent.objects.for_api(),
        "trials": Trial.objects.for_api(),
        "outcomes": Outcome.objects.for_api(),
        "references": Reference.objects.for_api().order_by("pmid_number"),
    }


@functools.cache
def code_version() -> str:
    """A digest of the project's Python code: after a deploy that changes how records are serialised, files
    written by the previous code must not be served. Read once per process."""
    digest = hashlib.sha256()
    root = Path(__file__).resolve().parent.parent
    for package in ("her2kb", "drugs", "trials", "references"):
        for path in sorted((root / package).rglob("*.py")):
            if "tests" not in path.relative_to(root).parts:
                digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def site_of(request: HttpRequest) -> str:
    """The site a request came to, as the export's links begin: scheme and host, e.g. https://her2kb.org."""
    return request.build_absolute_uri("/").rstrip("/")


def export_file_name(version: str, site: str) -> str:
    """The file of one dataset state for one site: the one place that says what an export is keyed by."""
    return f"{FILE_PREFIX}{version}-{hashlib.sha256(site.encode()).hexdigest()[:12]}.json"


class SiteLinks:
    """Stands in for the request in the serializers' context when a build has none (a Celery task): the
    absolute links of `site`, exactly as `request.build_absolute_uri` writes them for a path."""

    def __init__(self, site: str) -> None:
        self.site = site.rstrip("/")

    def build_absolute_uri(self, location: str) -> str:
        return iri_to_uri(self.site + location)


@dataclass(frozen=True)
class ExportFile:
    """One complete export file: its path, the dataset version it holds, and its ETag."""

    path: Path
    version: str

    @property
    def etag(self) -> str:
        return etag_of(self.path.name)


def etag_of(file_name: str) -> str:
    return f'"{hashlib.sha256(file_name.encode()).hexdigest()[:32]}"'


class DatasetExport:
    """The export of the dataset in its current state, for one site."""

    def __init__(self, site: str, state: DatasetState | None = None) -> None:
        self.site = site
        self.state = state or dataset_state()
        self.version = hashlib.sha256(f"{self.state.fingerprint}:{code_version()}".encode()).hexdigest()[:32]
        self.path = Path(settings.EXPORTS_DIR) / export_file_name(self.version, site)
        self.etag = etag_of(self.path.name)

    def current(self) -> ExportFile | None:
        """The file of the current state, if it has been written."""
        return ExportFile(self.path, self.version) if self.path.exists() else None

    def previous(self) -> ExportFile | None:
        """The newest complete file of this site, of whatever state: what is served while a build runs."""
        suffix = export_file_name("", self.site).removeprefix(FILE_PREFIX)  # "-<site>.json"
        files = []
        for path in self.path.parent.glob(f"{FILE_PREFIX}*{suffix}"):
            try:
                files.append((path.stat().st_mtime, path))
            except FileNotFoundError:
                continue  # replaced by a newer build meanwhile
        if not files:
            return None
        path = max(files)[1]
        return ExportFile(path, path.name.removeprefix(FILE_PREFIX).removesuffix(suffix))

    def write(self) -> ExportFile:
        """Write the file of the current state (the background build): temporary file, then published."""
        directory = self.path.parent
        directory.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=f".{FILE_PREFIX}", suffix=".tmp")
        try:
            with open(descriptor, "w", encoding="utf-8", newline="", buffering=1 << 20) as out:
                for text in self._json():
                    out.write(text)
            os.chmod(temporary, 0o644)  # mkstemp's files are private; other servers sharing the folder read it
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self._remove_other_files()
        return ExportFile(self.path, self.version)

    def _json(self) -> Iterator[str]:
        """The document, piece by piece: what DRF's JSONRenderer made of DatasetSerializer(...).data."""
        fields = DatasetSerializer(context={"request": SiteLinks(self.site)}).fields
        querysets = dataset_querysets()
        yield "{"
        for position, (name, field) in enumerate(fields.items()):
            yield ("," if position else "") + _dumps(name) + ":"
            if isinstance(field, serializers.ListSerializer):
                yield "["
                for index, record in enumerate(self._records(field, querysets[name])):
                    yield ("," if index else "") + _dumps(record)
                yield "]"
            else:  # last_modified
                value = self.state.last_modified
                yield _dumps(None if value is None else field.to_representation(value))
        yield "}"

    @staticmethod
    def _records(field: serializers.ListSerializer, queryset: QuerySet) -> Iterator[Any]:
        # `iterator(chunk_size=…)` runs the queryset's prefetches once per chunk, so chunks of the same size
        # arrive here with their related records loaded.
        records = queryset.iterator(chunk_size=CHUNK_SIZE)
        while chunk := list(itertools.islice(records, CHUNK_SIZE)):
            yield from field.to_representation(chunk)

    def _remove_other_files(self) -> None:
        """Keep the folder bounded: of this site, only the file just written remains (other sites keep their
        newest file until their own next build), and no abandoned builds. A file being streamed stays
        readable once deleted."""
        suffix = export_file_name("", self.site).removeprefix(FILE_PREFIX)
        for path in self.path.parent.glob(f"{FILE_PREFIX}*{suffix}"):
            if path != self.path:
                path.unlink(missing_ok=True)
        for path in self.path.parent.glob(f".{FILE_PREFIX}*.tmp"):
            try:
                if path.stat().st_mtime < time.time() - ABANDONED_AFTER_SECONDS:
                    path.unlink(missing_ok=True)
            except FileNotFoundError:
                pass  # finished (or cleaned up) by another build meanwhile


def _build_lock_key(site: str) -> str:
    return f"her2kb:export-build:{hashlib.sha256(site.encode()).hexdigest()[:12]}"


def schedule_export_build(site: str) -> None:
    """Queue a build of the current state's export for `site`, unless one is queued or running already."""
    from .tasks import build_export

    if not cache.add(_build_lock_key(site), True, timeout=BUILD_LOCK_SECONDS):
        return
    if settings.EXPORT_BUILD_IN_THREAD:
        # Tasks run in-process (no Redis, no worker): build beside the request, never inside it.
        threading.Thread(target=_build_in_thread, args=(site,), name="her2kb-export-build", daemon=True).start()
    else:
        build_export.delay(site)


def _build_in_thread(site: str) -> None:
    try:
        export_build(site=site)
    finally:
        connections.close_all()  # this thread's own database connections


def export_build(*, site: str) -> str:
    """Write the export of the dataset's current state for `site`, unless that file exists; its file name."""
    try:
        export = DatasetExport(site)
        written = export.current() or export.write()
        return written.path.name
    finally:
        cache.delete(_build_lock_key(site))


def _dumps(value: Any) -> str:
    # Like JSONRenderer: U+2028 and U+2029 escaped, so the document is also valid JavaScript.
    return _encoder.encode(value).replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
