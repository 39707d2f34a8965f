"""The OpenAPI schema and its docs pages: valid, complete, and served without any CDN."""

import re
from html import unescape as html_unescape

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.urls import resolve
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from her2kb.api.parameters import query_parameter_specs

pytestmark = pytest.mark.django_db

LIST_PATHS = ["/api/v1/drugs/", "/api/v1/approvals/", "/api/v1/trials/", "/api/v1/outcomes/", "/api/v1/references/"]


@pytest.fixture(scope="module")
def openapi(django_db_blocker):
    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_schema_is_valid_openapi_3(openapi):
    assert openapi["openapi"].startswith("3.")
    validate_schema(openapi)


def test_schema_lists_every_endpoint_and_only_reads(openapi):
    # Other modules may add endpoints (e.g. releases); these are the ones this API module serves.
    expected = {
        *LIST_PATHS,
        "/api/v1/drugs/{slug}/",
        "/api/v1/approvals/{id}/",
        "/api/v1/trials/{identifier}/",
        "/api/v1/outcomes/{id}/",
        "/api/v1/references/{pmid}/",
        "/api/v1/search/",
        "/api/v1/export/",
    }
    assert expected <= set(openapi["paths"])
    assert {method for operations in openapi["paths"].values() for method in operations} == {"get"}


@pytest.mark.parametrize("path", LIST_PATHS)
def test_every_accepted_query_parameter_is_described(openapi, path):
    documented = {p["name"]: p for p in openapi["paths"][path]["get"]["parameters"] if p["in"] == "query"}
    view = resolve(path).func.cls(action="list", detail=False)
    assert set(documented) == set(query_parameter_specs(view))
    for name, parameter in documented.items():
        assert parameter.get("description"), f"{path}?{name} has no description"
        assert parameter["schema"].get("type"), f"{path}?{name} has no type"


def test_the_researcher_recipes_are_in_the_docs(openapi):
    parameters = {p["name"]: p for p in openapi["paths"]["/api/v1/approvals/"]["get"]["parameters"]}
    assert "adc" in parameters["drug_class"]["schema"]["items"]["enum"]
    assert "FDA" in parameters["agency"]["schema"]["items"]["enum"]
    # A list parameter is one comma-separated value (repeating it works too, as the description says).
    assert (parameters["agency"]["style"], parameters["agency"]["explode"]) == ("form", False)
    assert "comma-separated" in parameters["agency"]["description"]
    assert parameters["date_after"]["schema"]["format"] == "date"
    assert "csv" in parameters["format"]["schema"]["enum"]
    reference_parameters = {p["name"]: p for p in openapi["paths"]["/api/v1/references/"]["get"]["parameters"]}
    assert {"trial", "trial_acronym", "pmid", "year", "retracted"} <= set(reference_parameters)
    assert set(reference_parameters["format"]["schema"]["enum"]) == {"json", "csv", "bibtex", "ris", "csljson"}
    assert "trial_acronym=DESTINY-Breast&format=bibtex" in openapi["info"]["description"]


def test_every_serializer_field_is_in_the_schema(openapi):
    from drugs.api.serializers import ApprovalSerializer, DrugSerializer
    from references.api.serializers import ReferenceSerializer
    from trials.api.serializers import OutcomeSerializer, TrialSerializer

    components = openapi["components"]["schemas"]
    for serializer in [DrugSerializer, ApprovalSerializer, TrialSerializer, OutcomeSerializer, ReferenceSerializer]:
        component = components[serializer.__name__.removesuffix("Serializer")]
        assert set(component["properties"]) == set(serializer().fields), serializer


def test_errors_and_rate_limits_are_documented(openapi):
    responses = openapi["paths"]["/api/v1/drugs/"]["get"]["responses"]
    assert {"200", "400", "404", "405", "429"} <= set(responses)
    assert "Retry-After" in responses["429"]["description"]
    assert "tokenAuth" in openapi["components"]["securitySchemes"]


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_docs_pages_load_their_scripts_from_our_own_static_files(url):
    response = APIClient().get(url)
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources, "the docs page loads no assets"
    for source in sources:
        assert not source.startswith(("http://", "https://", "//")), f"{url} loads {source} from another site"
    assets = [s for s in sources if s.startswith("/static/")]
    assert assets
    for asset in assets:
        assert finders.find(asset.removeprefix("/static/")), f"{asset} is not a local static file"
    # Anything else it loads (Swagger UI's start-up script, the schema) is served by the site itself.
    for source in set(sources) - set(assets):
        assert APIClient().get(html_unescape(source)).status_code == 200, source


def test_docs_pages_run_no_inline_script():
    """The site's Content-Security-Policy allows scripts from our origin only: inline ones would not run."""
    for url in ["/api/docs/", "/api/redoc/"]:
        html = APIClient().get(url).content.decode()
        for attributes, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.DOTALL):
            assert "src=" in attributes and not body.strip(), f"{url} has an inline script"


def test_a_cursor_page_documents_whether_its_count_is_exact(openapi):
    page = openapi["paths"]["/api/v1/references/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    page = openapi["components"]["schemas"][page["$ref"].rsplit("/", 1)[-1]] if "$ref" in page else page
    assert "count_exact" in page["required"] and page["properties"]["count_exact"]["type"] == "boolean"
    assert "10,000" in page["properties"]["count_exact"]["description"]
