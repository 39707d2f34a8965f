"""`manage.py watch_openfda`: the openFDA watcher from the shell, with a summary."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from drugs.services import fda_watch
from her2kb.choices import SyncTrigger


class Command(BaseCommand):
    help = (
        "Ask openFDA (drugsfda, label) about the dataset's FDA applications, drug substances, HER2-directed classes "
        "and labels; approvals, label revisions and boxed warnings the dataset lacks go to the curators' inbox. "
        "Nothing else is written."
    )

    def handle(self, *args, **options):
        self.stdout.write(
            f"Watching openFDA at {settings.OPENFDA_BASE_URL} at ≤ {settings.OPENFDA_REQUESTS_PER_MINUTE:g} "
            "requests/minute" + (" with an API key" if settings.OPENFDA_API_KEY else "")
        )
        run = fda_watch(trigger=SyncTrigger.COMMAND)
        self.stdout.write(f"Run #{run.pk} ({run.get_status_display()}): {run.summary}")
        for note in run.notes:
            self.stdout.write(f"Note: {note}")
        for error in run.errors:
            self.stderr.write(self.style.ERROR(error))
        if run.failed:
            raise CommandError(f"{run.failed} question(s) to openFDA failed; they are asked again next run.")
        self.stdout.write(self.style.SUCCESS("openFDA watch finished."))
