"""What a request the response cache cannot help still shares: counts per data version, deep pages by key,
the home page's summary, and search ranking only its top candidates."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from drugs.tests.factories import ApprovalFactory, DrugFactory
from her2kb import fulltext, paginators
from her2kb.api import pagination
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
    return len(sql_of(client, url, params))


def sql_of(client, url: str, params: dict | None = None) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params or {}).status_code == 200
    return [query["sql"] for query in queries]


def shared_per_data_version(sql: str) -> bool:
    """Whether a query finds what every request of the data version shares: a filter's keys or count, a table's
    size, Last-Modified (one UNION over every table)."""
    return f"LIMIT {paginators.FEW_MATCHES + 1}" in sql or "COUNT(*)" in sql or 'AS "part"' in sql


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
    first = sql_of(api, "/api/v1/trials/", {"phase": "phase_3", "page_size": 5})
    other_page = sql_of(api, "/api/v1/trials/", {"phase": "phase_3", "page_size": 5, "page": 2, "ordering": "nct_id"})
    # The filter's matches (its keys, the table's size) and Last-Modified were found a moment ago: none runs again.
    assert sum(map(shared_per_data_version, first)) == 3
    assert not any(map(shared_per_data_version, other_page)) and len(other_page) == len(first) - 3
    TrialFactory(phase="phase_3")  # an edit: the count is stale and is taken again
    assert api.get("/api/v1/trials/", {"phase": "phase_3"}).json()["count"] == 13


def test_a_filter_matching_few_rows_reads_its_pages_among_their_keys(cold, monkeypatch):
    """The rows and their order are those the plain query gives, on numbered pages and cursors alike; only the way
    the database finds them changes (by primary key, not by walking the ordering)."""
    Trial.objects.bulk_create(TrialFactory.build_batch(9, phase="phase_2") + TrialFactory.build_batch(3))
    for year in (2019, 2020, 2020, 2021, 2022):
        ReferenceFactory(pub_year=year)
    api = APIClient()
    pages = [
        ("/api/v1/trials/", {"phase": "phase_2", "page_size": 2, "page": 3, "ordering": "-nct_id"}),
        ("/api/v1/trials/", {"phase": "phase_2", "page_size": 4}),
        ("/api/v1/references/", {"year_min": "2020", "page_size": 2}),
    ]
    monkeypatch.setattr(paginators, "FEW_MATCHES", 0)  # no keys: every page walks the ordering
    walked = [api.get(url, params).json() for url, params in pages]
    following = api.get(walked[2]["next"]).json()
    cache.clear()
    monkeypatch.setattr(paginators, "FEW_MATCHES", 100)
    monkeypatch.setattr(paginators, "SPARSE_MATCHES", 1)  # here a filter matching most of a table counts as few
    narrowed = [sql_of(api, url, params) for url, params in pages]

    assert [api.get(url, params).json() for url, params in pages] == walked
    assert api.get(walked[2]["next"]).json() == following and len(following["results"]) == 2
    assert all(any('"id" IN (' in sql for sql in queries) for queries in narrowed)
    ReferenceFactory(pub_year=2023)  # an edit: the keys are found again and the new match is listed
    assert api.get("/api/v1/references/", {"year_min": "2020"}).json()["count"] == 5


def test_a_filter_matching_more_than_a_few_rows_is_counted_and_walks_the_ordering(cold, monkeypatch):
    monkeypatch.setattr(paginators, "FEW_MATCHES", 2)
    Trial.objects.bulk_create(TrialFactory.build_batch(5, phase="phase_2") + TrialFactory.build_batch(40))
    queries = sql_of(APIClient(), "/api/v1/trials/", {"phase": "phase_2", "page_size": 2})
    assert any("COUNT(*)" in sql for sql in queries) and not any('"id" IN (' in sql for sql in queries)
    assert APIClient().get("/api/v1/trials/", {"phase": "phase_2"}).json()["count"] == 5


def test_a_filter_matching_a_large_share_of_its_table_keeps_no_keys(cold):
    Trial.objects.bulk_create(TrialFactory.build_batch(3, phase="phase_2") + TrialFactory.build_batch(7))
    queries = sql_of(APIClient(), "/api/v1/trials/", {"phase": "phase_2"})  # 3 of 10: the walk finds them soon
    assert not any('"id" IN (' in sql for sql in queries)


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


def test_a_broad_filter_on_a_cursor_list_is_counted_up_to_a_bound_and_says_so(cold, monkeypatch):
    monkeypatch.setattr(paginators, "FEW_MATCHES", 2)
    monkeypatch.setattr(pagination.ApiCursorPagination, "count_up_to", 4)
    for _ in range(6):
        ReferenceFactory(pub_year=2021)
    ReferenceFactory(pub_year=2019)
    api = APIClient()

    broad = api.get("/api/v1/references/", {"year": "2021", "page_size": 5}).json()
    narrow = api.get("/api/v1/references/", {"year_max": "2019"}).json()

    assert (broad["count"], broad["count_exact"]) == (4, False)  # counting stopped at the bound
    following = api.get(broad["next"]).json()
    assert len(broad["results"]) + len(following["results"]) == 6  # the pages still hold every match
    assert (narrow["count"], narrow["count_exact"]) == (1, True)
    assert api.get("/api/v1/references/").json()["count_exact"] is True  # the whole list is counted exactly
