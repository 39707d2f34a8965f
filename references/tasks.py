"""Celery tasks for the PubMed sync and the literature watcher: thin wrappers that call one service and own the
retries."""

from __future__ import annotations

from collections.abc import Iterable

from celery import shared_task
from django.db import transaction

from her2kb.choices import SyncTrigger

from .services import literature_watch, references_due_for_sync, references_sync_from_pubmed

# A failed batch was already retried with backoff inside the client; these are the slower, later retries.
TASK_MAX_RETRIES = 3
TASK_RETRY_COUNTDOWN_SECONDS = 300


@shared_task(bind=True, max_retries=TASK_MAX_RETRIES, acks_late=True)
def sync_references(self, pmids: list[str], trigger: str = SyncTrigger.TASK) -> int:
    """Sync these PMIDs from PubMed; return the SyncRun's id. PMIDs whose batch failed are retried later."""
    run = references_sync_from_pubmed(pmids=pmids, trigger=trigger)
    # Run eagerly (embedded, tests) a retry would fire at once, to the same outage: leave failures to the
    # next --stale run instead. On a real worker, retry only the failed PMIDs after a pause.
    if run.failed_pmids and not self.request.is_eager and self.request.retries < TASK_MAX_RETRIES:
        raise self.retry(
            args=[run.failed_pmids, trigger], countdown=TASK_RETRY_COUNTDOWN_SECONDS * 2**self.request.retries
        )
    return run.pk


@shared_task(acks_late=True)
def resync_stale_references(older_than_days: int | None = None) -> int:
    """Nightly: re-sync references never synced or not synced for PUBMED_RESYNC_AFTER_DAYS; flags new retractions."""
    pmids = references_due_for_sync(older_than_days=older_than_days)
    return references_sync_from_pubmed(pmids=pmids, trigger=SyncTrigger.NIGHTLY).pk


@shared_task(acks_late=True)
def watch_pubmed_literature(trigger: str = SyncTrigger.NIGHTLY) -> int:
    """Nightly (PUBMED_WATCH_HOUR_UTC): run the saved searches over the days since their last run and propose the
    publications the dataset does not cite. A failed search keeps its window for the next night."""
    return literature_watch(trigger=trigger).pk


def enqueue_sync_references(pmids: Iterable[str], *, trigger: str = SyncTrigger.ADMIN) -> None:
    """Queue a sync once the current transaction commits, so the worker sees the rows it is asked about."""
    pmids = list(pmids)
    if pmids:
        transaction.on_commit(lambda: sync_references.delay(pmids, trigger))
