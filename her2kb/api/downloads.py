"""
Whole-list downloads (`?format=csv|ris|bibtex|csljson` on a list too long for the response cache): written once per
dataset state to a file, streamed to the client as it is written, and served from the file afterwards.

A list of 200,000 references as BibTeX is hundreds of MB: built in one piece it held that much in memory per
request, and each request built it again. Here the queryset is read in chunks (`CHUNK_SIZE` records, their
prefetches per chunk), each chunk serialised and rendered (`render_pieces` of the file renderers: the same bytes
as `render`), and the pieces go both to the client and to a temporary file, which is published when complete. The
next request for the same list in the same state is a file read. A client that disconnects midway leaves no file.

A file is named by the dataset's state (`dataset_state()`: any insert, update or delete changes it), the code
(`site_code_version()`), SITE_URL and the request's path, query and format; files of earlier states are removed when
a new one is written, and at most MAX_FILES stay. These downloads have their own, stricter rate
(API_THROTTLE_RATE_DOWNLOAD, her2kb.api.throttling.DownloadRateThrottle).
"""

from __future__ import annotations

import hashlib
import itertools
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils.cache import get_conditional_response
from rest_framework.request import Request

from her2kb.cache import site_code_version

from .caching import dataset_state, set_validators

CHUNK_SIZE = 1000
# Files of the current state kept at once (one per distinct list and format asked for); the oldest go first.
MAX_FILES = 200
# A temporary file this old was left by a build that died: remove it.
ABANDONED_AFTER_SECONDS = 3600


def downloads_dir() -> Path:
    return Path(settings.EXPORTS_DIR) / "downloads"


def download_response(view: Any, request: Request, queryset: QuerySet) -> HttpResponse:
    """The whole of `queryset` in the request's file format: 304, the stored file, or streamed while stored."""
    renderer = request.accepted_renderer
    state = dataset_state()  # one query
    version = hashlib.sha256(f"{state.fingerprint}:{site_code_version()}:{settings.SITE_URL}".encode()).hexdigest()[:16]
    asked = f"{request.get_full_path()}\n{renderer.format}\n{request.accepted_media_type}"
    path = downloads_dir() / f"{version}-{hashlib.sha256(asked.encode()).hexdigest()[:32]}.{renderer.format}"
    etag = f'"{hashlib.sha256(path.name.encode()).hexdigest()[:32]}"'
    last_modified = state.last_modified
    not_modified = get_conditional_response(
        request._request, etag=etag, last_modified=int(last_modified.timestamp()) if last_modified else None
    )
    if not_modified is not None:
        set_validators(not_modified, etag=etag, last_modified=last_modified)
        return not_modified
    content_type = f"{renderer.media_type}; charset={renderer.charset}"
    try:
        response: HttpResponse = FileResponse(path.open("rb"), content_type=content_type)
        response.headers.pop(
            "Content-Disposition", None
        )  # FileResponse names it after the stored file; the view names it
        response["X-Download"] = "stored"
    except FileNotFoundError:
        pieces = _rendered(view, renderer, queryset)
        response = StreamingHttpResponse(_stored_while_streamed(pieces, path), content_type=content_type)
        response["X-Download"] = "built"
    set_validators(response, etag=etag, last_modified=last_modified)
    return response


def _rendered(view: Any, renderer: Any, queryset: QuerySet) -> Iterator[bytes]:
    """The file, piece by piece: the renderer's `render_pieces` over the queryset's records, serialised a chunk at
    a time (`iterator(chunk_size=…)` runs the queryset's prefetches once per chunk)."""
    records = queryset.iterator(chunk_size=CHUNK_SIZE)

    def chunks() -> Iterator[list]:
        while chunk := list(itertools.islice(records, CHUNK_SIZE)):
            yield view.get_serializer(chunk, many=True).data

    context = view.get_renderer_context()
    for piece in renderer.render_pieces(chunks(), context):
        yield piece.encode(renderer.charset)


def _stored_while_streamed(pieces: Iterator[bytes], path: Path) -> Iterator[bytes]:
    """Yield `pieces` and write them to `path`, published only once complete (a temporary file, then os.replace)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".download-", suffix=".tmp")
    try:
        with open(descriptor, "wb", buffering=1 << 20) as out:
            for piece in pieces:
                out.write(piece)
                yield piece
        os.chmod(temporary, 0o644)  # mkstemp's files are private; other servers sharing the folder read them
        os.replace(temporary, path)
        _remove_other_files(keep=path)
    finally:
        Path(temporary).unlink(missing_ok=True)  # the client left midway (GeneratorExit), or the build failed


def _remove_other_files(*, keep: Path) -> None:
    """Keep the folder bounded: no file of an earlier state, at most MAX_FILES of this one, no abandoned builds."""
    version = keep.name.split("-", 1)[0]
    current = []
    for path in keep.parent.iterdir():
        try:
            if path.name.startswith("."):
                if path.stat().st_mtime < time.time() - ABANDONED_AFTER_SECONDS:
                    path.unlink(missing_ok=True)
            elif not path.name.startswith(version + "-"):
                path.unlink(missing_ok=True)
            else:
                current.append((path.stat().st_mtime, path))
        except FileNotFoundError:
            continue  # removed by another build meanwhile
    for _, path in sorted(current)[:-MAX_FILES]:
        if path != keep:
            path.unlink(missing_ok=True)
