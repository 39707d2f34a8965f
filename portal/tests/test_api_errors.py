"""Bad input anywhere in the API is a 4xx JSON answer with a message — never a 500, never ignored."""

import pytest
from rest_framework.test import APIClient

from testing.api_data import make_linked_dataset

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    make_linked_dataset(1)
    return APIClient()


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/api/v1/approvals/?agency=XYZ", "agency"),
        ("/api/v1/approvals/?drug_class=antibody", "drug_class"),
        ("/api/v1/approvals/?date_after=2019-13-01", "date_after"),
        ("/api/v1/approvals/?date_after=yesterday", "date_after"),
        ("/api/v1/approvals/?year=99999999999", "year"),
        ("/api/v1/approvals/?year=2019.5", "year"),
        ("/api/v1/approvals/?agnecy=FDA", "agnecy"),
        ("/api/v1/drugs/?approved=yes", "approved"),
        ("/api/v1/drugs/?ordering=secret_field", "ordering"),
        ("/api/v1/drugs/?page_size=0", "page_size"),
        ("/api/v1/drugs/?page=last", "page"),
        ("/api/v1/drugs/?drug_class=adc&drug_class=antibody", "drug_class"),
        ("/api/v1/approvals/?agency=FDA,XYZ", "agency"),
        ("/api/v1/drugs/?q=a&q=b", "q"),
        ("/api/v1/drugs/?drugbank_id=DB1", "drugbank_id"),
        ("/api/v1/drugs/?fields=id,secret", "fields"),
        ("/api/v1/approvals/?year_min=20x", "year_min"),
        ("/api/v1/outcomes/?hazard_ratio_max=low", "hazard_ratio_max"),
        ("/api/v1/trials/?start_date_after=2020-02-30", "start_date_after"),
        ("/api/v1/drugs/?q=a%00b", "q"),
        ("/api/v1/trials/?nct_id=NCT123", "nct_id"),
        ("/api/v1/trials/?nct_id=NCT12345678%0A1", "nct_id"),
        ("/api/v1/trials/?nct_id=NCT12345678,NCT123", "nct_id"),
        ("/api/v1/trials/?phase=phase_9", "phase"),
        ("/api/v1/outcomes/?trial=12345", "trial"),
        ("/api/v1/references/?pmid=0123", "pmid"),
        ("/api/v1/references/?year=1066", "year"),
        ("/api/v1/references/?retracted=maybe", "retracted"),
        ("/api/v1/search/?limit=1000", "limit"),
        ("/api/v1/drugs/?format=xml", "format"),
        ("/api/v1/drugs/?format=bibtex", "format"),
    ],
)
def test_bad_query_parameters_are_a_400_naming_the_parameter(api, url, parameter):
    response = api.get(url)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert parameter in body["errors"]
    assert body["detail"].startswith("Invalid request: ")


def test_unknown_parameter_message_lists_what_is_accepted(api):
    body = api.get("/api/v1/approvals/?agnecy=FDA").json()
    assert "agency" in body["errors"]["agnecy"][0]


def test_page_out_of_range_is_a_404_with_a_message(api):
    response = api.get("/api/v1/drugs/?page=999")
    assert response.status_code == 404
    assert "Page 999" in response.json()["detail"]


def test_errors_are_json_even_when_a_file_format_was_asked_for(api):
    response = api.get("/api/v1/approvals/?agency=XYZ&format=csv")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    response = api.get("/api/v1/references/999999/?format=bibtex")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("url", ["/api/v1/nothing-here/", "/api/v1/drugs/a/b/", "/api/v2/drugs/"])
def test_unknown_api_urls_are_a_json_404(api, url):
    response = api.get(url)
    assert response.status_code == 404
    assert "/api/docs/" in response.json()["detail"]


def test_unparseable_accept_header_is_a_406(api):
    response = api.get("/api/v1/drugs/", HTTP_ACCEPT="application/xml")
    assert response.status_code == 406
    assert "detail" in response.json()


def test_csv_can_be_asked_for_with_an_accept_header(api):
    response = api.get("/api/v1/drugs/", HTTP_ACCEPT="text/csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")


@pytest.mark.parametrize(
    "path", ["/api/v1/drugs/", "/api/v1/trials/", "/api/v1/references/", "/trials/", "/references/"]
)
@pytest.mark.parametrize("text", ["' OR 1=1 --", "fake & | ! ( ) :*", '"unterminated', "%_%", "-", "   "])
def test_free_text_filters_take_any_text_as_text(api, path, text):
    # On PostgreSQL `?q=` is a full-text query: search syntax and SQL in it are plain words, never an error.
    response = api.get(path, {"q": text})
    assert response.status_code == 200


# Search text is bounded: a query of thousands of one-letter words builds a huge SQL statement (a denial of service).
MANY_WORDS = " ".join("abcdefghijklmnopqrstuvwxyz"[n % 26] for n in range(1900))


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/api/v1/references/?search={}", "search"),
        ("/api/v1/drugs/?search={}", "search"),
        ("/api/v1/trials/?q={}", "q"),
        ("/api/v1/references/?q={}", "q"),
        ("/api/v1/search/?q={}", "q"),
    ],
)
def test_search_text_with_too_many_words_is_a_400_saying_so(api, url, parameter):
    response = api.get(url.format(MANY_WORDS))
    assert response.status_code == 400
    message = response.json()["errors"][parameter][0]
    assert "at most 12 words" in message


@pytest.mark.parametrize("url", ["/api/v1/drugs/?search={}", "/api/v1/drugs/?q={}", "/api/v1/search/?q={}"])
def test_search_text_longer_than_200_characters_is_a_400(api, url):
    response = api.get(url.format("x" * 201))
    assert response.status_code == 400
    assert "200 characters" in response.json()["detail"]


@pytest.mark.parametrize("url", ["/api/v1/references/?search={}", "/api/v1/drugs/?q={}", "/api/v1/search/?q={}"])
def test_search_text_up_to_the_limits_is_accepted(api, url):
    twelve_words = " , ".join(["trastuzumab"] * 6 + ["x"] * 6) + " "
    assert api.get(url.format(twelve_words)).status_code == 200
    assert api.get(url.format("y" * 200)).status_code == 200


def test_the_schema_publishes_the_search_limits(api):
    from her2kb.api.parameters import python_pattern

    schema = api.get("/api/schema/?format=json").json()
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/references/"]["get"]["parameters"]}
    for name in ("search", "q"):
        published = parameters[name]["schema"]
        assert published["maxLength"] == 200
        pattern = python_pattern(published["pattern"])
        assert pattern.search("a b c d e f g h i j k l")
        assert not pattern.search("a b c d e f g h i j k l m")
