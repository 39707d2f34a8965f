"""
Findings: what a watcher saw upstream that the dataset does not hold, on its way to the curators' inbox.

The watchers live in the apps that own the data they compare (trials: ClinicalTrials.gov, drugs: openFDA,
references: PubMed); the inbox of proposals lives with the curator's workbench (curation), above them all. The apps
below may not import it, so they hand their findings to `report_findings`, which sends the `findings_reported`
signal; the inbox answers it inside the caller's transaction (so a batch's findings land with the batch, or not at
all) with how many of the findings were new to it. A finding is identified by its `key`: the same fact seen again,
by the same watcher or another, is the same proposal.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.dispatch import Signal


class FindingSource(models.TextChoices):
    CTGOV = "ctgov", "ClinicalTrials.gov"
    OPENFDA = "openfda", "openFDA"
    PUBMED = "pubmed", "PubMed"


class FindingKind(models.TextChoices):
    TRIAL_PUBLICATION = "trial_publication", "Publication of a trial"
    DRUG_PUBLICATION = "drug_publication", "Publication on a drug"
    FDA_EFFICACY_SUPPLEMENT = "fda_efficacy_supplement", "FDA efficacy supplement"
    FDA_ORIGINAL = "fda_original", "FDA original application approval"
    FDA_NEW_APPLICATION = "fda_new_application", "New FDA application of a tracked substance"
    LABEL_REVISION = "label_revision", "Label revision"
    BOXED_WARNING = "boxed_warning", "Boxed warning added or changed"


@dataclass(frozen=True)
class Finding:
    """One upstream fact the dataset lacks, with where it was seen and what accepting it would change."""

    source: str  # a FindingSource
    kind: str  # a FindingKind
    key: str  # stable across runs and watchers, e.g. "trial-publication:NCT01234567:12345678"
    title: str  # what a curator reads first: "New publication for DESTINY-Breast09: PMID 12345678"
    upstream_url: str  # where it can be checked
    raw_value: Any  # the upstream's value as found (JSON-serialisable)
    # field → {"current": what the dataset holds, "proposed": what the upstream says}
    diff: dict[str, dict[str, Any]] = field(default_factory=dict)
    subject: models.Model | None = None  # the record it concerns
    drug_id: int | None = None  # the drug it concerns, for the inbox's filter


def trial_publication_key(trial_key: str, pmid: str) -> str:
    """One key for "this PMID is a publication of this trial", whoever finds it (the registry, a PubMed search)."""
    return f"trial-publication:{trial_key}:{pmid}"


def publication_diff(cited_pmids: Iterable[str], pmid: str) -> dict[str, dict[str, Any]]:
    """The field-level change of citing one more publication: what the record cites now, and the addition."""
    current = ", ".join(f"PMID {cited}" for cited in sorted(set(cited_pmids), key=int))
    return {"references": {"current": current or "none", "proposed": f"also PMID {pmid}"}}


findings_reported = Signal()


def report_findings(findings: Sequence[Finding]) -> int:
    """Hand findings to the inbox; return how many were new (not proposed, accepted or dismissed before)."""
    if not findings:
        return 0
    responses = findings_reported.send(sender=Finding, findings=list(findings))
    if not responses:
        raise ImproperlyConfigured("No inbox receives findings: the curation app must be installed.")
    return sum(count for _receiver, count in responses)
