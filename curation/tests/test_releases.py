"""Dataset releases: the export is loadable, checksummed and versioned, and its changelog says what changed."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest
import yaml
from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command
from django.test import Client

from curation.dataset import dataset_records, dump_record, load_dataset
from curation.releases import ReleaseError, extract_release_data, latest_release, list_releases, release_publish
from drugs.models import Approval, Drug
from drugs.tests.factories import (
    ApprovalFactory,
    CompanionDiagnosticFactory,
    DrugFactory,
    LabelFactory,
    LabelWarningFactory,
)
from references.models import Reference
from references.tests.factories import ReferenceFactory
from trials.models import Outcome, Trial, TrialDrug
from trials.tests.factories import OutcomeFactory, TrialDrugFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def releases_dir(settings, tmp_path):
    settings.RELEASES_DIR = tmp_path / "releases"
    return settings.RELEASES_DIR


@pytest.fixture
def dataset() -> Approval:
    """A small, complete dataset: a drug with an approval citing a reference, a trial with drug and outcome."""
    reference = ReferenceFactory()
    approval = ApprovalFactory(no_pivotal_trial_reason="test record")
    approval.references.add(reference)
    outcome = OutcomeFactory()
    outcome.references.add(reference)
    TrialDrugFactory(trial=outcome.trial, drug=approval.drug)
    approval.pivotal_trials.add(outcome.trial)
    return approval


def test_a_release_holds_the_dataset_with_a_verifiable_checksum(dataset, releases_dir):
    release = release_publish(published_by="eddie")
    assert release.path == releases_dir / release.version
    manifest = json.loads((release.path / "manifest.json").read_text())
    assert manifest["version"] == release.version and manifest["published_by"] == "eddie"
    assert manifest["archive"]["sha256"] == hashlib.sha256(release.archive_path.read_bytes()).hexdigest()
    assert manifest["counts"] == {
        "references": 1,
        "targets": 4,  # the receptors the migrations create
        "drugs": 1,
        "products": 0,
        "diagnostics": 0,
        "trials": 1,
        "approvals": 1,
        "labels": 0,
        "events": 0,
        "outcomes": 1,
        "warnings": 0,
    }
    with zipfile.ZipFile(release.archive_path) as archive:
        names = archive.namelist()
        root = f"her2kb-{release.version}"
        assert f"{root}/CHANGELOG.md" in names and f"{root}/release.json" in names
        assert f"{root}/data/drugs/{dataset.drug.slug}.yaml" in names
    # The archive's records are exactly what export_her2kb would write.
    exported = {relative: yaml.safe_load(dump_record(record)) for relative, record in dataset_records().items()}
    assert release.files() == exported


def test_release_export_then_load_round_trip(dataset, tmp_path):
    before = dataset_records()
    release = release_publish()
    # An empty database, then the release loaded into it: the same dataset comes back.
    Approval.objects.all().delete()
    Outcome.objects.all().delete()
    TrialDrug.objects.all().delete()
    Trial.objects.all().delete()
    Drug.objects.all().delete()
    Reference.objects.all().delete()
    report = load_dataset(extract_release_data(release, tmp_path / "unpacked"))
    assert report.counts["approvals"]["created"] == 1 and report.counts["outcomes"]["created"] == 1
    assert dataset_records() == before


def test_changelog_lists_records_added_changed_and_removed_since_the_previous_release(dataset):
    first = release_publish()
    # Outcomes live in their trial; the four targets are the receptors the migrations create.
    assert first.changelog["changed"] == [] and len(first.changelog["added"]) == 4 + 4
    removed = ReferenceFactory(pmid="10000999")
    second = release_publish()
    assert [entry["key"] for entry in second.changelog["added"]] == ["10000999"]

    # The known edit: an approval's indication note and its references; a new drug; a reference removed.
    new_reference = ReferenceFactory(pmid="10000998")
    dataset.notes = "Checked against the label"
    dataset.save()
    dataset.references.add(new_reference)
    DrugFactory(slug="newmab", name="newmab")
    removed.delete()
    third = release_publish()

    changelog = third.changelog
    assert third.manifest["previous_version"] == second.version
    assert [(entry["kind"], entry["key"]) for entry in changelog["added"]] == [
        ("drugs", "newmab"),
        ("references", "10000998"),
    ]
    assert [(entry["kind"], entry["fields"]) for entry in changelog["changed"]] == [
        ("approvals", ["notes", "references"])
    ]
    assert changelog["changed"][0]["key"].startswith(f"{dataset.drug.slug} FDA {dataset.date.isoformat()}: ")
    assert [(entry["kind"], entry["key"]) for entry in changelog["removed"]] == [("references", "10000999")]
    with zipfile.ZipFile(third.archive_path) as archive:
        text = archive.read(f"her2kb-{third.version}/CHANGELOG.md").decode()
    assert f"Changes since {second.version}." in text and "- references: 10000999" in text


def test_versions_are_dated_unique_and_checked(dataset, releases_dir):
    first = release_publish(allow_unchanged=True)
    second = release_publish(allow_unchanged=True)
    assert second.version == f"{first.version}.2"
    assert [release.version for release in list_releases()] == [second.version, first.version]
    with pytest.raises(ReleaseError, match="already exists"):
        release_publish(version=first.version, allow_unchanged=True)
    for bad in ["../escape", "latest", "", "a" * 41]:
        with pytest.raises(ReleaseError, match="not allowed"):
            release_publish(version=bad or " ", allow_unchanged=True)
    with pytest.raises(ReleaseError, match="Nothing changed since release"):
        release_publish()
    assert not any(path.name.startswith(".") for path in releases_dir.iterdir())  # no half-written folders


def test_command_publishes_only_for_editors_and_superusers(dataset):
    curator = User.objects.create_user("carla", password="a-long-test-password")
    curator.groups.add(Group.objects.get(name="Curators"))
    editor = User.objects.create_user("eddie", password="a-long-test-password")
    editor.groups.add(Group.objects.get(name="Editors"))
    with pytest.raises(CommandError, match="may not publish releases"):
        call_command("release_her2kb", user="carla", stdout=io.StringIO())
    assert latest_release() is None
    out = io.StringIO()
    call_command("release_her2kb", user="eddie", release_version="1.0.0", stdout=out)
    assert "Published 1.0.0" in out.getvalue()
    assert latest_release().manifest["published_by"] == "eddie"
    with pytest.raises(CommandError, match="Nothing changed"):
        call_command("release_her2kb", stdout=io.StringIO())


# ---- Downloads ---------------------------------------------------------------------------------------
def test_site_lists_releases_and_serves_the_latest(dataset, django_assert_max_num_queries):
    client = Client()
    assert client.get("/releases/latest/").status_code == 404
    release_publish(version="1.0.0")
    ReferenceFactory(pmid="10000997")
    latest = release_publish(version="1.1.0")

    with django_assert_max_num_queries(0):  # the list reads the release folders, not the database
        page = client.get("/releases/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "1.1.0" in html and "1.0.0" in html and latest.sha256 in html
    assert "references: 10000997" in html

    download = client.get("/releases/latest/")
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    assert b"".join(download.streaming_content) == latest.archive_path.read_bytes()
    assert 'filename="her2kb-1.1.0.zip"' in download["Content-Disposition"]
    assert client.get("/releases/1.0.0/").status_code == 200
    assert json.loads(b"".join(client.get("/releases/1.0.0/manifest.json").streaming_content))["version"] == "1.0.0"
    assert client.get("/releases/9.9.9/").status_code == 404


def test_api_points_to_the_latest_release(dataset):
    client = Client()
    missing = client.get("/api/v1/releases/latest/")
    assert missing.status_code == 404 and missing.json()["detail"] == "No release has been published yet."
    release = release_publish(version="2.0.0")
    body = client.get("/api/v1/releases/latest/").json()
    assert body["version"] == "2.0.0" and body["sha256"] == release.sha256
    assert body["download_url"] == "http://testserver/releases/2.0.0/"
    assert body["counts"]["approvals"] == 1 and len(body["changelog"]["added"]) == 4 + 4  # and the seeded targets
    assert client.post("/api/v1/releases/latest/").status_code == 405


def test_only_editors_see_and_use_the_publish_button_in_the_admin(dataset):
    curator = User.objects.create_user("carla", password="a-long-test-password", is_staff=True)
    curator.groups.add(Group.objects.get(name="Curators"))
    editor = User.objects.create_user("eddie", password="a-long-test-password", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    as_curator, as_editor = Client(), Client()
    as_curator.force_login(curator)
    as_editor.force_login(editor)
    url = "/admin/drugs/drug/publish-release/"

    assert url not in as_curator.get("/admin/drugs/drug/").content.decode()
    assert as_curator.get(url).status_code == 403
    assert as_curator.post(url).status_code == 403
    assert latest_release() is None

    assert url in as_editor.get("/admin/drugs/drug/").content.decode()
    preview = as_editor.get(url)
    assert f"drugs: {dataset.drug.slug}" in preview.content.decode()  # what the release will list as added
    assert as_editor.post(url).status_code == 302
    release = latest_release()
    assert release.manifest["published_by"] == "eddie" and len(release.changelog["added"]) == 4 + 4
    assert "Nothing changed since the latest release." in as_editor.get(url).content.decode()


def test_changelog_names_regulatory_records_by_their_natural_keys(dataset):
    first = release_publish()
    label = LabelFactory(drug=dataset.drug)
    diagnostic = CompanionDiagnosticFactory(slug="test-assay")
    dataset.companion_diagnostics.add(diagnostic)
    second = release_publish()
    added = {(entry["kind"], entry["key"]) for entry in second.changelog["added"]}
    assert added == {("labels", f"{dataset.drug.slug} FDA"), ("diagnostics", "test-assay")}
    [changed] = second.changelog["changed"]
    assert changed["kind"] == "approvals" and changed["fields"] == ["companion_diagnostics"]
    LabelWarningFactory(label=label)
    third = release_publish()
    assert [(e["key"], e["fields"]) for e in third.changelog["changed"]] == [(f"{dataset.drug.slug} FDA", ["warnings"])]
    assert third.counts["warnings"] == 1 and first.counts["labels"] == 0
