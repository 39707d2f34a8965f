"""/api/v1/evidence/: one flat row per approval × pivotal trial × primary outcome, with the approvals' filters."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from drugs.choices import Agency, Her2Category
from drugs.tests.factories import ApprovalFactory
from her2kb.tests.api_responses import csv_rows
from testing.api_data import make_linked_dataset
from trials.tests.factories import OutcomeFactory, TrialFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def test_one_row_per_approval_pivotal_trial_and_primary_outcome(api):
    trial_a, trial_b = TrialFactory(acronym="ALPHA-1"), TrialFactory(acronym="BETA-2")
    pfs = OutcomeFactory(
        trial=trial_a, hazard_ratio=Decimal("0.51"), ci_lower=Decimal("0.40"), ci_upper=Decimal("0.64")
    )
    OutcomeFactory(trial=trial_a, is_primary=False, endpoint="os")  # secondary: no row
    OutcomeFactory(trial=trial_b)  # not pivotal for any approval: no row
    fda = ApprovalFactory(agency=Agency.FDA)
    ema = ApprovalFactory(agency=Agency.EMA, drug=fda.drug)
    for approval in (fda, ema):
        approval.pivotal_trials.set([trial_a])

    rows = api.get("/api/v1/evidence/").json()["results"]

    assert [(row["approval_id"], row["outcome_id"]) for row in rows] == sorted([(fda.pk, pfs.pk), (ema.pk, pfs.pk)])
    fda_row = next(row for row in rows if row["approval_id"] == fda.pk)
    assert fda_row["approval_agency"] == "FDA"
    assert fda_row["approval_date"] == fda.date.isoformat()
    assert fda_row["approval_drug"] == fda.drug.slug
    assert fda_row["trial_acronym"] == "ALPHA-1"
    assert fda_row["trial_nct_id"] == trial_a.nct_id
    assert (fda_row["hazard_ratio"], fda_row["ci_lower"], fda_row["ci_upper"]) == (0.51, 0.4, 0.64)


def test_the_worked_question_takes_one_call(api):
    """HER2-low approvals since 2022 with the pivotal trial's primary hazard ratio."""
    trial = TrialFactory()
    OutcomeFactory(trial=trial, hazard_ratio=Decimal("0.62"), ci_lower=Decimal("0.52"), ci_upper=Decimal("0.75"))
    wanted = ApprovalFactory(her2_category=Her2Category.LOW_OR_ULTRALOW, date=datetime.date(2024, 1, 5))
    too_early = ApprovalFactory(her2_category=Her2Category.LOW_OR_ULTRALOW, date=datetime.date(2021, 6, 1))
    other_category = ApprovalFactory(her2_category=Her2Category.POSITIVE, date=datetime.date(2024, 1, 5))
    for approval in (wanted, too_early, other_category):
        approval.pivotal_trials.set([trial])

    response = api.get("/api/v1/evidence/", {"her2_category": "low_or_ultralow", "date_after": "2022-01-01"})

    assert response.status_code == 200
    assert [(row["approval_id"], row["hazard_ratio"]) for row in response.json()["results"]] == [(wanted.pk, 0.62)]


def test_comma_lists_and_bad_values(api):
    trial = TrialFactory()
    OutcomeFactory(trial=trial)
    approvals = [ApprovalFactory(agency=agency) for agency in (Agency.FDA, Agency.EMA, Agency.PMDA)]
    for approval in approvals:
        approval.pivotal_trials.set([trial])

    rows = api.get("/api/v1/evidence/?agency=FDA,EMA").json()["results"]
    assert sorted(row["approval_agency"] for row in rows) == ["EMA", "FDA"]
    bad = api.get("/api/v1/evidence/?agency=XX")
    assert bad.status_code == 400
    assert "agency" in bad.json()["errors"]


def test_cursor_pages_cover_every_row_once(api):
    make_linked_dataset(5)
    seen, url = [], "/api/v1/evidence/?page_size=2"
    while url:
        body = api.get(url).json()
        seen += [(row["approval_id"], row["outcome_id"]) for row in body["results"]]
        url = body["next"]
    assert body["count"] == len(seen) == len(set(seen)) >= 5


def test_csv_holds_the_same_rows(api):
    make_linked_dataset(2)
    json_rows = api.get("/api/v1/evidence/").json()["results"]
    rows = csv_rows(api.get("/api/v1/evidence/?format=csv"))
    assert [int(row["approval_id"]) for row in rows] == [row["approval_id"] for row in json_rows]
    assert [row["trial_acronym"] for row in rows] == [row["trial_acronym"] for row in json_rows]


def test_query_count_does_not_grow_with_the_data(api):
    def count_queries() -> int:
        make_linked_dataset(1)
        with CaptureQueriesContext(connection) as queries:
            response = api.get("/api/v1/evidence/")
        assert response.status_code == 200
        assert response.json()["results"]
        return len(queries)

    small = count_queries()
    make_linked_dataset(8)
    assert count_queries() == small


def test_evidence_is_in_the_schema(api):
    schema = api.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/evidence/"]["get"]
    names = {parameter["name"] for parameter in operation["parameters"]}
    assert {"agency", "her2_category", "date_after", "cursor", "format"} <= names
    assert "EvidenceRow" in schema["components"]["schemas"]
