"""`manage.py sync_pubmed [PMID ...] [--stale] [--all]`: the PubMed sync from the shell, with progress and a summary."""

from __future__ import annotations

import sys

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from her2kb.choices import SyncTrigger
from references.models import Reference
from references.services import normalise_pmids, references_due_for_sync, references_sync_from_pubmed

REAL_EUTILS_HOST = "eutils.ncbi.nlm.nih.gov"


class Command(BaseCommand):
    help = (
        "Fetch references from PubMed (E-utilities efetch) and update their bibliographic fields. "
        "Curated fields are never touched; unchanged records are not rewritten."
    )

    def add_arguments(self, parser):
        parser.add_argument("pmids", nargs="*", help="PMIDs to sync (created if new).")
        parser.add_argument(
            "--stale",
            action="store_true",
            help="Also sync references never synced or not synced for --older-than-days days.",
        )
        parser.add_argument(
            "--older-than-days",
            type=int,
            default=None,
            help=f"Age for --stale (default PUBMED_RESYNC_AFTER_DAYS = {settings.PUBMED_RESYNC_AFTER_DAYS}).",
        )
        parser.add_argument("--all", action="store_true", help="Also sync every reference in the database.")
        parser.add_argument("--no-progress", action="store_true", help="Do not draw a progress bar.")

    def handle(self, *args, pmids: list[str], stale: bool, older_than_days: int | None, **options):
        if not (pmids or stale or options["all"]):
            raise CommandError("Nothing to sync: give PMIDs, --stale or --all.")
        if older_than_days is not None and older_than_days < 0:
            raise CommandError("--older-than-days must be zero or more.")
        try:
            wanted = normalise_pmids(pmids)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        if stale:
            wanted += references_due_for_sync(older_than_days=older_than_days)
        if options["all"]:
            wanted += list(Reference.objects.order_by("pmid").values_list("pmid", flat=True))
        wanted = list(dict.fromkeys(wanted))
        if not wanted:
            self.stdout.write("Nothing to sync: every reference is up to date.")
            return

        if REAL_EUTILS_HOST in settings.NCBI_EUTILS_BASE_URL and not settings.NCBI_EMAIL:
            self.stderr.write(self.style.WARNING("NCBI_EMAIL is not set: NCBI asks every E-utilities client for one."))
        self.stdout.write(
            f"Syncing {len(wanted)} PMID(s) from {settings.NCBI_EUTILS_BASE_URL} "
            f"at ≤ {settings.PUBMED_REQUESTS_PER_SECOND:g} requests/s"
            + (" with an API key" if settings.NCBI_API_KEY else "")
        )
        with tqdm(
            total=len(wanted), unit="PMID", file=sys.stderr, disable=options["no_progress"] or None, leave=False
        ) as bar:
            run = references_sync_from_pubmed(pmids=wanted, trigger=SyncTrigger.COMMAND, progress=bar.update)

        self.stdout.write(f"SyncRun #{run.pk} ({run.get_status_display()}): {run.summary}")
        if run.missing_pmids:
            self.stdout.write(f"Not found in PubMed: {', '.join(run.missing_pmids)}")
        if run.retracted_pmids:
            self.stdout.write(self.style.WARNING(f"Newly retracted: {', '.join(run.retracted_pmids)}"))
        for error in run.errors:
            self.stderr.write(self.style.ERROR(error))
        if run.failed:
            raise CommandError(f"{run.failed} PMID(s) could not be synced; they stay due for the next run.")
        self.stdout.write(self.style.SUCCESS("PubMed sync finished."))
