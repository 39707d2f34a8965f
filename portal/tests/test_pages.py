"""Project-wide pages: home, about, search, 404/500, structured data and the display filters."""

import json
import re
from decimal import Decimal

import pytest
from django.test import Client, RequestFactory
from django.urls import get_resolver
from django.views.defaults import server_error

from drugs.choices import Her2Category, TumourType
from drugs.tests.factories import ApprovalFactory, DrugFactory
from her2kb.jsonld import jsonld_script
from her2kb.templatetags.her2kb import http_url, number, ratio
from references.tests.factories import ReferenceFactory
from testing.catalogue import count_queries, make_catalogue
from trials.tests.factories import TrialFactory

pytestmark = pytest.mark.django_db


def test_home_shows_counts_classes_indications_and_latest_approvals():
    catalogue = make_catalogue(2)

    response = Client().get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r"<strong>4</strong>\s*drugs", html)  # 2 drugs and their 2 comparators
    assert re.search(r"<strong>4</strong>\s*approvals", html)
    assert "Antibody–drug conjugate" in html and "?drug_class=adc" in html
    assert "?tumour_type=breast&amp;her2_status=low" in html
    assert catalogue.drug.name in html
    assert 'role="search"' in html


def test_home_links_a_her2_low_or_ultralow_approval_under_both_statuses():
    ApprovalFactory(tumour_type=TumourType.BREAST, her2_category=Her2Category.LOW_OR_ULTRALOW)

    html = Client().get("/").content.decode()

    assert 'her2_status=low"' in html and 'her2_status=ultralow"' in html
    assert "her2_status=low_or_ultralow" not in html


def test_home_page_without_data_says_so():
    html = Client().get("/").content.decode()
    assert "No approvals loaded yet." in html


def test_home_query_count_does_not_grow_with_data():
    make_catalogue(1)
    small = count_queries("/")
    make_catalogue(8)
    assert count_queries("/") == small


def test_about_page_has_disclaimer_sources_and_api_link():
    html = Client().get("/about/").content.decode()
    assert "Information, not medical advice" in html
    assert "PubMed" in html and "ClinicalTrials.gov" in html
    assert 'href="/api/docs/"' in html


def test_about_page_touches_no_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert Client().get("/about/").status_code == 200


def test_every_page_has_landmarks_and_one_h1():
    catalogue = make_catalogue(1)
    urls = [
        "/",
        "/about/",
        "/search/?q=test",
        "/drugs/",
        catalogue.drug.get_absolute_url(),
        "/approvals/",
        "/diagnostics/",
        "/trials/",
        catalogue.trial.get_absolute_url(),
        "/references/",
        catalogue.reference.get_absolute_url(),
    ]
    for url in urls:
        html = Client().get(url).content.decode()
        assert html.count("<h1") == 1, url
        for landmark in ("<header", "<main", "<footer", 'aria-label="Main"'):
            assert landmark in html, (url, landmark)
        assert 'class="skip-link" href="#main"' in html, url
        assert '<html lang="en">' in html, url


def test_headings_do_not_skip_levels():
    catalogue = make_catalogue(1)
    for url in ["/", catalogue.drug.get_absolute_url(), catalogue.trial.get_absolute_url(), "/diagnostics/"]:
        levels = [int(level) for level in re.findall(r"<h([1-6])", Client().get(url).content.decode())]
        assert levels[0] == 1
        assert all(later - earlier <= 1 for earlier, later in zip(levels, levels[1:], strict=False)), (url, levels)


def test_search_page_lists_drugs_trials_and_references():
    drug = DrugFactory(name="fakeximab", synonyms=["FKX-0001"])
    trial = TrialFactory(acronym="FAKEX-Breast01", title="fakeximab versus placebo")
    reference = ReferenceFactory(title="Fakeximab in imaginary cancer")

    response = Client().get("/search/", {"q": "fakeximab"})

    assert response.status_code == 200
    html = response.content.decode()
    assert drug.get_absolute_url() in html
    assert trial.get_absolute_url() in html
    assert reference.get_absolute_url() in html
    assert "3 results for “fakeximab”" in html


def test_search_page_finds_a_development_code():
    drug = DrugFactory(synonyms=["FKX-0001"])
    html = Client().get("/search/", {"q": "FKX-0001"}).content.decode()
    assert drug.get_absolute_url() in html


def test_search_forms_submit_to_the_search_page():
    # The API has its own search endpoint; the pages' forms must reach the HTML page.
    for url in ["/", "/about/", "/search/", "/no-such-page/"]:
        assert 'action="/search/"' in Client().get(url).content.decode(), url


def test_search_page_without_query_shows_only_the_form():
    response = Client().get("/search/")
    assert response.status_code == 200
    assert "results for" not in response.content.decode()


def test_search_page_says_when_nothing_matches():
    html = Client().get("/search/", {"q": "nothing-like-this"}).content.decode()
    assert "0 results for" in html


def test_search_page_offers_the_drug_a_misspelt_query_meant():
    DrugFactory(name="trastuzumab", brand_names=["Herceptin"], synonyms=[])
    html = Client().get("/search/", {"q": "trastuzamab"}).content.decode()
    assert "0 results for" in html
    assert 'Did you mean <a href="?q=trastuzumab">trastuzumab</a>?' in html


def test_search_page_escapes_the_query():
    html = Client().get("/search/", {"q": "<script>alert(1)</script>"}).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_search_page_shows_retraction_badge():
    ReferenceFactory(title="A retracted fakeximab study", is_retracted=True)
    html = Client().get("/search/", {"q": "fakeximab"}).content.decode()
    assert "badge--danger" in html and "Retracted" in html


def test_search_page_query_count_does_not_grow_with_results():
    make_catalogue(1)
    small = count_queries("/search/?q=test")
    make_catalogue(8)
    assert count_queries("/search/?q=test") == small


def test_unknown_address_gets_the_404_page():
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert 'role="search"' in response.content.decode()


def test_500_page_renders_without_the_database(django_assert_num_queries):
    request = RequestFactory().get("/")
    with django_assert_num_queries(0):
        response = server_error(request)
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
    # The project keeps Django's handler, which renders 500.html with an empty context.
    assert get_resolver().resolve_error_handler(500) is server_error


def test_jsonld_script_cannot_be_closed_by_data():
    html = jsonld_script({"abstract": "</script><script>alert(1)</script> & more"})
    assert html.count("</script>") == 1
    assert html.startswith('<script type="application/ld+json">')
    payload = html.removeprefix('<script type="application/ld+json">').removesuffix("</script>")
    assert json.loads(payload)["abstract"] == "</script><script>alert(1)</script> & more"


def test_number_filter_drops_padding_zeros():
    assert number(Decimal("10.10")) == "10.1"
    assert number(Decimal("12.00")) == "12"
    assert number(Decimal("60.9")) == "60.9"
    assert number(None) == ""


def test_ratio_filter_shows_two_or_three_decimals():
    assert ratio(Decimal("0.500")) == "0.50"
    assert ratio(Decimal("0.625")) == "0.625"
    assert ratio(None) == ""


def test_http_url_filter_refuses_other_schemes():
    assert http_url("https://www.fda.gov/x") == "https://www.fda.gov/x"
    assert http_url("javascript:alert(1)") == ""
    assert http_url(" JAVASCRIPT:alert(1)") == ""
    assert http_url(None) == ""


def test_stylesheets_are_local_and_include_print():
    html = Client().get("/about/").content.decode()
    assert 'href="/static/css/site.css"' in html
    assert 'href="/static/css/print.css" media="print"' in html
    assert "cdn" not in html.lower() and "googleapis" not in html
    for path in ["/static/css/site.css", "/static/css/print.css"]:
        response = Client().get(path)
        assert response.status_code == 200, path


def test_search_page_with_too_many_words_says_so_with_a_400():
    response = Client().get("/search/", {"q": " ".join(["word"] * 40)})
    assert response.status_code == 400
    assert "at most 12 words" in response.content.decode()
    assert "0 results" not in response.content.decode()


def test_search_page_with_a_query_over_200_characters_says_so_with_a_400():
    response = Client().get("/search/", {"q": "x" * 500})
    assert response.status_code == 400
    assert "200 characters" in response.content.decode()


@pytest.mark.parametrize("path", ["/drugs/", "/trials/", "/references/"])
def test_list_page_text_filter_with_too_many_words_is_a_400_with_the_reason(path):
    response = Client().get(path, {"q": " ".join(["word"] * 40)})
    assert response.status_code == 400
    assert "at most 12 words" in response.content.decode()


@pytest.mark.parametrize("page", ["drug", "trial", "reference"])
def test_structured_data_names_site_url_whatever_host_was_asked(settings, page):
    # Pages are cached by path: a Host header in the page would be served to everybody who asks next.
    settings.ALLOWED_HOSTS = ["testserver", "localhost"]
    settings.SITE_URL = "https://her2kb.example"
    record = {"drug": DrugFactory, "trial": TrialFactory, "reference": ReferenceFactory}[page]()
    html = Client().get(record.get_absolute_url(), HTTP_HOST="localhost:8001").content.decode()
    assert f'"https://her2kb.example{record.get_absolute_url()}"' in html
    assert "localhost" not in html


def test_search_page_groups_results_with_counts_and_lists_approvals():
    drug = DrugFactory(name="fakeximab", synonyms=["FK-8201"])
    ApprovalFactory(drug=drug, indication="Fake HER2-low breast cancer")

    html = Client().get("/search/", {"q": "fk8201"}).content.decode()

    assert 'href="#drugs-results">1 drugs' in html and 'href="#approvals-results">1 approvals' in html
    assert "Fake HER2-low breast cancer" in html


def test_search_page_without_a_match_explains_how_search_works():
    response = Client().get("/search/", {"q": "nothing-like-this"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Each word must match" in html and "whole words only" in html


@pytest.mark.parametrize("query", ["---", "%%", "[(", "\\"])
def test_search_page_with_only_punctuation_is_a_page_not_an_error(query):
    response = Client().get("/search/", {"q": query})

    assert response.status_code == 200
    assert "0 results" in response.content.decode()


def test_footer_says_data_as_of_the_newest_record_change_and_the_release():
    import datetime

    from drugs.models import Drug

    drug = DrugFactory()
    Drug.objects.filter(pk=drug.pk).update(updated_at=datetime.datetime(2031, 5, 6, 7, 0, tzinfo=datetime.UTC))

    html = Client().get("/drugs/").content.decode()

    footer = html[html.index('class="site-footer"') :]
    assert "Data as of" in footer and "6 May 2031" in footer
    assert "no release published yet" in footer


def test_missing_list_page_renders_the_agencys_markdown_without_raw_html():
    from her2kb.missing import MISSING_DIR

    response = Client().get("/missing/ema/")

    assert response.status_code == 200
    html = response.content.decode()
    first_heading = (MISSING_DIR / "ema.md").read_text(encoding="utf-8").splitlines()[0].lstrip("# ").strip()
    assert f"<h1>{first_heading}</h1>" in html.replace("&#x27;", "'")
    assert "<h2>" in html and "<li>" in html  # the markdown's sections and items, as HTML
    assert 'href="/missing/fda/"' in html  # the other lists


@pytest.mark.parametrize("name", ["nothing", "README", "..", "fda.md", "FDA"])
def test_missing_list_page_for_an_unknown_list_is_a_404(name):
    assert Client().get(f"/missing/{name}/").status_code == 404
