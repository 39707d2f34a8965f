"""Celery tasks for the ClinicalTrials.gov sync: thin wrappers that call one service."""

from __future__ import annotations

from celery import shared_task

from her2kb.choices import SyncTrigger

from .services import trials_sync_from_ctgov


@shared_task(acks_late=True)
def sync_trials_from_ctgov(nct_ids: list[str] | None = None, trigger: str = SyncTrigger.NIGHTLY) -> int:
    """Daily (CTGOV_SYNC_HOUR_UTC): keep every trial's registry-owned fields true to ClinicalTrials.gov and propose
    the publications it lists. Returns the run's id. A failed batch was retried inside the client; it stays due for
    the next run, which repeats every trial."""
    return trials_sync_from_ctgov(nct_ids=nct_ids, trigger=trigger).pk
