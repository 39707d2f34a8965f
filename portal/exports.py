"""
The bulk export (/api/v1/export/): the whole dataset as one JSON document, written to a file once per
dataset state, in the background, and streamed from that file.

Serialising the whole dataset takes seconds (tens of seconds at full scale); reading a file takes none, and no
request waits for a build: a request that finds no file for the current state queues one (a Celery task,
`portal.tasks.build_export`; a thread when tasks run in-process) and is served the newest complete file
meanwhile, its version in the `X-Export-Version` header. Only before the very first file exists is the
answer a 503 with Retry-After.

A file is named by `export_file_name()`: a fingerprint of the dataset (`dataset_state()`: changes on any
insert, update or delete), of the code that shapes the records, and of SITE_URL (the links' origin), so a stale
file is never taken for the current one. Nothing in it comes from the request: whatever Host a client sends,
there is one file per state. It is written in chunks, each with the endpoints' own serializers, so memory stays
bounded however large the dataset grows, once as JSON and once gzip-compressed beside it (served to clients that
accept gzip), and published atomically (temporary files, then `os.replace`): two builds of the same state both
write the same content, and either wins.
"""

from __future__ import annotations

import gzip
import hashlib
import itertools
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import QuerySet
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
from her2kb.background import start_in_background
from her2kb.cache import site_code_version
from her2kb.links import script_prefix_read_once
from references.api.serializers import ReferenceSerializer
from references.models import Reference
from trials.api.serializers import OutcomeSerializer, TrialSerializer
from trials.models import Outcome, Trial

from . import export_rows

# Records serialised per step: one query per prefetched relation per chunk, and at most this many in memory.
CHUNK_SIZE = 1000
FILE_PREFIX = "her2kb-export-"
# A temporary file this old was left by a build that died (a killed worker): remove it.
ABANDONED_AFTER_SECONDS = 3600
# One build at a time; should its worker die, another may start after this long.
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
    """The records of each list in the export, in the order they appear (the long lists' order ends with the key,
    `export_rows.ordered`, so that it is total)."""
    querysets = {
        "drugs": Drug.objects.for_api(),
        "products": Product.objects.for_api(),
        "approvals": Approval.objects.for_api(),
        "diagnostics": CompanionDiagnostic.objects.for_api(),
        "labels": Label.objects.for_api(),
        "events": RegulatoryEvent.objects.for_api(),
        "trials": Trial.objects.for_api(),
        "outcomes": Outcome.objects.for_api(),
        "references": Reference.objects.for_api(),
    }
    return {name: export_rows.ordered(name, queryset) for name, queryset in querysets.items()}


def export_file_name(version: str) -> str:
    """The file of one dataset state: the one place that says what an export is keyed by (the version, which
    covers the data, the code and SITE_URL; never the request)."""
    return f"{FILE_PREFIX}{version}.json"


# The compressed copy of a file: its name plus this. Level 1: at full scale level 6 (gzip's default) took longer
# than writing the JSON itself (about 16 s of 500 MB), for a file a fifth smaller (60 MB instead of 78 MB).
GZIP_SUFFIX = ".gz"
GZIP_LEVEL = 1


@dataclass(frozen=True)
class ExportFile:
    """One complete export file: its path, the dataset version it holds, and the ETag of each encoding."""

    path: Path
    version: str

    @property
    def gzip_path(self) -> Path:
        return self.path.with_name(self.path.name + GZIP_SUFFIX)

    def etag(self, *, compressed: bool = False) -> str:
        return etag_of(self.path.name + (GZIP_SUFFIX if compressed else ""))


def etag_of(file_name: str) -> str:
    # Each encoding has its own ETag: a cache must not answer a gzip request's If-None-Match with the plain body.
    return f'"{hashlib.sha256(file_name.encode()).hexdigest()[:32]}"'


class DatasetExport:
    """The export of the dataset in its current state."""

    def __init__(self, state: DatasetState | None = None) -> None:
        self.state = state or dataset_state()
        fingerprint = f"{self.state.fingerprint}:{site_code_version()}:{settings.SITE_URL}"
        self.version = hashlib.sha256(fingerprint.encode()).hexdigest()[:32]
        self.file = ExportFile(Path(settings.EXPORTS_DIR) / export_file_name(self.version), self.version)
        self.path = self.file.path

    def current(self) -> ExportFile | None:
        """The file of the current state, if it has been written."""
        return self.file if self.path.exists() else None

    def previous(self) -> ExportFile | None:
        """The newest complete file, of whatever state: what is served while a build runs."""
        files = []
        for path in self.path.parent.glob(export_file_name("*")):
            try:
                files.append((path.stat().st_mtime, path))
            except FileNotFoundError:
                continue  # replaced by a newer build meanwhile
        if not files:
            return None
        path = max(files)[1]
        return ExportFile(path, path.name.removeprefix(FILE_PREFIX).removesuffix(".json"))

    def write(self) -> ExportFile:
        """Write the files of the current state (the background build): temporary files, then published, the
        compressed one first, so that a published JSON file always has its compressed copy beside it."""
        directory = self.path.parent
        directory.mkdir(parents=True, exist_ok=True)
        temporaries = [
            tempfile.mkstemp(dir=directory, prefix=f".{FILE_PREFIX}", suffix=".tmp") for _ in ("json", "gzip")
        ]
        (plain_descriptor, plain), (compressed_descriptor, compressed) = temporaries
        try:
            with (
                open(plain_descriptor, "wb", buffering=1 << 20) as out,
                open(compressed_descriptor, "wb") as raw,
                gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=GZIP_LEVEL, mtime=0) as zipped,
                # One transaction: the lists' queries stream from the database (outside one, PostgreSQL would copy
                # each whole result aside before the first row), and all read the same committed data.
                transaction.atomic(),
                script_prefix_read_once(),
            ):
                # Compressed in a thread: zlib lets go of the GIL, so it runs beside the next piece's rendering
                # (one piece at a time, in order, so memory stays bounded).
                with ThreadPoolExecutor(max_workers=1, thread_name_prefix="her2kb-export-gzip") as compressor:
                    compressing = compressor.submit(lambda: None)
                    for text in self._json():
                        data = text.encode()
                        out.write(data)
                        compressing.result()
                        compressing = compressor.submit(zipped.write, data)
                    compressing.result()
            for temporary in (plain, compressed):
                os.chmod(temporary, 0o644)  # mkstemp's files are private; other servers sharing the folder read them
            os.replace(compressed, self.file.gzip_path)
            os.replace(plain, self.path)
        except BaseException:
            for temporary in (plain, compressed):
                Path(temporary).unlink(missing_ok=True)
            raise
        self._remove_other_files()
        return self.file

    def _json(self) -> Iterator[str]:
        """The document, piece by piece: what DRF's JSONRenderer made of DatasetSerializer(...).data."""
        fields = DatasetSerializer(context={"request": None}).fields
        querysets = dataset_querysets()
        yield "{"
        for position, (name, field) in enumerate(fields.items()):
            yield ("," if position else "") + _dumps(name) + ":"
            if isinstance(field, serializers.ListSerializer):
                yield "["
                for index, chunk in enumerate(self._chunks(name, field, querysets[name])):
                    yield ("," if index else "") + _dumps(chunk)[1:-1]  # the records, without the chunk's brackets
                yield "]"
            else:  # last_modified
                value = self.state.last_modified
                yield _dumps(None if value is None else field.to_representation(value))
        yield "}"

    @staticmethod
    def _chunks(name: str, field: serializers.ListSerializer, queryset: QuerySet) -> Iterator[list[Any]]:
        """The list `name`, rendered by its serializer, at most CHUNK_SIZE records at a time. The long lists are read
        as plain rows (`export_rows`); the others as the endpoints read them, where `iterator(chunk_size=…)` runs
        the queryset's prefetches once per chunk."""
        if name in export_rows.LISTS:
            records = export_rows.records(name, queryset)
        else:
            records = queryset.iterator(chunk_size=CHUNK_SIZE)
        while chunk := list(itertools.islice(records, CHUNK_SIZE)):
            yield field.to_representation(chunk)

    def _remove_other_files(self) -> None:
        """Keep the folder bounded: only the files just written remain (files of earlier versions of the code,
        which named files per site, go too), and no abandoned builds. A file being streamed stays readable once
        deleted."""
        for path in self.path.parent.glob(f"{FILE_PREFIX}*"):
            if path not in (self.path, self.file.gzip_path):
                path.unlink(missing_ok=True)
        for path in self.path.parent.glob(f".{FILE_PREFIX}*.tmp"):
            try:
                if path.stat().st_mtime < time.time() - ABANDONED_AFTER_SECONDS:
                    path.unlink(missing_ok=True)
            except FileNotFoundError:
                pass  # finished (or cleaned up) by another build meanwhile


BUILD_LOCK_KEY = "her2kb:export-build"


def schedule_export_build() -> None:
    """Queue a build of the current state's export, unless one is queued or running already."""
    from .tasks import build_export

    if not cache.add(BUILD_LOCK_KEY, True, timeout=BUILD_LOCK_SECONDS):
        return
    start_in_background(build_export, _build_at_low_priority, name="her2kb-export-build")


def _build_at_low_priority() -> None:
    yield_cpu_to_requests()
    export_build()


# The niceness the build runs at: on a machine whose cores it shares with the web workers, the requests served
# meanwhile get the CPU first, so they take no longer than without a build.
BUILD_NICENESS = 10


def yield_cpu_to_requests() -> None:
    """Lower the calling thread's CPU priority to BUILD_NICENESS (Linux gives each thread its own, and the threads
    it starts, the gzip one, inherit it): the in-process build's thread, or the Celery worker that builds. Never
    raised back (only root may): call it only from a thread that does background work. Elsewhere a no-op."""
    if not hasattr(os, "setpriority"):
        return
    thread = threading.get_native_id()
    try:
        current = os.getpriority(os.PRIO_PROCESS, thread)
        if current < BUILD_NICENESS:
            os.setpriority(os.PRIO_PROCESS, thread, BUILD_NICENESS)
    except OSError:  # not permitted here (a sandbox): build at the priority it has
        pass


def export_build() -> str:
    """Write the export of the dataset's current state, unless that file exists; its file name."""
    try:
        export = DatasetExport()
        written = export.current() or export.write()
        return written.path.name
    finally:
        cache.delete(BUILD_LOCK_KEY)


def _dumps(value: Any) -> str:
    # Like JSONRenderer: U+2028 and U+2029 escaped, so the document is also valid JavaScript.
    return _encoder.encode(value).replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
