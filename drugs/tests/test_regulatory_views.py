"""The regulatory records on the pages: boxed warnings at the top of a drug's page, its labels and brands, the
companion diagnostic next to the approval it qualifies, designations and events on the timeline, sources by kind,
the diagnostics page, and constant query counts."""

import re

import pytest
from django.test import Client

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
from testing.catalogue import count_queries, make_catalogue
from trials.tests.factories import OutcomeFactory, OutcomeSourceFactory, TrialFactory

pytestmark = pytest.mark.django_db


def _html(url: str, params: dict | None = None) -> str:
    response = Client().get(url, params or {})
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def _section(html: str, section_id: str) -> str:
    start = html.index(f'id="{section_id}"')
    return html[start : html.index("</section>", start)]


# ---- the drug page -----------------------------------------------------------------------------------
def test_boxed_warnings_come_first_on_the_drug_page_with_label_section_and_source():
    label = LabelFactory(revised="2024-11")
    LabelWarningFactory(label=label, statement="Test cardiac boxed warning.", source="https://www.fda.gov/test")
    LabelWarningFactory(label=label, kind=WarningKind.WARNING_PRECAUTION, statement="Test precaution.", section="5.1")

    html = _html(label.drug.get_absolute_url())

    boxed = _section(html, "boxed-warnings")
    assert html.index('id="boxed-warnings"') < html.index('id="identity"') < html.index('id="approvals"')
    assert "Test cardiac boxed warning." in boxed and "US FDA label" in boxed and "revised 2024-11" in boxed
    assert 'href="https://www.fda.gov/test"' in boxed
    assert "Test precaution." not in boxed  # key warnings are listed with their label, below
    labels = _section(html, "labels")
    assert "Test precaution." in labels and "5.1" in labels and 'href="https://example.org/label"' in labels


def test_a_drug_without_boxed_warnings_shows_none_at_the_top():
    label = LabelFactory()
    LabelWarningFactory(label=label, kind=WarningKind.WARNING_PRECAUTION)
    assert 'id="boxed-warnings"' not in _html(label.drug.get_absolute_url())


def test_the_drug_page_lists_every_brand_with_its_agencies():
    drug = DrugFactory()
    ProductFactory(drug=drug, brand_name="Testra", agency="FDA", slug="testra-us", holder="Test Pharma, Inc.")
    ProductFactory(drug=drug, brand_name="Testra", agency="TGA", slug="testra-au")
    ProductFactory(drug=drug, brand_name="Testeu", agency="EMA", slug="testeu-eu")

    products = _section(_html(drug.get_absolute_url()), "products")

    # Brands in alphabetical order, each with its products by agency.
    testeu, testra = (
        products[products.index(">Testeu<") : products.index(">Testra<")],
        products[products.index(">Testra<") :],
    )
    assert 'id="product-testeu-eu"' in testeu and "EMA" in testeu
    assert 'id="product-testra-us"' in testra and 'id="product-testra-au"' in testra and "Test Pharma, Inc." in testra


def test_the_companion_diagnostic_stands_next_to_the_approval_it_qualifies():
    diagnostic = CompanionDiagnosticFactory(name="Test ultralow assay", scoring_rule="her2_ultralow")
    qualified = ApprovalFactory(indication="Test cancer, as determined by an FDA-approved test")
    qualified.companion_diagnostics.add(diagnostic)
    unlinked = ApprovalFactory(drug=qualified.drug, indication="Other test cancer, as detected by a validated test")
    plain = ApprovalFactory(drug=qualified.drug)

    html = _html(qualified.drug.get_absolute_url())

    def row(approval) -> str:
        start = html.index(f'id="approval-{approval.pk}"')
        return html[start : html.index("</tr>", start)]

    assert "Test ultralow assay" in row(qualified) and "HER2-ultralow (IHC 0 with membrane staining)" in row(qualified)
    assert diagnostic.get_absolute_url() in row(qualified)
    assert "no companion diagnostic is recorded" in row(unlinked)
    assert "companion diagnostic" not in row(plain).lower().replace("indication and companion diagnostic", "")


def test_designations_show_with_the_approval_and_in_the_timeline():
    approval = ApprovalFactory(approval_type="accelerated")
    ApprovalDesignationFactory(approval=approval, designation="breakthrough_therapy", source="https://example.org/bt")

    html = _html(approval.drug.get_absolute_url())

    assert 'href="https://example.org/bt"' in html and "Breakthrough therapy" in html
    timeline = html[html.index('<svg class="chart timeline chart--wide"') : html.index("</svg>")]
    assert "(accelerated); Breakthrough therapy" in timeline


def test_regulatory_events_are_listed_and_drawn_on_the_timeline():
    approval = ApprovalFactory()
    event = RegulatoryEventFactory(drug=approval.drug, event_type="complete_response_letter", indication="Test use")

    html = _html(approval.drug.get_absolute_url())

    events = _section(html, "events")
    assert f'id="event-{event.pk}"' in events and "Complete response letter" in events and "Test use" in events
    assert "event--negative" in events
    timeline = html[html.index('<svg class="chart timeline chart--wide"') : html.index("</svg>")]
    assert f'href="#event-{event.pk}"' in timeline and "<polygon" in timeline
    assert "1 approvals and 1 other regulatory events" in timeline


def test_sources_list_agency_documents_first_and_press_as_news():
    drug = DrugFactory(
        sources=["https://www.fiercepharma.com/test", "https://example.org/database", "https://www.fda.gov/test"]
    )
    html = _html(drug.get_absolute_url())
    references = html[html.index('id="references"') :]
    assert references.index("https://www.fda.gov/test") < references.index("https://example.org/database")
    news = references[references.index("In the news") :]
    assert "https://www.fiercepharma.com/test" in news


def test_regulatory_text_is_escaped():
    label = LabelFactory(url="javascript:alert(1)")
    LabelWarningFactory(label=label, statement="<script>alert(1)</script>", source="javascript:alert(2)")
    RegulatoryEventFactory(drug=label.drug, description="<img src=x onerror=alert(3)>")
    html = _html(label.drug.get_absolute_url())
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "<img src=x" not in html and "javascript:" not in html


def test_drug_page_query_count_does_not_grow_with_regulatory_records():
    catalogue = make_catalogue(1)
    url = catalogue.drug.get_absolute_url()
    small = count_queries(url)
    drug = catalogue.drug
    for index in range(5):
        product = ProductFactory(drug=drug, agency=["EMA", "PMDA", "HC", "TGA", "MHRA"][index])
        approval = ApprovalFactory(drug=drug, agency=product.agency, product=product)
        approval.companion_diagnostics.add(CompanionDiagnosticFactory(agency=product.agency))
        ApprovalDesignationFactory(approval=approval, designation="orphan")
        LabelWarningFactory(label=LabelFactory(drug=drug, agency=product.agency, product=product))
        RegulatoryEventFactory(drug=drug, agency=product.agency, product=product)
        outcome = OutcomeFactory(trial=catalogue.trial)
        OutcomeSourceFactory(outcome=outcome)
    assert count_queries(url) == small


# ---- the approvals page ------------------------------------------------------------------------------
def test_the_approvals_page_shows_designations_diagnostics_and_brand():
    catalogue = make_catalogue(1)
    html = _html("/approvals/")
    start = html.index(f'id="approval-{catalogue.approval.pk}"')
    row = html[start : html.index("</tr>", start)]
    assert catalogue.approval.product.brand_name in row
    assert catalogue.approval.companion_diagnostics.get().name in row
    assert "Priority review" in row and "Breakthrough therapy" in row
    assert "Test Congress 2020" in row  # the pivotal result's conference abstract


# ---- the trial page -----------------------------------------------------------------------------------
def test_the_trial_page_shows_outcome_sources_and_the_approvals_designations_and_diagnostics():
    catalogue = make_catalogue(1)
    outcome = catalogue.trial.outcomes.first()
    OutcomeSourceFactory(
        outcome=outcome, kind="label", title="Test label", section="14.2", meeting="", url="https://example.org/pi"
    )
    html = _html(catalogue.trial.get_absolute_url())
    results = _section(html, "results")
    assert "Test label, section 14.2" in results and "Label section" in results and "Test Congress 2020" in results
    approvals = _section(html, "approvals")
    assert "Priority review" in approvals and catalogue.approval.companion_diagnostics.get().name in approvals


def test_trial_page_query_count_does_not_grow_with_outcome_sources():
    catalogue = make_catalogue(1)
    url = catalogue.trial.get_absolute_url()
    small = count_queries(url)
    for outcome in OutcomeFactory.create_batch(4, trial=catalogue.trial):
        OutcomeSourceFactory.create_batch(2, outcome=outcome)
    approval = ApprovalFactory()
    approval.pivotal_trials.add(catalogue.trial)
    approval.companion_diagnostics.add(CompanionDiagnosticFactory())
    ApprovalDesignationFactory(approval=approval)
    assert count_queries(url) == small


def test_outcome_values_keep_the_unit_the_source_uses():
    trial = TrialFactory()
    OutcomeFactory(trial=trial, value_unit="weeks", experimental_value="36.9", control_value="19.7")
    OutcomeFactory(trial=trial, value_unit="ratio", experimental_value="1.5", control_value=None, endpoint="other")
    html = _html(trial.get_absolute_url())
    assert "36.9 weeks" in html and "19.7 weeks" in html
    assert re.search(r">1\.5(<br>|</td>)", html)


# ---- the diagnostics page ------------------------------------------------------------------------------
def test_the_diagnostics_page_lists_each_test_with_the_approvals_it_selects_for():
    diagnostic = CompanionDiagnosticFactory(name="Test ultralow assay", scoring_rule="her2_ultralow")
    approval = ApprovalFactory(product=None)
    approval.companion_diagnostics.add(diagnostic)
    CompanionDiagnosticFactory(name="Test mutation panel", scoring_rule="erbb2_mutation", technology="ngs_tissue")

    html = _html("/diagnostics/")
    card = html[html.index(f'id="diagnostic-{diagnostic.slug}"') :]
    assert "Test ultralow assay" in card and approval.get_absolute_url() in card

    filtered = _html("/diagnostics/", {"scoring_rule": "erbb2_mutation"})
    assert "Test mutation panel" in filtered and "Test ultralow assay" not in filtered
    response = Client().get("/diagnostics/", {"scoring_rule": "her2_sometimes"})
    assert response.status_code == 400


def test_diagnostics_page_query_count_does_not_grow_with_data():
    make_catalogue(1)
    small = count_queries("/diagnostics/")
    make_catalogue(8)
    assert count_queries("/diagnostics/") == small
