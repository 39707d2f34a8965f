"""
End-to-end: a person in headless Chromium walks home → search → drug → trial → reference, and answers
"what is approved for HER2-low breast cancer, on what trial, with what result" from the home page.

Uses Debian's chromium (never a downloaded browser) through Playwright's sync API against pytest-django's
live_server (the `browser` fixture is in the root conftest). Screenshots of the main pages go to
test-artifacts/. Without /usr/bin/chromium the tests skip, unless HER2KB_REQUIRE_BROWSER=1 (CI), where they fail.
"""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from drugs.choices import DrugClass, Her2Category, TherapySetting, TumourType
from drugs.tests.factories import ApprovalFactory, DrugFactory
from references.tests.factories import ReferenceFactory
from trials.tests.factories import OutcomeFactory, TrialDrugFactory, TrialFactory

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    # The site must work offline: fail on any request that leaves the live server.
    outside: list[str] = []
    page.on(
        "request",
        lambda request: (
            outside.append(request.url)
            if "://localhost" not in request.url
            and "://127.0.0.1" not in request.url
            and not request.url.startswith("data:")
            else None
        ),
    )
    yield page
    context.close()
    assert outside == [], f"requests left the machine: {outside}"


@pytest.fixture
def dataset():
    """A small, obviously fake dataset: an ADC approved for HER2-low breast cancer on a fake trial."""
    drug = DrugFactory(
        name="fakeximab deruxtecan",
        slug="fakeximab-deruxtecan",
        brand_names=["Fakhertu"],
        synonyms=["FKX-8201"],
        drug_class=DrugClass.ADC,
        payload="fake topoisomerase inhibitor",
        linker="fake cleavable linker",
        drug_antibody_ratio=Decimal("8"),
    )
    trial = TrialFactory(
        nct_id="NCT99990004",
        slug="fake-breast04",
        acronym="FAKE-Breast04",
        title="Fakeximab deruxtecan versus chemotherapy in fake HER2-low breast cancer",
        tumour_type=TumourType.BREAST,
        her2_category=Her2Category.LOW,
        arms=["fakeximab deruxtecan", "chemotherapy of choice"],
    )
    TrialDrugFactory(trial=trial, drug=drug)
    paper = ReferenceFactory(pmid="99990004", title="Fakeximab deruxtecan in fake HER2-low breast cancer")
    retracted = ReferenceFactory(pmid="99990005", title="An earlier fakeximab report", is_retracted=True)
    trial.references.set([paper, retracted])
    drug.references.set([paper])
    outcome = OutcomeFactory(
        trial=trial,
        population="fake HR-positive cohort",
        experimental_value=Decimal("10.0"),
        control_value=Decimal("5.0"),
        hazard_ratio=Decimal("0.50"),
        ci_lower=Decimal("0.40"),
        ci_upper=Decimal("0.60"),
    )
    outcome.references.set([paper])
    OutcomeFactory(
        trial=trial,
        endpoint="os",
        is_primary=False,
        hazard_ratio=Decimal("0.70"),
        ci_lower=Decimal("0.55"),
        ci_upper=Decimal("0.90"),
    )
    for agency, year in [("FDA", 2020), ("EMA", 2021)]:
        approval = ApprovalFactory(
            drug=drug,
            agency=agency,
            date=datetime.date(year, 6, 1),
            tumour_type=TumourType.BREAST,
            her2_category=Her2Category.LOW,
            setting=TherapySetting.METASTATIC_LATER_LINE,
            indication="Fake HER2-low metastatic breast cancer after endocrine therapy",
        )
        approval.pivotal_trials.set([trial])
    ApprovalFactory.create_batch(3)  # other drugs, so the pages are not trivially empty
    return {"drug": drug, "trial": trial, "paper": paper, "retracted": retracted}


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_walk_home_search_drug_trial_reference(live_server, page, dataset):
    page.goto(live_server.url + "/")
    assert page.get_by_role("heading", level=1).inner_text() == "HER2-targeted cancer therapies"
    _shot(page, "01-home")

    page.get_by_label("Search drugs, brand names, codes, trials and references").fill("FKX-8201")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/search/?q=FKX-8201")
    assert "1 drug" in page.locator(".result-summary").inner_text()
    _shot(page, "02-search")

    page.get_by_role("link", name="fakeximab deruxtecan").first.click()
    page.wait_for_url("**/drugs/fakeximab-deruxtecan/")
    assert "fakeximab deruxtecan" in page.get_by_role("heading", level=1).inner_text()
    assert page.locator("svg.timeline.chart--wide").is_visible()
    assert page.get_by_text("fake cleavable linker").is_visible()
    _shot(page, "03-drug")

    page.locator("#trials").get_by_role("link", name="FAKE-Breast04").click()
    page.wait_for_url("**/trials/NCT99990004/")
    assert page.locator("svg.forest.chart--wide").is_visible()
    assert page.get_by_role("link", name="NCT99990004 on ClinicalTrials.gov").is_visible()
    assert page.locator("#references .badge--danger").inner_text().strip().lower() == "retracted"
    _shot(page, "04-trial")

    page.locator("#references").get_by_role("link", name=dataset["paper"].title).click()
    page.wait_for_url("**/references/99990004/")
    assert page.get_by_role("link", name="PubMed: PMID 99990004").is_visible()
    assert page.locator("#cited-title").is_visible()
    _shot(page, "05-reference")


def test_her2_low_question_is_answered_within_three_clicks(live_server, page, dataset):
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="HER2-low breast cancer", exact=True).click()  # click 1
    row = page.locator("tr", has_text="after endocrine therapy").first
    assert row.is_visible()
    assert "FAKE-Breast04" in row.inner_text()  # on what trial
    assert "HR 0.50 (95% CI 0.40–0.60)" in row.inner_text()  # with what result
    _shot(page, "06-approvals-her2-low")
    row.get_by_role("link", name="FAKE-Breast04").click()  # click 2: the full results
    page.wait_for_url("**/trials/NCT99990004/")
    assert page.locator("#results table").is_visible()


def test_invalid_filter_shows_an_error_not_a_crash(live_server, page, dataset):
    response = page.goto(live_server.url + "/approvals/?year=not-a-year")
    assert response.status == 400
    assert page.get_by_role("alert").is_visible()
    assert "Enter a number" in page.get_by_role("alert").inner_text()


def test_keyboard_users_see_focus_and_can_skip_to_content(live_server, page, dataset):
    page.goto(live_server.url + "/drugs/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    assert skip.evaluate("el => el === document.activeElement")
    assert skip.is_visible()  # off-screen until focused
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"


def test_narrow_screen_has_no_horizontal_page_scroll(live_server, browser, dataset):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        for path, name in [("/", "07-home-phone"), ("/drugs/fakeximab-deruxtecan/", "08-drug-phone")]:
            page.goto(live_server.url + path)
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 1, (path, overflow)
            _shot(page, name)
    finally:
        context.close()


def test_print_hides_navigation_and_filters(live_server, page, dataset):
    page.goto(live_server.url + "/approvals/")
    page.emulate_media(media="print")
    assert not page.locator(".site-nav").is_visible()
    assert not page.locator("form.filters").is_visible()
    assert page.locator("svg.timeline.chart--wide").is_visible()
    _shot(page, "09-approvals-print")


# ---- the treatment landscape, search and reflow (issue 16) --------------------------------------------------------


def test_landscape_from_home_shows_agencies_sorts_and_prints(live_server, page, dataset):
    page.goto(live_server.url + "/")
    page.locator('a[href="/landscape/?tumour=breast&her2=low"]', has_text="by agency").click()
    page.wait_for_url("**/landscape/?tumour=breast&her2=low")
    table = page.locator("table.landscape-table")
    row = table.locator("tbody tr", has_text="fakeximab deruxtecan")
    assert "FAKE-Breast04" in row.inner_text() and "HR 0.50 (95% CI 0.40–0.60)" in row.inner_text()
    assert "1 Jun 2020" in row.locator('td[data-label="FDA"]').inner_text()
    assert "No approval on record" in row.locator('td[data-label="PMDA"]').inner_text()
    _shot(page, "10-landscape")

    # Sorting is an enhancement on the headings: a button each, and aria-sort tells which way.
    heading = table.locator("thead th", has_text="EMA")
    heading.get_by_role("button").click()
    assert heading.get_attribute("aria-sort") == "ascending"
    heading.get_by_role("button").click()
    assert heading.get_attribute("aria-sort") == "descending"

    # The address is the view: opened afresh, it shows the same table.
    shared = page.url
    page.goto(shared)
    assert page.locator("table.landscape-table tbody tr", has_text="fakeximab deruxtecan").is_visible()

    page.emulate_media(media="print")
    assert not page.locator("form.filters").is_visible()
    assert table.is_visible()


def test_search_by_code_without_hyphen_groups_results_with_counts(live_server, page, dataset):
    page.goto(live_server.url + "/")
    page.get_by_label("Search drugs, brand names, codes, trials and references").fill("fkx8201")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=fkx8201")
    summary = page.locator(".result-summary").inner_text()
    assert "1 drugs" in summary and "2 approvals" in summary
    assert page.get_by_role("heading", name="Approvals").is_visible()
    page.get_by_role("link", name="fakeximab deruxtecan").first.click()
    page.wait_for_url("**/drugs/fakeximab-deruxtecan/")


def test_search_with_nothing_usable_is_a_helpful_page(live_server, page, dataset):
    response = page.goto(live_server.url + "/search/?q=%25%25%5B")
    assert response.status == 200
    assert "0 results" in page.locator(".result-summary").inner_text()
    assert page.get_by_text("Each word must match").is_visible()
