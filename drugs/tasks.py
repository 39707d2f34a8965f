"""Celery tasks for the openFDA watcher: thin wrappers that call one service."""

from __future__ import annotations

from celery import shared_task

from her2kb.choices import SyncTrigger

from .services import fda_watch


@shared_task(acks_late=True)
def watch_openfda(trigger: str = SyncTrigger.NIGHTLY) -> int:
    """Nightly (OPENFDA_WATCH_HOUR_UTC): ask openFDA what is new about the dataset's drugs; findings go to the
    curators' inbox. Returns the run's id. A failed batch was retried inside the client; it is asked again next
    night."""
    return fda_watch(trigger=trigger).pk
