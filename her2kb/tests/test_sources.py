"""The kind of document a source URL is, told by its domain: agencies and labels first, press as news."""

import pytest

from her2kb.sources import SourceKind, classified_sources, classify_source_url


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://www.fda.gov/drugs/resources-information-approved-drugs/test", SourceKind.AGENCY),
        ("https://fda.gov/drugs/test", SourceKind.AGENCY),
        ("https://www.accessdata.fda.gov/scripts/cder/daf/index.cfm", SourceKind.AGENCY),
        ("https://www.accessdata.fda.gov/drugsatfda_docs/label/2024/761139s028lbl.pdf", SourceKind.LABEL),
        ("https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid=test", SourceKind.LABEL),
        ("https://api.fda.gov/drug/label.json?search=test", SourceKind.LABEL),
        ("https://api.fda.gov/drug/drugsfda.json?search=test", SourceKind.AGENCY),
        ("https://www.ema.europa.eu/en/medicines/human/EPAR/test", SourceKind.AGENCY),
        ("https://www.ema.europa.eu/en/documents/product-information/test_en.pdf", SourceKind.LABEL),
        ("https://pdf.hres.ca/dpd_pm/00000000.PDF", SourceKind.LABEL),
        ("https://www.tga.gov.au/test", SourceKind.AGENCY),
        ("https://clinicaltrials.gov/study/NCT00000001", SourceKind.REGISTRY),
        ("https://pubmed.ncbi.nlm.nih.gov/1/", SourceKind.JOURNAL),
        ("https://doi.org/10.0000/test", SourceKind.JOURNAL),
        ("https://www.nejm.org/doi/full/10.0000/test", SourceKind.JOURNAL),
        ("https://www.daiichisankyo.com/media/press_release/test", SourceKind.COMPANY),
        ("https://www.businesswire.com/news/home/test", SourceKind.COMPANY),
        ("https://www.fiercepharma.com/pharma/test", SourceKind.PRESS),
        ("https://www.onclive.com/view/test", SourceKind.PRESS),
        ("https://maestrodatabase.com/blog/test", SourceKind.SECONDARY),
        ("https://example.org/anything", SourceKind.SECONDARY),
    ],
)
def test_a_url_is_classified_by_its_domain(url, kind):
    assert classify_source_url(url) == kind


@pytest.mark.parametrize(
    "url",
    [
        "https://fda.gov.example.org/looks-official",  # a lookalike domain is not the agency
        "https://notfda.gov/test",
        "javascript:alert(1)",
        "not a url",
        "",
    ],
)
def test_lookalikes_and_non_urls_are_never_promoted(url):
    assert classify_source_url(url) == SourceKind.SECONDARY


def test_sources_are_listed_agency_first_and_news_last_keeping_the_order_within_a_kind():
    urls = [
        "https://www.fiercepharma.com/a",
        "https://example.org/b",
        "https://www.fda.gov/c",
        "https://dailymed.nlm.nih.gov/d",
        "https://www.fda.gov/e",
    ]
    ordered = classified_sources(urls)
    assert [source.url for source in ordered] == [
        "https://www.fda.gov/c",
        "https://www.fda.gov/e",
        "https://dailymed.nlm.nih.gov/d",
        "https://example.org/b",
        "https://www.fiercepharma.com/a",
    ]
    assert [source.is_primary for source in ordered] == [True, True, True, False, False]
    assert ordered[-1].is_news and ordered[-1].kind_label == "News"
