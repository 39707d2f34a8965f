"""A researcher's questions, each one API call: lists of values, ranges, filters across records, identifiers,
sparse fieldsets, totals and cursors as fields — with query counts that stay constant as the data grows."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from drugs.choices import Agency, DrugClass, Her2Category
from drugs.tests.factories import ApprovalFactory, DrugFactory, TargetFactory
from references.tests.factories import ReferenceFactory
from testing.api_data import make_linked_dataset
from trials.choices import DrugRole, Endpoint, TrialPhase
from trials.tests.factories import OutcomeFactory, TrialDrugFactory, TrialFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def world():
    """An ADC approved by FDA (2022, HER2-low, phase 3 pivotal trial with OS) and EMA (2023), a TKI approved by
    PMDA (2019, phase 2 pivotal trial without OS), and an antibody trial where the ADC is the comparator."""
    her2 = TargetFactory(symbol="HER2")  # seeded by a migration: the gene symbol comes with the dataset
    her2.gene_symbol = "ERBB2"
    her2.save()
    adc = DrugFactory(slug="an-adc", drug_class=DrugClass.ADC, drugbank_id="DB00001", chembl_id="CHEMBL1")
    adc.targets.set([her2])
    tki = DrugFactory(slug="a-tki", drug_class=DrugClass.TKI, drugbank_id="DB00002", unii="ABCDEFGHIJ")
    antibody = DrugFactory(slug="an-antibody", drug_class=DrugClass.MONOCLONAL_ANTIBODY)
    adc_trial = TrialFactory(nct_id="NCT00000101", phase=TrialPhase.PHASE_3, enrollment=500)
    TrialDrugFactory(trial=adc_trial, drug=adc)
    OutcomeFactory(trial=adc_trial, endpoint=Endpoint.OS, hazard_ratio=Decimal("0.64"))
    OutcomeFactory(trial=adc_trial, endpoint=Endpoint.PFS, hazard_ratio=Decimal("0.50"))
    tki_trial = TrialFactory(nct_id="NCT00000102", phase=TrialPhase.PHASE_2, enrollment=80)
    TrialDrugFactory(trial=tki_trial, drug=tki)
    OutcomeFactory(trial=tki_trial, endpoint=Endpoint.ORR, hazard_ratio=None, ci_lower=None, ci_upper=None)
    antibody_trial = TrialFactory(nct_id="NCT00000103", phase=TrialPhase.PHASE_3, enrollment=300)
    TrialDrugFactory(trial=antibody_trial, drug=antibody)
    TrialDrugFactory(trial=antibody_trial, drug=adc, role=DrugRole.COMPARATOR)
    fda = ApprovalFactory(drug=adc, agency=Agency.FDA, date=datetime.date(2022, 8, 5), her2_category=Her2Category.LOW)
    fda.pivotal_trials.set([adc_trial])
    ema = ApprovalFactory(drug=adc, agency=Agency.EMA, date=datetime.date(2023, 1, 25))
    ema.pivotal_trials.set([adc_trial])
    pmda = ApprovalFactory(drug=tki, agency=Agency.PMDA, date=datetime.date(2019, 3, 1))
    pmda.pivotal_trials.set([tki_trial])
    adc_paper = ReferenceFactory(pmid="1001", pub_year=2022, pmcid="PMC1001")
    adc.references.set([adc_paper])
    tki_paper = ReferenceFactory(pmid="1002", pub_year=2018)
    tki.references.set([tki_paper])
    return {"fda": fda, "ema": ema, "pmda": pmda}


def ids(response):
    assert response.status_code == 200, response.json()
    return {row["id"] for row in response.json()["results"]}


def keys(response, key):
    assert response.status_code == 200, response.json()
    return {row[key] for row in response.json()["results"]}


def test_a_comma_list_and_a_repeated_parameter_both_mean_any_of_them(api, world):
    expected = {world["fda"].pk, world["ema"].pk}
    assert ids(api.get("/api/v1/approvals/?agency=FDA,EMA")) == expected
    assert ids(api.get("/api/v1/approvals/?agency=FDA&agency=EMA")) == expected
    assert ids(api.get("/api/v1/approvals/?agency=FDA, EMA")) == expected


def test_lists_work_on_identifier_filters(api, world):
    assert keys(api.get("/api/v1/trials/?nct_id=NCT00000101,NCT00000102"), "nct_id") == {"NCT00000101", "NCT00000102"}
    assert keys(api.get("/api/v1/references/?pmid=1001,1002"), "pmid") == {"1001", "1002"}
    assert keys(api.get("/api/v1/drugs/?drugbank_id=DB00001,DB00002"), "slug") == {"an-adc", "a-tki"}


def test_year_and_date_ranges(api, world):
    assert ids(api.get("/api/v1/approvals/?year_min=2022")) == {world["fda"].pk, world["ema"].pk}
    assert ids(api.get("/api/v1/approvals/?year_max=2022")) == {world["fda"].pk, world["pmda"].pk}
    assert ids(api.get("/api/v1/approvals/?date_after=2022-09-01")) == {world["ema"].pk}
    assert keys(api.get("/api/v1/references/?year_min=2020"), "pmid") == {"1001"}


def test_number_ranges(api, world):
    assert keys(api.get("/api/v1/trials/?enrollment_min=100&enrollment_max=400"), "nct_id") == {"NCT00000103"}
    assert keys(api.get("/api/v1/outcomes/?hazard_ratio_max=0.6"), "endpoint") == {"pfs"}


def test_her2_low_approvals_since_2022_with_their_pivotal_trial_in_one_call(api, world):
    response = api.get("/api/v1/approvals/?her2_status=low&date_after=2022-01-01&pivotal_trial_phase=phase_3")
    assert ids(response) == {world["fda"].pk}
    assert response.json()["results"][0]["pivotal_trials"][0]["nct_id"] == "NCT00000101"


def test_approvals_by_pivotal_trial_and_by_its_results(api, world):
    assert ids(api.get("/api/v1/approvals/?pivotal_trial=NCT00000102")) == {world["pmda"].pk}
    assert ids(api.get("/api/v1/approvals/?pivotal_trial_phase=phase_2")) == {world["pmda"].pk}
    assert ids(api.get("/api/v1/approvals/?pivotal_trial_endpoint=os")) == {world["fda"].pk, world["ema"].pk}


def test_adc_trials_with_overall_survival_results_in_one_call(api, world):
    assert keys(api.get("/api/v1/trials/?drug_class=adc&has_outcome=os"), "nct_id") == {"NCT00000101"}
    # In any role, unless the role is asked for.
    assert keys(api.get("/api/v1/trials/?drug_class=adc"), "nct_id") == {"NCT00000101", "NCT00000103"}
    assert keys(api.get("/api/v1/trials/?drug_class=adc&drug_role=experimental"), "nct_id") == {"NCT00000101"}
    assert keys(api.get("/api/v1/outcomes/?drug_class=adc&endpoint=os"), "endpoint") == {"os"}


def test_references_by_drug(api, world):
    assert keys(api.get("/api/v1/references/?drug=a-tki"), "pmid") == {"1002"}
    assert keys(api.get("/api/v1/references/?drug=a-tki,an-adc"), "pmid") == {"1001", "1002"}
    assert keys(api.get("/api/v1/references/?pmcid=PMC1001"), "pmid") == {"1001"}


def test_target_by_gene_symbol_or_protein_name(api, world):
    assert keys(api.get("/api/v1/drugs/?target=ERBB2"), "slug") == {"an-adc"}
    assert keys(api.get("/api/v1/drugs/?target=her2"), "slug") == {"an-adc"}
    assert keys(api.get("/api/v1/drugs/?chembl_id=CHEMBL1"), "slug") == {"an-adc"}
    assert keys(api.get("/api/v1/drugs/?unii=ABCDEFGHIJ"), "slug") == {"a-tki"}


def test_sparse_fieldsets_keep_only_the_named_fields_in_json_and_csv(api, world):
    body = api.get("/api/v1/approvals/?fields=id,agency,date").json()
    assert {tuple(row) for row in body["results"]} == {("id", "agency", "date")}
    detail = api.get(f"/api/v1/approvals/{world['fda'].pk}/?fields=agency").json()
    assert detail == {"agency": "FDA"}
    csv_header = api.get("/api/v1/approvals/?fields=id,agency&format=csv").content.decode().splitlines()[0]
    assert csv_header == "id,agency"


def test_every_list_has_a_total_and_references_give_the_next_cursor_as_a_field(api, world):
    ReferenceFactory.create_batch(3)
    first = api.get("/api/v1/references/?page_size=2").json()
    assert first["count"] == 5
    assert first["next_cursor"] and first["previous_cursor"] is None
    second = api.get(f"/api/v1/references/?page_size=2&cursor={first['next_cursor']}").json()
    assert second["count"] == 5
    assert not {row["pmid"] for row in first["results"]} & {row["pmid"] for row in second["results"]}
    approvals = api.get("/api/v1/approvals/?page_size=2").json()
    assert (approvals["count"], approvals["next_page"]) == (3, 2)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/approvals/?agency=FDA,EMA&pivotal_trial_phase=phase_3,phase_2&pivotal_trial_endpoint=os",
        "/api/v1/trials/?drug_class=adc,tki&has_outcome=os,pfs&drug_role=experimental",
        "/api/v1/references/?drug=trastuzumab,x&year_min=2000",
        "/api/v1/drugs/?target=ERBB2,HER3&fields=slug,name",
    ],
)
def test_query_counts_do_not_grow_with_the_data(api, url):
    make_linked_dataset(1)
    with CaptureQueriesContext(connection) as small:
        assert api.get(url).status_code == 200
    make_linked_dataset(4)
    with CaptureQueriesContext(connection) as large:
        assert api.get(url + "&page_size=200").status_code == 200
    assert len(large) <= len(small)


def test_the_list_pages_read_lists_too(client, world):
    response = client.get("/approvals/?agency=FDA,PMDA")
    assert response.status_code == 200
    shown = set(response.context["object_list"])
    assert shown == {world["fda"], world["pmda"]}
