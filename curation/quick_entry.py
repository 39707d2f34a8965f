"""
Quick entry: create records from identifiers alone, as curators paste them.

- A list of PMIDs (or DOIs) becomes references whose metadata the PubMed sync then fetches.
- An NCT number becomes a trial skeleton for the curator to complete.

Existing records are reused, never duplicated; anything that is not a valid identifier is handed back, so
nothing the curator pasted is silently lost. DOIs are resolved without network: only a DOI that a stored
reference already carries can be used; any other DOI is handed back as "needs a PMID" (PubMed is keyed by PMID,
and looking a DOI up would mean a call to an outside service from the admin request).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Upper
from django.utils.text import slugify

from her2kb.choices import SyncTrigger
from her2kb.validators import DOI_PATTERN, NCT_PATTERN, PMID_PATTERN
from references.models import Reference
from references.tasks import enqueue_sync_references
from trials.models import Trial

# Separators curators paste between identifiers: whitespace, commas, semicolons.
_SPLIT = re.compile(r"[\s,;]+")
# Prefixes and URL forms that name a PMID or DOI; stripped before the format check.
_PMID_FORMS = [
    re.compile(r"^(?:https?://)?(?:www\.)?pubmed\.ncbi\.nlm\.nih\.gov/([0-9]+)/?$", re.IGNORECASE),
    re.compile(r"^(?:https?://)?(?:www\.)?ncbi\.nlm\.nih\.gov/pubmed/([0-9]+)/?$", re.IGNORECASE),
    re.compile(r"^PMID:?([0-9]+)$", re.IGNORECASE),
]
_DOI_FORMS = [
    re.compile(r"^(?:https?://)?(?:dx\.)?doi\.org/(10\..+)$", re.IGNORECASE),
    re.compile(r"^doi:(10\..+)$", re.IGNORECASE),
]
_PMID_RE = re.compile(PMID_PATTERN)
_DOI_RE = re.compile(DOI_PATTERN)
_NCT_RE = re.compile(NCT_PATTERN)
QUICK_ENTRY_REASON = "Quick entry by identifier"


@dataclass
class ParsedIdentifiers:
    """What a pasted text holds: PMIDs and DOIs (in order, without repeats) and whatever is neither."""

    pmids: list[str] = field(default_factory=list)
    dois: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)


@dataclass
class QuickEntryResult:
    """What a quick entry did with each identifier."""

    created: list[Reference] = field(default_factory=list)
    existing: list[Reference] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    needs_pmid: list[str] = field(default_factory=list)
    queued_pmids: list[str] = field(default_factory=list)


def parse_identifiers(text: str) -> ParsedIdentifiers:
    """Split pasted text into PMIDs, DOIs and invalid tokens. Accepts 'PMID: 123', PubMed and doi.org URLs and
    'doi:' prefixes. A lone 'PMID' or 'PMID:' token followed by digits is read as one identifier."""
    parsed = ParsedIdentifiers()
    tokens = [token.strip("()[]<>\"'.") if not token.startswith("10.") else token for token in _SPLIT.split(text)]
    tokens = [token for token in tokens if token]
    merged: list[str] = []
    for token in tokens:
        # "PMID: 123" arrives as two tokens; "doi: 10.x/y" too.
        if merged and merged[-1].rstrip(":").upper() in {"PMID", "DOI"}:
            merged[-1] = merged[-1].rstrip(":") + ":" + token
        else:
            merged.append(token)
    for token in merged:
        pmid = _match_pmid(token)
        if pmid:
            if pmid not in parsed.pmids:
                parsed.pmids.append(pmid)
            continue
        doi = _match_doi(token)
        if doi:
            if doi.lower() not in (known.lower() for known in parsed.dois):
                parsed.dois.append(doi)
            continue
        if token not in parsed.invalid:
            parsed.invalid.append(token)
    return parsed


def _match_pmid(token: str) -> str | None:
    for form in _PMID_FORMS:
        match = form.match(token)
        if match:
            token = match.group(1)
            break
    return token if _PMID_RE.fullmatch(token) else None


def _match_doi(token: str) -> str | None:
    for form in _DOI_FORMS:
        match = form.match(token)
        if match:
            token = match.group(1)
            break
    token = token.rstrip(".,;")  # sentence punctuation pasted with the DOI
    return token if _DOI_RE.fullmatch(token) else None


def references_create_from_identifiers(
    *, text: str, user: AbstractBaseUser | None, reason: str = QUICK_ENTRY_REASON
) -> QuickEntryResult:
    """
    Create a reference for each new PMID in `text`, reuse existing ones (by PMID, or by DOI when a stored
    reference has that DOI), and hand back invalid identifiers and DOIs that need a PMID. The PubMed sync of new
    (and never-synced) references is queued once the transaction commits. New references carry `reason` in their
    history.
    """
    parsed = parse_identifiers(text)
    result = QuickEntryResult(invalid=list(parsed.invalid))
    with transaction.atomic():
        by_doi = {
            reference.doi.upper(): reference
            for reference in Reference.objects.annotate(doi_upper=Upper("doi")).filter(
                doi_upper__in=[doi.upper() for doi in parsed.dois]
            )
        }
        for doi in parsed.dois:
            reference = by_doi.get(doi.upper())
            if reference is None:
                result.needs_pmid.append(doi)
            elif reference not in result.existing:
                result.existing.append(reference)
        known = {reference.pmid: reference for reference in Reference.objects.filter(pmid__in=parsed.pmids)}
        for pmid in parsed.pmids:
            if pmid in known:
                if known[pmid] not in result.existing:
                    result.existing.append(known[pmid])
                continue
            reference = Reference(pmid=pmid)
            try:
                reference.full_clean()
            except ValidationError:
                result.invalid.append(pmid)
                continue
            reference._history_user = user
            reference._change_reason = reason
            try:
                with transaction.atomic():
                    reference.save()
            except IntegrityError:
                # Another curator added the same PMID a moment ago: reuse theirs.
                result.existing.append(Reference.objects.get(pmid=pmid))
                continue
            result.created.append(reference)
        result.queued_pmids = [reference.pmid for reference in result.created] + [
            reference.pmid for reference in result.existing if reference.last_synced_at is None
        ]
        enqueue_sync_references(result.queued_pmids, trigger=SyncTrigger.ADMIN)
    return result


def normalize_nct_id(text: str) -> str | None:
    """'nct 01234567', ' NCT01234567 ' or a ClinicalTrials.gov study URL → 'NCT01234567'; None if not an NCT."""
    value = re.sub(r"^(?:https?://)?(?:www\.)?clinicaltrials\.gov/(?:study|ct2/show)/", "", text.strip(), flags=re.I)
    value = re.sub(r"\s+", "", value).rstrip("/").upper()
    return value if _NCT_RE.fullmatch(value) else None


def trial_skeleton_from_nct(
    *, nct_id: str, phase: str, acronym: str = "", user: AbstractBaseUser | None
) -> tuple[Trial, bool]:
    """The trial with this NCT number: the existing one, or a new skeleton (NCT number, phase, acronym) for the
    curator to complete. Returns (trial, created). Raises ValidationError with a curator's message if invalid."""
    normalized = normalize_nct_id(nct_id)
    if normalized is None:
        raise ValidationError({"nct_id": "An NCT number is 'NCT' followed by exactly 8 digits."})
    with transaction.atomic():
        existing = Trial.objects.select_for_update().filter(nct_id=normalized).first()
        if existing:
            return existing, False
        slug = slugify(acronym) or normalized.lower()
        if Trial.objects.filter(slug=slug).exists():
            slug = normalized.lower()
        trial = Trial(nct_id=normalized, slug=slug, acronym=acronym.strip(), phase=phase)
        trial.full_clean()
        trial._history_user = user
        trial._change_reason = QUICK_ENTRY_REASON
        trial.save()
    return trial, True
