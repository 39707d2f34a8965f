"""
The only place that writes what PubMed says into the database.

`references_sync_from_pubmed` fetches PMIDs in batches of up to 200 and upserts each batch in one transaction:
a batch either lands completely or not at all. It writes Reference.BIBLIOGRAPHIC_FIELDS (plus its own sync
bookkeeping) and nothing else, so curated fields are never touched; records whose bibliographic fields did not
change are not rewritten (no new history row, `updated_at` unchanged). Every requested PMID ends the run counted
exactly once as created, updated, unchanged, missing or failed, in a SyncRun.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from her2kb.choices import SyncTrigger
from her2kb.upstream import UpstreamError
from her2kb.validators import validate_pmid

from .choices import SyncStatus
from .models import Reference, SyncRun
from .pubmed import EutilsClient, PubMedRecord, client_from_settings

logger = logging.getLogger(__name__)

# Written on every successful sync, changed or not, without counting as a rewrite of the record.
CHANGE_REASON = "PubMed sync"  # shown in each reference's admin history
SYNC_STATE_FIELDS = ("last_synced_at", "sync_status", "sync_error", "pubmed_revised_on")
# full_clean checks only what the sync writes; curated fields are not ours to judge here.
_VALIDATION_EXCLUDE = [f.name for f in Reference._meta.fields if f.name not in Reference.BIBLIOGRAPHIC_FIELDS]


@dataclass
class BatchOutcome:
    created: list[str]
    updated: list[str]
    unchanged: list[str]
    invalid: dict[str, str]  # PMID → why PubMed's record could not be stored
    newly_retracted: list[str]


def normalise_pmids(pmids: Iterable[str | int]) -> list[str]:
    """Strip, de-duplicate (keeping order) and validate; raises ValidationError naming every bad value."""
    cleaned = list(dict.fromkeys(str(p).strip() for p in pmids if str(p).strip()))
    bad = []
    for pmid in cleaned:
        try:
            validate_pmid(pmid)
        except ValidationError:
            bad.append(pmid)
    if bad:
        shown = ", ".join(repr(b) for b in bad[:10]) + (" …" if len(bad) > 10 else "")
        raise ValidationError(f"Not PMIDs (1 to 9 digits, no leading zero, e.g. 38308374): {shown}")
    return cleaned


def _revised_on(record: PubMedRecord) -> datetime.date | None:
    return datetime.date.fromisoformat(record.date_revised) if record.date_revised else None


def _apply_batch(records: Sequence[PubMedRecord], now: datetime.datetime) -> BatchOutcome:
    """Upsert one batch inside the caller's transaction. Raises IntegrityError if another worker won a race."""
    fields = Reference.BIBLIOGRAPHIC_FIELDS
    pmids = [r.pmid for r in records]
    existing = {ref.pmid: ref for ref in Reference.objects.select_for_update().filter(pmid__in=pmids)}
    to_create: list[Reference] = []
    to_update: list[Reference] = []
    unchanged: list[Reference] = []
    invalid: dict[str, str] = {}
    newly_retracted: list[str] = []
    for record in records:
        values = record.bibliographic_values(fields)
        state = {"last_synced_at": now, "sync_status": SyncStatus.SYNCED, "sync_error": ""}
        state["pubmed_revised_on"] = _revised_on(record)
        reference = existing.get(record.pmid)
        if reference is None:
            candidate = Reference(pmid=record.pmid, **values, **state)
        else:
            if all(getattr(reference, name) == value for name, value in values.items()):
                for name, value in state.items():
                    setattr(reference, name, value)
                unchanged.append(reference)
                continue
            candidate = reference
            was_retracted = reference.is_retracted
            for name, value in {**values, **state}.items():
                setattr(candidate, name, value)
            candidate.updated_at = now  # bulk_update does not apply auto_now
        try:
            # Validate the new values before anything is written: one odd record must not sink its batch.
            # Field validators only: the table's check constraints (PMID digits, month/day ranges) are already
            # guaranteed by the parser and enforced by the database, and checking them here costs a query each.
            candidate.full_clean(exclude=_VALIDATION_EXCLUDE, validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            invalid[record.pmid] = "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
            if reference is not None:
                reference.refresh_from_db()  # drop the rejected values from the in-memory object
            continue
        if reference is None:
            to_create.append(candidate)
            if candidate.is_retracted:
                newly_retracted.append(record.pmid)
        else:
            to_update.append(candidate)
            if candidate.is_retracted and not was_retracted:
                newly_retracted.append(record.pmid)

    if to_create:
        bulk_create_with_history(to_create, Reference, batch_size=500, default_change_reason=CHANGE_REASON)
    if to_update:
        bulk_update_with_history(
            to_update,
            Reference,
            [*fields, *SYNC_STATE_FIELDS, "updated_at"],
            batch_size=500,
            default_change_reason=CHANGE_REASON,
        )
    # Unchanged records only get their sync bookkeeping touched: no history row, no updated_at change.
    for reference in unchanged:
        Reference.objects.filter(pk=reference.pk).update(
            **{name: getattr(reference, name) for name in SYNC_STATE_FIELDS}
        )
    return BatchOutcome(
        created=[r.pmid for r in to_create],
        updated=[r.pmid for r in to_update],
        unchanged=[r.pmid for r in unchanged],
        invalid=invalid,
        newly_retracted=newly_retracted,
    )


def _mark(pmids: Sequence[str], status: str, error: str) -> None:
    """Record a failure or absence on references we already have; never create a row for one."""
    if pmids:
        Reference.objects.filter(pmid__in=pmids).update(sync_status=status, sync_error=error[:2000])


def references_sync_from_pubmed(
    *,
    pmids: Iterable[str | int],
    trigger: str = SyncTrigger.TASK,
    client: EutilsClient | None = None,
    batch_size: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> SyncRun:
    """Fetch `pmids` from PubMed and upsert them, one transaction per batch; return the finished SyncRun.

    Failures are recorded, never raised: an upstream failure fails its batch (nothing written, the PMIDs are
    counted as failed and stay due for the next run); a PMID PubMed does not return is counted as missing.
    Raises ValidationError only for input that is not a PMID.
    """
    wanted = normalise_pmids(pmids)
    client = client or client_from_settings()
    batch_size = max(1, min(batch_size or settings.PUBMED_BATCH_SIZE, 200))
    run = SyncRun.objects.create(trigger=trigger, requested=len(wanted))
    logger.info("PubMed sync #%s started: %d PMIDs (%s)", run.pk, len(wanted), trigger)

    try:
        for start in range(0, len(wanted), batch_size):
            batch = wanted[start : start + batch_size]
            try:
                result = client.efetch(batch)
            except UpstreamError as error:
                run.count_requests(error.requests_made)
                run.failed += len(batch)
                run.failed_pmids.extend(batch)
                run.errors.append(f"PMIDs {batch[0]}…{batch[-1]} ({len(batch)}): {error}")
                _mark(batch, SyncStatus.FAILED, str(error))
                logger.error("PubMed sync #%s: batch of %d failed: %s", run.pk, len(batch), error)
            else:
                run.count_requests(result.requests_made, result.retries)
                outcome = None
                for _ in range(2):  # a second pass if a concurrent worker created one of these PMIDs first
                    try:
                        with transaction.atomic():
                            outcome = _apply_batch(result.records, timezone.now())
                        break
                    except IntegrityError as error:
                        logger.warning("PubMed sync #%s: concurrent insert, re-reading the batch (%s)", run.pk, error)
                if outcome is None:
                    run.failed += len(result.records)
                    run.failed_pmids.extend(r.pmid for r in result.records)
                    run.errors.append(f"PMIDs {batch[0]}…{batch[-1]}: could not be stored after a concurrent insert")
                else:
                    run.created += len(outcome.created)
                    run.updated += len(outcome.updated)
                    run.unchanged += len(outcome.unchanged)
                    run.retractions_found += len(outcome.newly_retracted)
                    run.retracted_pmids.extend(outcome.newly_retracted)
                    for pmid, why in outcome.invalid.items():
                        run.failed += 1
                        run.failed_pmids.append(pmid)
                        run.errors.append(f"PMID {pmid}: PubMed's record does not fit the model: {why}")
                        _mark([pmid], SyncStatus.FAILED, f"PubMed's record does not fit the model: {why}")
                    for pmid in outcome.newly_retracted:
                        logger.warning("PubMed sync #%s: PMID %s is now flagged as retracted", run.pk, pmid)
                not_returned = result.missing_pmids + result.unsupported_pmids
                run.missing += len(not_returned)
                run.missing_pmids.extend(not_returned)
                _mark(result.missing_pmids, SyncStatus.MISSING, "PubMed did not return this PMID.")
                _mark(result.unsupported_pmids, SyncStatus.MISSING, "PubMed returned a book record, not an article.")
            run.save()
            if progress:
                progress(len(batch))
    except Exception as error:
        # Anything unforeseen (the database, Redis behind the limiter...) still closes the run with a reason.
        run.abort(error)
        raise

    run.finish()
    logger.info("PubMed sync #%s %s: %s", run.pk, run.status, run.summary)
    return run


def references_due_for_sync(*, older_than_days: int | None = None) -> list[str]:
    """PMIDs of references never synced or last synced more than `older_than_days` ago (default from settings)."""
    days = settings.PUBMED_RESYNC_AFTER_DAYS if older_than_days is None else older_than_days
    stale = Reference.objects.stale(older_than=datetime.timedelta(days=days))
    return list(stale.order_by("pmid").values_list("pmid", flat=True))
