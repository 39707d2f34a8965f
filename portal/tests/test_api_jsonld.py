"""Detail answers of drugs, trials and references are also the JSON-LD their pages embed (one builder for both)."""

import json
import re

import pytest
from django.test import Client
from rest_framework.test import APIClient

from drugs.tests.factories import DrugFactory
from references.tests.factories import ReferenceFactory
from trials.tests.factories import TrialFactory

pytestmark = pytest.mark.django_db


def _embedded(page_url: str) -> dict:
    html = Client().get(page_url).content.decode()
    (payload,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, flags=re.DOTALL)
    return json.loads(payload)


@pytest.fixture
def records():
    DrugFactory(slug="ld-drug", drugbank_id="DB00001")
    TrialFactory(nct_id="NCT00000401", acronym="LD-1")
    ReferenceFactory(pmid="4401", doi="10.1000/ld")


@pytest.mark.parametrize("path", ["drugs/ld-drug", "trials/NCT00000401", "references/4401"])
def test_a_detail_answers_json_ld_as_its_page_embeds_it(records, path):
    api = APIClient()
    by_accept = api.get(f"/api/v1/{path}/", HTTP_ACCEPT="application/ld+json")
    assert by_accept.status_code == 200
    assert by_accept["Content-Type"].startswith("application/ld+json")
    by_format = api.get(f"/api/v1/{path}/", {"format": "jsonld"})
    assert by_format.json() == by_accept.json()
    document = by_accept.json()
    assert document["@context"] == "https://schema.org"
    page = Client().get(f"/api/v1/{path}/").json()["html_url"].removeprefix("http://testserver")
    assert document == _embedded(page)
    assert api.get(f"/api/v1/{path}/").json() != document  # plain JSON stays the record


def test_lists_do_not_offer_json_ld(records):
    response = APIClient().get("/api/v1/drugs/", {"format": "jsonld"})
    assert response.status_code == 400
    assert "format" in response.json()["errors"]


def test_the_schema_documents_json_ld_on_the_details_only():
    schema = APIClient().get("/api/schema/?format=json").json()
    detail = schema["paths"]["/api/v1/drugs/{slug}/"]["get"]
    assert "application/ld+json" in detail["responses"]["200"]["content"]
    assert "application/ld+json" not in schema["paths"]["/api/v1/drugs/"]["get"]["responses"]["200"]["content"]
