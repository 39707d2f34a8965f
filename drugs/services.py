"""
The openFDA watcher: what openFDA knows about the dataset's drugs that the dataset does not hold, as proposals.

It never writes a drug, an approval or a label: approvals are medical facts a curator confirms. `fda_watch` asks
openFDA, in batches, about

- the FDA applications the dataset tracks (drug/drugsfda.json): approved original applications and efficacy
  supplements dated on a day the dataset records no FDA approval of that application;
- every drug's substance, and the HER2-directed pharmacological classes (OPENFDA_PHARM_CLASSES): applications the
  dataset does not track at all;
- the FDA labels the dataset tracks by DailyMed set id (drug/label.json): a newer revision, a boxed warning added or
  changed.

Each batch's findings go to the inbox in one transaction; a batch that fails (after the client's retries) proposes
nothing and is asked again next run. A drug's `fda_checked_at` moves only when every question about it was answered.

What the dataset tracks is read by the small `tracked_*` functions below: the application numbers on its FDA
approvals, and its FDA labels with their set ids, revisions and boxed warnings.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from her2kb.choices import SyncTrigger
from her2kb.inbox import Finding, FindingKind, FindingSource, report_findings
from her2kb.upstream import MalformedResponse, UpstreamError

from .choices import Agency
from .models import Approval, Drug, FdaWatchRun, Label
from .openfda import (
    Application,
    LabelRecord,
    OpenFdaClient,
    TrackedApplication,
    TrackedLabel,
    any_of,
    application_url,
    batches,
    boxed_warning_changed,
    boxed_warning_key,
    client_from_settings,
    is_newer_revision,
    label_url,
    new_submissions,
    normalise_application_number,
)

logger = logging.getLogger(__name__)

BATCH_SIZE = 25  # values OR-ed in one openFDA search: a short URL, one page of results


# ---------------------------------------------------------------------------------------------
# What the dataset tracks: the application numbers on its FDA approvals, its FDA labels
# ---------------------------------------------------------------------------------------------
def tracked_fda_applications() -> list[TrackedApplication]:
    """The FDA applications the dataset tracks: the application numbers on its FDA approvals
    (Approval.application_number), each with the dates of the FDA approvals recorded for it."""
    dates: dict[tuple[str, int, str], set] = defaultdict(set)
    rows = Approval.objects.filter(agency=Agency.FDA).exclude(application_number="")
    for number, drug_id, drug_name, date in rows.values_list("application_number", "drug_id", "drug__name", "date"):
        if normalised := normalise_application_number(number):
            dates[(normalised, drug_id, drug_name)].add(date)
    return [
        TrackedApplication(number=number, drug_id=drug_id, drug_name=name, approval_dates=frozenset(days))
        for (number, drug_id, name), days in sorted(dates.items())
    ]


def tracked_fda_labels() -> list[TrackedLabel]:
    """The FDA labels the dataset tracks by DailyMed set id, with their revision and the boxed warnings they quote
    (Label and LabelWarning)."""
    labels = Label.objects.filter(agency=Agency.FDA).exclude(set_id="").select_related("drug")
    return [
        TrackedLabel(
            set_id=label.set_id,
            label_id=label.pk,
            drug_id=label.drug_id,
            drug_name=label.drug.name,
            revised=label.revised,
            boxed_statements=tuple(warning.statement for warning in label.boxed_warnings),
        )
        for label in labels.prefetch_related("warnings")
    ]


def tracked_label(label_id: int) -> Label | None:
    """The label a finding concerns, for the inbox's link to it."""
    return Label.objects.filter(pk=label_id).first()


# ---------------------------------------------------------------------------------------------
# Findings
# ---------------------------------------------------------------------------------------------
def _submission_findings(application: Application, tracked: TrackedApplication, drug: Drug) -> list[Finding]:
    findings = []
    recorded = ", ".join(sorted(day.isoformat() for day in tracked.approval_dates)) or "none recorded"
    for submission in new_submissions(application, tracked):
        original = submission.type == "ORIG"
        kind = FindingKind.FDA_ORIGINAL if original else FindingKind.FDA_EFFICACY_SUPPLEMENT
        what = "original approval" if original else "efficacy supplement"
        findings.append(
            Finding(
                source=FindingSource.OPENFDA,
                kind=kind,
                key=f"fda-submission:{application.number}:{submission.type}:{submission.number}",
                title=f"FDA {what} for {drug.name}: {application.number} {submission.label} "
                f"approved {submission.status_date:%Y-%m-%d}",
                upstream_url=application_url(application.number),
                raw_value={
                    "application_number": application.number,
                    "sponsor": application.sponsor,
                    "brand_names": application.brand_names,
                    "submission": submission.raw,
                },
                diff={
                    f"FDA approvals of {application.number}": {
                        "current": recorded,
                        "proposed": f"{submission.label} ({submission.class_description or submission.class_code}) "
                        f"approved {submission.status_date:%Y-%m-%d}",
                    }
                },
                subject=drug,
                drug_id=drug.pk,
            )
        )
    return findings


def _application_finding(application: Application, drug: Drug | None, tracked_numbers: list[str]) -> Finding | None:
    original = application.original_approval
    if original is None:
        return None  # not approved (yet): nothing a curator records as an approval
    about = drug.name if drug else "a HER2-directed class"
    brands = ", ".join(application.brand_names[:3]) or "no brand name"
    return Finding(
        source=FindingSource.OPENFDA,
        kind=FindingKind.FDA_NEW_APPLICATION,
        key=f"fda-application:{application.number}",
        title=f"New FDA application of {about}: {application.number} ({brands}), approved {original.status_date}",
        upstream_url=application_url(application.number),
        raw_value={
            "application_number": application.number,
            "sponsor": application.sponsor,
            "brand_names": application.brand_names,
            "substance_names": application.substance_names,
            "submission": original.raw,
        },
        diff={
            "FDA applications": {
                "current": ", ".join(tracked_numbers) or "none tracked",
                "proposed": f"{application.number} ({brands}, {application.sponsor}), "
                f"original approval {original.status_date}",
            }
        },
        subject=drug,
        drug_id=drug.pk if drug else None,
    )


def _label_findings(record: LabelRecord, tracked: TrackedLabel, label: models.Model | None) -> list[Finding]:
    findings = []
    common = {"source": FindingSource.OPENFDA, "upstream_url": label_url(record.set_id), "subject": label}
    raw = {"set_id": record.set_id, "effective_time": f"{record.effective_time:%Y%m%d}", "version": record.version}
    if record.effective_time and is_newer_revision(record.effective_time, tracked.revised):
        findings.append(
            Finding(
                kind=FindingKind.LABEL_REVISION,
                key=f"fda-label-revision:{record.set_id}:{record.effective_time:%Y%m%d}",
                title=f"FDA label of {tracked.drug_name} revised {record.effective_time:%Y-%m-%d}",
                raw_value=raw,
                diff={
                    "revised": {"current": tracked.revised or "not recorded", "proposed": f"{record.effective_time}"}
                },
                drug_id=tracked.drug_id,
                **common,
            )
        )
    if boxed_warning_changed(record, tracked):
        what = "changed" if tracked.boxed_statements else "added"
        findings.append(
            Finding(
                kind=FindingKind.BOXED_WARNING,
                key=boxed_warning_key(record.set_id, record.boxed_warning),
                title=f"Boxed warning {what} on the FDA label of {tracked.drug_name}",
                raw_value={**raw, "boxed_warning": record.boxed_warning},
                diff={
                    "boxed warning": {
                        "current": " / ".join(tracked.boxed_statements) or "none recorded",
                        "proposed": record.boxed_warning[:1000],
                    }
                },
                drug_id=tracked.drug_id,
                **common,
            )
        )
    return findings


# ---------------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------------
Answer = tuple[list[Finding], int]  # a batch's findings, and how many of the things it asked about had any


class _Run:
    """One watcher run's bookkeeping: the record, the client's cost, and which drugs had a question fail."""

    def __init__(self, run: FdaWatchRun, client: OpenFdaClient) -> None:
        self.run, self.client = run, client
        self.failed_drugs: set[int] = set()

    def ask(self, what: str, drug_ids: set[int], question: Callable[[], Answer], items: int) -> None:
        """Ask one batch of `items` things; its findings go to the inbox in one transaction, or the whole batch
        counts as failed (and its drugs as not checked)."""
        before = (self.client.requests_made, self.client.retries)
        try:
            findings, items_with_findings = question()
            with transaction.atomic():
                self.run.proposed += report_findings(findings)
        except (UpstreamError, MalformedResponse) as error:
            self.run.failed += items
            self.failed_drugs |= drug_ids
            self.run.errors.append(f"{what}: {error}")
            logger.error("openFDA watch #%s: %s failed: %s", self.run.pk, what, error)
        else:
            self.run.found += len(findings)
            self.run.updated += items_with_findings
            self.run.unchanged += items - items_with_findings
        self.run.requests_made += self.client.requests_made - before[0]
        self.run.retries += self.client.retries - before[1]
        self.run.save()


def fda_watch(
    *,
    trigger: str = SyncTrigger.TASK,
    client: OpenFdaClient | None = None,
    drugs: Iterable[Drug] | None = None,
    applications: list[TrackedApplication] | None = None,
    labels: list[TrackedLabel] | None = None,
    classes: list[str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> FdaWatchRun:
    """Ask openFDA about the tracked applications, the drugs' substances, the HER2-directed classes and the tracked
    labels (by default everything the dataset tracks; the benchmark passes its own); propose what the dataset
    lacks; return the finished run. Failures are recorded, never raised."""
    client = client or client_from_settings()
    drugs = {drug.pk: drug for drug in (Drug.objects.order_by("name") if drugs is None else drugs)}
    applications = tracked_fda_applications() if applications is None else applications
    labels = tracked_fda_labels() if labels is None else labels
    classes = list(settings.OPENFDA_PHARM_CLASSES if classes is None else classes)
    tracked_numbers = {tracked.number for tracked in applications}
    numbers_by_drug: dict[int, list[str]] = defaultdict(list)
    for tracked in applications:
        numbers_by_drug[tracked.drug_id].append(tracked.number)
    run = FdaWatchRun.start(trigger=trigger, requested=len(applications) + len(labels) + len(drugs) + len(classes))
    logger.info("openFDA watch #%s started: %d things to ask about (%s)", run.pk, run.requested, trigger)
    state = _Run(run, client)

    def drug_mentioned(application: Application) -> Drug | None:
        """The drug an application is of: named by its generic or brand name first, else by its substance."""
        best = max(drugs.values(), key=lambda drug: application.match(drug.name), default=None)
        return best if best is not None and application.match(best.name) else None

    def unknown_applications(search: str, names: list[str]) -> Answer:
        findings = []
        for application in client.applications(search):
            if application.number in tracked_numbers:
                continue
            drug = drug_mentioned(application)
            finding = _application_finding(application, drug, numbers_by_drug[drug.pk] if drug else [])
            if finding:
                findings.append(finding)
        # How many of the names asked about had a finding: the distinct drugs the findings are about.
        return findings, min(len(names), len({finding.drug_id for finding in findings}))

    try:
        for batch in batches([tracked.number for tracked in applications], BATCH_SIZE):
            wanted = [tracked for tracked in applications if tracked.number in batch]

            def submissions(wanted: list[TrackedApplication] = wanted, batch: list[str] = batch) -> Answer:
                found = {app.number: app for app in client.applications(any_of("application_number", batch))}
                findings, hits = [], 0
                for tracked in wanted:
                    if tracked.number not in found:
                        run.notes.append(f"openFDA has no application {tracked.number} ({tracked.drug_name})")
                        continue
                    new = _submission_findings(found[tracked.number], tracked, drugs[tracked.drug_id])
                    findings, hits = findings + new, hits + bool(new)
                return findings, hits

            state.ask(f"applications {batch[0]}…{batch[-1]}", {t.drug_id for t in wanted}, submissions, len(wanted))
            if progress:
                progress(len(wanted))

        for batch in batches([drug.name.upper() for drug in drugs.values()], BATCH_SIZE):
            search = f"{any_of('openfda.substance_name', batch)} {any_of('openfda.generic_name', batch)}"
            drug_ids = {drug.pk for drug in drugs.values() if drug.name.upper() in batch}
            question = lambda s=search, names=batch: unknown_applications(s, names)  # noqa: E731
            state.ask(f"substances {batch[0]}…{batch[-1]}", drug_ids, question, len(batch))
            if progress:
                progress(len(batch))

        for pharm_class in classes:
            search = any_of("openfda.pharm_class_moa", [pharm_class])
            question = lambda s=search, c=pharm_class: unknown_applications(s, [c])  # noqa: E731
            state.ask(f"class {pharm_class}", set(), question, 1)

        for batch in batches([tracked.set_id for tracked in labels], BATCH_SIZE):
            wanted = [tracked for tracked in labels if tracked.set_id in batch]

            def label_changes(wanted: list[TrackedLabel] = wanted, batch: list[str] = batch) -> Answer:
                found = {record.set_id: record for record in client.labels(any_of("set_id", batch))}
                findings, hits = [], 0
                for tracked in wanted:
                    if tracked.set_id not in found:
                        run.notes.append(f"openFDA has no label with set id {tracked.set_id} ({tracked.drug_name})")
                        continue
                    new = _label_findings(found[tracked.set_id], tracked, tracked_label(tracked.label_id))
                    findings, hits = findings + new, hits + bool(new)
                return findings, hits

            state.ask(f"labels {batch[0]}…{batch[-1]}", {t.drug_id for t in wanted}, label_changes, len(wanted))
            if progress:
                progress(len(wanted))

        # Bookkeeping only: no history row, no updated_at change.
        answered = [pk for pk in drugs if pk not in state.failed_drugs]
        Drug.objects.filter(pk__in=answered).update(fda_checked_at=timezone.now())
    except Exception as error:
        run.abort(error)
        raise
    run.finish()
    logger.info("openFDA watch #%s %s: %s", run.pk, run.status, run.summary)
    return run
