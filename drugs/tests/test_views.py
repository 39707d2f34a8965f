"""The public drug and approval pages: content, filters, bad input, escaping and constant query counts."""

import json
import re

import pytest
from django.test import Client

from drugs.choices import DrugClass, Her2Category, KinaseBinding, TumourType
from drugs.models import Approval
from drugs.tests.factories import ApprovalFactory, DrugFactory, TargetFactory
from drugs.views import ApprovalListView
from references.tests.factories import ReferenceFactory
from testing.catalogue import count_queries, make_catalogue
from testing.pages import every_html_page
from trials.tests.factories import OutcomeFactory, TrialDrugFactory, TrialFactory

pytestmark = pytest.mark.django_db


def _get(url: str, params: dict | None = None):
    return Client().get(url, params or {})


# --- /drugs/ -----------------------------------------------------------------------------------


def test_drug_list_groups_drugs_by_class_in_choice_order():
    DrugFactory(name="fakinib", drug_class=DrugClass.TKI)
    DrugFactory(name="fakeximab", drug_class=DrugClass.MONOCLONAL_ANTIBODY)
    DrugFactory(name="fakexitecan", drug_class=DrugClass.ADC)

    html = _get("/drugs/").content.decode()

    headings = re.findall(r"<h2 id=\"class-\d+\">([^<]+)<", html)
    assert [h.strip() for h in headings] == [
        "Monoclonal antibody",
        "Tyrosine kinase inhibitor",
        "Antibody–drug conjugate",
    ]
    assert html.index("fakeximab") < html.index("fakinib") < html.index("fakexitecan")


def test_drug_list_filters_by_class():
    DrugFactory(name="fakinib", drug_class=DrugClass.TKI)
    DrugFactory(name="fakeximab", drug_class=DrugClass.MONOCLONAL_ANTIBODY)

    html = _get("/drugs/", {"drug_class": "tki"}).content.decode()

    assert "fakinib" in html and "fakeximab" not in html
    assert "1 drug matches the filters" in html


def test_drug_list_filters_by_target_approval_and_tumour():
    egfr = TargetFactory(symbol="EGFR")
    dual = DrugFactory(name="dualinib", drug_class=DrugClass.TKI)
    dual.targets.add(egfr)
    gastric = DrugFactory(name="gastrumab")
    ApprovalFactory(drug=gastric, tumour_type=TumourType.GASTRIC_GEJ)
    unapproved = DrugFactory(name="pipelinumab")

    assert "dualinib" in (html := _get("/drugs/", {"target": "egfr"}).content.decode()) and "gastrumab" not in html
    html = _get("/drugs/", {"approved": "true"}).content.decode()
    assert "gastrumab" in html and unapproved.name not in html
    html = _get("/drugs/", {"tumour_type": "gastric_gej"}).content.decode()
    assert "gastrumab" in html and "dualinib" not in html


def test_drug_list_counts_approvals_once_when_filtered_by_tumour():
    drug = DrugFactory(name="twiceumab")
    ApprovalFactory.create_batch(2, drug=drug, tumour_type=TumourType.BREAST)
    ApprovalFactory(drug=drug, tumour_type=TumourType.GASTRIC_GEJ)

    html = _get("/drugs/", {"tumour_type": "breast"}).content.decode()

    assert re.search(r'<td class="num">3</td>', html)


def test_drug_list_shows_brand_names_and_codes():
    DrugFactory(name="fakeximab", brand_names=["Fakhertu"], synonyms=["FKX-0001"])
    html = _get("/drugs/").content.decode()
    assert "Fakhertu" in html and "FKX-0001" in html


def test_drug_list_invalid_filter_shows_the_error_with_400():
    DrugFactory(name="fakeximab")

    response = _get("/drugs/", {"drug_class": "not-a-class"})

    assert response.status_code == 400
    html = response.content.decode()
    assert "Some filters could not be used" in html
    assert "Select a valid choice" in html
    assert "fakeximab" not in html


def test_drug_list_query_count_does_not_grow_with_data():
    make_catalogue(1)
    small = count_queries("/drugs/")
    make_catalogue(10)
    assert count_queries("/drugs/") == small
    assert count_queries("/drugs/?tumour_type=breast&approved=true") == count_queries("/drugs/?approved=true")


# --- /drugs/<slug>/ ----------------------------------------------------------------------------


def test_drug_detail_shows_identity_and_adc_fields():
    drug = DrugFactory(
        name="fakexitecan",
        drug_class=DrugClass.ADC,
        brand_names=["Fakhertu"],
        synonyms=["FKX-0001"],
        payload="fake payload",
        linker="fake cleavable linker",
        drug_antibody_ratio="8.0",
        binding_site="fake subdomain",
    )

    html = _get(drug.get_absolute_url()).content.decode()

    for text in [
        "fakexitecan",
        "Fakhertu",
        "FKX-0001",
        "fake payload",
        "fake cleavable linker",
        "≈ 8<",
        "fake subdomain",
    ]:
        assert text in html, text


def test_drug_detail_shows_tki_reversibility():
    drug = DrugFactory(drug_class=DrugClass.TKI, kinase_binding=KinaseBinding.IRREVERSIBLE)
    assert "Irreversible" in _get(drug.get_absolute_url()).content.decode()


def test_drug_detail_links_identifiers_out():
    drug = DrugFactory(drugbank_id="DB99999", chembl_id="CHEMBL0000", unii="FAKEUNII00", ncit_code="C000000")

    html = _get(drug.get_absolute_url()).content.decode()

    assert 'href="https://go.drugbank.com/drugs/DB99999"' in html
    assert 'href="https://www.ebi.ac.uk/chembl/compound_report_card/CHEMBL0000/"' in html
    assert 'href="https://gsrs.ncats.nih.gov/ginas/app/beta/substances/FAKEUNII00"' in html
    assert 'href="https://evsexplore.semantics.cancer.gov/evsexplore/concept/ncit/C000000"' in html


def test_drug_detail_links_each_targets_gene_to_hgnc_and_ncbi_gene():
    drug = DrugFactory()
    drug.targets.set(
        [
            TargetFactory(symbol="TESTR1", gene_symbol="TESTG1", hgnc_id="HGNC:99999", entrez_gene_id=99999),
            TargetFactory(symbol="TESTR2", gene_symbol="", hgnc_id="HGNC:99998"),
            TargetFactory(symbol="TESTR3", gene_symbol="TESTG3", hgnc_id=""),
        ]
    )

    html = _get(drug.get_absolute_url()).content.decode()

    hgnc = "https://www.genenames.org/data/gene-symbol-report/#!/hgnc_id/"
    assert (
        f'TESTR1 (gene <a href="https://www.ncbi.nlm.nih.gov/gene/99999" rel="noopener">TESTG1</a>, '
        f'<a href="{hgnc}HGNC:99999" rel="noopener">HGNC:99999</a>)' in html
    )
    assert f'TESTR2 (<a href="{hgnc}HGNC:99998" rel="noopener">HGNC:99998</a>)' in html
    assert "TESTR3 (gene TESTG3)" in html


def test_drug_detail_lists_every_approval_in_table_and_timeline():
    drug = DrugFactory()
    approvals = [ApprovalFactory(drug=drug, agency=agency) for agency in ["FDA", "EMA", "PMDA"]]

    html = _get(drug.get_absolute_url()).content.decode()

    for approval in approvals:
        assert f'id="approval-{approval.pk}"' in html
        assert f'href="#approval-{approval.pk}"' in html  # the timeline dot links to the table row
    assert '<svg class="chart timeline chart--wide"' in html


def test_drug_detail_shows_pivotal_trial_with_its_primary_result():
    catalogue = make_catalogue(1)
    html = _get(catalogue.drug.get_absolute_url()).content.decode()
    assert catalogue.trial.get_absolute_url() in html
    assert "12.4 vs 6.8 months" in html
    assert "0.55 (95% CI 0.45–0.67)" in html


def test_drug_detail_shows_trials_references_and_retraction_badge():
    catalogue = make_catalogue(1)
    html = _get(catalogue.drug.get_absolute_url()).content.decode()
    assert catalogue.trial.acronym in html
    assert catalogue.reference.get_absolute_url() in html
    assert "badge--danger" in html  # make_catalogue retracts the first drug's second reference


def test_drug_detail_escapes_curated_text():
    drug = DrugFactory(mechanism="<script>alert(1)</script>", notes="<img src=x onerror=alert(1)>")
    html = _get(drug.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_drug_detail_has_schema_org_drug():
    drug = DrugFactory(name="fakeximab", brand_names=["Fakhertu"], drugbank_id="DB99999")

    html = _get(drug.get_absolute_url()).content.decode()

    payload = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    data = json.loads(payload)
    assert data["@type"] == "Drug"
    assert data["name"] == "fakeximab"
    assert "Fakhertu" in data["alternateName"]
    assert data["sameAs"] == ["https://go.drugbank.com/drugs/DB99999"]
    assert data["url"].endswith(drug.get_absolute_url())


def test_unknown_drug_is_404():
    assert _get("/drugs/no-such-drug/").status_code == 404


def test_drug_detail_query_count_does_not_grow_with_data():
    catalogue = make_catalogue(1)
    url = catalogue.drug.get_absolute_url()
    small = count_queries(url)
    drug = catalogue.drug
    # Many more approvals, trials, outcomes and references for this very drug.
    for _ in range(6):
        trial = TrialFactory()
        TrialDrugFactory(trial=trial, drug=drug)
        OutcomeFactory.create_batch(2, trial=trial)
        approval = ApprovalFactory(drug=drug)
        approval.pivotal_trials.add(trial)
        approval.references.add(ReferenceFactory())
        drug.references.add(ReferenceFactory())
    drug.components.add(DrugFactory())
    DrugFactory(biosimilar_of=drug)
    assert count_queries(url) == small


# --- /approvals/ -------------------------------------------------------------------------------


def test_approval_list_filters_by_agency_tumour_her2_year_and_class():
    breast = ApprovalFactory(agency="FDA", tumour_type=TumourType.BREAST, her2_category=Her2Category.LOW)
    gastric = ApprovalFactory(agency="EMA", tumour_type=TumourType.GASTRIC_GEJ)
    tki = ApprovalFactory(drug=DrugFactory(drug_class=DrugClass.TKI))

    def shown(params: dict) -> set[int]:
        html = _get("/approvals/", params).content.decode()
        return {a.pk for a in (breast, gastric, tki) if f'id="approval-{a.pk}"' in html}

    assert shown({"agency": "EMA"}) == {gastric.pk}
    assert shown({"tumour_type": "gastric_gej"}) == {gastric.pk}
    assert shown({"her2_category": "low"}) == {breast.pk}
    assert shown({"drug_class": "tki"}) == {tki.pk}
    assert shown({"year": str(breast.date.year)}) == {
        a.pk for a in (breast, gastric, tki) if a.date.year == breast.date.year
    }
    assert shown({"year": "1901"}) == set()


def test_approval_list_her2_low_includes_low_or_ultralow_approvals():
    low = ApprovalFactory(her2_category=Her2Category.LOW)
    low_or_ultralow = ApprovalFactory(her2_category=Her2Category.LOW_OR_ULTRALOW)
    positive = ApprovalFactory(her2_category=Her2Category.POSITIVE)

    html = _get("/approvals/", {"tumour_type": "breast", "her2_status": "low"}).content.decode()

    assert f'id="approval-{low.pk}"' in html
    assert f'id="approval-{low_or_ultralow.pk}"' in html
    assert f'id="approval-{positive.pk}"' not in html


def test_approval_list_shows_indication_pivotal_trial_and_result():
    catalogue = make_catalogue(1)
    html = _get("/approvals/", {"her2_status": "low"}).content.decode()
    assert catalogue.approval.indication in html
    assert catalogue.trial.get_absolute_url() in html
    assert "HR</abbr> 0.55 (95% CI 0.45–0.67)" in html
    assert '<svg class="chart timeline chart--wide"' in html


@pytest.mark.parametrize(
    "params",
    [{"year": "abc"}, {"agency": "NOPE"}, {"her2_category": "x"}, {"her2_status": "x"}, {"date_after": "31/31/2020"}],
)
def test_approval_list_invalid_filters_answer_400_with_the_error(params):
    ApprovalFactory()
    response = _get("/approvals/", params)
    assert response.status_code == 400
    assert "Some filters could not be used" in response.content.decode()


def test_approval_list_escapes_indication_and_refuses_script_urls():
    ApprovalFactory(indication="<b>bold</b> claim", sources=["javascript:alert(1)"])
    html = _get("/approvals/").content.decode()
    assert "<b>bold</b>" not in html and "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "javascript:" not in html


def test_approval_list_query_count_does_not_grow_with_data():
    make_catalogue(1)
    small = count_queries("/approvals/")
    make_catalogue(10)
    assert count_queries("/approvals/") == small


def test_approval_pages_flag_a_retracted_reference_behind_an_approval():
    approval = ApprovalFactory()
    approval.references.add(ReferenceFactory(is_retracted=True))
    for url in ["/approvals/", approval.drug.get_absolute_url()]:
        html = _get(url).content.decode()
        assert "badge--danger" in html, url


def test_approval_filter_form_puts_tumour_and_her2_status_first_and_says_any():
    html = _get("/approvals/").content.decode()
    form = html[html.index('<form class="filters"') :]
    assert form.index('name="tumour_type"') < form.index('name="her2_status"') < form.index('name="agency"')
    assert 'name="drug"' not in form  # filters by slug work from a URL but are not offered in the form
    assert '<option value="" selected>Any</option>' in form


def test_drug_page_gives_the_review_date_and_reviewer_only_where_the_data_has_them(curator):
    import datetime

    drug = DrugFactory(
        last_reviewed_at=datetime.datetime(2026, 3, 4, 12, 0, 0, 123456, tzinfo=datetime.UTC),
        last_reviewed_by=curator,
    )
    html = Client().get(drug.get_absolute_url()).content.decode()
    assert "Reviewed against its sources on" in html and "4 March 2026" in html and f"by {curator.first_name}" in html
    assert 'datetime="2026-03-04"' in html  # no microseconds in a datetime attribute
    unreviewed = Client().get(DrugFactory().get_absolute_url()).content.decode()
    assert "Reviewed against" not in unreviewed and "Not yet reviewed" not in unreviewed


# --- /landscape/ -------------------------------------------------------------------------------


def _landscape_data():
    from drugs.tests.factories import CompanionDiagnosticFactory

    drug = DrugFactory(name="fakeximab deruxtecan", brand_names=["Fakhertu"])
    trial = TrialFactory(acronym="FAKE-Breast04")
    OutcomeFactory(trial=trial, is_primary=True, endpoint_label="PFS in the fake cohort")
    approval = ApprovalFactory(drug=drug, agency="FDA", tumour_type=TumourType.BREAST, her2_category=Her2Category.LOW)
    approval.pivotal_trials.set([trial])
    approval.companion_diagnostics.set([CompanionDiagnosticFactory(name="Fake HER2-low assay")])
    return drug, approval


def test_landscape_without_a_choice_offers_the_form_and_the_indications_on_record():
    _landscape_data()

    response = _get("/landscape/")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="tumour"' in html and 'name="her2"' in html
    assert "/landscape/?tumour=breast&amp;her2=low" in html
    assert "landscape-table" not in html


def test_landscape_table_shows_the_approval_test_trial_result_and_empty_agencies():
    drug, approval = _landscape_data()

    response = _get("/landscape/", {"tumour": "breast", "her2": "low"})

    assert response.status_code == 200
    html = response.content.decode()
    table = html[html.index('class="data-table landscape-table"') : html.index("</table>")]
    assert drug.name in table and "Fake HER2-low assay" in table
    assert approval.get_absolute_url() in table
    assert "FAKE-Breast04" in table and "PFS in the fake cohort" in table
    assert table.count("No approval on record") == 6  # EMA, NMPA, PMDA, MHRA, HC, TGA
    assert 'href="/missing/ema/"' in table
    assert "js/sortable" in html and "data-sortable" in table


def test_landscape_csv_download_has_a_column_per_agency_and_safe_cells():
    from her2kb.tests.api_responses import csv_rows

    drug, _approval = _landscape_data()
    drug.name = "=fakeximab"  # a formula-looking name must not run in a spreadsheet
    drug.save()

    response = _get("/landscape/", {"tumour": "breast", "her2": "low", "format": "csv"})

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    (row,) = csv_rows(response)
    assert row["drug"] == "'=fakeximab"
    assert row["EMA"] == "no approval on record"
    assert "Fake HER2-low assay" in row["FDA"]
    assert json.loads(row["pivotal_trials"]) == ["FAKE-Breast04"]


@pytest.mark.parametrize(
    "params",
    [{"tumour": "lung-ish", "her2": "low"}, {"tumour": "breast"}, {"her2": "low", "setting": "sometimes"}],
)
def test_landscape_with_a_bad_choice_is_a_400_naming_the_field(params):
    response = _get("/landscape/", params)

    assert response.status_code == 400
    html = response.content.decode()
    assert "Some filters could not be used" in html and "landscape-table" not in html


def test_landscape_query_count_does_not_grow_with_data():
    make_catalogue(1)
    assert "landscape-table" in _get("/landscape/", {"tumour": "breast", "her2": "low"}).content.decode()
    small = count_queries("/landscape/?tumour=breast&her2=low")
    make_catalogue(6)
    assert count_queries("/landscape/?tumour=breast&her2=low") == small


def test_drug_page_names_the_agencies_without_an_approval_on_record_and_links_their_gaps():
    drug = DrugFactory()
    ApprovalFactory(drug=drug, agency="FDA")
    ApprovalFactory(drug=drug, agency="EMA")

    html = _get(drug.get_absolute_url()).content.decode()

    line = html[html.index('class="small agencies-without-records"') :]
    line = line[: line.index("</p>")]
    assert "No approval on record at" in line
    assert 'href="/missing/pmda/"' in line and 'href="/missing/tga/"' in line
    assert "/missing/fda/" not in line and "/missing/ema/" not in line


def test_approvals_agency_filter_says_which_agencies_have_no_record_and_links_their_gaps():
    ApprovalFactory(agency="FDA")

    html = _get("/approvals/").content.decode()

    assert '<option value="FDA">US FDA (1)</option>' in html
    assert '<option value="TGA">Australia TGA: no approval on record</option>' in html
    assert 'class="small muted agencies-without-records"' in html and 'href="/missing/tga/"' in html

    empty = _get("/approvals/", {"agency": "TGA"}).content.decode()
    assert "No approvals match these filters. For Australia TGA, see" in empty
    assert 'href="/missing/tga/">what is known to be missing' in empty


def test_approval_list_shows_each_approval_on_exactly_one_page_when_dates_and_drugs_tie(monkeypatch):
    monkeypatch.setattr(ApprovalListView, "paginate_by", 7)  # short pages: PostgreSQL sorts each page's rows anew
    drug = DrugFactory()
    for n in range(40):  # one drug, one date: only a unique last key orders them from page to page
        ApprovalFactory(drug=drug, date="2020-01-15", indication=f"Tied indication {n}")

    seen = [approval.pk for approval in every_html_page(Client(), "/approvals/")]

    assert sorted(seen) == sorted(Approval.objects.values_list("pk", flat=True))


def test_approval_list_shows_25_to_a_page_newest_first_and_the_rest_on_the_next():
    drug = DrugFactory()
    approvals = [ApprovalFactory(drug=drug, date=f"20{10 + n // 12:02d}-{1 + n % 12:02d}-15") for n in range(30)]
    newest_first = sorted(approvals, key=lambda approval: approval.date, reverse=True)

    first = _get("/approvals/")
    second = _get("/approvals/", {"page": 2})

    assert [approval.pk for approval in first.context["approvals"]] == [a.pk for a in newest_first[:25]]
    assert [approval.pk for approval in second.context["approvals"]] == [a.pk for a in newest_first[25:]]
    assert 'href="?page=2"' in first.content.decode()
