"""The bulk download (/api/v1/export/) and the search endpoint."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from .api_data import make_linked_dataset

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def test_export_holds_the_whole_dataset_in_the_shape_of_each_endpoint(api):
    data = make_linked_dataset(3)
    body = api.get("/api/v1/export/").json()
    assert {drug["slug"] for drug in body["drugs"]} == {drug.slug for drug in data.drugs}
    assert {a["id"] for a in body["approvals"]} == {a.pk for a in data.approvals}
    assert {t["nct_id"] for t in body["trials"]} == {t.nct_id for t in data.trials}
    assert {o["id"] for o in body["outcomes"]} == {o.pk for o in data.outcomes}
    assert {r["pmid"] for r in body["references"]} == {r.pmid for r in data.references}
    drug = data.drugs[0]
    exported = next(d for d in body["drugs"] if d["slug"] == drug.slug)
    assert exported == api.get(f"/api/v1/drugs/{drug.slug}/").json()
    assert body["last_modified"] is not None


def test_export_of_an_empty_database(api):
    body = api.get("/api/v1/export/").json()
    assert body["drugs"] == [] and body["references"] == [] and body["last_modified"] is None


def test_export_query_count_does_not_grow_with_the_data(api):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api.get("/api/v1/export/").status_code == 200
        return len(queries)

    make_linked_dataset(1)
    small = count_queries()
    make_linked_dataset(10)
    assert count_queries() == small


def test_search_finds_drugs_trials_and_references_with_links(api):
    data = make_linked_dataset(1)
    drug, trial, reference = data.drugs[0], data.trials[0], data.references[0]
    body = api.get("/api/v1/search/", {"q": drug.synonyms[0]}).json()
    assert [d["slug"] for d in body["drugs"]] == [drug.slug]
    assert body["drugs"][0]["url"] == f"http://testserver/api/v1/drugs/{drug.slug}/"
    assert [t["nct_id"] for t in api.get("/api/v1/search/", {"q": trial.nct_id}).json()["trials"]] == [trial.nct_id]
    found = api.get("/api/v1/search/", {"q": reference.pmid}).json()["references"]
    assert [r["pmid"] for r in found] == [reference.pmid]


def test_empty_search_finds_nothing(api):
    make_linked_dataset(1)
    body = api.get("/api/v1/search/").json()
    assert body == {"query": "", "drugs": [], "trials": [], "references": []}


def test_search_limit(api):
    make_linked_dataset(3)
    assert len(api.get("/api/v1/search/", {"q": "testuzumab", "limit": 2}).json()["drugs"]) == 2
