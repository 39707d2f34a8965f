"""Celery tasks of the site's front: the bulk export's background build, the search vocabulary's rebuild, and the
sweep for lost sync runs."""

from __future__ import annotations

from celery import shared_task

from her2kb.models import fail_stalled_runs as fail_every_stalled_run

from .exports import export_build, yield_cpu_to_requests
from .vocabulary import vocabulary_rebuild_locked


@shared_task(bind=True, acks_late=True)
def build_export(self, site: str | None = None) -> str:
    """Write the bulk export of the dataset's current state; its file name. (`site` is ignored: tasks queued by
    the previous code, which built one file per host, still run.) A worker yields the CPU to the web workers from
    then on: it only does background work. (Run eagerly, the caller's thread keeps its priority.)"""
    if not self.request.is_eager:
        yield_cpu_to_requests()
    return export_build()


@shared_task(acks_late=True)
def rebuild_search_vocabulary() -> int:
    """Rebuild the words search corrects misspellings from (`portal.vocabulary`); how many there are."""
    return vocabulary_rebuild_locked()


@shared_task
def fail_stalled_runs() -> int:
    """Close as failed every sync or watch run whose heartbeat stopped (its worker was lost); how many."""
    return fail_every_stalled_run()
