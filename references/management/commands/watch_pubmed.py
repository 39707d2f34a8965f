"""`manage.py watch_pubmed`: the PubMed literature watcher from the shell, with a summary."""

from __future__ import annotations

import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from her2kb.choices import SyncTrigger
from references.services import literature_searches_refresh, literature_watch


class Command(BaseCommand):
    help = (
        "Run the saved PubMed searches (each trial's NCT number and acronym, each drug's names and codes) over the "
        "days since their last run; publications a trial or drug does not cite go to the curators' inbox."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-progress", action="store_true", help="Do not draw a progress bar.")

    def handle(self, *args, **options):
        count = len(literature_searches_refresh())
        self.stdout.write(
            f"Running {count} saved search(es) against {settings.NCBI_EUTILS_BASE_URL} "
            f"at ≤ {settings.PUBMED_REQUESTS_PER_SECOND:g} requests/s"
        )
        with tqdm(total=count, unit="search", file=sys.stderr, disable=options["no_progress"] or None) as bar:
            run = literature_watch(trigger=SyncTrigger.COMMAND, progress=bar.update)
        self.stdout.write(f"Run #{run.pk} ({run.get_status_display()}): {run.summary}")
        for note in run.notes:
            self.stdout.write(f"Note: {note}")
        for error in run.errors:
            self.stderr.write(self.style.ERROR(error))
        if run.failed:
            raise CommandError(f"{run.failed} search(es) failed; they keep their window for the next run.")
        self.stdout.write(self.style.SUCCESS("PubMed literature watch finished."))
