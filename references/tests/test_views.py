"""The public literature pages: citation list with filters and pages, the reference page, badges, escaping."""

import json
import re

import pytest
from django.test import Client

from drugs.tests.factories import ApprovalFactory, DrugFactory
from references.tests.factories import ReferenceFactory
from testing.catalogue import count_queries, make_catalogue
from trials.tests.factories import OutcomeFactory, TrialFactory

pytestmark = pytest.mark.django_db


def _get(url: str, params: dict | None = None):
    return Client().get(url, params or {})


# --- /references/ ------------------------------------------------------------------------------


def test_reference_list_shows_citations():
    reference = ReferenceFactory(title="Fakeximab in imaginary cancer")
    html = _get("/references/").content.decode()
    assert "Fakeximab in imaginary cancer" in html
    assert reference.citation in html
    assert f"PMID {reference.pmid}" in html


def test_reference_list_filters_by_text_year_and_journal():
    old = ReferenceFactory(title="An old fakeximab study", pub_year=2001, journal="Journal of Old Fakes")
    new = ReferenceFactory(title="A new study", abstract="fakeximab again", pub_year=2021, journal="Fake Letters")

    def shown(params: dict) -> set[str]:
        html = _get("/references/", params).content.decode()
        return {r.pmid for r in (old, new) if f"PMID {r.pmid}" in html}

    assert shown({"q": "fakeximab"}) == {old.pmid, new.pmid}
    assert shown({"q": "old fakeximab"}) == {old.pmid}
    assert shown({"year": "2021"}) == {new.pmid}
    assert shown({"journal": "old fakes"}) == {old.pmid}


def test_reference_list_retraction_and_erratum_badges():
    ReferenceFactory(title="Withdrawn fake", is_retracted=True)
    ReferenceFactory(title="Corrected fake", has_erratum=True)

    html = _get("/references/").content.decode()

    assert "badge--danger" in html and ">Retracted<" in html
    assert "badge--warning" in html and ">Erratum<" in html
    assert _get("/references/", {"retracted": "true"}).content.decode().count("citation__title") == 1


@pytest.mark.parametrize("params", [{"year": "abc"}, {"year": "99999"}, {"pmid": "0123"}, {"trial": "NCT1"}])
def test_reference_list_invalid_filters_answer_400_with_the_error(params):
    ReferenceFactory()
    response = _get("/references/", params)
    assert response.status_code == 400
    assert "Some filters could not be used" in response.content.decode()


def test_reference_list_is_paginated_by_50():
    ReferenceFactory.create_batch(51)
    first = _get("/references/").content.decode()
    second = _get("/references/", {"page": "2"}).content.decode()
    assert first.count("citation__title") == 50
    assert second.count("citation__title") == 1
    assert 'start="51"' in second
    assert _get("/references/", {"page": "9"}).status_code == 404


def test_reference_list_query_count_does_not_grow_with_data():
    make_catalogue(1)
    small = count_queries("/references/")
    make_catalogue(30)
    assert count_queries("/references/") == small


# --- /references/<pmid>/ -----------------------------------------------------------------------


def test_reference_page_shows_authors_journal_abstract_and_links():
    reference = ReferenceFactory(
        pmid="99990001",
        doi="10.1000/fake.1",
        pmcid="PMC0000001",
        authors=[{"last_name": "Doe", "initials": "J"}, {"last_name": "Roe", "fore_name": "Richard"}],
        abstract="BACKGROUND: Fake background.\nRESULTS: Fake results.",
    )

    html = _get(reference.get_absolute_url()).content.decode()

    assert "Doe J, Roe Richard" in html
    assert "Journal of Tests" in html and "2020 May;10(2):100-110." in html
    assert "<p>BACKGROUND: Fake background.<br>RESULTS: Fake results.</p>" in html
    assert 'href="https://pubmed.ncbi.nlm.nih.gov/99990001/"' in html
    assert 'href="https://doi.org/10.1000/fake.1"' in html
    assert 'href="https://www.ncbi.nlm.nih.gov/pmc/articles/PMC0000001/"' in html


def test_reference_page_shows_a_clear_retraction_notice():
    reference = ReferenceFactory(is_retracted=True, retraction_notice_pmids=["99990009"])
    html = _get(reference.get_absolute_url()).content.decode()
    assert "notice--danger" in html and "retracted" in html
    assert 'href="https://pubmed.ncbi.nlm.nih.gov/99990009/"' in html


def test_reference_page_shows_an_erratum_notice():
    reference = ReferenceFactory(has_erratum=True, erratum_pmids=["99990008"])
    html = _get(reference.get_absolute_url()).content.decode()
    assert "notice--warning" in html
    assert 'href="https://pubmed.ncbi.nlm.nih.gov/99990008/"' in html


def test_reference_page_lists_where_it_is_cited():
    reference = ReferenceFactory()
    drug = DrugFactory(name="fakeximab")
    drug.references.add(reference)
    trial = TrialFactory(acronym="FAKE-1")
    trial.references.add(reference)
    approval = ApprovalFactory(drug=drug)
    approval.references.add(reference)
    outcome = OutcomeFactory(trial=trial)
    outcome.references.add(reference)

    html = _get(reference.get_absolute_url()).content.decode()

    for url in [
        drug.get_absolute_url(),
        trial.get_absolute_url(),
        approval.get_absolute_url(),
        outcome.get_absolute_url(),
    ]:
        assert f'href="{url}"' in html, url


def test_reference_page_escapes_upstream_text():
    reference = ReferenceFactory(
        title="<i>Fake</i> title",
        abstract="</script><script>alert(1)</script>",
        authors=[{"collective_name": "<b>Group</b>"}],
        curator_note="<img src=x onerror=alert(1)>",
    )

    html = _get(reference.get_absolute_url()).content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "<i>Fake</i>" not in html and "<b>Group</b>" not in html and "<img src=x" not in html
    # The JSON-LD copy of the abstract cannot close its script element either.
    payload = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    assert json.loads(payload)["abstract"] == "</script><script>alert(1)</script>"


def test_reference_page_has_schema_org_scholarly_article():
    reference = ReferenceFactory(doi="10.1000/fake.2")
    html = _get(reference.get_absolute_url()).content.decode()
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert data["@type"] == "ScholarlyArticle"
    assert {"@type": "PropertyValue", "propertyID": "PMID", "value": reference.pmid} in data["identifier"]
    assert data["author"][0] == {"@type": "Person", "name": "Jane Doe"}
    assert data["isPartOf"] == {"@type": "Periodical", "name": "Journal of Tests"}


def test_unknown_or_malformed_pmid_is_404():
    ReferenceFactory(pmid="12")
    assert _get("/references/99999999/").status_code == 404
    assert _get("/references/012/").status_code == 404
    assert _get("/references/abc/").status_code == 404


def test_reference_page_query_count_does_not_grow_with_data():
    catalogue = make_catalogue(1)
    reference = catalogue.reference
    url = reference.get_absolute_url()
    small = count_queries(url)
    for _ in range(6):
        DrugFactory().references.add(reference)
        TrialFactory().references.add(reference)
        ApprovalFactory().references.add(reference)
        OutcomeFactory().references.add(reference)
    assert count_queries(url) == small
