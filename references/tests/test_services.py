"""references_sync_from_pubmed: batched upserts, curated fields untouched, idempotent, and whole under faults."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from her2kb.cache import data_version
from her2kb.choices import SyncRunStatus, SyncTrigger
from her2kb.tests.fake_upstream import gzip_bomb
from references.choices import SyncStatus
from references.models import Reference, SyncRun
from references.services import references_due_for_sync, references_sync_from_pubmed

from .factories import ReferenceFactory

pytestmark = pytest.mark.django_db


def fake_pmids(count: int, start: int = 800_000) -> list[str]:
    return [str(start + n) for n in range(count)]


def assert_accounted_for(run: SyncRun) -> None:
    """Every requested PMID is counted exactly once; nothing duplicated, nothing lost."""
    assert run.created + run.updated + run.unchanged + run.missing + run.failed == run.requested
    assert Reference.objects.values("pmid").distinct().count() == Reference.objects.count()


def test_sync_creates_references_in_batches_of_200(pubmed_settings, fake_eutils):
    run = references_sync_from_pubmed(pmids=fake_pmids(450), trigger=SyncTrigger.COMMAND)
    assert [len(r.listed("id")) for r in fake_eutils.efetch_requests()] == [200, 200, 50]
    assert (run.created, run.requests_made, run.retries, run.status) == (450, 3, 0, SyncRunStatus.SUCCEEDED)
    assert run.finished_at is not None and run.trigger == SyncTrigger.COMMAND
    reference = Reference.objects.get(pmid="800007")
    assert reference.title == "Synthetic test record 800007 for the her2kb sync tests."
    assert reference.doi == "10.5555/fake.800007"
    assert reference.authors[1] == {"collective_name": "Fake Record Study Group"}
    assert reference.abstract.startswith("BACKGROUND: ")
    assert reference.sync_status == SyncStatus.SYNCED and reference.last_synced_at is not None
    assert str(reference.pubmed_revised_on) == "2021-01-01"
    assert_accounted_for(run)


def test_real_record_fields_are_stored(pubmed_settings):
    references_sync_from_pubmed(pmids=["22663011", "12091962"])
    trial = Reference.objects.get(pmid="22663011")
    assert trial.citation == "Flaherty KT, et al. N Engl J Med. 2012;367(2):107-14."
    assert trial.publication_date_display == "2012 Jul 12"
    assert "Randomized Controlled Trial" in trial.publication_types
    assert "Melanoma/*drug therapy/genetics/mortality" in trial.mesh_terms
    spring = Reference.objects.get(pmid="12091962")
    assert (spring.pub_year, spring.pub_month, spring.pub_date_text) == (1990, None, "1990 Spring")


def test_unchanged_records_are_not_rewritten(pubmed_settings):
    references_sync_from_pubmed(pmids=fake_pmids(3))
    before = {r.pmid: (r.updated_at, r.history.count()) for r in Reference.objects.all()}
    run = references_sync_from_pubmed(pmids=fake_pmids(3))
    assert (run.created, run.updated, run.unchanged) == (0, 0, 3)
    after = {r.pmid: (r.updated_at, r.history.count()) for r in Reference.objects.all()}
    assert after == before  # no new history row, updated_at untouched


def _queries_of_an_unchanged_sync(pmids: list[str]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    references_sync_from_pubmed(pmids=pmids)
    first_synced = dict(Reference.objects.filter(pmid__in=pmids).values_list("pmid", "last_synced_at"))
    with CaptureQueriesContext(connection) as queries:
        run = references_sync_from_pubmed(pmids=pmids)
    assert run.unchanged == len(pmids)
    resynced = dict(Reference.objects.filter(pmid__in=pmids).values_list("pmid", "last_synced_at"))
    assert all(resynced[pmid] > first_synced[pmid] for pmid in pmids)  # the sync state is still written
    return len(queries)


def test_unchanged_records_get_their_sync_state_in_a_few_queries_not_one_each(pubmed_settings):
    few, many = _queries_of_an_unchanged_sync(fake_pmids(10)), _queries_of_an_unchanged_sync(fake_pmids(190, 800_100))
    # 180 more records in the batch: at most a couple more UPDATEs (SQLite caps the parameters of one statement).
    assert many <= few + 2


def test_curated_fields_are_never_overwritten_and_changes_are_recorded(pubmed_settings):
    reference = ReferenceFactory(pmid="800001", title="A curator's provisional title", curator_note="Keep me.")
    reference.sources = ["https://example.org/curated-source"]
    reference.save()
    run = references_sync_from_pubmed(pmids=["800001"])
    reference.refresh_from_db()
    assert run.updated == 1
    assert reference.title == "Synthetic test record 800001 for the her2kb sync tests."
    assert reference.curator_note == "Keep me."
    assert reference.sources == ["https://example.org/curated-source"]
    assert reference.history.first().history_change_reason == "PubMed sync"


def test_a_newly_retracted_paper_is_flagged_once(pubmed_settings, fake_eutils):
    references_sync_from_pubmed(pmids=fake_pmids(3))
    notice = fake_eutils.retract("800001")
    run = references_sync_from_pubmed(pmids=fake_pmids(3))
    assert (run.retractions_found, run.retracted_pmids, run.updated, run.unchanged) == (1, ["800001"], 1, 2)
    retracted = Reference.objects.get(pmid="800001")
    assert retracted.is_retracted is True
    assert retracted.retraction_notice_pmids == [notice]
    assert "Retracted Publication" in retracted.publication_types
    assert list(Reference.objects.retracted().values_list("pmid", flat=True)) == ["800001"]
    again = references_sync_from_pubmed(pmids=fake_pmids(3))
    assert again.retractions_found == 0 and again.unchanged == 3


def test_a_synced_batch_makes_cached_pages_and_answers_stale_even_when_nothing_but_the_check_date_changed(
    pubmed_settings, fake_eutils
):
    # The batch is written in bulk (no model signals): a retraction, and "PubMed checked on", must show at once.
    references_sync_from_pubmed(pmids=fake_pmids(2))
    before_retraction = data_version()
    fake_eutils.retract("800001")
    references_sync_from_pubmed(pmids=fake_pmids(2))
    before_recheck = data_version()
    unchanged = references_sync_from_pubmed(pmids=fake_pmids(2))

    assert unchanged.unchanged == 2
    assert before_retraction != before_recheck != data_version()


def test_missing_pmids_are_recorded_and_never_created(pubmed_settings, fake_eutils):
    existing = ReferenceFactory(pmid="800002", title="Curated title kept when PubMed drops the record")
    fake_eutils.missing = {"800002", "800003"}
    run = references_sync_from_pubmed(pmids=fake_pmids(4))
    assert (run.created, run.missing, run.missing_pmids) == (2, 2, ["800002", "800003"])
    assert run.status == SyncRunStatus.SUCCEEDED
    assert not Reference.objects.filter(pmid="800003").exists()
    existing.refresh_from_db()
    assert existing.sync_status == SyncStatus.MISSING
    assert existing.title == "Curated title kept when PubMed drops the record"
    assert_accounted_for(run)


def test_fault_run_retries_transparently_without_duplicates_or_losses(pubmed_settings, fake_eutils):
    # Faults are consumed one per request ("" = answer normally): one fault hits each of the five batches,
    # two hit the last one, and every batch still lands after its retries.
    fake_eutils.add_fault("429:0", "", "500", "", "slow:1", "", "truncated", "", "reset", "json200")
    pmids = fake_pmids(1000)
    run = references_sync_from_pubmed(pmids=pmids)
    assert (run.created, run.failed, run.status) == (1000, 0, SyncRunStatus.SUCCEEDED)
    assert (run.requests_made, run.retries) == (11, 6)
    assert len(fake_eutils.efetch_requests()) == 11
    assert sorted(Reference.objects.values_list("pmid", flat=True)) == sorted(pmids)
    assert_accounted_for(run)
    # Run it again with faults: still no duplicates, everything unchanged.
    fake_eutils.add_fault("502", "", "503")
    again = references_sync_from_pubmed(pmids=pmids)
    assert (again.unchanged, again.retries) == (1000, 2)
    assert Reference.objects.count() == 1000


def test_a_batch_that_keeps_failing_writes_nothing_and_is_retried_later(pubmed_settings, fake_eutils):
    existing = ReferenceFactory(pmid="800250", title="Curated before the outage")
    pmids = fake_pmids(400)  # two batches; the second fails on every attempt
    fake_eutils.add_fault("", *["truncated"] * 4)
    run = references_sync_from_pubmed(pmids=pmids)
    assert (run.created, run.failed, run.status) == (200, 200, SyncRunStatus.PARTIAL)
    assert run.failed_pmids == pmids[200:]
    assert "failed after 4 attempts" in run.errors[0] and "not well-formed" in run.errors[0]
    assert (run.requests_made, run.retries) == (5, 3)
    assert Reference.objects.count() == 201  # the first batch, plus the untouched curated reference
    existing.refresh_from_db()
    assert existing.title == "Curated before the outage"
    assert existing.sync_status == SyncStatus.FAILED and "not well-formed" in existing.sync_error
    assert existing.last_synced_at is None
    assert "800250" in references_due_for_sync()  # the nightly run picks it up again
    later = references_sync_from_pubmed(pmids=run.failed_pmids)
    assert (later.created, later.updated, later.failed) == (199, 1, 0)
    assert Reference.objects.count() == 400
    assert_accounted_for(run)


def test_a_gzip_bomb_fails_its_batch_cleanly_and_the_next_batch_still_runs(pubmed_settings, fake_eutils):
    pubmed_settings.UPSTREAM_MAX_BODY_BYTES = 2 * 1024 * 1024  # a batch of 200 synthetic records is ~300 KB
    pubmed_settings.UPSTREAM_TIMEOUT_SECONDS = 5.0
    gzip_bomb(64)  # made before the clock runs
    pmids = fake_pmids(400)
    fake_eutils.add_fault("gzip-bomb:64")  # the first batch's answer inflates to 64 MB
    run = references_sync_from_pubmed(pmids=pmids)
    assert (run.created, run.failed, run.status) == (200, 200, SyncRunStatus.PARTIAL)
    assert run.failed_pmids == pmids[:200] and "larger than 2,097,152 bytes" in run.errors[0]
    assert run.requests_made == 2, "the same body would come again: the batch is not retried"
    assert not Reference.objects.filter(pmid__in=pmids[:200]).exists()
    assert_accounted_for(run)


def test_a_record_that_does_not_fit_the_model_fails_alone(pubmed_settings, fake_eutils):
    fake_eutils.add_synthetic(["800001", "800002"])
    fake_eutils.records["800002"] = {**fake_eutils.records["800002"], "doi": "not a doi"}
    run = references_sync_from_pubmed(pmids=["800001", "800002"])
    assert (run.created, run.failed, run.failed_pmids) == (1, 1, ["800002"])
    assert "doi" in run.errors[0]
    assert not Reference.objects.filter(pmid="800002").exists()


def test_invalid_pmids_are_refused_before_anything_happens(pubmed_settings, fake_eutils):
    with pytest.raises(ValidationError, match="'0123', 'abc'"):
        references_sync_from_pubmed(pmids=["800001", "0123", "abc"])
    assert fake_eutils.efetch_requests() == [] and SyncRun.objects.count() == 0


def test_duplicate_pmids_are_fetched_once(pubmed_settings, fake_eutils):
    run = references_sync_from_pubmed(pmids=["800001", " 800001", 800001])
    assert (run.requested, run.created) == (1, 1)
    assert fake_eutils.efetch_requests()[0].listed("id") == ["800001"]


def test_stale_selection_uses_the_configured_age(pubmed_settings):
    references_sync_from_pubmed(pmids=fake_pmids(2))
    never = ReferenceFactory(pmid="800500")
    old = Reference.objects.get(pmid="800000")
    Reference.objects.filter(pk=old.pk).update(last_synced_at=old.last_synced_at - datetime.timedelta(days=31))
    pubmed_settings.PUBMED_RESYNC_AFTER_DAYS = 30
    assert references_due_for_sync() == ["800000", never.pmid]
    assert references_due_for_sync(older_than_days=60) == [never.pmid]


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_workers_syncing_the_same_new_pmids_create_each_once(pubmed_settings):
    from django.db import connection

    if connection.vendor == "sqlite":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so the insert race cannot happen there")
    pmids = fake_pmids(300)
    barrier = threading.Barrier(2)
    runs: list[SyncRun] = []

    def worker() -> None:
        from django.db import connection as thread_connection

        try:
            barrier.wait(timeout=10)
            runs.append(references_sync_from_pubmed(pmids=pmids))
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(runs) == 2
    assert sum(run.created for run in runs) == 300
    assert all(run.failed == 0 for run in runs)
    assert Reference.objects.count() == 300
    for run in runs:
        assert_accounted_for(run)


def test_an_unforeseen_error_still_closes_the_run_with_its_reason(pubmed_settings):
    class BrokenLimiterClient:
        def efetch(self, pmids):
            raise ConnectionError("Redis is unreachable (simulated)")

    with pytest.raises(ConnectionError):
        references_sync_from_pubmed(pmids=["800001"], client=BrokenLimiterClient())
    run = SyncRun.objects.get()
    assert run.status == SyncRunStatus.FAILED and run.finished_at is not None
    assert run.errors == ["The run stopped: ConnectionError: Redis is unreachable (simulated)"]
    assert not Reference.objects.exists()
    assert (run.still_due, run.still_due_pmids) == (1, ["800001"])


def test_redis_going_away_mid_run_leaves_every_pmid_done_failed_or_still_due(pubmed_settings, fake_eutils):
    from redis.exceptions import ConnectionError as RedisConnectionError

    from references.pubmed import client_from_settings

    class LimiterLosingRedis:
        """The shared limiter, whose Redis goes away after `slots` requests."""

        def __init__(self, slots: int) -> None:
            self.slots = slots

        def acquire(self) -> float:
            self.slots -= 1
            if self.slots < 0:
                raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
            return 0.0

    pmids = fake_pmids(46)
    pubmed_settings.PUBMED_BATCH_SIZE = 5
    client = client_from_settings(limiter=LimiterLosingRedis(slots=3))
    with pytest.raises(RedisConnectionError):
        references_sync_from_pubmed(pmids=pmids, client=client)
    run = SyncRun.objects.get()
    assert run.status == SyncRunStatus.FAILED and "ConnectionError" in run.errors[-1]
    assert (run.created, run.still_due) == (15, 31)
    assert run.still_due_pmids == pmids[15:]
    assert run.created + run.failed + run.missing + run.still_due == run.requested == 46
    assert not Reference.objects.filter(pmid__in=run.still_due_pmids).exists()  # nothing half-written


@pytest.mark.parametrize("existing", [False, True], ids=["new records", "changed records"])
def test_a_failure_halfway_through_writing_a_batch_leaves_none_of_it(pubmed_settings, monkeypatch, existing):
    """The second batch's rows are written (INSERT or UPDATE), then its history rows fail: the batch's transaction
    takes the rows back with it, so no record carries values its history does not show."""
    from simple_history.manager import HistoryManager

    pmids = fake_pmids(10)
    pubmed_settings.PUBMED_BATCH_SIZE = 5
    if existing:
        for pmid in pmids[5:]:
            ReferenceFactory(pmid=pmid, title=f"Stored before the sync {pmid}")
    second = Reference.objects.filter(pmid__in=pmids[5:])
    before = {r.pmid: (r.title, r.updated_at, r.history.count()) for r in second}
    real_history = HistoryManager.bulk_history_create
    batches = []

    def history_of_the_second_batch_fails(manager, objs, *args, **kwargs):
        batches.append([obj.pmid for obj in objs])
        if len(batches) == 2:
            assert second.filter(last_synced_at__isnull=False).count() == 5  # the rows are written already
            raise RuntimeError("disk full (simulated)")
        return real_history(manager, objs, *args, **kwargs)

    monkeypatch.setattr(HistoryManager, "bulk_history_create", history_of_the_second_batch_fails)
    with pytest.raises(RuntimeError, match="disk full"):
        references_sync_from_pubmed(pmids=pmids)
    assert batches == [pmids[:5], pmids[5:]]
    run = SyncRun.objects.get()
    assert run.status == SyncRunStatus.FAILED and (run.created, run.updated) == (5, 0)
    assert run.still_due_pmids == pmids[5:]
    # Each as it was (values, updated_at, history), or not there at all.
    assert {r.pmid: (r.title, r.updated_at, r.history.count()) for r in second} == before
    assert second.exists() == existing
    assert not Reference.history.filter(pmid__in=pmids[5:], history_change_reason="PubMed sync").exists()


def test_a_run_whose_worker_was_lost_is_failed_at_the_next_start_with_its_reason(pubmed_settings, settings):
    settings.SYNC_RUN_STALLED_AFTER_SECONDS = 600
    lost = SyncRun.objects.create(requested=46, created=15)  # its worker was killed after three batches
    SyncRun.objects.filter(pk=lost.pk).update(heartbeat_at=timezone.now() - datetime.timedelta(seconds=601))
    alive = SyncRun.objects.create(requested=5)  # a run in progress elsewhere, heartbeat fresh

    references_sync_from_pubmed(pmids=["800001"])

    lost.refresh_from_db()
    alive.refresh_from_db()
    assert lost.status == SyncRunStatus.FAILED and lost.finished_at is not None
    assert lost.still_due == 31 and "worker was lost" in lost.errors[-1] and "31 of 46" in lost.errors[-1]
    assert alive.status == SyncRunStatus.RUNNING


def test_the_periodic_sweep_fails_stalled_runs_of_every_kind(settings):
    from drugs.models import FdaWatchRun
    from portal.tasks import fail_stalled_runs
    from trials.models import RegistrySyncRun

    settings.SYNC_RUN_STALLED_AFTER_SECONDS = 60
    old = timezone.now() - datetime.timedelta(minutes=5)
    for model in (SyncRun, RegistrySyncRun, FdaWatchRun):
        model.objects.filter(pk=model.objects.create(requested=2).pk).update(heartbeat_at=old)
    assert fail_stalled_runs.delay().get() == 3
    for model in (SyncRun, RegistrySyncRun, FdaWatchRun):
        assert model.objects.get().status == SyncRunStatus.FAILED
    assert fail_stalled_runs.delay().get() == 0


def test_a_running_run_beats_on_every_save():
    run = SyncRun.objects.create(requested=1)
    first = run.heartbeat_at
    assert first is not None
    run.save(update_fields=["requested"])
    assert SyncRun.objects.get().heartbeat_at > first
