"""Celery tasks of the site's front: the bulk export's background build."""

from __future__ import annotations

from celery import shared_task

from .exports import export_build


@shared_task(acks_late=True)
def build_export(site: str | None = None) -> str:
    """Write the bulk export of the dataset's current state; its file name. (`site` is ignored: tasks queued by
    the previous code, which built one file per host, still run.)"""
    return export_build()
