"""
The questions a clinician asked, answered from the curated dataset by the pages and the API alike.

"Which test qualifies my patient for trastuzumab deruxtecan in HER2-low or HER2-ultralow disease?", "what is its boxed
warning?", "which agencies approved what?" — the expectations are read from the data files themselves, so the test
checks that what the files hold reaches the page and the API, whatever the curators recorded.
"""

from html import escape

import pytest
import yaml
from django.test import Client
from rest_framework.test import APIClient

from curation.dataset import DEFAULT_DATA_DIR, load_dataset
from drugs.models import Approval
from her2kb.sources import classified_sources

pytestmark = pytest.mark.django_db

DRUG = "trastuzumab-deruxtecan"
HER2_LOW_RULES = {"her2_low", "her2_ultralow", "her2_low_or_ultralow"}


def _files(kind: str, pattern: str = "*.yaml") -> list[dict]:
    return [
        yaml.safe_load(path.read_text(encoding="utf-8")) for path in sorted((DEFAULT_DATA_DIR / kind).glob(pattern))
    ]


@pytest.fixture
def curated():
    load_dataset()
    diagnostics = {record["slug"]: record for record in _files("diagnostics")}
    return {
        "boxed": [
            (label["agency"], warning["statement"])
            for label in _files(f"labels/{DRUG}")
            for warning in label.get("warnings") or []
            if warning["kind"] == "boxed_warning"
        ],
        "approvals": _files(f"approvals/{DRUG}"),
        "low_tests": {
            slug
            for approval in _files(f"approvals/{DRUG}")
            for slug in approval.get("companion_diagnostics") or []
            if diagnostics[slug]["scoring_rule"] in HER2_LOW_RULES
        },
        "diagnostics": diagnostics,
    }


def test_the_dataset_holds_what_the_question_needs(curated):
    assert curated["boxed"], f"no boxed warning of {DRUG} in data/labels/{DRUG}/"
    assert curated["low_tests"], f"no HER2-low/ultralow companion diagnostic linked to a {DRUG} approval"


def test_the_drug_page_shows_the_boxed_warning_first_the_test_and_every_agencys_approvals(curated):
    html = Client().get(f"/drugs/{DRUG}/").content.decode()

    boxed = html[html.index('id="boxed-warnings"') : html.index('id="identity"')]
    for _agency, statement in curated["boxed"]:
        assert escape(statement) in boxed

    for slug in curated["low_tests"]:
        diagnostic = curated["diagnostics"][slug]
        for approval in Approval.objects.filter(drug__slug=DRUG, companion_diagnostics__slug=slug):
            start = html.index(f'id="approval-{approval.pk}"')
            row = html[start : html.index("</tr>", start)]
            assert escape(diagnostic["name"]) in row, (slug, approval)

    for record in curated["approvals"]:
        approval = Approval.objects.get(
            drug__slug=DRUG, agency=record["agency"], date=record["date"], indication=record["indication"]
        )
        start = html.index(f'id="approval-{approval.pk}"')
        row = html[start : html.index("</tr>", start)]
        assert f"agency--{record['agency'].lower()}" in row
        first = classified_sources(record["sources"])[0]
        assert escape(first.url) in row  # the approval's source, the agency's own first


def test_the_api_answers_the_same(curated):
    api = APIClient()
    labels = api.get("/api/v1/labels/", {"drug": DRUG, "warning_kind": "boxed_warning"}).json()["results"]
    statements = {(label["agency"], w["statement"]) for label in labels for w in label["warnings"]}
    assert set(curated["boxed"]) <= statements

    found = api.get("/api/v1/diagnostics/", {"drug": DRUG}).json()["results"]
    low = {row["slug"] for row in found if row["scoring_rule"] in HER2_LOW_RULES}
    assert low == curated["low_tests"]
    for slug in low:
        approvals = api.get("/api/v1/approvals/", {"drug": DRUG, "cdx": slug}).json()["results"]
        assert approvals and all(slug in {cdx["slug"] for cdx in a["companion_diagnostics"]} for a in approvals)
        assert all(approval["sources"] for approval in approvals)

    agencies = {
        row["agency"] for row in api.get("/api/v1/approvals/", {"drug": DRUG, "page_size": 200}).json()["results"]
    }
    assert agencies == {record["agency"] for record in curated["approvals"]}
