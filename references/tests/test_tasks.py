"""The Celery tasks (run eagerly here), the nightly schedule, and the admin screens that enqueue syncs."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.urls import reverse

from her2kb.cache import bump_data_version
from her2kb.choices import SyncTrigger
from references.models import Reference, SyncRun
from references.tasks import resync_stale_references, sync_references

from .factories import ReferenceFactory

pytestmark = pytest.mark.django_db


def test_sync_references_task_returns_its_sync_run(pubmed_settings):
    run_id = sync_references.delay(["800001", "800002"]).get()
    run = SyncRun.objects.get(pk=run_id)
    assert (run.created, run.trigger) == (2, SyncTrigger.TASK)


def test_eager_task_leaves_failures_to_the_next_stale_run(pubmed_settings, fake_eutils):
    fake_eutils.add_fault(*["500"] * 4)
    run = SyncRun.objects.get(pk=sync_references.delay(["800001"]).get())
    assert (run.failed, run.retries) == (1, 3)
    assert len(fake_eutils.efetch_requests()) == 4  # no task-level retry storm in eager mode


def test_nightly_task_resyncs_only_stale_references_and_flags_retractions(pubmed_settings, fake_eutils):
    sync_references.delay(["800001", "800002", "800003"]).get()
    Reference.objects.filter(pmid__in=["800001", "800002"]).update(
        last_synced_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    )
    fake_eutils.retract("800002")
    run = SyncRun.objects.get(pk=resync_stale_references.delay().get())
    assert (run.trigger, run.requested, run.unchanged, run.updated) == (SyncTrigger.NIGHTLY, 2, 1, 1)
    assert run.retracted_pmids == ["800002"]
    assert Reference.objects.get(pmid="800002").is_retracted


def test_nightly_schedule_runs_the_stale_resync():
    entry = settings.CELERY_BEAT_SCHEDULE["references-resync-stale-from-pubmed"]
    assert entry["task"] == resync_stale_references.name


# ---------------------------------------------------------------------------------------------
# Admin
# ---------------------------------------------------------------------------------------------
def without_cache_invalidation(callbacks: list) -> list:
    """The on-commit callbacks other than the cache's data-version bump, which every curated write registers."""
    return [callback for callback in callbacks if callback is not bump_data_version]


def test_adding_a_reference_by_pmid_alone_fetches_it_after_commit(
    pubmed_settings, admin_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = admin_client.post(reverse("admin:references_reference_add"), {"pmid": "800042", **empty_json()})
        assert response.status_code == 302, response.content[:2000]
        # Nothing is fetched inside the transaction that creates the row.
        assert Reference.objects.get(pmid="800042").title == ""
    syncs = without_cache_invalidation(callbacks)
    assert len(syncs) == 1
    syncs[0]()
    reference = Reference.objects.get(pmid="800042")
    assert reference.title == "Synthetic test record 800042 for the her2kb sync tests."
    assert SyncRun.objects.get().trigger == SyncTrigger.ADMIN


def test_adding_a_reference_with_its_metadata_does_not_enqueue(
    pubmed_settings, admin_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        data = {"pmid": "800043", "title": "Typed in by a curator (test)", **empty_json()}
        assert admin_client.post(reverse("admin:references_reference_add"), data).status_code == 302
    assert without_cache_invalidation(callbacks) == []


def test_admin_action_resyncs_the_selected_references(
    pubmed_settings, admin_client, django_capture_on_commit_callbacks
):
    references = [ReferenceFactory(pmid=pmid, title="Stale title") for pmid in ("800050", "800051")]
    ReferenceFactory(pmid="800052", title="Not selected")
    data = {"action": "resync_from_pubmed", "_selected_action": [r.pk for r in references]}
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("admin:references_reference_changelist"), data, follow=True)
    assert "Queued 2 reference(s)" in response.content.decode()
    run = SyncRun.objects.get()
    assert (run.requested, run.updated, run.trigger) == (2, 2, SyncTrigger.ADMIN)
    assert Reference.objects.get(pmid="800052").title == "Not selected"


def test_sync_runs_are_listed_read_only_in_the_admin(pubmed_settings, admin_client):
    sync_references.delay(["800001"]).get()
    response = admin_client.get(reverse("admin:references_syncrun_changelist"))
    assert response.status_code == 200
    assert "PubMed sync runs" in response.content.decode()
    run = SyncRun.objects.get()
    detail = admin_client.get(reverse("admin:references_syncrun_change", args=[run.pk]))
    assert detail.status_code == 200
    assert admin_client.get(reverse("admin:references_syncrun_add")).status_code == 403


def test_curators_may_view_sync_runs():
    from django.contrib.auth.models import Group

    codenames = set(Group.objects.get(name="Curators").permissions.values_list("codename", flat=True))
    assert "view_syncrun" in codenames
    assert not {"add_syncrun", "change_syncrun", "delete_syncrun"} & codenames


def empty_json() -> dict[str, str]:
    """The admin form posts JSON fields as text; empty lists are what a curator leaves untouched."""
    names = ["authors", "publication_types", "mesh_terms", "retraction_notice_pmids", "erratum_pmids", "sources"]
    return dict.fromkeys(names, "[]")
