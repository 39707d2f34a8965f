"""The drugs and approvals API: fields, links, every filter, search, ordering, CSV and query counts."""

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from drugs.api.views import ApprovalViewSet
from drugs.choices import Agency, ApprovalType, DrugClass, Her2Category, TherapySetting, TumourType
from drugs.models import Approval
from drugs.tests.factories import ApprovalFactory, DrugFactory, TargetFactory
from her2kb.api.parameters import ordering_terms
from her2kb.tests.api_responses import csv_rows
from testing.api_data import make_linked_dataset
from testing.pages import every_api_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def test_drug_detail_shows_fields_and_related_records_as_linked_summaries(api):
    data = make_linked_dataset(1)
    drug = data.drugs[0]
    response = api.get(f"/api/v1/drugs/{drug.slug}/")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == drug.name
    assert body["drug_class"] == "adc"
    assert body["targets"] == ["HER2"]
    assert body["url"] == f"http://testserver/api/v1/drugs/{drug.slug}/"
    assert body["html_url"] == f"http://testserver{drug.get_absolute_url()}"
    assert body["approvals"][0]["id"] == data.approvals[0].pk
    assert body["approvals"][0]["url"] == f"http://testserver/api/v1/approvals/{data.approvals[0].pk}/"
    assert body["trials"][0]["trial"]["nct_id"] == data.trials[0].nct_id
    assert body["trials"][0]["role"] == "experimental"
    assert body["references"] == [
        {
            "pmid": data.references[0].pmid,
            "citation": data.references[0].citation,
            "url": f"http://testserver/api/v1/references/{data.references[0].pmid}/",
        }
    ]


def test_unknown_drug_is_a_json_404(api):
    response = api.get("/api/v1/drugs/no-such-drug/")
    assert response.status_code == 404
    assert "detail" in response.json()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"drug_class": "tki"}, {"tki-drug"}),
        ({"target": "egfr"}, {"tki-drug"}),
        ({"development_status": "phase_2"}, {"tki-drug"}),
        ({"approved": "true"}, {"adc-drug"}),
        ({"approved": "false"}, {"tki-drug"}),
        ({"tumour_type": "gastric_gej"}, {"adc-drug"}),
        ({"q": "TST-ADC"}, {"adc-drug"}),
        ({"search": "kinase"}, {"tki-drug"}),
    ],
)
def test_drug_filters(api, params, expected):
    adc = DrugFactory(slug="adc-drug", drug_class=DrugClass.ADC, synonyms=["TST-ADC"])
    adc.targets.set([TargetFactory(symbol="HER2")])
    tki = DrugFactory(
        slug="tki-drug", drug_class=DrugClass.TKI, development_status="phase_2", mechanism="Blocks the kinase."
    )
    tki.targets.set([TargetFactory(symbol="EGFR")])
    ApprovalFactory(drug=adc, tumour_type=TumourType.GASTRIC_GEJ)
    response = api.get("/api/v1/drugs/", params)
    assert response.status_code == 200, response.json()
    assert {drug["slug"] for drug in response.json()["results"]} == expected


def test_drug_ordering(api):
    for name in ["beta", "alpha", "gamma"]:
        DrugFactory(name=name, slug=name)
    names = [drug["name"] for drug in api.get("/api/v1/drugs/", {"ordering": "-name"}).json()["results"]]
    assert names == ["gamma", "beta", "alpha"]


@pytest.fixture
def approvals():
    adc = DrugFactory(slug="an-adc", drug_class=DrugClass.ADC)
    antibody = DrugFactory(slug="an-antibody", drug_class=DrugClass.MONOCLONAL_ANTIBODY)
    return {
        "adc_fda_2020": ApprovalFactory(drug=adc, agency=Agency.FDA, date=datetime.date(2020, 3, 1)),
        "adc_fda_2018": ApprovalFactory(drug=adc, agency=Agency.FDA, date=datetime.date(2018, 6, 1)),
        "adc_ema_2021": ApprovalFactory(
            drug=adc,
            agency=Agency.EMA,
            date=datetime.date(2021, 1, 15),
            approval_type=ApprovalType.CONDITIONAL,
            her2_category=Her2Category.LOW,
            tumour_type=TumourType.BREAST,
            setting=TherapySetting.METASTATIC_LATER_LINE,
        ),
        "mab_fda_2022": ApprovalFactory(
            drug=antibody,
            agency=Agency.FDA,
            date=datetime.date(2022, 5, 5),
            approval_type=ApprovalType.ACCELERATED,
            tumour_type=TumourType.GASTRIC_GEJ,
            indication="gastric indication",
        ),
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"agency": "EMA"}, {"adc_ema_2021"}),
        ({"drug_class": "adc"}, {"adc_fda_2020", "adc_fda_2018", "adc_ema_2021"}),
        ({"drug": "an-antibody"}, {"mab_fda_2022"}),
        ({"approval_type": "accelerated"}, {"mab_fda_2022"}),
        ({"tumour_type": "gastric_gej"}, {"mab_fda_2022"}),
        ({"her2_category": "low"}, {"adc_ema_2021"}),
        ({"setting": "metastatic_later_line"}, {"adc_ema_2021"}),
        ({"year": "2018"}, {"adc_fda_2018"}),
        ({"date_after": "2020-03-01", "date_before": "2021-12-31"}, {"adc_fda_2020", "adc_ema_2021"}),
        ({"search": "gastric indication"}, {"mab_fda_2022"}),
    ],
)
def test_approval_filters(api, approvals, params, expected):
    response = api.get("/api/v1/approvals/", params)
    assert response.status_code == 200, response.json()
    ids = {approval["id"] for approval in response.json()["results"]}
    assert ids == {approvals[key].pk for key in expected}


def test_approvals_are_newest_first_and_can_be_ordered(api, approvals):
    dates = [a["date"] for a in api.get("/api/v1/approvals/").json()["results"]]
    assert dates == sorted(dates, reverse=True)
    dates = [a["date"] for a in api.get("/api/v1/approvals/", {"ordering": "date"}).json()["results"]]
    assert dates == sorted(dates)


@pytest.mark.parametrize("term", ["", *ordering_terms(ApprovalViewSet)])
def test_every_order_the_approvals_api_offers_lists_each_approval_on_exactly_one_page(api, term):
    drug = DrugFactory()
    # One drug, one agency, one date: every ordering field ties, only the indication differs.
    for n in range(40):
        ApprovalFactory(drug=drug, date=datetime.date(2020, 1, 1), indication=f"Tied indication {n}")
    seen = [
        approval["id"]
        for approval in every_api_page(
            api, "/api/v1/approvals/", {"page_size": 7, **({"ordering": term} if term else {})}
        )
    ]
    assert sorted(seen) == sorted(Approval.objects.values_list("pk", flat=True))


def test_fda_adc_approvals_since_2019_download_as_csv(api, approvals):
    """The researcher's first task from the issue, exactly as the API docs page shows it."""
    response = api.get("/api/v1/approvals/?agency=FDA&drug_class=adc&date_after=2019-01-01&format=csv")
    assert response.status_code == 200
    rows = csv_rows(response)
    assert [row["id"] for row in rows] == [str(approvals["adc_fda_2020"].pk)]
    row = rows[0]
    assert row["agency"] == "FDA"
    assert row["date"] == "2020-03-01"
    assert row["drug.slug"] == "an-adc"
    assert row["drug.drug_class"] == "adc"
    assert row["indication"] == approvals["adc_fda_2020"].indication


def test_csv_holds_every_matching_row_not_one_page(api):
    drug = DrugFactory()
    ApprovalFactory.create_batch(60, drug=drug)
    assert len(api.get("/api/v1/approvals/").json()["results"]) == 50
    assert len(csv_rows(api.get("/api/v1/approvals/", {"format": "csv"}))) == 60


def test_drug_csv_lists_related_identifiers_as_json_arrays(api):
    data = make_linked_dataset(1)
    rows = csv_rows(api.get("/api/v1/drugs/", {"format": "csv"}))
    assert rows[0]["slug"] == data.drugs[0].slug
    assert json.loads(rows[0]["targets"]) == ["HER2"]
    assert json.loads(rows[0]["references"]) == [data.references[0].pmid]
    assert json.loads(rows[0]["approvals"]) == [data.approvals[0].pk]


def test_csv_neutralises_spreadsheet_formulas(api):
    DrugFactory(mechanism="=HYPERLINK(1)")
    assert csv_rows(api.get("/api/v1/drugs/", {"format": "csv"}))[0]["mechanism"] == "'=HYPERLINK(1)"


def test_page_size_is_capped(api):
    DrugFactory.create_batch(3)
    assert len(api.get("/api/v1/drugs/", {"page_size": 2}).json()["results"]) == 2
    response = api.get("/api/v1/drugs/", {"page_size": 1000})
    assert response.status_code == 400
    assert "page_size" in response.json()["errors"]


@pytest.mark.parametrize("path", ["/api/v1/drugs/", "/api/v1/approvals/", "/api/v1/drugs/{slug}/"])
def test_query_count_does_not_grow_with_the_data(api, path):
    def count_queries() -> int:
        slug = make_linked_dataset(1).drugs[0].slug
        with CaptureQueriesContext(connection) as queries:
            response = api.get(path.format(slug=slug))
        assert response.status_code == 200
        return len(queries)

    small = count_queries()
    make_linked_dataset(8)
    assert count_queries() == small


# --- /api/v1/landscape/ ------------------------------------------------------------------------


def test_landscape_api_gives_rows_with_a_cell_per_agency_and_the_pivotal_results(api):
    from drugs.tests.factories import ApprovalDesignationFactory
    from trials.tests.factories import OutcomeFactory, TrialFactory

    drug = DrugFactory(slug="fakeximab")
    approval = ApprovalFactory(drug=drug, tumour_type=TumourType.BREAST, her2_category=Her2Category.LOW_OR_ULTRALOW)
    ApprovalDesignationFactory(approval=approval, designation="priority_review")
    trial = TrialFactory(acronym="FAKE-06")
    approval.pivotal_trials.set([trial])
    outcome = OutcomeFactory(trial=trial, is_primary=True, hazard_ratio="0.62", ci_lower="0.51", ci_upper="0.74")

    response = api.get("/api/v1/landscape/", {"tumour": "breast", "her2": "ultralow"})

    assert response.status_code == 200
    body = response.json()
    assert body["tumour_type"] == "breast" and body["her2_status"] == "ultralow"
    assert body["agencies"] == list(Agency.values)
    assert body["agencies_without_records"] == [code for code in Agency.values if code != "FDA"]
    (row,) = body["rows"]
    assert row["drug"]["slug"] == "fakeximab"
    fda, ema = row["cells"][0], row["cells"][1]
    assert fda["approvals"][0]["id"] == approval.pk and fda["approvals"][0]["designations"] == ["priority_review"]
    assert fda["missing_list_url"] is None
    assert ema["approvals"] == [] and ema["missing_list_url"] == "http://testserver/missing/ema/"
    (result,) = row["pivotal_trials"][0]["primary_results"]
    assert result["hazard_ratio"] == 0.62
    assert result["url"] == f"http://testserver/api/v1/outcomes/{outcome.pk}/"


@pytest.mark.parametrize(
    ("params", "field"),
    [({"her2": "low"}, "tumour"), ({"tumour": "breast", "her2": "very"}, "her2"), ({"tumour": "breast"}, "her2")],
)
def test_landscape_api_without_a_valid_tumour_and_her2_status_is_a_400_naming_the_parameter(api, params, field):
    response = api.get("/api/v1/landscape/", params)

    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_landscape_api_is_in_the_openapi_schema(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()

    operation = schema["paths"]["/api/v1/landscape/"]["get"]
    assert {parameter["name"] for parameter in operation["parameters"]} >= {"tumour", "her2", "setting"}
    assert "Landscape" in schema["components"]["schemas"]


def test_landscape_api_query_count_does_not_grow_with_data(api):
    def queries() -> int:
        from django.core.cache import cache

        cache.clear()
        with CaptureQueriesContext(connection) as context:
            response = api.get("/api/v1/landscape/", {"tumour": "breast", "her2": "positive"})
        assert response.status_code == 200 and response.json()["rows"], "the test data must fill the landscape"
        return len(context.captured_queries)

    make_linked_dataset(1)
    small = queries()
    make_linked_dataset(5)
    assert queries() == small


def test_drug_targets_come_with_their_genes_hgnc_and_entrez_links(api):
    drug = DrugFactory()
    drug.targets.set(
        [
            TargetFactory(symbol="TESTR1", gene_symbol="TESTG1", hgnc_id="HGNC:99999", entrez_gene_id=99999),
            TargetFactory(symbol="TESTR2"),
        ]
    )
    body = api.get(f"/api/v1/drugs/{drug.slug}/").json()
    assert body["targets"] == ["TESTR1", "TESTR2"]
    assert body["target_genes"] == [
        {
            "symbol": "TESTR1",
            "name": None,
            "gene_symbol": "TESTG1",
            "hgnc_id": "HGNC:99999",
            "entrez_gene_id": 99999,
            "identifier_links": [
                {
                    "database": "HGNC",
                    "identifier": "HGNC:99999",
                    "url": "https://www.genenames.org/data/gene-symbol-report/#!/hgnc_id/HGNC:99999",
                },
                {"database": "NCBI Gene", "identifier": "99999", "url": "https://www.ncbi.nlm.nih.gov/gene/99999"},
            ],
        },
        {
            "symbol": "TESTR2",
            "name": None,
            "gene_symbol": None,
            "hgnc_id": None,
            "entrez_gene_id": None,
            "identifier_links": [],
        },
    ]


def test_drug_identifiers_come_with_their_resolver_urls(api):
    drug = DrugFactory(drugbank_id="DB00072", chembl_id="", atc_code="L01FD01")
    body = api.get(f"/api/v1/drugs/{drug.slug}/").json()
    assert body["identifier_links"] == [
        {"database": "DrugBank", "identifier": "DB00072", "url": "https://go.drugbank.com/drugs/DB00072"},
        {"database": "WHO ATC", "identifier": "L01FD01", "url": "https://atcddd.fhi.no/atc_ddd_index/?code=L01FD01"},
    ]
    schema = api.get("/api/schema/?format=json").json()["components"]["schemas"]
    assert "identifier_links" in schema["Drug"]["properties"]
    assert set(schema["IdentifierLink"]["properties"]) == {"database", "identifier", "url"}
