"""`manage.py watch_pubmed`: the PubMed literature watcher from the shell, with a summary."""

from __future__ import annotations

import sys

from django.conf import settings
from django.core.management.base import BaseCommand
from tqdm import tqdm

from her2kb.choices import SyncTrigger
from her2kb.commands import report_run
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
        report_run(
            self,
            run,
            finished="PubMed literature watch finished.",
            failure="{failed} search(es) failed; they keep their window for the next run.",
        )
