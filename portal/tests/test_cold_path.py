"""What a request the response cache cannot help still shares: counts per data version, deep pages by key,
the home page's summary, and search ranking only its top candidates."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from drugs.tests.factories import ApprovalFactory, DrugFactory
from her2kb import fulltext, paginators
from portal.search import search_everything
from references.tests.factories import ReferenceFactory
from trials.models import Trial
from trials.tests.factories import TrialFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cold(settings):
    """As the benchmark's cold server: no response cache, so every request reaches the views."""
    settings.API_CACHE_SECONDS = 0
    settings.PAGE_CACHE_SECONDS = 0


def queries_of(client, url: str, params: dict | None = None) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params or {}).status_code == 200
    return len(queries)


def test_a_deep_page_found_by_its_keys_is_the_page_offset_finds(cold, monkeypatch):
    Trial.objects.bulk_create(TrialFactory.build_batch(30))
    api = APIClient()
    offset_page = api.get("/api/v1/trials/", {"page": 4, "page_size": 7}).json()
    monkeypatch.setattr(paginators, "KEYS_FIRST_FROM_OFFSET", 5)
    keys_first = api.get("/api/v1/trials/", {"page": 4, "page_size": 7}).json()
    assert keys_first == offset_page and len(keys_first["results"]) == 7


def test_a_filter_is_counted_once_per_data_version_whatever_the_page_or_order(cold):
    Trial.objects.bulk_create(TrialFactory.build_batch(12))
    api = APIClient()
    first = queries_of(api, "/api/v1/trials/", {"phase": "phase_3", "page_size": 5})
    other_page = queries_of(api, "/api/v1/trials/", {"phase": "phase_3", "page_size": 5, "page": 2})
    assert other_page == first - 1  # no COUNT: the same filter was counted a moment ago
    TrialFactory(phase="phase_3")  # an edit: the count is stale and is taken again
    assert api.get("/api/v1/trials/", {"phase": "phase_3"}).json()["count"] == 13


def test_the_home_page_counts_once_per_data_version(cold, client):
    ApprovalFactory.create_batch(2)
    first = queries_of(client, "/")
    again = queries_of(client, "/")
    assert again < first
    DrugFactory()  # an edit: the home page counts again and shows it
    assert "<strong>3</strong> drugs" in client.get("/").content.decode()


def test_search_ranks_its_newest_candidates_and_always_finds_an_exact_identifier(postgres, monkeypatch):
    monkeypatch.setattr(fulltext, "RANKED_CANDIDATES", 3)
    old = ReferenceFactory(title="Cardiotoxicity of a test antibody", pub_year=1999)
    newer = [ReferenceFactory(title="Cardiotoxicity in a test cohort", pub_year=2020 + n) for n in range(5)]

    found = search_everything("cardiotoxicity").references

    assert set(found) == set(newer[-3:])  # the three newest matches, ranked
    assert search_everything(old.pmid).references == [old]
