"""Whole-list downloads: streamed a chunk at a time, stored once per dataset state, a stricter rate of their own."""

import uuid

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework import serializers
from rest_framework.test import APIClient

from drugs.models import Drug
from her2kb.api import caching, downloads
from her2kb.api.throttling import DownloadRateThrottle
from testing.api_data import make_linked_dataset

pytestmark = pytest.mark.django_db

DOWNLOADS = [
    "/api/v1/references/?format=bibtex",
    "/api/v1/references/?format=ris",
    "/api/v1/references/?format=csljson",
    "/api/v1/references/?format=csv",
    "/api/v1/approvals/?format=csv&ordering=-date",
    "/api/v1/trials/?format=csv",
    "/api/v1/outcomes/?format=csv",
]


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def small_cache(monkeypatch, exports_dir):
    """Lists of more than two records count as whole-list downloads (the real bound is 1,000)."""
    monkeypatch.setattr(caching, "API_CACHE_MAX_RECORDS", 2)


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def in_one_piece(api, url: str, monkeypatch) -> bytes:
    """The same list rendered the ordinary way, all at once (under the response cache's bound)."""
    with monkeypatch.context() as patched:
        patched.setattr(caching, "API_CACHE_MAX_RECORDS", 10**9)
        response = api.get(url, HTTP_CACHE_CONTROL="no-cache")
        cache.clear()
        assert response.status_code == 200 and not response.streaming
        return response.content


@pytest.mark.parametrize("url", DOWNLOADS)
def test_a_long_list_is_streamed_in_chunks_then_served_from_its_file(api, small_cache, monkeypatch, url):
    make_linked_dataset(3)
    monkeypatch.setattr(downloads, "CHUNK_SIZE", 2)
    serialised_at_once = []
    real = serializers.ListSerializer.to_representation

    def recording(self, data):
        if self.parent is None:  # the list itself, not a record's nested list
            serialised_at_once.append(len(data))
        return real(self, data)

    monkeypatch.setattr(serializers.ListSerializer, "to_representation", recording)
    first = api.get(url)
    assert first.status_code == 200 and first.streaming and first["X-Download"] == "built"
    streamed = body(first)
    assert serialised_at_once and max(serialised_at_once) <= 2, "never more than a chunk of records at once"

    with CaptureQueriesContext(connection) as queries:
        again = api.get(url)
        stored = body(again)
    assert again["X-Download"] == "stored" and stored == streamed
    assert len(queries) <= 2  # the list's count and the dataset's state: no record is read again
    assert again["Content-Type"] == first["Content-Type"]
    monkeypatch.setattr(serializers.ListSerializer, "to_representation", real)
    assert streamed == in_one_piece(api, url, monkeypatch), "the same bytes as the list rendered in one piece"


def test_a_change_to_the_data_builds_a_new_file_and_drops_the_old(api, small_cache, exports_dir):
    data = make_linked_dataset(3)
    url = "/api/v1/references/?format=bibtex"
    before = body(api.get(url))
    [old] = list((exports_dir / "downloads").iterdir())
    data.references[0].title = "A changed title"
    data.references[0].save()
    after = api.get(url)
    assert after["X-Download"] == "built" and b"A changed title" in body(after) and body(after) != before
    assert [path.name for path in (exports_dir / "downloads").iterdir()] != [old.name]
    assert len(list((exports_dir / "downloads").iterdir())) == 1


def test_a_client_that_leaves_midway_leaves_no_file(api, small_cache, exports_dir, monkeypatch):
    make_linked_dataset(3)
    monkeypatch.setattr(downloads, "CHUNK_SIZE", 1)
    response = api.get("/api/v1/references/?format=ris")
    pieces = iter(response.streaming_content)
    next(pieces)
    response.close()  # what the server does when the client disconnects
    assert list((exports_dir / "downloads").iterdir()) == []


def test_a_download_revalidates_with_its_etag(api, small_cache):
    make_linked_dataset(3)
    first = api.get("/api/v1/trials/?format=csv")
    body(first)
    assert api.get("/api/v1/trials/?format=csv", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    Drug.objects.first().save()
    assert api.get("/api/v1/trials/?format=csv", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_downloads_have_their_own_stricter_rate(api, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100/min", "user": "100/min", "download": "2/min"},
    }
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    cache.delete(DownloadRateThrottle.cache_format % {"scope": "download", "ident": address})
    make_linked_dataset(1)
    statuses = [api.get("/api/v1/drugs/?format=csv", REMOTE_ADDR=address).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    refused = api.get("/api/v1/references/", {"format": "bibtex"}, REMOTE_ADDR=address)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert refused["Content-Type"] == "application/problem+json"
    # Pages of JSON, and single records in a file format, are not downloads of a whole list.
    assert api.get("/api/v1/drugs/", REMOTE_ADDR=address).status_code == 200
