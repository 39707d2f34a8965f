"""`manage.py sync_ctgov [NCT ...] [--all]`: the ClinicalTrials.gov sync from the shell, with a summary."""

from __future__ import annotations

import sys

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from her2kb.choices import SyncTrigger
from her2kb.commands import report_run
from trials.services import trials_due_for_sync, trials_sync_from_ctgov


class Command(BaseCommand):
    help = (
        "Keep the registry-owned fields of trials (status, dates, enrolment, sponsor, phase, last update, results "
        "posted, the PMIDs the registry lists) true to ClinicalTrials.gov; publications the registry lists that a "
        "trial does not cite go to the curators' inbox. Curated fields are never touched."
    )

    def add_arguments(self, parser):
        parser.add_argument("nct_ids", nargs="*", help="NCT numbers of trials in the dataset.")
        parser.add_argument("--all", action="store_true", help="Every trial with an NCT number.")
        parser.add_argument("--no-progress", action="store_true", help="Do not draw a progress bar.")

    def handle(self, *args, nct_ids: list[str], **options):
        if not (nct_ids or options["all"]):
            raise CommandError("Nothing to sync: give NCT numbers or --all.")
        try:
            wanted = trials_due_for_sync(None if options["all"] else nct_ids)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        if not wanted:
            self.stdout.write("Nothing to sync: no trial has an NCT number.")
            return
        self.stdout.write(
            f"Syncing {len(wanted)} trial(s) from {settings.CTGOV_API_BASE_URL} "
            f"at ≤ {settings.CTGOV_REQUESTS_PER_MINUTE:g} requests/minute"
        )
        with tqdm(
            total=len(wanted), unit="trial", file=sys.stderr, disable=options["no_progress"] or None, leave=False
        ) as bar:
            run = trials_sync_from_ctgov(nct_ids=wanted, trigger=SyncTrigger.COMMAND, progress=bar.update)
        if run.missing_nct_ids:
            self.stdout.write(f"Not in ClinicalTrials.gov: {', '.join(run.missing_nct_ids)}")
        report_run(
            self,
            run,
            finished="ClinicalTrials.gov sync finished.",
            failure="{failed} trial(s) could not be synced; they stay due for the next run.",
        )
