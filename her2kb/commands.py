"""What the sync and watcher commands share: how a finished run is reported in the shell."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from .models import SyncRunBase


def report_run(command: BaseCommand, run: SyncRunBase, *, finished: str, failure: str) -> None:
    """The run's summary, its notes and errors; then `finished`, or a non-zero exit with `failure` ({failed} is the
    run's count) when anything failed, so a cron job or CI sees it."""
    command.stdout.write(f"Run #{run.pk} ({run.get_status_display()}): {run.summary}")
    for note in getattr(run, "notes", []):
        command.stdout.write(f"Note: {note}")
    for error in run.errors:
        command.stderr.write(command.style.ERROR(error))
    if run.failed:
        raise CommandError(failure.format(failed=run.failed))
    command.stdout.write(command.style.SUCCESS(finished))
