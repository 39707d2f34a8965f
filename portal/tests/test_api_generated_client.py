"""
The API as a client nobody here wrote sees it (issue 17): openapi-python-client generates a Python package from the
schema /api/schema/ serves, and every operation of the API is called through that package against a live server
holding the curated dataset and two published releases: every page of every list, details covering each shape a
record takes, the search, every landscape, the export, the releases, and a 404 and a 400 of each resource. Each
JSON answer must

- parse into the generated model (not None, not the Problem type unless an error was asked for) and give back
  exactly the JSON received (`to_dict()`), with no field the schema does not declare;
- pass openapi-core's response validation against the same schema with every object closed (no undeclared property,
  null only where the type includes null, every required field present, enums and formats checked): 0 errors;
- hold no "" (an unknown is null);
- and no field the schema leaves optional may be present in every answer that could hold it (it should be required).

The control tests show that the validator and the checks do fail on a wrong type, a null, a missing, malformed or
undeclared field.
"""

from __future__ import annotations

import copy
import importlib
import json
import re
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import attrs
import httpx
import pytest
import yaml
from django.core.management import call_command
from openapi_core import Config, OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from rest_framework.test import APIClient

from curation.dataset import load_dataset
from curation.releases import release_publish
from drugs.models import Drug

PACKAGE = "her2kb_client"


# ---------------------------------------------------------------------------------------------
# The schema, the generated client, the strict validator
# ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def openapi(django_db_blocker) -> dict:
    """The schema exactly as the site serves it."""
    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


@pytest.fixture(scope="module")
def generated(openapi, tmp_path_factory) -> Iterator[Any]:
    """The package `openapi-python-client generate` writes from the schema, imported."""
    folder = tmp_path_factory.mktemp("generated-client")
    (folder / "openapi.json").write_text(json.dumps(openapi), encoding="utf-8")
    # No post hooks: the generator would run ruff over its output, which changes nothing the test reads.
    (folder / "config.yaml").write_text(f"package_name_override: {PACKAGE}\npost_hooks: []\n", encoding="utf-8")
    command = [sys.executable, "-m", "openapi_python_client", "generate", "--meta", "none", "--fail-on-warning"]
    options = ["--path", "openapi.json", "--config", "config.yaml", "--output-path", PACKAGE]
    run = subprocess.run([*command, *options], cwd=folder, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))
        for name in [name for name in sys.modules if name == PACKAGE or name.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


@pytest.fixture(scope="module")
def strict(openapi) -> OpenAPI:
    """openapi-core over the schema, with every object that does not declare `additionalProperties` closed, the errors'
    media type (RFC 9457 problem details) read as the JSON it is, and `format: uri` checked (jsonschema checks it only
    with an extra package installed)."""
    config = Config(
        additional_properties_default_policy="forbid",
        extra_media_type_deserializers={"application/problem+json": json.loads},
        extra_format_validators={"uri": is_absolute_uri},
    )
    return OpenAPI.from_dict(copy.deepcopy(openapi), config=config)


def is_absolute_uri(value: Any) -> bool:
    """RFC 3986's URI: a scheme, and for web links a host; nothing a link may not hold unescaped. (A format applies
    to texts only.)"""
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return (
        bool(re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", parts.scheme))
        and (parts.scheme not in ("http", "https") or bool(parts.netloc))
        and not re.search(r"[\s<>\"{}|\\^`]", value)
    )


def response_errors(strict: OpenAPI, url: str, status: int, content_type: str, body: bytes) -> list[str]:
    """What openapi-core finds wrong with one answer to GET `url`, each error with the path in the body."""
    parts = urlsplit(url)
    request = MockRequest(
        f"{parts.scheme}://{parts.netloc}", "get", parts.path, args=dict(parse_qsl(parts.query, keep_blank_values=True))
    )
    response = MockResponse(body, status_code=status, content_type=content_type.split(";")[0].strip())
    found = []
    for error in strict.iter_response_errors(request, response):
        schema_errors = getattr(error.__cause__, "schema_errors", None)
        if not schema_errors:
            found.append(f"{error.__class__.__name__}: {error.__cause__ or error}")
        for schema_error in schema_errors or []:
            where = "/".join(str(part) for part in schema_error.absolute_path) or "(body)"
            found.append(f"{where}: {schema_error.message[:300]}")
    return found


# ---------------------------------------------------------------------------------------------
# Checks on the generated models
# ---------------------------------------------------------------------------------------------
def undeclared_fields(value: Any, components: dict, where: str = "") -> list[str]:
    """Fields that a generated model of a closed component schema holds only as `additional_properties`."""
    found = []
    if isinstance(value, list):
        for index, item in enumerate(value):
            found += undeclared_fields(item, components, f"{where}/{index}")
    elif attrs.has(type(value)):
        name = type(value).__name__
        if name in components and "additionalProperties" not in components[name]:
            found += [f"{where}/{key}: not in the {name} schema" for key in value.additional_properties]
        for field in attrs.fields(type(value)):
            if field.name != "additional_properties":
                found += undeclared_fields(getattr(value, field.name), components, f"{where}/{field.name}")
    return found


def empty_texts(value: Any, where: str = "") -> list[str]:
    """Every "" in an answer: an unknown is null, so that a typed client can tell it from a text."""
    if isinstance(value, dict):
        return [error for key, item in value.items() for error in empty_texts(item, f"{where}/{key}")]
    if isinstance(value, list):
        return [error for index, item in enumerate(value) for error in empty_texts(item, f"{where}/{index}")]
    return [f'{where}: "" where null means unknown'] if value == "" else []


class OptionalFields:
    """For each generated model's optional field (default UNSET), whether answers held it and whether one lacked it."""

    def __init__(self, unset: Any) -> None:
        self.unset = unset
        self.present: dict[tuple[str, str], int] = defaultdict(int)
        self.absent: dict[tuple[str, str], int] = defaultdict(int)

    def record(self, value: Any) -> None:
        if isinstance(value, list):
            for item in value:
                self.record(item)
        elif attrs.has(type(value)):
            for field in attrs.fields(type(value)):
                attribute = getattr(value, field.name)
                if field.default is self.unset:
                    counts = self.absent if attribute is self.unset else self.present
                    counts[(type(value).__name__, field.name)] += 1
                if field.name != "additional_properties":
                    self.record(attribute)

    def always_present(self) -> list[str]:
        return [
            f"{model}.{name} is in all {count} answers but not required"
            for (model, name), count in sorted(self.present.items())
            if not self.absent[(model, name)]
        ]


# ---------------------------------------------------------------------------------------------
# Calling every operation through the generated client
# ---------------------------------------------------------------------------------------------
class Walk:
    """Calls operations through the generated client and collects everything wrong with their answers."""

    def __init__(self, generated: Any, openapi: dict, strict: OpenAPI, base_url: str) -> None:
        self.generated, self.strict = generated, strict
        self.components = openapi["components"]["schemas"]
        self.tags = {
            operation["operationId"]: operation["tags"][0]
            for operations in openapi["paths"].values()
            for operation in operations.values()
        }
        self.requests: list[httpx.Request] = []
        self.client = generated.Client(
            base_url=base_url,
            raise_on_unexpected_status=True,
            timeout=httpx.Timeout(120),
            httpx_args={"event_hooks": {"request": [self.requests.append]}},
        )
        self.problem = importlib.import_module(f"{PACKAGE}.models.problem").Problem
        self.optional = OptionalFields(importlib.import_module(f"{PACKAGE}.types").UNSET)
        self.called: dict[str, int] = defaultdict(int)
        self.errors: list[str] = []

    def enum(self, module: str, name: str) -> type:
        return getattr(importlib.import_module(f"{PACKAGE}.models.{module}"), name)

    def call(self, operation_id: str, expect: int = 200, **kwargs: Any) -> Any:
        """One call; notes what is wrong with its answer and returns the answer as the generated client parsed it."""
        function = importlib.import_module(f"{PACKAGE}.api.{self.tags[operation_id]}.{operation_id}")
        answer = function.sync_detailed(client=self.client, **kwargs)
        request = self.requests[-1]
        label = f"{operation_id} {request.url.raw_path.decode()}"
        self.called[operation_id] += 1
        errors = []
        if answer.status_code != expect:
            errors.append(f"status {answer.status_code}, expected {expect}: {answer.content[:300]!r}")
        content_type = answer.headers.get("Content-Type", "")
        parsed = answer.parsed
        if parsed is None:
            errors.append("the generated client parsed nothing")
        elif isinstance(parsed, self.problem) != (expect >= 400):
            errors.append(f"parsed as {type(parsed).__name__}")
        else:
            received, made = json.loads(answer.content), parsed.to_dict()
            if not same_json(made, received):
                errors.append(f"to_dict() differs from the JSON received: {first_difference(made, received)}")
            errors += undeclared_fields(parsed, self.components)
            errors += empty_texts(received)
            self.optional.record(parsed)
        errors += response_errors(self.strict, str(request.url), answer.status_code, content_type, answer.content)
        self.errors += [f"{label}: {error}" for error in errors]
        return parsed

    def pages(self, operation_id: str, **kwargs: Any) -> list[Any]:
        """Every record of a list, page by page (page numbers or cursors, as the answer says)."""
        records, follow = [], {}
        while True:
            page = self.call(operation_id, page_size=200, **kwargs, **follow)
            if page is None or isinstance(page, self.problem):
                return records
            records += page.results
            cursor = getattr(page, "next_cursor", None)
            next_page = getattr(page, "next_page", None)
            if cursor:
                follow = {"cursor": cursor}
            elif next_page:
                follow = {"page": next_page}
            else:
                return records


def same_json(made: Any, received: Any) -> bool:
    """Equal JSON, except that a date-time may spell UTC "Z" on one side and "+00:00" on the other (the server writes
    "Z", the generated models' `isoformat()` "+00:00": the same instant in the same offset)."""
    if isinstance(made, dict) and isinstance(received, dict):
        return made.keys() == received.keys() and all(same_json(made[key], received[key]) for key in made)
    if isinstance(made, list) and isinstance(received, list):
        return len(made) == len(received) and all(map(same_json, made, received))
    if isinstance(made, str) and isinstance(received, str) and made != received:
        return made.endswith("+00:00") and received.endswith("Z") and made.removesuffix("+00:00") == received[:-1]
    return type(made) is type(received) and made == received


def first_difference(made: Any, received: Any, where: str = "") -> str:
    if isinstance(made, dict) and isinstance(received, dict):
        for key in sorted(set(made) | set(received)):
            if key not in made or key not in received:
                return f"{where}/{key}: only in {'the JSON' if key in received else 'to_dict()'}"
            if not same_json(made[key], received[key]):
                return first_difference(made[key], received[key], f"{where}/{key}")
    if isinstance(made, list) and isinstance(received, list) and len(made) == len(received):
        for index, (one, other) in enumerate(zip(made, received, strict=True)):
            if not same_json(one, other):
                return first_difference(one, other, f"{where}/{index}")
    return f"{where or '(body)'}: {made!r} != {received!r}"[:300]


def covering_sample(records: list[Any]) -> list[Any]:
    """Records to open one by one: for each field, the first record where it is null, empty or false and the first
    where it is not (when the list has both), so that each shape a detail can take is seen. Every record is already
    checked in its list (the same schema); opening all of them would only repeat that."""
    sample: dict[int, Any] = {}
    seen: set[tuple[str, bool]] = set()
    for index, record in enumerate(records):
        for name, value in record.to_dict().items():
            if (name, not value) not in seen:
                seen.add((name, not value))
                sample[index] = record
    return list(sample.values())


# Each list with its detail operation and the field of a listed record that is the detail's path parameter.
RESOURCES = {
    "drugs": "slug",
    "products": "slug",
    "approvals": "id",
    "diagnostics": "slug",
    "labels": "id",
    "warnings": "id",
    "events": "id",
    "trials": "identifier",
    "outcomes": "id",
    "references": "pmid",
}
SEARCHES = ["trastuzumab", "DS8201", "DESTINY-Breast03", "HER2-low", "trastuzamab", "deruxtecan interstitial lung"]


@pytest.fixture
def curated_with_releases(transactional_db, settings, tmp_path) -> None:
    """The curated dataset, and two published releases of it (the second with a changed record)."""
    settings.RELEASES_DIR = tmp_path / "releases"
    load_dataset()
    release_publish(published_by="eddie-editor")
    drug = Drug.objects.order_by("slug").first()
    drug.notes = f"{drug.notes} (changed for the second release)".strip()
    drug.save()
    release_publish(published_by="eddie-editor")


def walk_every_operation(walk: Walk) -> None:
    for resource, key in RESOURCES.items():
        records = walk.pages(f"{resource}_list")
        assert records, f"/api/v1/{resource}/ is empty: nothing to check"
        for record in covering_sample(records):
            walk.call(f"{resource}_retrieve", **{key: str(getattr(record, key))})
        # The errors a client handles are described too: an unknown record and an unknown parameter value.
        walk.call(f"{resource}_retrieve", expect=404, **{key: "99999999" if key in ("id", "pmid") else "no-such"})
        walk.call(f"{resource}_list", expect=400, page_size=100000)
    assert walk.pages("evidence_list")
    for query in SEARCHES:
        walk.call("search_retrieve", q=query)
    walk.call("search_retrieve", expect=400, q="trastuzumab", limit=100000)
    tumours = walk.enum("landscape_retrieve_tumour", "LandscapeRetrieveTumour")
    her2s = walk.enum("landscape_retrieve_her_2", "LandscapeRetrieveHer2")
    settings = walk.enum("landscape_retrieve_setting", "LandscapeRetrieveSetting")
    for tumour in tumours:
        for her2 in her2s:
            walk.call("landscape_retrieve", tumour=tumour, her2=her2)
    for setting in settings:
        walk.call("landscape_retrieve", tumour=tumours("breast"), her2=her2s("positive"), setting=setting)
    walk.call("export_retrieve")
    walk.call("releases_retrieve")
    walk.call("releases_latest_retrieve")


def test_every_operation_answers_what_the_generated_client_and_a_strict_validator_expect(
    live_server, curated_with_releases, generated, openapi, strict
):
    walk = Walk(generated, openapi, strict, live_server.url)
    walk_every_operation(walk)
    assert set(walk.called) == set(walk.tags), "an operation of the schema was not called"
    problems = walk.errors + walk.optional.always_present()
    assert not problems, f"{len(problems)} errors, {summary(problems)}"


def summary(problems: list[str]) -> str:
    """The errors grouped by kind (numbers and slugs in URLs and paths left out), each with its count and an example."""
    kinds: dict[str, list[str]] = defaultdict(list)
    for problem in problems:
        operation, _url, error = problem.split(" ", 2)
        kinds[f"{operation} {re.sub(r'/[0-9]+(?=/|:)', '/N', error)[:200]}"].append(problem)
    lines = [f"{len(examples)} x {kind}\n      e.g. {examples[0][:400]}" for kind, examples in kinds.items()]
    return f"{len(kinds)} kinds:\n" + "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Controls: the checks can fail
# ---------------------------------------------------------------------------------------------
@pytest.fixture
def drug_answer(db) -> dict:
    from testing.api_data import make_linked_dataset

    drug = make_linked_dataset(1).drugs[0]
    response = APIClient().get(f"/api/v1/drugs/{drug.slug}/")
    assert response.status_code == 200
    return response.json()


def _drug_errors(strict: OpenAPI, body: dict) -> list[str]:
    url = f"http://testserver/api/v1/drugs/{body['slug']}/"
    return response_errors(strict, url, 200, "application/json", json.dumps(body).encode())


def test_the_strict_validator_passes_a_real_answer(strict, drug_answer):
    assert _drug_errors(strict, drug_answer) == []


def test_the_strict_validator_reports_a_wrong_type(strict, drug_answer):
    assert _drug_errors(strict, {**drug_answer, "name": 42}) == ["name: 42 is not of type 'string'"]


def test_the_strict_validator_reports_null_where_the_schema_does_not_allow_it(strict, drug_answer):
    errors = _drug_errors(strict, {**drug_answer, "name": None})
    assert errors == ["name: None is not of type 'string'"]


def test_the_strict_validator_reports_a_missing_required_field(strict, drug_answer):
    without_name = {key: value for key, value in drug_answer.items() if key != "name"}
    assert _drug_errors(strict, without_name) == ["(body): 'name' is a required property"]


def test_the_strict_validator_reports_an_undeclared_field(strict, drug_answer):
    errors = _drug_errors(strict, {**drug_answer, "price": "1 USD"})
    assert len(errors) == 1 and "'price' was unexpected" in errors[0]


def test_the_strict_validator_reports_a_value_outside_the_enumeration(strict, drug_answer):
    errors = _drug_errors(strict, {**drug_answer, "drug_class": "vaccine"})
    assert len(errors) == 1 and errors[0].startswith("drug_class: 'vaccine' is not")


def test_the_generated_model_reports_an_undeclared_field(generated, openapi, drug_answer):
    drug = importlib.import_module(f"{PACKAGE}.models.drug").Drug.from_dict({**drug_answer, "price": "1 USD"})
    assert undeclared_fields(drug, openapi["components"]["schemas"]) == ["/price: not in the Drug schema"]


def test_an_optional_field_present_in_every_answer_is_reported(generated):
    entry = importlib.import_module(f"{PACKAGE}.models.changelog_entry").ChangelogEntry
    optional = OptionalFields(importlib.import_module(f"{PACKAGE}.types").UNSET)
    changed = {"kind": "drugs", "key": "a-drug", "path": "drugs/a-drug.yaml", "fields": ["notes"]}
    optional.record([entry.from_dict(changed)])
    assert optional.always_present() == ["ChangelogEntry.fields is in all 1 answers but not required"]
    optional.record([entry.from_dict({key: value for key, value in changed.items() if key != "fields"})])
    assert optional.always_present() == []


def test_the_schema_generates_without_a_warning(tmp_path):
    """drf-spectacular warns where it has to guess a type (a method field without a type hint, say): it guesses a
    string, which a strict client then rejects. Its own validation of the schema passes too."""
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert yaml.safe_load((tmp_path / "schema.yaml").read_text(encoding="utf-8"))["paths"]


def test_the_strict_validator_reports_a_malformed_date_time_and_link(strict, drug_answer):
    errors = _drug_errors(strict, {**drug_answer, "updated_at": "yesterday", "url": "not a link"})
    assert sorted(errors) == ["updated_at: 'yesterday' is not a 'date-time'", "url: 'not a link' is not a 'uri'"]
