"""Celery tasks of the site's front: the bulk export's background build."""

from __future__ import annotations

from celery import shared_task

from .exports import export_build


@shared_task(acks_late=True)
def build_export(site: str) -> str:
    """Write the bulk export of the dataset's current state for `site` (scheme and host); its file name."""
    return export_build(site=site)
