"""The public trial pages: list filters, the trial page with its results and forest plot, query counts."""

import json
import re
from decimal import Decimal

import pytest
from django.test import Client

from drugs.choices import Her2Category, TumourType
from drugs.tests.factories import ApprovalFactory, DrugFactory
from references.tests.factories import ReferenceFactory
from testing.catalogue import count_queries, make_catalogue
from testing.pages import every_html_page
from trials.choices import DrugRole, Endpoint, TrialPhase, TrialStatus
from trials.models import Trial
from trials.tests.factories import OutcomeFactory, TrialDrugFactory, TrialFactory
from trials.views import TrialListView

pytestmark = pytest.mark.django_db


def _get(url: str, params: dict | None = None):
    return Client().get(url, params or {})


# --- /trials/ ----------------------------------------------------------------------------------


def test_trial_list_shows_trials_with_phase_status_and_drugs():
    trial = TrialFactory(acronym="FAKE-Breast01", phase=TrialPhase.PHASE_3, status=TrialStatus.RECRUITING)
    TrialDrugFactory(trial=trial, drug=DrugFactory(name="fakeximab"))

    html = _get("/trials/").content.decode()

    assert "FAKE-Breast01" in html and trial.nct_id in html
    assert "Phase 3" in html and "Recruiting" in html
    assert "fakeximab" in html


def test_trial_list_filters():
    breast = TrialFactory(
        acronym="FAKE-Breast01", tumour_type=TumourType.BREAST, her2_category=Her2Category.LOW, phase=TrialPhase.PHASE_3
    )
    lung = TrialFactory(
        acronym="FAKE-Lung01", tumour_type=TumourType.NSCLC, phase=TrialPhase.PHASE_2, status=TrialStatus.RECRUITING
    )

    def shown(params: dict) -> set[str]:
        html = _get("/trials/", params).content.decode()
        return {t.acronym for t in (breast, lung) if t.acronym in html}

    assert shown({"q": "breast01"}) == {"FAKE-Breast01"}
    assert shown({"q": lung.nct_id}) == {"FAKE-Lung01"}
    assert shown({"phase": "phase_2"}) == {"FAKE-Lung01"}
    assert shown({"status": "recruiting"}) == {"FAKE-Lung01"}
    assert shown({"tumour_type": "breast"}) == {"FAKE-Breast01"}
    assert shown({"her2_category": "low"}) == {"FAKE-Breast01"}


@pytest.mark.parametrize("params", [{"phase": "phase_9"}, {"nct_id": "NCT123"}, {"status": "maybe"}])
def test_trial_list_invalid_filters_answer_400_with_the_error(params):
    TrialFactory()
    response = _get("/trials/", params)
    assert response.status_code == 400
    assert "Some filters could not be used" in response.content.decode()


def test_trial_list_is_paginated_and_keeps_filters_in_page_links():
    TrialFactory.create_batch(55, phase=TrialPhase.PHASE_3)

    html = _get("/trials/", {"phase": "phase_3"}).content.decode()

    assert "Page 1 of 2" in html
    assert "?phase=phase_3&amp;page=2" in html
    assert _get("/trials/", {"phase": "phase_3", "page": "2"}).status_code == 200


def test_trial_list_shows_each_trial_on_exactly_one_page_when_acronyms_tie_and_nct_numbers_are_missing(monkeypatch):
    monkeypatch.setattr(TrialListView, "paginate_by", 7)  # short pages: PostgreSQL sorts each page's rows anew
    Trial.objects.bulk_create(TrialFactory.build(acronym="TIED", nct_id=None) for _ in range(40))

    seen = [trial.slug for trial in every_html_page(Client(), "/trials/")]

    assert sorted(seen) == sorted(Trial.objects.values_list("slug", flat=True))


def test_trial_list_query_count_does_not_grow_with_data():
    make_catalogue(1)
    small = count_queries("/trials/")
    make_catalogue(12)
    assert count_queries("/trials/") == small


# --- /trials/<identifier>/ ---------------------------------------------------------------------


def test_trial_page_is_found_by_nct_number_in_any_case_and_by_slug():
    trial = TrialFactory(nct_id="NCT99990001", slug="fake-breast01")
    assert _get("/trials/NCT99990001/").status_code == 200
    assert _get("/trials/nct99990001/").status_code == 200
    assert _get("/trials/fake-breast01/").status_code == 200
    assert trial.get_absolute_url() == "/trials/NCT99990001/"


def test_trial_without_nct_number_uses_its_slug():
    trial = TrialFactory(nct_id=None, slug="no-nct-trial", acronym="NONCT-1")
    response = _get(trial.get_absolute_url())
    assert trial.get_absolute_url() == "/trials/no-nct-trial/"
    assert response.status_code == 200
    assert "clinicaltrials.gov/study/" not in response.content.decode()


def test_unknown_trial_is_404():
    assert _get("/trials/NCT00000999/").status_code == 404
    assert _get("/trials/no-such-trial/").status_code == 404


def test_trial_page_shows_design_arms_status_endpoint_and_registry_link():
    trial = TrialFactory(
        design="Randomised, open-label",
        arms=["fake antibody 5 mg/kg", "placebo"],
        primary_endpoint="Fake progression-free survival",
        enrollment=321,
        sponsor="Fake Pharma",
        status=TrialStatus.ACTIVE_NOT_RECRUITING,
    )

    html = _get(trial.get_absolute_url()).content.decode()

    for text in [
        "Randomised, open-label",
        "fake antibody 5 mg/kg",
        "placebo",
        "Fake progression-free survival",
        "321",
        "Fake Pharma",
        "Active, not recruiting",
    ]:
        assert text in html, text
    assert f'href="https://clinicaltrials.gov/study/{trial.nct_id}"' in html


def test_trial_page_results_table_and_forest_plot():
    trial = TrialFactory()
    pfs = OutcomeFactory(
        trial=trial,
        endpoint=Endpoint.PFS,
        hazard_ratio=Decimal("0.510"),
        ci_lower=Decimal("0.400"),
        ci_upper=Decimal("0.640"),
        p_value="<0.001",
    )
    orr = OutcomeFactory(
        trial=trial,
        endpoint=Endpoint.ORR,
        is_primary=False,
        value_unit="percent",
        experimental_value=Decimal("60.90"),
        control_value=None,
        hazard_ratio=None,
        ci_lower=None,
        ci_upper=None,
        p_value="",
    )

    html = _get(trial.get_absolute_url()).content.decode()

    assert f'id="outcome-{pfs.pk}"' in html and f'id="outcome-{orr.pk}"' in html
    assert "0.51 (0.40–0.64)" in html
    assert "60.9%" in html
    assert '<svg class="chart forest chart--wide"' in html
    # Only the outcome with a hazard ratio is drawn.
    svg = re.search(r'<svg class="chart forest chart--wide".*?</svg>', html, re.S).group(0)
    assert svg.count('width="10"') == 1
    assert f'href="#outcome-{pfs.pk}"' in svg


def test_trial_page_without_hazard_ratios_has_no_forest_plot():
    trial = TrialFactory()
    OutcomeFactory(trial=trial, endpoint=Endpoint.PCR, hazard_ratio=None, ci_lower=None, ci_upper=None)
    html = _get(trial.get_absolute_url()).content.decode()
    assert "chart forest" not in html
    assert "Pathological complete response" in html


def test_trial_page_lists_drugs_approvals_and_references_with_badges():
    catalogue = make_catalogue(1)
    html = _get(catalogue.trial.get_absolute_url()).content.decode()
    assert catalogue.drug.get_absolute_url() in html
    assert "Comparator" in html
    assert catalogue.approval.get_absolute_url() in html
    assert catalogue.reference.get_absolute_url() in html
    assert "badge--danger" in html  # the retracted reference of make_catalogue


def test_trial_page_escapes_curated_text():
    trial = TrialFactory(title="<script>alert(1)</script>", notes="<i>note</i>", arms=["<b>arm</b>"])
    html = _get(trial.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "<i>note</i>" not in html and "<b>arm</b>" not in html


def test_trial_page_has_schema_org_medical_trial():
    trial = TrialFactory(acronym="FAKE-1", conditions=["Fake cancer"], sponsor="Fake Pharma")
    html = _get(trial.get_absolute_url()).content.decode()
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert data["@type"] == "MedicalTrial"
    assert data["identifier"] == trial.nct_id
    assert data["healthCondition"] == [{"@type": "MedicalCondition", "name": "Fake cancer"}]
    assert data["sameAs"] == trial.clinicaltrials_gov_url


def test_trial_page_query_count_does_not_grow_with_data():
    catalogue = make_catalogue(1)
    trial = catalogue.trial
    url = trial.get_absolute_url()
    small = count_queries(url)
    for _ in range(6):
        outcome = OutcomeFactory(trial=trial)
        outcome.references.add(ReferenceFactory())
        TrialDrugFactory(trial=trial, role=DrugRole.BACKGROUND)
        trial.references.add(ReferenceFactory())
        ApprovalFactory().pivotal_trials.add(trial)
    assert count_queries(url) == small


def test_trial_page_says_when_a_curator_last_reviewed_it():
    import datetime

    trial = TrialFactory(last_reviewed_at=datetime.datetime(2026, 3, 4, 12, 0, tzinfo=datetime.UTC))
    content = Client().get(trial.get_absolute_url()).content.decode()
    assert "Reviewed against its sources on" in content and "4 March 2026" in content
