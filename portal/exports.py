"""
The bulk export (/api/v1/export/): the whole dataset as one JSON document, written to a file once per
dataset state and streamed from that file to every request until the data changes.

Serialising the whole dataset takes seconds (tens of seconds at full scale); reading a file takes none. The
file is named by a fingerprint of the dataset (`dataset_state()`: changes on any insert, update or delete),
of the code that shapes the records, and of the site (records hold absolute links), so a stale file is never
served: a new state simply has no file yet. It is written in chunks, each with the endpoints' own serializers,
so memory stays bounded however large the dataset grows, and published atomically (a temporary file, then
`os.replace`): two servers building the same state at once both write the same content, and either wins.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db.models import QuerySet
from rest_framework import serializers
from rest_framework.request import Request
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


class DatasetExport:
    """The export of the dataset in its current state, for the site `request` came to."""

    def __init__(self, request: Request, state: DatasetState | None = None) -> None:
        self.request = request
        self.state = state or dataset_state()
        self.version = hashlib.sha256(f"{self.state.fingerprint}:{code_version()}".encode()).hexdigest()[:32]
        site = hashlib.sha256(request.build_absolute_uri(request.path).encode()).hexdigest()[:12]
        self.path = Path(settings.EXPORTS_DIR) / f"{FILE_PREFIX}{self.version}-{site}.json"
        self.etag = f'"{hashlib.sha256(self.path.name.encode()).hexdigest()[:32]}"'

    def open(self) -> IO[bytes]:
        """The file for this state, opened for reading: written first if no request has written it yet."""
        try:
            return self.path.open("rb")
        except FileNotFoundError:
            return self._build()

    def _build(self) -> IO[bytes]:
        directory = self.path.parent
        directory.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=f".{FILE_PREFIX}", suffix=".tmp")
        published = None
        try:
            with open(descriptor, "w", encoding="utf-8", newline="", buffering=1 << 20) as out:
                for text in self._json():
                    out.write(text)
            os.chmod(temporary, 0o644)  # mkstemp's files are private; other servers sharing the folder read it
            # Opened before it is published: the copy served stays readable even if a newer state's build
            # deletes it a moment later. Closed by the FileResponse that streams it.
            published = open(temporary, "rb")
            os.replace(temporary, self.path)
        except BaseException:
            if published is not None:
                published.close()
            Path(temporary).unlink(missing_ok=True)
            raise
        self._remove_other_files()
        return published

    def _json(self) -> Iterator[str]:
        """The document, piece by piece: what DRF's JSONRenderer made of DatasetSerializer(...).data."""
        fields = DatasetSerializer(context={"request": self.request}).fields
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
        """Keep the folder bounded: only files of this state remain (one per site), and no abandoned builds.
        Should a slower build of an older state finish after a newer one, it deletes the newer file: the next
        request writes it again. Nothing breaks, and a file being streamed stays readable once deleted."""
        for path in self.path.parent.glob(f"{FILE_PREFIX}*.json"):
            if not path.name.startswith(f"{FILE_PREFIX}{self.version}-"):
                path.unlink(missing_ok=True)
        for path in self.path.parent.glob(f".{FILE_PREFIX}*.tmp"):
            try:
                if path.stat().st_mtime < time.time() - ABANDONED_AFTER_SECONDS:
                    path.unlink(missing_ok=True)
            except FileNotFoundError:
                pass  # finished (or cleaned up) by another build meanwhile


def _dumps(value: Any) -> str:
    # Like JSONRenderer: U+2028 and U+2029 escaped, so the document is also valid JavaScript.
    return _encoder.encode(value).replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
