"""The references API: lookup by PMID, filters, cursor pagination and citation downloads that parse back."""

import csv
import io
import json

import bibtexparser
import pytest
import rispy
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from references.tests.factories import ReferenceFactory
from testing.api_data import make_linked_dataset
from trials.tests.factories import OutcomeFactory, TrialFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def test_reference_detail_by_pmid(api):
    data = make_linked_dataset(1)
    reference = data.references[0]
    body = api.get(f"/api/v1/references/{reference.pmid}/").json()
    assert body["pmid"] == reference.pmid
    assert body["doi"] == reference.doi
    assert body["authors"] == reference.authors
    assert body["citation"] == reference.citation
    assert body["pubmed_url"] == f"https://pubmed.ncbi.nlm.nih.gov/{reference.pmid}/"
    assert body["drugs"][0]["slug"] == data.drugs[0].slug
    assert body["trials"][0]["nct_id"] == data.trials[0].nct_id


@pytest.mark.parametrize("pmid", ["abc", "0123", "1234567890"])
def test_malformed_pmid_is_a_400_with_a_message(api, pmid):
    response = api.get(f"/api/v1/references/{pmid}/")
    assert response.status_code == 400
    assert "PMID" in response.json()["detail"]


def test_unknown_pmid_is_a_404(api):
    assert api.get("/api/v1/references/99999999/").status_code == 404


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"pmid": "20000001"}, {"20000001"}),
        ({"doi": "10.1000/FIRST"}, {"20000001"}),
        ({"year": "2011"}, {"20000002"}),
        ({"journal": "other journal"}, {"20000002"}),
        ({"retracted": "true"}, {"20000002"}),
        ({"retracted": "false"}, {"20000001"}),
        ({"trial": "NCT90000001"}, {"20000001"}),
        ({"q": "wombat"}, {"20000002"}),
        ({"search": "wombat"}, {"20000002"}),
    ],
)
def test_reference_filters(api, params, expected):
    first = ReferenceFactory(pmid="20000001", doi="10.1000/first")
    ReferenceFactory(pmid="20000002", pub_year=2011, journal="Other Journal", is_retracted=True, title="On wombats")
    TrialFactory(nct_id="NCT90000001").references.set([first])
    response = api.get("/api/v1/references/", params)
    assert response.status_code == 200, response.json()
    assert {reference["pmid"] for reference in response.json()["results"]} == expected


def test_references_are_cursor_paginated_without_gaps_or_repeats(api):
    pmids = {ReferenceFactory().pmid for _ in range(7)}
    seen, url, pages = [], "/api/v1/references/?page_size=3", 0
    while url:
        body = api.get(url).json()
        seen += [reference["pmid"] for reference in body["results"]]
        url, pages = body["next"], pages + 1
    assert pages == 3
    assert sorted(seen) == sorted(pmids)
    assert seen == sorted(seen, key=int, reverse=True)  # newest PMIDs first by default


def test_references_can_be_ordered_by_pmid_numerically(api):
    for pmid in ["9", "100", "25"]:
        ReferenceFactory(pmid=pmid)
    ascending = [r["pmid"] for r in api.get("/api/v1/references/", {"ordering": "pmid"}).json()["results"]]
    assert ascending == ["9", "25", "100"]


def test_forged_cursor_is_a_404_not_a_500(api):
    ReferenceFactory()
    import base64

    for token in ["not-base64!", base64.b64encode(b"p=abc").decode(), base64.b64encode(b"o=-1").decode()]:
        response = api.get("/api/v1/references/", {"cursor": token})
        assert response.status_code == 404
        assert "cursor" in response.json()["detail"]


@pytest.fixture
def destiny_family():
    """Two trials of one (fake) family, one outside it; references reached directly and via an outcome."""
    direct, via_outcome, unrelated = (
        ReferenceFactory(pmid="30000001", title="First {family} paper & 50% of $things_here"),
        ReferenceFactory(pmid="30000002", pub_month=None),
        ReferenceFactory(pmid="30000003"),
    )
    TrialFactory(acronym="DESTINY-Breast98").references.set([direct])
    OutcomeFactory(trial=TrialFactory(acronym="DESTINY-Breast99")).references.set([via_outcome])
    TrialFactory(acronym="OTHER-1").references.set([unrelated])
    return direct, via_outcome


def test_references_behind_destiny_breast_trials_download_as_bibtex(api, destiny_family):
    """The researcher's second task from the issue: every reference behind a family of trials, as BibTeX."""
    response = api.get("/api/v1/references/?trial_acronym=DESTINY-Breast&format=bibtex")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/x-bibtex")
    library = bibtexparser.parse_string(response.content.decode("utf-8"))
    assert not library.failed_blocks
    entries = {entry.key: entry for entry in library.entries}
    # Keyed firstauthorYEARword, the way reference managers name them.
    assert set(entries) == {destiny_family[0].citation_key, destiny_family[1].citation_key}
    first = entries[destiny_family[0].citation_key]
    assert first.key == "doe2020first"
    assert first.entry_type == "article"
    assert first["doi"] == destiny_family[0].doi
    assert first["year"] == "2020"
    assert first["pages"] == "100--110"
    assert first["author"] == "Doe, Jane and {TEST Investigators}"
    assert first["title"] == r"First \{family\} paper \& 50\% of \$things\_here"


def test_ris_export_parses_back(api, destiny_family):
    response = api.get("/api/v1/references/", {"trial_acronym": "destiny-breast", "format": "ris"})
    records = {record["accession_number"]: record for record in rispy.loads(response.content.decode("utf-8"))}
    assert set(records) == {"30000001", "30000002"}
    record = records["30000001"]
    assert record["type_of_reference"] == "JOUR"
    assert record["authors"] == ["Doe, Jane", "TEST Investigators"]
    assert record["doi"] == destiny_family[0].doi
    assert record["start_page"] == "100"
    assert record["end_page"] == "110"
    assert record["date"] == "2020/05//"


def test_csl_json_export_parses_back(api, destiny_family):
    response = api.get("/api/v1/references/", {"trial_acronym": "DESTINY-Breast", "format": "csljson"})
    assert response["Content-Type"].startswith("application/vnd.citationstyles.csl+json")
    items = {item["PMID"]: item for item in json.loads(response.content)}
    assert items["30000001"]["author"] == [{"family": "Doe", "given": "Jane"}, {"literal": "TEST Investigators"}]
    assert items["30000001"]["issued"] == {"date-parts": [[2020, 5]]}
    assert items["30000002"]["issued"] == {"date-parts": [[2020]]}
    assert items["30000001"]["type"] == "article-journal"


def test_single_reference_downloads_as_a_citation(api):
    reference = ReferenceFactory()
    library = bibtexparser.parse_string(api.get(f"/api/v1/references/{reference.pmid}/?format=bibtex").content.decode())
    assert [entry.key for entry in library.entries] == [reference.citation_key]


def test_reference_csv_parses_back(api):
    reference = ReferenceFactory()
    rows = list(csv.DictReader(io.StringIO(api.get("/api/v1/references/", {"format": "csv"}).content.decode())))
    assert rows[0]["pmid"] == reference.pmid
    assert json.loads(rows[0]["authors"]) == ["Doe J", "TEST Investigators"]  # lists are JSON arrays in CSV cells
    assert rows[0]["is_retracted"] == "false"


@pytest.mark.parametrize("path", ["/api/v1/references/", "/api/v1/references/{pmid}/"])
def test_query_count_does_not_grow_with_the_data(api, path):
    def count_queries() -> int:
        url = path.format(pmid=make_linked_dataset(1).references[0].pmid)
        with CaptureQueriesContext(connection) as queries:
            response = api.get(url)
        assert response.status_code == 200
        return len(queries)

    small = count_queries()
    make_linked_dataset(8)
    assert count_queries() == small


def test_pmcid_comes_with_its_pubmed_central_url():
    with_pmcid, without = ReferenceFactory(pmcid="PMC42"), ReferenceFactory(pmcid="")
    client = APIClient()
    assert client.get(f"/api/v1/references/{with_pmcid.pmid}/").json()["pmc_url"] == (
        "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC42/"
    )
    assert client.get(f"/api/v1/references/{without.pmid}/").json()["pmc_url"] is None
