"""`manage.py watch_openfda`: the openFDA watcher from the shell, with a summary."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from drugs.services import fda_watch
from her2kb.choices import SyncTrigger
from her2kb.commands import report_run


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
        report_run(
            self,
            run,
            finished="openFDA watch finished.",
            failure="{failed} question(s) to openFDA failed; they are asked again next run.",
        )
