"""The curator's workbench: attributed and explained history, diffs and revert, quick entry, validation, roles."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import yaml
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from curation.dataset import DatasetError, load_dataset
from curation.quick_entry import parse_identifiers, references_create_from_identifiers, trial_skeleton_from_nct
from curation.releases import latest_release, release_publish
from drugs.choices import Agency, ApprovalType
from drugs.models import Approval, Drug
from drugs.tests.factories import ApprovalFactory, DrugFactory
from her2kb.tests.admin_forms import change_form_data
from references.models import Reference
from references.tests.factories import ReferenceFactory
from trials.models import Trial
from trials.tests.factories import OutcomeFactory, TrialFactory

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def queued(monkeypatch) -> list[list[str]]:
    """PMID lists handed to the PubMed sync task (recorded instead of calling PubMed)."""
    from references import tasks

    calls: list[list[str]] = []
    monkeypatch.setattr(tasks.sync_references, "delay", lambda pmids, *args: calls.append(list(pmids)))
    return calls


def _edit(client: Client, url: str, **changes) -> tuple[dict, object]:
    """GET an admin change page, apply `changes` to its form data, POST it back."""
    data = change_form_data(client.get(url))
    data.update({name: value for name, value in changes.items()})
    return data, client.post(url, data)


# ---- History: who, when, why ---------------------------------------------------------------------
def test_each_admin_edit_is_recorded_with_its_author_and_reason(curator):
    approval = ApprovalFactory()
    client = _client(curator)
    url = f"/admin/drugs/approval/{approval.pk}/change/"
    _, response = _edit(client, url, notes="Checked against the label", change_reason="Added a note from the label")
    assert response.status_code == 302
    _, response = _edit(client, url, line_of_therapy="after one prior regimen")
    assert response.status_code == 302

    latest, previous = approval.history.all()[:2]
    assert latest.history_user == curator and previous.history_user == curator
    assert previous.history_change_reason == "Added a note from the label"
    # Without a reason, the history names the fields that changed.
    assert latest.history_change_reason == "Changed Line of therapy"


def test_rows_edited_inline_share_the_author_and_reason_of_the_page(curator):
    approval = ApprovalFactory()
    url = f"/admin/drugs/drug/{approval.drug.pk}/change/"
    _, response = _edit(
        _client(curator), url, **{"approvals-0-line_of_therapy": "second line", "change_reason": "Inline fix"}
    )
    assert response.status_code == 302
    record = approval.history.first()
    assert (record.history_user, record.history_change_reason, record.line_of_therapy) == (
        curator,
        "Inline fix",
        "second line",
    )


def test_history_page_shows_a_field_level_diff_including_attached_references(curator):
    approval = ApprovalFactory(indication="Old indication wording")
    reference = ReferenceFactory(title="A trial report")
    client = _client(curator)
    url = f"/admin/drugs/approval/{approval.pk}/change/"
    _edit(client, url, indication="New indication wording", references=[str(reference.pk)], change_reason="Per label")

    html = client.get(f"/admin/drugs/approval/{approval.pk}/history/").content.decode()
    assert "Old indication wording" in html and "New indication wording" in html
    assert f"PMID {reference.pmid}" in html  # the attached reference, by name
    assert "Per label" in html and "carla-curator" in html
    assert "updated at:" not in html.lower()  # bookkeeping timestamps are not shown as changes


def test_diff_against_names_the_changed_field():
    outcome = OutcomeFactory()
    outcome.p_value = "0.002"
    outcome.save()
    newer, older = outcome.history.all()[:2]
    delta = newer.diff_against(older, excluded_fields=["created_at", "updated_at"])
    assert delta.changed_fields == ["p_value"]
    assert (delta.changes[0].old, delta.changes[0].new) == ("<0.001", "0.002")


def test_revert_restores_an_earlier_version_including_its_references(curator):
    first, second = ReferenceFactory(), ReferenceFactory()
    approval = ApprovalFactory(indication="Original wording")
    approval.references.set([first])
    original = approval.history.first()
    client = _client(curator)
    _edit(client, f"/admin/drugs/approval/{approval.pk}/change/", indication="Mistaken wording", references=[second.pk])
    approval.refresh_from_db()
    assert approval.indication == "Mistaken wording"

    revert_url = f"/admin/drugs/approval/{approval.pk}/history/{original.history_id}/"
    page = client.get(revert_url)
    assert page.status_code == 200
    data = change_form_data(page)
    assert data["references"] == [str(first.pk)]  # the version's links, not today's
    assert data["change_reason"].startswith("Reverted to the version of")
    response = client.post(revert_url, data)
    assert response.status_code == 302

    approval.refresh_from_db()
    assert approval.indication == "Original wording"
    assert list(approval.references.all()) == [first]
    reverted = approval.history.filter(history_change_reason__startswith="Reverted").first()
    assert reverted is not None and reverted.history_user == curator


# ---- Quick entry -----------------------------------------------------------------------------------
def test_parse_identifiers_reads_pmids_dois_and_their_link_forms():
    parsed = parse_identifiers(
        "10000001, PMID: 10000002\nhttps://pubmed.ncbi.nlm.nih.gov/10000003/ 10000001 "
        "doi:10.1000/test.a https://doi.org/10.1000/TEST.A 0123 not-an-id NCT00000001"
    )
    assert parsed.pmids == ["10000001", "10000002", "10000003"]
    assert parsed.dois == ["10.1000/test.a"]  # DOIs are case-insensitive: one entry
    assert parsed.invalid == ["0123", "not-an-id", "NCT00000001"]


def test_quick_entry_creates_reuses_and_hands_back_the_rest(curator, queued, django_capture_on_commit_callbacks):
    existing = ReferenceFactory(pmid="10000050", doi="10.1000/known", last_synced_at=timezone.now())
    client = _client(curator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/references/reference/quick-entry/",
            {"identifiers": "10000051 10000052\n10000050 10.1000/KNOWN 10.1000/unknown 12AB 10000051"},
        )
    assert response.status_code == 200
    result = response.context["result"]
    assert [reference.pmid for reference in result.created] == ["10000051", "10000052"]
    assert result.existing == [existing]
    assert result.invalid == ["12AB"]
    assert result.needs_pmid == ["10.1000/unknown"]
    assert Reference.objects.count() == 3  # nothing duplicated
    # Only the new references are fetched from PubMed, once the transaction has committed.
    assert queued == [["10000051", "10000052"]]
    # What still needs the curator's attention is kept in the box.
    assert response.context["form"].initial["identifiers"] == "12AB\n10.1000/unknown"
    created = Reference.objects.get(pmid="10000051").history.first()
    assert created.history_user == curator and created.history_change_reason == "Quick entry by identifier"


def test_quick_entry_queues_nothing_when_nothing_is_new(curator, queued, django_capture_on_commit_callbacks):
    ReferenceFactory(pmid="10000060", last_synced_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        result = references_create_from_identifiers(text="10000060 junk", user=curator)
    assert result.created == [] and result.invalid == ["junk"]
    assert queued == []


def test_quick_entry_needs_the_add_permission():
    viewer = User.objects.create_user("viewer", password="a-long-test-password", is_staff=True)
    response = _client(viewer).post("/admin/references/reference/quick-entry/", {"identifiers": "10000070"})
    assert response.status_code == 403
    assert not Reference.objects.exists()


def test_nct_quick_entry_creates_a_skeleton_then_reuses_it(curator):
    client = _client(curator)
    response = client.post(
        "/admin/trials/trial/quick-entry/", {"nct_id": " nct00000077 ", "phase": "phase_2", "acronym": "TEST-77"}
    )
    trial = Trial.objects.get(nct_id="NCT00000077")
    assert response.status_code == 302 and response["Location"] == f"/admin/trials/trial/{trial.pk}/change/"
    assert (trial.slug, trial.acronym, trial.phase) == ("test-77", "TEST-77", "phase_2")
    assert trial.history.first().history_user == curator

    response = client.post("/admin/trials/trial/quick-entry/", {"nct_id": "NCT00000077", "phase": "phase_3"})
    assert response["Location"] == f"/admin/trials/trial/{trial.pk}/change/"
    assert Trial.objects.count() == 1
    trial.refresh_from_db()
    assert trial.phase == "phase_2"  # an existing trial is opened, not overwritten


def test_nct_quick_entry_rejects_a_malformed_number_with_a_message(curator):
    response = _client(curator).post("/admin/trials/trial/quick-entry/", {"nct_id": "NCT1234", "phase": "phase_3"})
    assert response.status_code == 200
    assert "followed by exactly 8 digits" in response.content.decode()
    assert not Trial.objects.exists()


def test_trial_skeleton_takes_the_nct_number_as_slug_when_the_acronym_slug_is_taken():
    TrialFactory(slug="dup", nct_id="NCT00000001")
    trial, created = trial_skeleton_from_nct(nct_id="NCT00000002", phase="phase_3", acronym="DUP", user=None)
    assert created and trial.slug == "nct00000002"


# ---- Validation rules (model clean(): admin forms and the loader alike) ---------------------------
def test_an_approval_date_in_the_future_is_refused():
    approval = ApprovalFactory.build(drug=DrugFactory(), date=timezone.localdate() + datetime.timedelta(days=1))
    with pytest.raises(ValidationError, match="cannot be in the future"):
        approval.full_clean()


def test_a_conversion_to_regular_cannot_precede_the_first_approval_by_the_same_agency():
    first = ApprovalFactory(date=datetime.date(2020, 6, 1), approval_type=ApprovalType.ACCELERATED)
    conversion = ApprovalFactory.build(
        drug=first.drug, date=datetime.date(2020, 1, 1), approval_type=ApprovalType.CONVERSION_TO_REGULAR
    )
    with pytest.raises(ValidationError, match="cannot be dated before the drug's first US FDA approval"):
        conversion.full_clean()
    # Another agency's earlier date is no conflict, and a later conversion is fine.
    ApprovalFactory.build(
        drug=first.drug, agency=Agency.EMA, date=datetime.date(2020, 1, 1), approval_type="conversion_to_regular"
    ).full_clean()
    conversion.date = datetime.date(2021, 1, 1)
    conversion.full_clean()


def test_moving_the_first_approval_after_its_conversion_is_refused():
    first = ApprovalFactory(date=datetime.date(2020, 6, 1), approval_type=ApprovalType.ACCELERATED)
    ApprovalFactory(drug=first.drug, date=datetime.date(2021, 6, 1), approval_type=ApprovalType.CONVERSION_TO_REGULAR)
    first.date = datetime.date(2022, 1, 1)
    with pytest.raises(ValidationError, match="would come after its conversion"):
        first.full_clean()


def test_sources_must_be_web_addresses():
    approval = ApprovalFactory.build(drug=DrugFactory(), sources=["FDA press release"])
    with pytest.raises(ValidationError, match="is not a web address"):
        approval.full_clean()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("drugbank_id", "DB123", "DrugBank ID"),
        ("chembl_id", "CHEMBLX", "ChEMBL ID"),
        ("unii", "short", "UNII"),
        ("ncit_code", "X123", "NCI Thesaurus code"),
    ],
)
def test_drug_identifiers_must_have_their_database_format(field, value, message):
    drug = DrugFactory.build(**{field: value})
    with pytest.raises(ValidationError, match=message) as error:
        drug.full_clean()
    assert field in error.value.message_dict


def test_outcome_hazard_ratio_outside_its_ci_names_the_numbers():
    outcome = OutcomeFactory.build(trial=TrialFactory(), hazard_ratio=Decimal("0.9"))
    with pytest.raises(ValidationError) as error:
        outcome.full_clean()
    assert "(0.9) lies outside its 95% CI (0.45–0.67)" in error.value.message_dict["hazard_ratio"][0]


def test_outcome_ci_lower_must_be_below_upper():
    outcome = OutcomeFactory.build(
        trial=TrialFactory(), hazard_ratio=Decimal("0.5"), ci_lower=Decimal("0.6"), ci_upper=Decimal("0.4")
    )
    with pytest.raises(ValidationError) as error:
        outcome.full_clean()
    assert "must be below the upper bound" in error.value.message_dict["ci_lower"][0]


def test_the_loader_applies_the_same_rules(tmp_path):
    (tmp_path / "drugs").mkdir()
    (tmp_path / "approvals" / "testmab").mkdir(parents=True)
    (tmp_path / "drugs" / "testmab.yaml").write_text(
        yaml.safe_dump({"slug": "testmab", "name": "testmab", "drug_class": "monoclonal_antibody"})
    )
    common = {
        "drug": "testmab",
        "agency": "FDA",
        "tumour_type": "breast",
        "setting": "metastatic",
        "sources": ["https://example.org/a"],
        "no_pivotal_trial_reason": "test",
    }
    (tmp_path / "approvals" / "testmab" / "fda-2020-01-01-breast.yaml").write_text(
        yaml.safe_dump(
            {**common, "date": "2020-01-01", "indication": "conversion", "approval_type": "conversion_to_regular"}
        )
    )
    (tmp_path / "approvals" / "testmab" / "fda-2021-01-01-breast.yaml").write_text(
        yaml.safe_dump({**common, "date": "2021-01-01", "indication": "first", "approval_type": "accelerated"})
    )
    with pytest.raises(DatasetError, match="would come after its conversion"):
        load_dataset(tmp_path)
    assert not Drug.objects.exists()  # nothing half-written


# ---- Roles -------------------------------------------------------------------------------------------
def test_curator_cannot_delete_but_editor_can(curator, editor):
    approval = ApprovalFactory()
    url = f"/admin/drugs/approval/{approval.pk}/delete/"
    assert _client(curator).post(url, {"post": "yes"}).status_code == 403
    assert Approval.objects.filter(pk=approval.pk).exists()
    assert _client(editor).post(url, {"post": "yes"}).status_code == 302
    assert not Approval.objects.filter(pk=approval.pk).exists()
    deleted = approval.history.first()
    assert deleted.history_type == "-" and deleted.history_user == editor


def test_only_editors_may_publish_releases(curator, editor):
    assert not curator.has_perm("drugs.publish_release")
    assert editor.has_perm("drugs.publish_release")
    assert editor.has_perm("trials.delete_outcome") and editor.has_perm("references.delete_reference")
    assert not editor.has_perm("references.change_syncrun")  # sync runs stay the sync's own


@pytest.mark.parametrize("role", ["curator", "editor"])
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_api_stays_read_only_for_curators_and_editors(request, role, method):
    user = request.getfixturevalue(role)
    drug = DrugFactory()
    client = _client(user)
    url = "/api/v1/drugs/" if method == "post" else f"/api/v1/drugs/{drug.slug}/"
    response = getattr(client, method)(url, {"name": "changed", "slug": "changed"}, content_type="application/json")
    assert response.status_code == 405
    drug.refresh_from_db()
    assert drug.name != "changed" and Drug.objects.count() == 1


def test_anonymous_visitors_read_but_cannot_curate():
    drug = DrugFactory()
    client = Client()
    assert client.get(f"/api/v1/drugs/{drug.slug}/").status_code == 200
    assert client.get("/admin/references/reference/quick-entry/").status_code == 302  # to the login page
    assert client.post("/api/v1/drugs/", {"name": "x"}).status_code == 405


# ---- The whole story ---------------------------------------------------------------------------------
def test_curator_adds_references_by_pmid_attaches_them_and_an_editor_publishes_the_change(
    curator, editor, queued, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.RELEASES_DIR = tmp_path
    approval = ApprovalFactory()
    release_publish(published_by="setup")
    client = _client(curator)

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/admin/references/reference/quick-entry/", {"identifiers": "10000101\n10000102\n10000103"})
    new = Reference.objects.filter(pmid__in=["10000101", "10000102", "10000103"])
    assert new.count() == 3 and queued == [["10000101", "10000102", "10000103"]]
    # Stand in for the PubMed sync, which fills in what the loader requires of a reference (its title).
    for reference in new:
        reference.title = f"Fetched title {reference.pmid}"
        reference.save()

    _, response = _edit(
        client,
        f"/admin/drugs/approval/{approval.pk}/change/",
        references=[str(reference.pk) for reference in new],
        change_reason="Cite the pivotal publications",
    )
    assert response.status_code == 302
    history = client.get(f"/admin/drugs/approval/{approval.pk}/history/").content.decode()
    assert "carla-curator" in history and "Cite the pivotal publications" in history
    assert all(f"PMID {pmid}" in history for pmid in ["10000101", "10000102", "10000103"])

    release = release_publish(published_by=editor.username)
    changelog = release.changelog
    assert [entry["key"] for entry in changelog["added"]] == ["10000101", "10000102", "10000103"]
    assert [(entry["kind"], entry["fields"]) for entry in changelog["changed"]] == [("approvals", ["references"])]
    assert latest_release().version == release.version
