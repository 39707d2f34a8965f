"""
The only place that writes what PubMed says into the database: the PubMed sync, and the literature watcher.

`references_sync_from_pubmed` fetches PMIDs in batches of up to 200 and upserts each batch in one transaction:
a batch either lands completely or not at all. It writes Reference.BIBLIOGRAPHIC_FIELDS (plus its own sync
bookkeeping) and nothing else, so curated fields are never touched; records whose bibliographic fields did not
change are not rewritten (no new history row, `updated_at` unchanged). Every requested PMID ends the run counted
exactly once as created, updated, unchanged, missing or failed, in a SyncRun.

`literature_watch` runs the saved searches (LiteratureSearch, made from the dataset) over the Entrez dates since each
one's last run; the PMIDs a trial or drug does not cite become proposals in the curators' inbox. Each search's
proposals and its new window are written together, so a failed search proposes nothing and keeps its window.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from drugs.models import Drug
from her2kb.choices import SyncTrigger
from her2kb.inbox import (
    Finding,
    FindingKind,
    FindingSource,
    publication_diff,
    report_findings,
    trial_publication_key,
)
from her2kb.models import bulk_update_rows
from her2kb.upstream import UpstreamError
from her2kb.validators import validate_pmid
from trials.choices import DrugRole
from trials.models import Trial, TrialDrug

from .choices import SearchKind, SyncStatus
from .models import LiteratureSearch, LiteratureWatchRun, Reference, SyncRun
from .pubmed import EutilsClient, FetchResult, PubMedRecord, client_from_settings

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

    # The whole batch in a few statements: one INSERT (and one for its history rows) for the new records, one
    # UPDATE (and one history INSERT) for the changed ones, one UPDATE for the rest.
    if to_create:
        bulk_create_with_history(to_create, Reference, batch_size=500, default_change_reason=CHANGE_REASON)
    if to_update:
        bulk_update_rows(to_update, [*fields, *SYNC_STATE_FIELDS, "updated_at"])
        # No fields: simple-history's helper then only writes the history rows, one per record, in bulk.
        bulk_update_with_history(to_update, Reference, [], batch_size=500, default_change_reason=CHANGE_REASON)
    # Unchanged records only get their sync bookkeeping touched: no history row, no updated_at change.
    if unchanged:
        bulk_update_rows(unchanged, SYNC_STATE_FIELDS)
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


def _count_failed_batch(run: SyncRun, batch: list[str], error: UpstreamError) -> None:
    """A batch PubMed did not answer (after the client's retries): nothing written, its PMIDs failed and still due."""
    run.count_requests(error.requests_made)
    run.failed += len(batch)
    run.failed_pmids.extend(batch)
    run.errors.append(f"PMIDs {batch[0]}…{batch[-1]} ({len(batch)}): {error}")
    _mark(batch, SyncStatus.FAILED, str(error))
    logger.error("PubMed sync #%s: batch of %d failed: %s", run.pk, len(batch), error)


def _store_batch(run: SyncRun, batch: list[str], result: FetchResult) -> None:
    """Write what PubMed returned for one batch, in one transaction, and count it."""
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
    run = SyncRun.start(trigger=trigger, requested=len(wanted))
    logger.info("PubMed sync #%s started: %d PMIDs (%s)", run.pk, len(wanted), trigger)

    batches = [wanted[start : start + batch_size] for start in range(0, len(wanted), batch_size)]
    start, checkpoint = 0, run.checkpoint()
    # The next batch is fetched while this one is written: the rate limit's wait and PubMed's answer overlap the
    # database's work instead of adding to it. Each batch is still written alone, in its own transaction.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pubmed-sync-fetch") as fetcher:
        try:
            fetching = fetcher.submit(client.efetch, batches[0]) if batches else None
            for number, batch in enumerate(batches):
                start, checkpoint = number * batch_size, run.checkpoint()
                try:
                    result, failure = fetching.result(), None
                except UpstreamError as error:
                    result, failure = None, error
                fetching = fetcher.submit(client.efetch, batches[number + 1]) if number + 1 < len(batches) else None
                if failure is not None:
                    _count_failed_batch(run, batch, failure)
                else:
                    _store_batch(run, batch, result)
                run.save()
                if progress:
                    progress(len(batch))
        except Exception as error:
            # Anything unforeseen (the database, Redis behind the limiter...) still closes the run with a reason,
            # and every PMID it had not finished (the broken batch's included, its partial counts undone; the next
            # batch's even if it was fetched already) counted as due.
            run.rewind(checkpoint)
            run.still_due_pmids = wanted[start:]
            run.abort(error, still_due=len(run.still_due_pmids))
            raise

    run.finish()
    logger.info("PubMed sync #%s %s: %s", run.pk, run.status, run.summary)
    return run


def references_due_for_sync(*, older_than_days: int | None = None) -> list[str]:
    """PMIDs of references never synced or last synced more than `older_than_days` ago (default from settings)."""
    days = settings.PUBMED_RESYNC_AFTER_DAYS if older_than_days is None else older_than_days
    stale = Reference.objects.stale(older_than=datetime.timedelta(days=days))
    return list(stale.order_by("pmid").values_list("pmid", flat=True))


# ---------------------------------------------------------------------------------------------
# The literature watcher
# ---------------------------------------------------------------------------------------------
def literature_search_terms() -> dict[tuple[str, int | None, int | None], str]:
    """The saved searches the dataset calls for: (term, trial id, drug id) → kind. A trial's NCT number in [si]
    (PubMed's secondary source ID, where the registry number of a trial publication is indexed) and its acronym;
    each of a drug's names, brands and codes, narrowed by PUBMED_WATCH_DRUG_FILTER."""
    wanted: dict[tuple[str, int | None, int | None], str] = {}
    for trial_id, nct_id, acronym in Trial.objects.values_list("pk", "nct_id", "acronym"):
        if nct_id:
            wanted[(f"{nct_id}[si]", trial_id, None)] = SearchKind.NCT_NUMBER
        if acronym.strip():
            wanted[(f'"{acronym.strip()}"[tiab]', trial_id, None)] = SearchKind.ACRONYM
    narrowing = f" AND {settings.PUBMED_WATCH_DRUG_FILTER}" if settings.PUBMED_WATCH_DRUG_FILTER else ""
    for drug_id, name, brands, synonyms in Drug.objects.values_list("pk", "name", "brand_names", "synonyms"):
        seen: set[str] = set()
        for text in [name, *brands, *synonyms]:
            text = text.strip().replace('"', "")
            if text and text.lower() not in seen:
                seen.add(text.lower())
                wanted[(f'"{text}"[tiab]{narrowing}', None, drug_id)] = SearchKind.DRUG_NAME
    return wanted


def literature_searches_refresh() -> list[LiteratureSearch]:
    """Make the saved searches match the dataset (new trials and names get theirs; searches the dataset no longer
    calls for are deleted; a curator's "disabled" is kept) and return the enabled ones."""
    wanted = literature_search_terms()
    with transaction.atomic():
        existing = {(s.term, s.trial_id, s.drug_id): s.pk for s in LiteratureSearch.objects.all()}
        LiteratureSearch.objects.filter(pk__in=[pk for key, pk in existing.items() if key not in wanted]).delete()
        LiteratureSearch.objects.bulk_create(
            [
                LiteratureSearch(kind=kind, term=term, trial_id=trial_id, drug_id=drug_id)
                for (term, trial_id, drug_id), kind in wanted.items()
                if (term, trial_id, drug_id) not in existing
            ]
        )
    return list(LiteratureSearch.objects.enabled().select_related("trial", "drug").order_by("pk"))


def _cited_pmids() -> tuple[dict[int, set[str]], dict[int, set[str]], dict[int, int]]:
    """What every trial and drug cites, and each trial's experimental drug, in three queries."""
    by_trial: dict[int, set[str]] = defaultdict(set)
    for trial_id, pmid in Trial.references.through.objects.values_list("trial_id", "reference__pmid"):
        by_trial[trial_id].add(pmid)
    by_drug: dict[int, set[str]] = defaultdict(set)
    for drug_id, pmid in Drug.references.through.objects.values_list("drug_id", "reference__pmid"):
        by_drug[drug_id].add(pmid)
    experimental = dict(
        TrialDrug.objects.filter(role=DrugRole.EXPERIMENTAL).order_by("-pk").values_list("trial_id", "drug_id")
    )
    return by_trial, by_drug, experimental


def _literature_finding(search: LiteratureSearch, pmid: str, cited: set[str], drug_id: int | None) -> Finding:
    url = f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"
    raw = {"pmid": pmid, "term": search.term}
    if search.trial is not None:
        trial = search.trial
        return Finding(
            source=FindingSource.PUBMED,
            kind=FindingKind.TRIAL_PUBLICATION,
            key=trial_publication_key(trial.nct_id or trial.slug, pmid),
            title=f"New publication for {trial.acronym or trial.nct_id or trial.slug}: PMID {pmid} "
            f"(PubMed: {search.term})",
            upstream_url=url,
            raw_value=raw,
            diff=publication_diff(cited, pmid),
            subject=trial,
            drug_id=drug_id,
        )
    drug = search.drug
    return Finding(
        source=FindingSource.PUBMED,
        kind=FindingKind.DRUG_PUBLICATION,
        key=f"drug-publication:{drug.slug}:{pmid}",
        title=f"New publication on {drug.name}: PMID {pmid} (PubMed: {search.term})",
        upstream_url=url,
        raw_value=raw,
        diff=publication_diff(cited, pmid),
        subject=drug,
        drug_id=drug.pk,
    )


def literature_watch(
    *,
    trigger: str = SyncTrigger.TASK,
    client: EutilsClient | None = None,
    today: datetime.date | None = None,
    searches: list[LiteratureSearch] | None = None,
    progress: Callable[[int], None] | None = None,
) -> LiteratureWatchRun:
    """Run every enabled saved search over the Entrez dates since its last run (the first looks back
    PUBMED_WATCH_FIRST_WINDOW_DAYS) and propose what the trial or drug does not cite; return the finished run.

    A search that fails (after the client's retries) proposes nothing and keeps its window for the next run.
    `searches` runs those only (the benchmark's), without refreshing the saved searches from the dataset.
    """
    client = client or client_from_settings()
    today = today or timezone.localdate()
    first_window = datetime.timedelta(days=settings.PUBMED_WATCH_FIRST_WINDOW_DAYS)
    searches = literature_searches_refresh() if searches is None else searches
    run = LiteratureWatchRun.start(trigger=trigger, requested=len(searches))
    logger.info("PubMed literature watch #%s started: %d searches (%s)", run.pk, len(searches), trigger)
    try:
        cited_by_trial, cited_by_drug, experimental = _cited_pmids()
        for search in searches:
            requests_before, retries_before = client.requests_made, client.retries
            mindate = search.searched_through or today - first_window
            try:
                result = client.esearch(
                    search.term, mindate=mindate, maxdate=today, limit=settings.PUBMED_WATCH_MAX_RESULTS
                )
            except UpstreamError as error:
                run.failed += 1
                run.errors.append(f"{search.term}: {error}")
                LiteratureSearch.objects.filter(pk=search.pk).update(last_error=str(error)[:2000])
                logger.error("PubMed literature watch #%s: %s failed: %s", run.pk, search.term, error)
            else:
                if result.phrases_not_found:
                    run.notes.append(f"{search.term}: PubMed does not know {', '.join(result.phrases_not_found)}")
                if result.truncated:
                    run.notes.append(
                        f"{search.term}: {result.count} matches; only the newest {len(result.pmids)} were read"
                    )
                if search.trial_id:
                    cited, drug_id = cited_by_trial[search.trial_id], experimental.get(search.trial_id)
                else:
                    cited, drug_id = cited_by_drug[search.drug_id], search.drug_id
                findings = [_literature_finding(search, p, cited, drug_id) for p in result.pmids if p not in cited]
                with transaction.atomic():
                    run.proposed += report_findings(findings)
                    search.searched_through, search.last_run_at, search.last_error = today, timezone.now(), ""
                    search.save(update_fields=["searched_through", "last_run_at", "last_error"])
                run.found += len(findings)
                if findings:
                    run.updated += 1
                else:
                    run.unchanged += 1
            run.requests_made += client.requests_made - requests_before
            run.retries += client.retries - retries_before
            run.save()
            if progress:
                progress(1)
    except Exception as error:
        run.abort(error)
        raise
    run.finish()
    logger.info("PubMed literature watch #%s %s: %s", run.pk, run.status, run.summary)
    return run
