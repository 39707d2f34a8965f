"""The API's protocol as a client on another origin sees it: RFC 9457 problems, RateLimit headers on every answer,
CORS that exposes the validators and allows revalidation, named downloads, and null for what is unknown."""

import uuid

import pytest
import yaml
from django.core.cache import cache
from rest_framework.test import APIClient

from her2kb.tests.api_responses import csv_rows
from references.tests.factories import ReferenceFactory
from testing.api_data import make_linked_dataset

pytestmark = pytest.mark.django_db

ORIGIN = "https://notebook.example.org"


@pytest.fixture
def api():
    make_linked_dataset(1)
    return APIClient()


@pytest.fixture
def rates(settings):
    """A small anonymous rate for this test only (the suite runs with throttling off)."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "3/min", "user": "6/min"}}


def _fresh_address() -> str:
    """A client address no earlier run has used, so a shared (Redis) cache holds no history for it."""
    return f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"


def test_an_invalid_parameter_is_an_rfc_9457_problem_naming_the_parameter(api):
    response = api.get("/api/v1/approvals/?agency=FDA,XYZ")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "about:blank"
    assert body["title"] == "Bad Request"
    assert body["status"] == 400
    assert body["detail"].startswith("Invalid request: 'XYZ' is not a valid value for agency")
    assert list(body["errors"]) == ["agency"]


@pytest.mark.parametrize(
    ("method", "url", "status", "title"),
    [
        ("get", "/api/v1/drugs/no-such-drug/", 404, "Not Found"),
        ("get", "/api/v1/nothing-here/", 404, "Not Found"),
        ("post", "/api/v1/drugs/", 405, "Method Not Allowed"),
        ("get", "/api/v1/references/999999/?format=bibtex", 404, "Not Found"),
    ],
)
def test_every_error_is_a_problem(api, method, url, status, title):
    response = getattr(api, method)(url)
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert (body["type"], body["title"], body["status"]) == ("about:blank", title, status)
    assert body["detail"]


def test_rate_limit_headers_on_every_answer_and_retry_after_on_429(api, rates):
    address = _fresh_address()
    first = api.get("/api/v1/drugs/", REMOTE_ADDR=address)
    assert (first["RateLimit-Limit"], first["RateLimit-Remaining"]) == ("3", "2")
    assert 0 < int(first["RateLimit-Reset"]) <= 60
    assert first["RateLimit-Policy"] == "3;w=60"
    # A conditional request answered 304 and a 400 count too, and say so.
    not_modified = api.get("/api/v1/drugs/", REMOTE_ADDR=address, HTTP_IF_NONE_MATCH=first["ETag"])
    assert (not_modified.status_code, not_modified["RateLimit-Remaining"]) == (304, "1")
    invalid = api.get("/api/v1/drugs/?drug_class=nonsense", REMOTE_ADDR=address)
    assert (invalid.status_code, invalid["RateLimit-Remaining"]) == (400, "0")
    throttled = api.get("/api/v1/drugs/", REMOTE_ADDR=address)
    assert throttled.status_code == 429
    assert throttled["Content-Type"] == "application/problem+json"
    assert throttled["RateLimit-Remaining"] == "0"
    assert 0 < int(throttled["Retry-After"]) <= 60
    assert int(throttled["RateLimit-Reset"]) <= 60


def test_no_rate_limit_headers_when_no_limit_applies(api):
    assert "RateLimit-Limit" not in api.get("/api/v1/drugs/")  # the suite runs without rates


def test_cors_exposes_the_validators_and_rate_limits_to_another_origin(api):
    response = api.get("/api/v1/drugs/", HTTP_ORIGIN=ORIGIN)
    assert response["Access-Control-Allow-Origin"] == "*"
    exposed = {name.strip().lower() for name in response["Access-Control-Expose-Headers"].split(",")}
    assert {"etag", "last-modified", "ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"} <= exposed
    assert "content-disposition" in exposed


def test_a_conditional_request_from_another_origin_passes_the_preflight(api):
    preflight = api.options(
        "/api/v1/drugs/",
        HTTP_ORIGIN=ORIGIN,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="if-none-match, if-modified-since",
    )
    assert preflight.status_code == 200
    allowed = {name.strip().lower() for name in preflight["Access-Control-Allow-Headers"].split(",")}
    assert {"if-none-match", "if-modified-since"} <= allowed
    assert "GET" in preflight["Access-Control-Allow-Methods"]


@pytest.mark.parametrize(
    ("url", "filename"),
    [
        ("/api/v1/approvals/?format=csv", "her2kb-approvals.csv"),
        ("/api/v1/references/?format=bibtex", "her2kb-references.bib"),
        ("/api/v1/references/?format=ris", "her2kb-references.ris"),
        ("/api/v1/references/?format=csljson", "her2kb-references.csl.json"),
    ],
)
def test_file_formats_download_as_named_files(api, url, filename):
    response = api.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'


def test_a_single_record_download_is_named_after_it(api):
    reference = ReferenceFactory(pmid="31234567")
    response = api.get(f"/api/v1/references/{reference.pmid}/?format=bibtex")
    assert response["Content-Disposition"] == 'attachment; filename="her2kb-reference-31234567.bib"'
    assert "Content-Disposition" not in api.get(f"/api/v1/references/{reference.pmid}/")


def test_unknown_values_are_null_in_json_and_empty_in_csv(api):
    reference = ReferenceFactory(pmid="31234568", doi="", pmcid="")
    cache.clear()
    body = api.get(f"/api/v1/references/{reference.pmid}/").json()
    assert body["doi"] is None and body["doi_url"] is None and body["pmcid"] is None
    row = next(row for row in csv_rows(api.get("/api/v1/references/?format=csv")) if row["pmid"] == "31234568")
    assert row["doi"] == ""


def test_the_schema_marks_every_field_required_and_unknowns_nullable(api):
    schema = yaml.safe_load(api.get("/api/schema/").content)["components"]["schemas"]
    for name in ("Approval", "Drug", "Trial", "Outcome", "Reference"):
        assert set(schema[name]["required"]) == set(schema[name]["properties"]), name
    assert schema["Reference"]["properties"]["doi"]["type"] == ["string", "null"]  # OpenAPI 3.1: null is a type
    assert set(schema["AgencyEnum"]["enum"]) >= {"FDA", "EMA"}
    assert {"type", "title", "status", "detail"} <= set(schema["Problem"]["required"])


def test_the_schema_says_errors_are_problems(api):
    operation = yaml.safe_load(api.get("/api/schema/").content)["paths"]["/api/v1/drugs/"]["get"]
    assert list(operation["responses"]["400"]["content"]) == ["application/problem+json"]
