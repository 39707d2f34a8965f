"""The trials and outcomes API: lookup by NCT number or slug, every filter, CSV and query counts."""

import csv
import datetime
import io
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from drugs.choices import Her2Category, TumourType
from drugs.tests.factories import DrugFactory
from her2kb.api.parameters import ordering_terms
from testing.api_data import make_linked_dataset
from testing.pages import every_api_page
from trials.api.views import OutcomeViewSet, TrialViewSet
from trials.choices import Endpoint, TrialPhase, TrialStatus
from trials.models import Trial
from trials.tests.factories import OutcomeFactory, TrialDrugFactory, TrialFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def test_trial_detail_by_nct_number_in_any_case_and_by_slug(api):
    data = make_linked_dataset(1)
    trial = data.trials[0]
    by_nct = api.get(f"/api/v1/trials/{trial.nct_id}/")
    assert by_nct.status_code == 200
    assert api.get(f"/api/v1/trials/{trial.nct_id.lower()}/").json() == by_nct.json()
    assert api.get(f"/api/v1/trials/{trial.slug}/").json()["nct_id"] == trial.nct_id
    body = by_nct.json()
    assert body["identifier"] == trial.nct_id
    assert body["clinicaltrials_gov_url"] == f"https://clinicaltrials.gov/study/{trial.nct_id}"
    assert body["drugs"] == [
        {
            "drug": {
                "slug": data.drugs[0].slug,
                "name": data.drugs[0].name,
                "drug_class": "adc",
                "url": f"http://testserver/api/v1/drugs/{data.drugs[0].slug}/",
            },
            "role": "experimental",
        }
    ]
    assert body["outcomes"][0]["url"] == f"http://testserver/api/v1/outcomes/{data.outcomes[0].pk}/"
    assert body["supported_approvals"][0]["drug"] == data.drugs[0].slug
    assert {ref["pmid"] for ref in body["references"]} == {ref.pmid for ref in data.references}


def test_trial_without_nct_number_is_found_and_linked_by_slug(api):
    TrialFactory(nct_id=None, slug="no-nct-trial")
    body = api.get("/api/v1/trials/no-nct-trial/").json()
    assert body["nct_id"] is None
    assert body["identifier"] == "no-nct-trial"
    assert body["url"] == "http://testserver/api/v1/trials/no-nct-trial/"


def test_malformed_nct_number_is_a_404_that_explains_the_format(api):
    response = api.get("/api/v1/trials/NCT123/")
    assert response.status_code == 404
    assert "followed by exactly 8 digits" in response.json()["detail"]


def test_unknown_trial_is_a_404(api):
    assert api.get("/api/v1/trials/NCT99999999/").status_code == 404
    assert api.get("/api/v1/trials/no-such-trial/").status_code == 404


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"phase": "phase_2"}, {"second"}),
        ({"status": "recruiting"}, {"second"}),
        ({"tumour_type": "gastric_gej"}, {"second"}),
        ({"her2_category": "low"}, {"second"}),
        ({"nct_id": "NCT90000001"}, {"first"}),
        ({"drug": "studied-drug"}, {"first"}),
        ({"q": "SECOND"}, {"second"}),
        ({"search": "Sponsor Two"}, {"second"}),
    ],
)
def test_trial_filters(api, params, expected):
    first = TrialFactory(nct_id="NCT90000001", slug="first", acronym="FIRST-1")
    TrialDrugFactory(trial=first, drug=DrugFactory(slug="studied-drug"))
    TrialFactory(
        nct_id="NCT90000002",
        slug="second",
        acronym="SECOND-2",
        phase=TrialPhase.PHASE_2,
        status=TrialStatus.RECRUITING,
        tumour_type=TumourType.GASTRIC_GEJ,
        her2_category=Her2Category.LOW,
        sponsor="Sponsor Two",
    )
    response = api.get("/api/v1/trials/", params)
    assert response.status_code == 200, response.json()
    assert {trial["slug"] for trial in response.json()["results"]} == expected


def test_trial_ordering(api):
    for acronym in ["B-TRIAL", "A-TRIAL", "C-TRIAL"]:
        TrialFactory(acronym=acronym)
    acronyms = [t["acronym"] for t in api.get("/api/v1/trials/", {"ordering": "-acronym"}).json()["results"]]
    assert acronyms == ["C-TRIAL", "B-TRIAL", "A-TRIAL"]


@pytest.mark.parametrize("term", ["", *ordering_terms(TrialViewSet)])
def test_every_order_the_trials_api_offers_lists_each_trial_on_exactly_one_page(api, term):
    # Every trial ties on every ordering field (half have no NCT number): only a unique last key orders them.
    Trial.objects.bulk_create(
        TrialFactory.build(
            acronym="TIED", start_date=datetime.date(2020, 1, 1), nct_id=None if n % 2 else f"NCT9{n:07d}"
        )
        for n in range(40)
    )
    seen = [
        trial["slug"]
        for trial in every_api_page(api, "/api/v1/trials/", {"page_size": 7, **({"ordering": term} if term else {})})
    ]
    assert sorted(seen) == sorted(Trial.objects.values_list("slug", flat=True))


@pytest.mark.parametrize("term", ["", *ordering_terms(OutcomeViewSet)])
def test_every_order_the_outcomes_api_offers_lists_each_outcome_on_exactly_one_page(api, term):
    trial = TrialFactory(acronym="TIED")
    # The same trial, endpoint, population and hazard ratio; only the analysis (not an ordering field) differs.
    for n in range(40):
        OutcomeFactory(trial=trial, analysis=f"analysis {n % 3}", timepoint=f"{n} months")
    seen = [
        outcome["id"]
        for outcome in every_api_page(
            api, "/api/v1/outcomes/", {"page_size": 7, **({"ordering": term} if term else {})}
        )
    ]
    assert sorted(seen) == sorted(trial.outcomes.values_list("pk", flat=True))


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"trial": "NCT90000001"}, {"pfs"}),
        ({"endpoint": "os"}, {"os"}),
        ({"is_primary": "false"}, {"os"}),
        ({"drug": "studied-drug"}, {"pfs"}),
    ],
)
def test_outcome_filters(api, params, expected):
    first = TrialFactory(nct_id="NCT90000001")
    TrialDrugFactory(trial=first, drug=DrugFactory(slug="studied-drug"))
    OutcomeFactory(trial=first, endpoint=Endpoint.PFS)
    OutcomeFactory(trial=TrialFactory(nct_id="NCT90000002"), endpoint=Endpoint.OS, is_primary=False)
    response = api.get("/api/v1/outcomes/", params)
    assert response.status_code == 200, response.json()
    assert {outcome["endpoint"] for outcome in response.json()["results"]} == expected


def test_outcome_numbers_are_json_numbers(api):
    outcome = make_linked_dataset(1).outcomes[0]
    body = api.get(f"/api/v1/outcomes/{outcome.pk}/").json()
    assert body["hazard_ratio"] == float(outcome.hazard_ratio)
    assert body["ci_lower"] == float(outcome.ci_lower)
    assert body["trial"]["nct_id"] == outcome.trial.nct_id


def test_trials_and_outcomes_download_as_csv(api):
    data = make_linked_dataset(2)
    rows = list(csv.DictReader(io.StringIO(api.get("/api/v1/trials/", {"format": "csv"}).content.decode())))
    assert {row["nct_id"] for row in rows} == {trial.nct_id for trial in data.trials}
    assert set(json.loads(rows[0]["drugs"])) <= {drug.slug for drug in data.drugs}  # a JSON array of slugs
    rows = list(csv.DictReader(io.StringIO(api.get("/api/v1/outcomes/", {"format": "csv"}).content.decode())))
    assert {row["trial.nct_id"] for row in rows} == {trial.nct_id for trial in data.trials}
    assert {Decimal(row["hazard_ratio"]) for row in rows} == {outcome.hazard_ratio for outcome in data.outcomes}


def test_outcome_csv_keeps_negative_numbers_and_neutralises_formula_text(api):
    OutcomeFactory(
        experimental_value=Decimal("-2.50"),
        control_value=Decimal("-0.75"),
        population="-1+cmd|' /C calc'!A0",
        notes="@SUM(1)",
        hazard_ratio=None,
        ci_lower=None,
        ci_upper=None,
    )
    rows = list(csv.DictReader(io.StringIO(api.get("/api/v1/outcomes/", {"format": "csv"}).content.decode())))
    assert (rows[0]["experimental_value"], rows[0]["control_value"]) == ("-2.50", "-0.75")
    assert rows[0]["population"] == "'-1+cmd|' /C calc'!A0"
    assert rows[0]["notes"] == "'@SUM(1)"


@pytest.mark.parametrize(
    "path", ["/api/v1/trials/", "/api/v1/outcomes/", "/api/v1/trials/{nct_id}/", "/api/v1/outcomes/{outcome}/"]
)
def test_query_count_does_not_grow_with_the_data(api, path):
    def count_queries() -> int:
        data = make_linked_dataset(1)
        url = path.format(nct_id=data.trials[0].nct_id, outcome=data.outcomes[0].pk)
        with CaptureQueriesContext(connection) as queries:
            response = api.get(url)
        assert response.status_code == 200
        return len(queries)

    small = count_queries()
    make_linked_dataset(8)
    assert count_queries() == small


def test_enrollment_bounds_beyond_any_column_are_answered_not_overflowed(api):
    """A number the schema allows but no integer column holds (1e308) is a bound like any other, never a 500."""
    TrialFactory(enrollment=500)

    def enrollments(query: str) -> list[int]:
        response = api.get(f"/api/v1/trials/?{query}")
        assert response.status_code == 200, response.content
        return [trial["enrollment"] for trial in response.json()["results"]]

    assert enrollments("enrollment_min=1.7976931348623157e%2B308") == []
    assert enrollments("enrollment_max=1.7976931348623157e%2B308") == [500]
    assert enrollments("enrollment_min=-1e300&enrollment_max=2.79e-57") == []
    assert enrollments("enrollment_min=100&enrollment_max=1000") == [500]
