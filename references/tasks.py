"""Celery tasks for the PubMed sync: thin wrappers that take PMIDs, call one service and own the retries."""

from __future__ import annotations

from collections.abc import Iterable

from celery import shared_task
from django.db import transaction

from her2kb.choices import SyncTrigger

from .services import references_due_for_sync, references_sync_from_pubmed

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


def enqueue_sync_references(pmids: Iterable[str], *, trigger: str = SyncTrigger.ADMIN) -> None:
    """Queue a sync once the current transaction commits, so the worker sees the rows it is asked about."""
    pmids = list(pmids)
    if pmids:
        transaction.on_commit(lambda: sync_references.delay(pmids, trigger))
