"""
The curators' inbox: findings become proposals; a curator accepts or dismisses each.

- `proposals_record_findings` receives what the watchers report (her2kb.inbox.report_findings), inside the
  watcher's transaction. A finding whose key is new becomes a proposal; one already known (open, accepted or
  dismissed) only counts as seen again, so a rerun proposes nothing new and a dismissed fact stays dismissed.
- `proposal_accept` applies a proposal inside one transaction: the records it writes carry the curator as author
  and the proposal as their history reason, and the proposal records what was written. Anything invalid (a record
  gone, a value the model refuses) raises ValidationError and writes nothing.
- `proposal_dismiss` keeps the proposal, closed, with the curator's reason.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from django.apps import apps
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.dispatch import receiver
from django.utils import timezone

from drugs.choices import Agency
from drugs.models import Approval, Drug
from her2kb.inbox import Finding, FindingKind, findings_reported
from her2kb.validators import validate_pmid
from trials.models import Trial

from .choices import ProposalStatus
from .models import Proposal
from .quick_entry import references_create_from_identifiers

logger = logging.getLogger(__name__)

# Accepting a proposal may fill these approval fields from what openFDA says; the curator confirms or corrects them.
APPROVAL_FIELDS_FROM_FDA = ("drug", "date", "sources")


# ---------------------------------------------------------------------------------------------
# Findings → proposals
# ---------------------------------------------------------------------------------------------
def _proposal_from(finding: Finding, now: datetime.datetime) -> Proposal:
    subject = finding.subject
    return Proposal(
        source=finding.source,
        sources=[finding.source],
        kind=finding.kind,
        key=finding.key,
        title=finding.title[:300],
        subject_type=ContentType.objects.get_for_model(subject) if subject is not None else None,
        subject_id=subject.pk if subject is not None else None,
        subject_label=str(subject)[:300] if subject is not None else "",
        drug_id=finding.drug_id,
        upstream_url=finding.upstream_url,
        raw_value=finding.raw_value,
        diff=finding.diff,
        found_at=now,
        last_seen_at=now,
    )


def _seen_again(proposal: Proposal, finding: Finding, now: datetime.datetime) -> None:
    proposal.last_seen_at = now
    proposal.times_seen += 1
    if finding.source not in proposal.sources:
        proposal.sources = [*proposal.sources, finding.source]  # the same fact from a second upstream: merged
    if proposal.is_open:
        # An open proposal shows the upstream as it is now; a decided one keeps what the curator decided on.
        proposal.upstream_url, proposal.raw_value, proposal.diff = finding.upstream_url, finding.raw_value, finding.diff


def proposals_record_findings(findings: Sequence[Finding]) -> int:
    """Turn findings into proposals, merging duplicates by key; return how many proposals are new."""
    now = timezone.now()
    by_key: dict[str, Finding] = {}
    for finding in findings:
        by_key.setdefault(finding.key, finding)  # the same fact twice in one report is one proposal
    new = 0
    with transaction.atomic():
        known = {p.key: p for p in Proposal.objects.select_for_update().filter(key__in=list(by_key))}
        for key, finding in by_key.items():
            if key in known:
                _seen_again(known[key], finding, now)
                continue
            try:
                with transaction.atomic():
                    _proposal_from(finding, now).save()
            except IntegrityError:
                # Another watcher proposed the same fact a moment ago: it is that proposal, seen again.
                proposal = Proposal.objects.select_for_update().get(key=key)
                _seen_again(proposal, finding, now)
                known[key] = proposal
                continue
            new += 1
        Proposal.objects.bulk_update(
            list(known.values()), ["last_seen_at", "times_seen", "sources", "upstream_url", "raw_value", "diff"]
        )
    return new


@receiver(findings_reported, dispatch_uid="curation.inbox.receive_findings")
def receive_findings(sender: Any, findings: Sequence[Finding], **kwargs: Any) -> int:
    return proposals_record_findings(findings)


# ---------------------------------------------------------------------------------------------
# Accept
# ---------------------------------------------------------------------------------------------
Applier = Callable[[Proposal, AbstractBaseUser, Mapping[str, Any]], tuple[str, str]]


def _subject(proposal: Proposal, model: type[models.Model]) -> Any:
    """The record a proposal concerns, locked for the rest of the transaction; a clear error if it is gone."""
    if proposal.subject_type_id != ContentType.objects.get_for_model(model).pk or proposal.subject_id is None:
        raise ValidationError(f"This proposal does not concern a {model._meta.verbose_name}.")
    record = model._default_manager.select_for_update().filter(pk=proposal.subject_id).first()
    if record is None:
        raise ValidationError(f"{proposal.subject_label or 'The record'} no longer exists; dismiss this proposal.")
    return record


def _accept_publication(proposal: Proposal, user: AbstractBaseUser, data: Mapping[str, Any]) -> tuple[str, str]:
    """Cite the publication on the trial or drug; a new PMID becomes a reference the PubMed sync fills in."""
    pmid = str(proposal.raw_value.get("pmid", ""))
    validate_pmid(pmid)
    model = Trial if proposal.kind == FindingKind.TRIAL_PUBLICATION else Drug
    record = _subject(proposal, model)
    entry = references_create_from_identifiers(text=pmid, user=user, reason=proposal.history_reason)
    [reference] = entry.created + entry.existing
    record._history_user = user
    record._change_reason = proposal.history_reason
    record.references.add(reference)  # one history version of the record, with this link
    return f"PMID {pmid} cited by {record}", record.get_absolute_url()


def _accept_fda_approval(proposal: Proposal, user: AbstractBaseUser, data: Mapping[str, Any]) -> tuple[str, str]:
    """Record the approval openFDA lists, completed by the curator (indication, tumour, setting ...)."""
    approval = Approval(agency=Agency.FDA, **data)
    approval.full_clean()  # the model's own rules: sources, dates, conversions, uniqueness
    approval._history_user = user
    approval._change_reason = proposal.history_reason
    approval.save()
    return str(approval), approval.get_absolute_url()


def label_models() -> tuple[type[models.Model], type[models.Model]]:
    """Label and LabelWarning, which accepting a label finding writes."""
    return apps.get_model("drugs", "Label"), apps.get_model("drugs", "LabelWarning")


def _effective_date(proposal: Proposal) -> str:
    effective = str(proposal.raw_value.get("effective_time", ""))
    try:
        return datetime.datetime.strptime(effective, "%Y%m%d").date().isoformat()
    except ValueError as error:
        raise ValidationError(f"The label's effective time {effective!r} is not a date.") from error


def _accept_label_revision(proposal: Proposal, user: AbstractBaseUser, data: Mapping[str, Any]) -> tuple[str, str]:
    """Record the label's new revision (its effective date at DailyMed / openFDA)."""
    label_model, _warning_model = label_models()
    label = _subject(proposal, label_model)
    label.revised = _effective_date(proposal)
    label.full_clean()
    label._history_user, label._change_reason = user, proposal.history_reason
    label.save()
    return f"{label} revised {label.revised}", label.get_absolute_url()


def _accept_boxed_warning(proposal: Proposal, user: AbstractBaseUser, data: Mapping[str, Any]) -> tuple[str, str]:
    """Add the boxed warning to the label, quoted by the curator from the label's text, and the label's revision."""
    label_model, warning_model = label_models()
    label = _subject(proposal, label_model)
    position = (label.warnings.aggregate(last=models.Max("position"))["last"] or 0) + 1
    warning = warning_model(
        label=label,
        position=position,
        kind="boxed_warning",
        topic=data.get("topic", ""),
        statement=str(data.get("statement", "")).strip(),
        section=str(data.get("section", "")).strip() or "Boxed Warning",
        source=proposal.upstream_url,
    )
    warning.full_clean()
    warning._history_user, warning._change_reason = user, proposal.history_reason
    warning.save()
    label.revised = _effective_date(proposal)
    label.full_clean()
    label._history_user, label._change_reason = user, proposal.history_reason
    label.save()
    return str(warning), warning.get_absolute_url()


APPLIERS: dict[str, Applier] = {
    FindingKind.TRIAL_PUBLICATION: _accept_publication,
    FindingKind.DRUG_PUBLICATION: _accept_publication,
    FindingKind.FDA_EFFICACY_SUPPLEMENT: _accept_fda_approval,
    FindingKind.FDA_ORIGINAL: _accept_fda_approval,
    FindingKind.FDA_NEW_APPLICATION: _accept_fda_approval,
    FindingKind.LABEL_REVISION: _accept_label_revision,
    FindingKind.BOXED_WARNING: _accept_boxed_warning,
}


def boxed_warning_initial(proposal: Proposal) -> dict[str, Any]:
    """The label's boxed warning as openFDA gives it: the curator cuts the short quote the dataset keeps."""
    return {"statement": str(proposal.raw_value.get("boxed_warning", ""))[:500], "section": "Boxed Warning"}


def approval_initial(proposal: Proposal) -> dict[str, Any]:
    """What openFDA says about the approval a submission proposal stands for, to start the curator's form."""
    submission = proposal.raw_value.get("submission", {})
    date_text = str(submission.get("submission_status_date", ""))
    try:
        date = datetime.datetime.strptime(date_text, "%Y%m%d").date()
    except ValueError:
        date = None
    letters = [doc.get("url", "") for doc in submission.get("application_docs", []) if doc.get("type") == "Letter"]
    sources = [url.replace("http://", "https://", 1) for url in letters if url] or [proposal.upstream_url]
    return {"drug": proposal.drug_id, "date": date, "sources": sources}


def proposal_accept(
    proposal: Proposal, *, user: AbstractBaseUser, data: Mapping[str, Any] | None = None, note: str = ""
) -> Proposal:
    """Apply an open proposal in one transaction, written by `user` with the proposal as history reason."""
    applier = APPLIERS.get(proposal.kind)
    if applier is None:
        raise ValidationError(f"Proposals of the kind “{proposal.get_kind_display()}” cannot be accepted here yet.")
    with transaction.atomic():
        locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if not locked.is_open:
            raise ValidationError(f"This proposal was already {locked.get_status_display().lower()}.")
        label, url = applier(locked, user, data or {})
        locked.status = ProposalStatus.ACCEPTED
        locked.reason = note.strip()
        locked.decided_by = user
        locked.decided_at = timezone.now()
        locked.result_label, locked.result_url = label[:300], url[:500]
        locked.save()
    logger.info("Proposal #%s accepted by %s: %s", locked.pk, user, label)
    return locked


# ---------------------------------------------------------------------------------------------
# Dismiss
# ---------------------------------------------------------------------------------------------
def proposals_dismiss(proposals: Iterable[Proposal], *, user: AbstractBaseUser, reason: str) -> int:
    """Close open proposals with the curator's reason; the watchers will not raise them again. Returns how many."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why, so the next curator knows (e.g. “not about this trial”)."})
    pks = [proposal.pk for proposal in proposals]
    # One statement: a proposal accepted meanwhile by another curator is no longer open and is left alone.
    return (
        Proposal.objects.filter(pk__in=pks)
        .open()
        .update(status=ProposalStatus.DISMISSED, reason=reason, decided_by=user, decided_at=timezone.now())
    )
