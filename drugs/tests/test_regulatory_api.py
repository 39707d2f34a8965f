"""The regulatory records in the API: products, companion diagnostics, labels with their warnings, events, the
approvals' designations and diagnostics, their filters (?cdx=, ?designation=, ?event_type= …), CSV and query counts."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from drugs.choices import WarningKind
from drugs.tests.factories import (
    ApprovalDesignationFactory,
    ApprovalFactory,
    CompanionDiagnosticFactory,
    DrugFactory,
    LabelFactory,
    LabelWarningFactory,
    ProductFactory,
    RegulatoryEventFactory,
)
from her2kb.tests.api_responses import csv_rows
from testing.api_data import make_linked_dataset
from trials.tests.factories import OutcomeFactory, OutcomeSourceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def _ids(response) -> set:
    assert response.status_code == 200, response.content
    return {row.get("id", row.get("slug")) for row in response.json()["results"]}


# ---- approvals: product, designations, companion diagnostics -------------------------------------
def test_an_approval_shows_its_product_designations_and_companion_diagnostics(api):
    diagnostic = CompanionDiagnosticFactory(slug="test-assay", name="Test assay", decision_number="P000001/S001")
    product = ProductFactory(slug="testra-us", brand_name="Testra")
    approval = ApprovalFactory(drug=product.drug, product=product, application_number="BLA 000001")
    approval.companion_diagnostics.add(diagnostic)
    ApprovalDesignationFactory(approval=approval, designation="orphan", source="https://example.org/orphan")
    ApprovalDesignationFactory(approval=approval, designation="priority_review", source="https://example.org/pr")

    body = api.get(f"/api/v1/approvals/{approval.pk}/").json()

    assert body["application_number"] == "BLA 000001"
    assert body["product"] == {
        "slug": "testra-us",
        "brand_name": "Testra",
        "agency": "FDA",
        "url": "http://testserver/api/v1/products/testra-us/",
    }
    assert body["designations"] == [
        {"designation": "priority_review", "source": "https://example.org/pr"},
        {"designation": "orphan", "source": "https://example.org/orphan"},
    ]
    assert [(cdx["slug"], cdx["decision_number"], cdx["scoring_rule"]) for cdx in body["companion_diagnostics"]] == [
        ("test-assay", "P000001/S001", "her2_low")
    ]
    assert body["companion_diagnostics"][0]["url"] == "http://testserver/api/v1/diagnostics/test-assay/"


def test_approvals_filter_by_companion_diagnostic_and_designation(api):
    diagnostic = CompanionDiagnosticFactory()
    qualified = ApprovalFactory()
    qualified.companion_diagnostics.add(diagnostic, CompanionDiagnosticFactory())
    breakthrough = ApprovalDesignationFactory(designation="breakthrough_therapy").approval
    ApprovalDesignationFactory(approval=breakthrough, designation="priority_review")
    ApprovalFactory()

    assert _ids(api.get("/api/v1/approvals/", {"cdx": diagnostic.slug})) == {qualified.pk}
    assert _ids(api.get("/api/v1/approvals/", {"designation": "breakthrough_therapy"})) == {breakthrough.pk}
    assert _ids(api.get("/api/v1/approvals/", {"cdx": "no-such-test"})) == set()


def test_an_unknown_designation_is_a_400_naming_the_parameter(api):
    response = api.get("/api/v1/approvals/", {"designation": "fast"})
    assert response.status_code == 400
    assert "designation" in response.json()["errors"]


def test_approvals_csv_names_designations_diagnostics_and_product(api):
    data = make_linked_dataset(1)
    rows = csv_rows(api.get("/api/v1/approvals/", {"format": "csv"}))
    approval = data.approvals[0]
    assert rows[0]["product.slug"] == approval.product.slug
    assert json.loads(rows[0]["designations"]) == ["priority_review"]
    assert json.loads(rows[0]["companion_diagnostics"]) == [approval.companion_diagnostics.get().slug]


# ---- companion diagnostics -------------------------------------------------------------------------
def test_a_diagnostic_shows_its_rule_and_the_approvals_it_selects_patients_for(api):
    diagnostic = CompanionDiagnosticFactory(slug="test-ultralow", scoring_rule="her2_ultralow", technology="ihc")
    approval = ApprovalFactory(her2_category="low_or_ultralow")
    approval.companion_diagnostics.add(diagnostic)

    body = api.get("/api/v1/diagnostics/test-ultralow/").json()

    assert body["scoring_rule"] == "her2_ultralow" and body["technology"] == "ihc"
    assert body["html_url"] == "http://testserver/diagnostics/#diagnostic-test-ultralow"
    assert [(row["id"], row["drug"]["slug"], row["her2_category"]) for row in body["approvals"]] == [
        (approval.pk, approval.drug.slug, "low_or_ultralow")
    ]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"scoring_rule": "her2_ultralow"}, {"test-ultralow"}),
        ({"technology": "ngs_plasma"}, {"test-plasma"}),
        ({"agency": "EMA"}, {"test-plasma"}),
        ({"drug": "test-drug"}, {"test-ultralow"}),
        ({"search": "plasma"}, {"test-plasma"}),
    ],
)
def test_diagnostic_filters(api, params, expected):
    ultralow = CompanionDiagnosticFactory(slug="test-ultralow", scoring_rule="her2_ultralow")
    CompanionDiagnosticFactory(
        slug="test-plasma", agency="EMA", technology="ngs_plasma", scoring_rule="erbb2_mutation", specimen="plasma"
    )
    ApprovalFactory(drug=DrugFactory(slug="test-drug")).companion_diagnostics.add(ultralow)
    assert _ids(api.get("/api/v1/diagnostics/", params)) == expected


def test_an_unknown_scoring_rule_filter_is_a_400(api):
    response = api.get("/api/v1/diagnostics/", {"scoring_rule": "her2_sometimes"})
    assert response.status_code == 400 and "scoring_rule" in response.json()["errors"]


# ---- labels and warnings ---------------------------------------------------------------------------
def test_a_label_nests_its_warnings_in_label_order(api):
    label = LabelFactory(set_id="00000000-0000-0000-0000-000000000001", url="https://example.org/spl")
    LabelWarningFactory(label=label, position=1, statement="Boxed test statement.")
    LabelWarningFactory(label=label, position=2, kind=WarningKind.WARNING_PRECAUTION, section="5.1")

    body = api.get(f"/api/v1/labels/{label.pk}/").json()

    assert body["document_url"] == "https://example.org/spl" and body["revised"] == "2024-01"
    assert body["url"] == f"http://testserver/api/v1/labels/{label.pk}/"
    assert [(w["kind"], w["section"]) for w in body["warnings"]] == [
        ("boxed_warning", "Boxed Warning"),
        ("warning_precaution", "5.1"),
    ]
    assert body["warnings"][0]["statement"] == "Boxed test statement."


def test_labels_filter_by_the_warnings_they_state(api):
    boxed = LabelWarningFactory().label
    LabelWarningFactory(kind=WarningKind.CONTRAINDICATION, topic="other")
    assert _ids(api.get("/api/v1/labels/", {"warning_kind": "boxed_warning"})) == {boxed.pk}
    assert _ids(api.get("/api/v1/labels/", {"warning_topic": "cardiomyopathy", "agency": "FDA"})) == {boxed.pk}


def test_warnings_list_one_row_each_in_csv_for_a_drugs_boxed_warnings(api):
    label = LabelFactory(drug=DrugFactory(slug="test-drug"))
    LabelWarningFactory(label=label, statement="First boxed test statement.")
    LabelWarningFactory(label=label, statement="Second boxed test statement.")
    LabelWarningFactory(label=label, kind=WarningKind.WARNING_PRECAUTION)
    LabelWarningFactory()  # another drug's

    rows = csv_rows(api.get("/api/v1/warnings/", {"drug": "test-drug", "kind": "boxed_warning", "format": "csv"}))

    assert [row["statement"] for row in rows] == ["First boxed test statement.", "Second boxed test statement."]
    assert {row["drug.slug"] for row in rows} == {"test-drug"} and {row["agency"] for row in rows} == {"FDA"}


# ---- events and products ---------------------------------------------------------------------------
def test_events_filter_by_type_agency_and_date(api):
    letter = RegulatoryEventFactory(event_type="complete_response_letter")
    opinion = RegulatoryEventFactory(event_type="negative_opinion", agency="EMA")
    assert _ids(api.get("/api/v1/events/", {"event_type": "complete_response_letter"})) == {letter.pk}
    assert _ids(api.get("/api/v1/events/", {"agency": "EMA"})) == {opinion.pk}
    after = opinion.date.isoformat() if opinion.date > letter.date else letter.date.isoformat()
    assert len(_ids(api.get("/api/v1/events/", {"date_after": after}))) == 1
    response = api.get("/api/v1/events/", {"event_type": "rejection"})
    assert response.status_code == 400 and "event_type" in response.json()["errors"]


def test_an_event_shows_its_product_and_sources(api):
    event = RegulatoryEventFactory(product=ProductFactory(), indication="Test indication")
    body = api.get(f"/api/v1/events/{event.pk}/").json()
    assert body["product"]["slug"] == event.product.slug and body["indication"] == "Test indication"
    assert body["sources"] == ["https://example.org/event"]
    assert body["html_url"] == f"http://testserver{event.drug.get_absolute_url()}#event-{event.pk}"


def test_products_of_one_molecule_under_several_brands(api):
    drug = DrugFactory(slug="test-biosimilar")
    ProductFactory(drug=drug, slug="testra-us", brand_name="Testra", agency="FDA")
    ProductFactory(drug=drug, slug="testeu-eu", brand_name="Testeu", agency="EMA")
    ProductFactory()
    assert _ids(api.get("/api/v1/products/", {"drug": "test-biosimilar"})) == {"testra-us", "testeu-eu"}
    assert _ids(api.get("/api/v1/products/", {"brand_name": "TESTEU"})) == {"testeu-eu"}
    drug_body = api.get("/api/v1/drugs/test-biosimilar/").json()
    assert {(p["brand_name"], p["agency"]) for p in drug_body["products"]} == {("Testra", "FDA"), ("Testeu", "EMA")}


# ---- outcomes: sources other than PubMed -----------------------------------------------------------
def test_an_outcome_shows_its_sources_and_data_cutoff(api):
    outcome = OutcomeFactory(data_cutoff="2020-01-31", value_unit="weeks")
    OutcomeSourceFactory(outcome=outcome, meeting="Test Congress 2020", abstract_number="LBA1", doi="10.0000/x.1")
    body = api.get(f"/api/v1/outcomes/{outcome.pk}/").json()
    assert body["data_cutoff"] == "2020-01-31" and body["value_unit"] == "weeks"
    assert body["sources"] == [
        {
            "kind": "conference_abstract",
            "url": "https://example.org/abstract",
            "title": None,
            "section": None,
            "meeting": "Test Congress 2020",
            "abstract_number": "LBA1",
            "doi": "10.0000/x.1",
        }
    ]


# ---- constant query counts ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/products/",
        "/api/v1/diagnostics/",
        "/api/v1/labels/",
        "/api/v1/warnings/",
        "/api/v1/events/",
        "/api/v1/approvals/?designation=priority_review",
        "/api/v1/approvals/{approval}/",
        "/api/v1/outcomes/",
    ],
)
def test_query_count_does_not_grow_with_the_data(api, path):
    def count_queries() -> int:
        approval = make_linked_dataset(1).approvals[0]
        with CaptureQueriesContext(connection) as queries:
            response = api.get(path.format(approval=approval.pk))
        assert response.status_code == 200
        return len(queries)

    small = count_queries()
    make_linked_dataset(8)
    assert count_queries() == small
