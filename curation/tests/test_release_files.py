"""A release as open data, the way a researcher unpacks it: tidy tables with link tables, a data dictionary, a JSON
Schema the records satisfy, licence, citation file, checksums and known gaps — and the documented load works on a
fresh database."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import pytest
import yaml
from django.conf import settings
from rest_framework.test import APIClient

from curation.releases import release_publish
from drugs.tests.factories import ApprovalFactory, LabelFactory, LabelWarningFactory
from references.tests.factories import ReferenceFactory
from trials.choices import DrugRole
from trials.tests.factories import OutcomeFactory, TrialDrugFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def releases_dir(settings, tmp_path):
    settings.RELEASES_DIR = tmp_path / "releases"
    return settings.RELEASES_DIR


@pytest.fixture
def dataset():
    """An approval with a pivotal trial (two drugs in two roles, an outcome citing a reference; an arm whose name
    holds "; "), and a label with a warning."""
    reference = ReferenceFactory(pmid="31000001")
    approval = ApprovalFactory(no_pivotal_trial_reason="")
    approval.references.add(reference)
    outcome = OutcomeFactory(experimental_arm="drug; then maintenance")
    outcome.references.add(reference)
    trial = outcome.trial
    trial.arms = ["Arm A: drug; then maintenance", "Arm B: placebo"]
    trial.save()
    TrialDrugFactory(trial=trial, drug=approval.drug, role=DrugRole.EXPERIMENTAL)
    TrialDrugFactory(trial=trial, role=DrugRole.COMPARATOR)
    approval.pivotal_trials.add(trial)
    LabelWarningFactory(label=LabelFactory(drug=approval.drug))
    return {"approval": approval, "trial": trial, "reference": reference}


def _archive(release) -> dict[str, bytes]:
    root = f"her2kb-{release.version}/"
    with zipfile.ZipFile(release.archive_path) as archive:
        return {name.removeprefix(root): archive.read(name) for name in archive.namelist()}


def _table(files: dict[str, bytes], name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(files[f"tables/{name}.csv"].decode("utf-8"))))


def test_a_release_ships_one_table_per_kind_and_the_link_tables(dataset):
    files = _archive(release_publish())
    for kind in ("references", "targets", "drugs", "trials", "approvals", "labels", "events", "outcomes"):
        assert f"tables/{kind}.csv" in files
    trial_key = dataset["trial"].nct_id
    roles = {(row["trial"], row["drug"], row["role"]) for row in _table(files, "trial_drugs")}
    assert (trial_key, dataset["approval"].drug.slug, "experimental") in roles
    assert len([role for role in roles if role[2] == "comparator"]) == 1
    pivotal = _table(files, "approval_pivotal_trials")
    assert [row["trial"] for row in pivotal] == [trial_key]
    citing = {(row["kind"], row["pmid"]) for row in _table(files, "record_references")}
    assert {("approvals", "31000001"), ("outcomes", "31000001")} <= citing
    assert _table(files, "label_warnings")[0]["label"]


def test_tables_keep_lists_whole_booleans_readable_and_no_database_ids(dataset):
    files = _archive(release_publish())
    trial = next(row for row in _table(files, "trials") if row["key"] == dataset["trial"].nct_id)
    assert json.loads(trial["arms"]) == ["Arm A: drug; then maintenance", "Arm B: placebo"]
    outcome = _table(files, "outcomes")[0]
    assert outcome["is_primary"] == "true"
    assert outcome["experimental_arm"] == "drug; then maintenance"
    for name in files:
        if name.startswith("tables/"):
            header = files[name].decode().splitlines()[0].split(",")
            assert "id" not in header, name


def test_the_data_dictionary_describes_every_column_of_every_table(dataset):
    files = _archive(release_publish())
    dictionary = list(csv.DictReader(io.StringIO(files["data-dictionary.csv"].decode())))
    described = {(row["table"], row["column"]) for row in dictionary}
    for name in (name for name in files if name.startswith("tables/")):
        header = files[name].decode().splitlines()[0].split(",")
        assert {(name, column) for column in header} <= described
    by_column = {(row["table"], row["column"]): row for row in dictionary}
    assert by_column[("tables/outcomes.csv", "is_primary")]["type"] == "boolean"
    assert by_column[("tables/approvals.csv", "date")]["type"] == "date"
    assert by_column[("tables/approvals.csv", "agency")]["meaning"]


def test_every_record_satisfies_the_release_json_schema(dataset):
    files = _archive(release_publish())
    schema = json.loads(files["her2kb.schema.json"])
    jsonschema.Draft202012Validator.check_schema(schema)
    records = [(name, yaml.safe_load(text)) for name, text in files.items() if name.endswith(".yaml")]
    assert records
    for name, record in records:
        kind = name.split("/")[1]
        # Dates in YAML are dates; in JSON they are the same text.
        as_json = json.loads(json.dumps(record, default=str))
        jsonschema.Draft202012Validator({"$ref": f"#/$defs/{kind}", "$defs": schema["$defs"]}).validate(as_json)
    assert "FDA" in schema["$defs"]["approvals"]["properties"]["agency"]["enum"]


def test_licence_citation_checksums_and_known_gaps_are_in_the_release(dataset):
    files = _archive(release_publish())
    assert "Creative Commons Attribution 4.0" in files["LICENSE"].decode()
    citation = yaml.safe_load(files["CITATION.cff"])
    assert citation["cff-version"] == "1.2.0" and citation["license"] == "CC-BY-4.0"
    sums = dict(line.split("  ", 1)[::-1] for line in files["SHA256SUMS"].decode().splitlines())
    assert set(sums) == set(files) - {"SHA256SUMS"}
    for name, digest in sums.items():
        assert hashlib.sha256(files[name]).hexdigest() == digest, name
    gaps = {name for name in files if name.startswith("data/missing/")}
    assert gaps == {f"data/missing/{path.name}" for path in (settings.BASE_DIR / "data" / "missing").glob("*.md")}
    assert "load_her2kb --data-dir" in files["README.md"].decode()


def test_the_api_lists_every_release_with_its_manifest(dataset):
    first = release_publish(version="1.0")
    ReferenceFactory()
    second = release_publish(version="1.1")
    body = APIClient().get("/api/v1/releases/").json()
    assert body["count"] == 2
    assert [release["version"] for release in body["results"]] == [second.version, first.version]
    latest = body["results"][0]
    assert latest["manifest"]["archive"]["sha256"] == second.sha256
    assert latest["manifest"]["previous_version"] == "1.0"
    assert latest["manifest_url"].endswith("/releases/1.1/manifest.json")


def test_no_release_yet_is_a_problem():
    response = APIClient().get("/api/v1/releases/latest/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert APIClient().get("/api/v1/releases/").json() == {"count": 0, "results": []}


def test_the_documented_load_of_an_unzipped_release_works_on_a_fresh_database(dataset, tmp_path):
    release = release_publish()
    with zipfile.ZipFile(release.archive_path) as archive:
        archive.extractall(tmp_path / "unzipped")
    readme = (tmp_path / "unzipped" / f"her2kb-{release.version}" / "README.md").read_text()
    command = next(line for line in readme.splitlines() if line.startswith("python manage.py load_her2kb"))
    # A database that has never been migrated, as on a fresh clone (SQLite: no server needed).
    environment = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL")} | {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
        "DEBUG": "1",
    }
    arguments = command.split()[1:]
    arguments[-1] = str(tmp_path / "unzipped" / arguments[-1])
    finished = subprocess.run(
        [sys.executable, *arguments],
        cwd=Path(settings.BASE_DIR),
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert "Applying the database migrations first." in finished.stdout
    assert "Dataset loaded." in finished.stdout
    again = subprocess.run(
        [sys.executable, *arguments], cwd=Path(settings.BASE_DIR), env=environment, capture_output=True, text=True
    )
    assert again.returncode == 0 and "Dataset already up to date." in again.stdout
