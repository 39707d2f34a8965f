"""
The issue's eight everyday clinician questions, each answered in headless Chromium from the home page within two
actions, on the curated dataset (data/). The expected answers are read from the loaded records, never typed here: the
test checks that what the data holds reaches the page a clinician lands on. Where the data lacks part of an answer
(e.g. a hazard ratio not recorded), only what it holds is asserted.
"""

import pytest

from curation.dataset import load_dataset
from drugs.models import Approval, Drug, LabelWarning
from her2kb.templatetags.her2kb import ratio
from references.models import Reference
from trials.models import Trial

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def curated():
    load_dataset()


def _search_from_home(page, live_server, query: str) -> None:
    page.goto(live_server.url + "/")
    page.get_by_label("Search drugs, brand names, codes, trials and references").fill(query)  # action 1
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/**")


def _landscape_from_home(page, live_server, tumour: str, her2: str) -> None:
    page.goto(live_server.url + "/")
    page.locator(f'a[href="/landscape/?tumour={tumour}&her2={her2}"]', has_text="by agency").click()  # action 1
    page.wait_for_url(f"**/landscape/?tumour={tumour}&her2={her2}")


def _row_text(page, drug: Drug, setting_label: str) -> str:
    rows = page.locator("table.landscape-table tbody tr").filter(has_text=drug.name).filter(has_text=setting_label)
    return rows.first.inner_text()


def test_q1_what_is_approved_for_her2_low_breast_cancer(live_server, page, curated):
    approvals = Approval.objects.filter(tumour_type="breast").for_her2_status("low").select_related("drug")
    assert approvals, "the dataset holds no HER2-low breast cancer approval"

    _landscape_from_home(page, live_server, "breast", "low")

    table = page.locator("table.landscape-table").inner_text()
    for approval in approvals:
        assert approval.drug.name in table, approval


def test_q2_destiny_breast04_hazard_ratios(live_server, page, curated):
    trial = Trial.objects.get(acronym="DESTINY-Breast04")
    with_ratio = [outcome for outcome in trial.outcomes.all() if outcome.hazard_ratio is not None]
    assert with_ratio, "the dataset records no hazard ratio for DESTINY-Breast04"

    _search_from_home(page, live_server, "destiny breast04")
    page.get_by_role("link", name=trial.acronym).first.click()  # action 2
    page.wait_for_url(f"**{trial.get_absolute_url()}")

    results = page.locator("#results").inner_text()
    for outcome in with_ratio:
        # The results table: "0.51 (0.40–0.64)" in its HR (95% CI) column.
        assert f"{ratio(outcome.hazard_ratio)} ({ratio(outcome.ci_lower)}–{ratio(outcome.ci_upper)})" in results, (
            outcome
        )


def test_q3_gastric_options_by_agency(live_server, page, curated):
    approvals = list(
        Approval.objects.filter(tumour_type="gastric_gej").for_her2_status("positive").select_related("drug")
    )
    assert approvals

    _landscape_from_home(page, live_server, "gastric_gej", "positive")

    for approval in approvals:
        cell = (
            page.locator("table.landscape-table tbody tr")
            .filter(has_text=approval.drug.name)
            .filter(has_text=approval.get_setting_display())
            .first.locator(f'td[data-label="{approval.agency}"]')
        )
        assert f"{approval.date.day} {approval.date:%b %Y}" in cell.inner_text(), approval


def test_q4_tucatinib_in_the_us_and_the_eu(live_server, page, curated):
    drug = Drug.objects.get(slug="tucatinib")
    approvals = list(drug.approvals.filter(agency__in=["FDA", "EMA"]))
    assert {approval.agency for approval in approvals} == {"FDA", "EMA"}, "both US and EU approvals are on record"

    _search_from_home(page, live_server, "tucatinib")
    page.locator("#drugs-results").locator("..").get_by_role("link", name="tucatinib", exact=True).click()  # action 2
    page.wait_for_url(f"**{drug.get_absolute_url()}")

    for approval in approvals:
        row = page.locator(f"#approval-{approval.pk}").inner_text()
        assert approval.agency in row and f"{approval.date.day} {approval.date:%b %Y}" in row, approval


def test_q5_trastuzumabs_boxed_warning(live_server, page, curated):
    drug = Drug.objects.get(slug="trastuzumab")
    statements = list(
        LabelWarning.objects.filter(label__drug=drug, kind="boxed_warning").values_list("statement", flat=True)
    )
    assert statements

    _search_from_home(page, live_server, "trastuzumab")
    page.locator("#drugs-results").locator("..").get_by_role("link", name="trastuzumab", exact=True).click()
    page.wait_for_url(f"**{drug.get_absolute_url()}")

    boxed = page.locator("#boxed-warnings")
    assert boxed.is_visible()
    # The boxed warnings come first: above the drug's identity and approvals.
    assert boxed.bounding_box()["y"] < page.locator("#identity").bounding_box()["y"]
    text = " ".join(boxed.inner_text().split())
    for statement in statements:
        assert " ".join(statement.split()) in text


def test_q6_the_test_that_selects_her2_low_patients(live_server, page, curated):
    tests = {
        diagnostic.name
        for approval in Approval.objects.filter(tumour_type="breast").for_her2_status("low")
        for diagnostic in approval.companion_diagnostics.all()
    }
    assert tests, "no companion diagnostic is linked to a HER2-low breast cancer approval"

    _landscape_from_home(page, live_server, "breast", "low")

    table = page.locator("table.landscape-table").inner_text()
    for name in tests:
        assert " ".join(name.split()) in " ".join(table.split())


def test_q7_whether_a_cited_paper_was_retracted_or_checked(live_server, page, curated):
    reference = Reference.objects.filter(outcomes__isnull=False).order_by("pmid").first()
    assert reference is not None

    _search_from_home(page, live_server, reference.pmid)
    page.locator("#references-results").locator("..").get_by_role("link").first.click()  # action 2
    page.wait_for_url(f"**{reference.get_absolute_url()}")

    dates = page.locator(".record-dates").inner_text()
    assert "PubMed checked on" in dates or "PubMed never checked" in dates
    retracted = page.locator(".badge--danger", has_text="Retracted")
    assert retracted.count() == (1 if reference.is_retracted else 0)


def test_q8_a_drug_by_its_code_without_the_hyphen(live_server, page, curated):
    drug = Drug.objects.get(slug="trastuzumab-deruxtecan")
    code = next(synonym for synonym in drug.synonyms if "-" in synonym and any(c.isdigit() for c in synonym))

    _search_from_home(page, live_server, code.replace("-", ""))
    page.locator("#drugs-results").locator("..").get_by_role("link", name=drug.name, exact=True).click()
    page.wait_for_url(f"**{drug.get_absolute_url()}")
