"""
The only place that writes what ClinicalTrials.gov says into the database.

`trials_sync_from_ctgov` fetches the trials' registry records in batches (`filter.ids`, up to 100 NCT numbers) and
applies each batch in one transaction: a batch lands completely or not at all. It writes Trial.REGISTRY_FIELDS and
nothing else, with the history reason "synced from ClinicalTrials.gov"; curated fields are never touched, and
trials whose registry fields did not change are not rewritten (no history row). The publications the registry lists
that the trial does not cite become proposals in the curators' inbox, in the same transaction. Every requested
trial ends the run counted once as updated, unchanged, missing or failed, in a RegistrySyncRun.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from her2kb.choices import SyncTrigger
from her2kb.inbox import (
    Finding,
    FindingKind,
    FindingSource,
    publication_diff,
    report_findings,
    trial_publication_key,
)
from her2kb.upstream import UpstreamError

from .choices import DrugRole
from .ctgov import CtGovClient, RegistryRecord, client_from_settings, study_url
from .models import RegistrySyncRun, Trial

logger = logging.getLogger(__name__)

CHANGE_REASON = "synced from ClinicalTrials.gov"  # shown in each trial's history
# full_clean checks only what the sync writes (and the model's clean(): dates in order); curated fields are not ours
# to judge here.
_VALIDATION_EXCLUDE = [f.name for f in Trial._meta.fields if f.name not in Trial.REGISTRY_FIELDS]


@dataclass
class BatchOutcome:
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    invalid: dict[str, str] = field(default_factory=dict)  # NCT number → why the registry's values do not fit
    proposed: int = 0


def trials_due_for_sync(nct_ids: Iterable[str] | None = None) -> list[str]:
    """NCT numbers of the trials to sync: these (each must be a trial in the dataset), or every trial with one."""
    trials = Trial.objects.filter(nct_id__isnull=False)
    if nct_ids is None:
        return list(trials.order_by("nct_id").values_list("nct_id", flat=True))
    wanted = list(dict.fromkeys(str(n).strip().upper() for n in nct_ids if str(n).strip()))
    known = set(trials.filter(nct_id__in=wanted).values_list("nct_id", flat=True))
    if unknown := [n for n in wanted if n not in known]:
        raise ValidationError(f"No trial in the dataset has these NCT numbers: {', '.join(unknown[:10])}")
    return wanted


def _publication_findings(trial: Trial, record: RegistryRecord) -> list[Finding]:
    cited = {reference.pmid for reference in trial.references.all()}
    drug_ids = [row.drug_id for row in trial.trial_drugs.all() if row.role == DrugRole.EXPERIMENTAL]
    name = trial.acronym or trial.nct_id
    return [
        Finding(
            source=FindingSource.CTGOV,
            kind=FindingKind.TRIAL_PUBLICATION,
            key=trial_publication_key(trial.nct_id, publication.pmid),
            title=f"New publication for {name}: PMID {publication.pmid} ({publication.type.lower()}, per the registry)",
            upstream_url=study_url(record.nct_id),
            raw_value={"pmid": publication.pmid, "type": publication.type, "citation": publication.citation},
            diff=publication_diff(cited, publication.pmid),
            subject=trial,
            drug_id=drug_ids[0] if drug_ids else None,
        )
        for publication in record.publications
        if publication.pmid not in cited
    ]


def _apply_batch(records: dict[str, RegistryRecord], nct_ids: list[str], now: datetime.datetime) -> BatchOutcome:
    """Write one batch inside the caller's transaction; report its findings to the inbox in it too."""
    outcome = BatchOutcome()
    findings: list[Finding] = []
    changed: list[Trial] = []
    trials = (
        Trial.objects.select_for_update()
        .filter(nct_id__in=nct_ids)
        .prefetch_related("references", "trial_drugs")
        .order_by("nct_id")
    )
    for trial in trials:
        record = records.get(trial.nct_id)
        if record is None:
            outcome.missing.append(trial.nct_id)
            continue
        values = record.values()
        if all(getattr(trial, name) == value for name, value in values.items()):
            outcome.unchanged.append(trial.nct_id)
        else:
            before = {name: getattr(trial, name) for name in values}
            for name, value in values.items():
                setattr(trial, name, value)
            try:
                trial.full_clean(exclude=_VALIDATION_EXCLUDE, validate_unique=False, validate_constraints=False)
            except ValidationError as error:
                for name, value in before.items():
                    setattr(trial, name, value)  # leave the in-memory trial as the database holds it
                outcome.invalid[trial.nct_id] = "; ".join(
                    f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items()
                )
                continue
            trial.registry_checked_at, trial.registry_sync_error, trial.updated_at = now, "", now
            changed.append(trial)
            outcome.updated.append(trial.nct_id)
        findings.extend(_publication_findings(trial, record))
    if changed:
        # One history row per changed trial; the run's own save then makes cached pages stale.
        bulk_update_with_history(
            changed,
            Trial,
            [*Trial.REGISTRY_FIELDS, "registry_checked_at", "registry_sync_error", "updated_at"],
            batch_size=500,
            default_change_reason=CHANGE_REASON,
        )
    # Unchanged trials only get their sync bookkeeping touched: no history row, no updated_at change.
    Trial.objects.filter(nct_id__in=outcome.unchanged).update(registry_checked_at=now, registry_sync_error="")
    outcome.proposed = report_findings(findings)
    return outcome


def _mark(nct_ids: Iterable[str], error: str) -> None:
    Trial.objects.filter(nct_id__in=list(nct_ids)).update(registry_sync_error=error[:2000])


def trials_sync_from_ctgov(
    *,
    nct_ids: Iterable[str] | None = None,
    trigger: str = SyncTrigger.TASK,
    client: CtGovClient | None = None,
    batch_size: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> RegistrySyncRun:
    """Keep the registry-owned fields of these trials (default: every trial with an NCT number) true to
    ClinicalTrials.gov; return the finished run.

    Failures are recorded, never raised: an upstream failure (after the client's retries) fails its batch, which
    writes nothing and stays due for the next run. Raises ValidationError only for NCT numbers not in the dataset.
    """
    wanted = trials_due_for_sync(nct_ids)
    client = client or client_from_settings()
    batch_size = max(1, min(batch_size or settings.CTGOV_BATCH_SIZE, 100))
    run = RegistrySyncRun.start(trigger=trigger, requested=len(wanted))
    logger.info("ClinicalTrials.gov sync #%s started: %d trials (%s)", run.pk, len(wanted), trigger)
    try:
        for start in range(0, len(wanted), batch_size):
            batch = wanted[start : start + batch_size]
            requests_before, retries_before = client.requests_made, client.retries
            try:
                result = client.studies(batch)
                with transaction.atomic():
                    outcome = _apply_batch(result.records, batch, timezone.now())
            except UpstreamError as error:
                run.failed += len(batch)
                run.failed_nct_ids.extend(batch)
                run.errors.append(f"NCT numbers {batch[0]}…{batch[-1]} ({len(batch)}): {error}")
                _mark(batch, str(error))
                logger.error("ClinicalTrials.gov sync #%s: batch of %d failed: %s", run.pk, len(batch), error)
            else:
                run.found += len(batch) - len(outcome.missing)
                run.updated += len(outcome.updated)
                run.unchanged += len(outcome.unchanged)
                run.proposed += outcome.proposed
                run.missing += len(outcome.missing)
                run.missing_nct_ids.extend(outcome.missing)
                _mark(outcome.missing, "ClinicalTrials.gov does not know this NCT number.")
                for nct_id, why in outcome.invalid.items():
                    run.failed += 1
                    run.failed_nct_ids.append(nct_id)
                    run.errors.append(f"{nct_id}: the registry's values do not fit the model: {why}")
                    _mark([nct_id], f"The registry's values do not fit the model: {why}")
                run.notes.extend(note for record in result.records.values() for note in record.notes)
            run.requests_made += client.requests_made - requests_before
            run.retries += client.retries - retries_before
            run.save()
            if progress:
                progress(len(batch))
    except Exception as error:
        # Anything unforeseen (the database, Redis behind the limiter...) still closes the run with a reason.
        run.abort(error)
        raise
    run.finish()
    logger.info("ClinicalTrials.gov sync #%s %s: %s", run.pk, run.status, run.summary)
    return run
