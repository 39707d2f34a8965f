"""
ClinicalTrials.gov API v2 client and parser. HTTP and parsing only: no ORM, so it is testable without a database.

`parse_study` is pure: one study's JSON in, a `RegistryRecord` out, with the registry's values mapped to ours
(statuses and phases to our choices, "2016-07" to a month-precision date, ESTIMATED to anticipated) and a note for
anything that does not map. `CtGovClient.studies` fetches a batch of NCT numbers with `filter.ids` and `fields`,
following `nextPageToken` to the last page. Rate limit, timeouts and retries are the shared `UpstreamClient`'s.
Facts below come from ../shared/api-samples/API-NOTES.md (the API's documentation and recorded responses).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from her2kb.ratelimit import limiter_from_settings
from her2kb.upstream import (
    MalformedResponse,
    UpstreamClient,
    UpstreamError,
    json_body,
    retry_options_from_settings,
)

from .choices import DatePrecision, RegistryValueType, TrialPhase, TrialStatus

# What the sync reads of a study: only these parts come back (the API's `fields`, module and piece names).
STUDY_FIELDS = (
    "IdentificationModule",
    "StatusModule",
    "SponsorCollaboratorsModule",
    "DesignModule",
    "ReferencesModule",
    "HasResults",
)
# NCT numbers per request: `filter.ids` travels in the URL, and 100 of them keep it near 1.3 kB.
MAX_BATCH_SIZE = 100
PAGE_SIZE = 100  # the API lowers anything above 1,000; a batch normally fits one page
MAX_PAGES = 50  # "a page may have empty studies array": follow tokens, but not forever
NCT_RE = re.compile(r"^NCT[0-9]{8}$")
DATE_RE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")
# The registry's reference types that are publications of the trial itself (BACKGROUND is literature it cites).
PUBLICATION_TYPES = ("RESULT", "DERIVED")
PHASES = {
    ("PHASE1",): TrialPhase.PHASE_1,
    ("PHASE2",): TrialPhase.PHASE_2,
    ("PHASE3",): TrialPhase.PHASE_3,
    ("PHASE4",): TrialPhase.PHASE_4,
    ("PHASE1", "PHASE2"): TrialPhase.PHASE_1_2,
    ("PHASE2", "PHASE3"): TrialPhase.PHASE_2_3,
}
VALUE_TYPES = {"ACTUAL": RegistryValueType.ACTUAL, "ESTIMATED": RegistryValueType.ANTICIPATED}


@dataclass(frozen=True)
class RegistryDate:
    value: datetime.date
    precision: str  # DatePrecision
    type: str  # RegistryValueType, or "" when the registry does not say


@dataclass(frozen=True)
class RegistryPublication:
    pmid: str
    type: str  # RESULT or DERIVED
    citation: str


@dataclass(frozen=True)
class RegistryRecord:
    """One study as the registry states it, in our terms. `values()` gives the Trial's registry-owned fields."""

    nct_id: str
    aliases: list[str] = field(default_factory=list)
    status: str | None = None  # None: a status we do not record (expanded access ...)
    phase: str | None = None  # None: no phase, or one we do not record (EARLY_PHASE1, NA)
    start: RegistryDate | None = None
    primary_completion: RegistryDate | None = None
    completion: RegistryDate | None = None
    enrollment: int | None = None
    enrollment_type: str = ""
    sponsor: str = ""
    last_updated: datetime.date | None = None
    has_results: bool | None = None
    publications: list[RegistryPublication] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def values(self) -> dict[str, Any]:
        """Trial field → value, for every registry-owned field the registry states in our terms."""
        values: dict[str, Any] = {}
        if self.status is not None:
            values["status"] = self.status
        if self.phase is not None:
            values["phase"] = self.phase
        for name, date in (
            ("start_date", self.start),
            ("primary_completion_date", self.primary_completion),
            ("completion_date", self.completion),
        ):
            values[name] = date.value if date else None
            values[f"{name}_type"] = date.type if date else ""
            values[f"{name}_precision"] = date.precision if date else DatePrecision.DAY
        values["enrollment"] = self.enrollment
        values["enrollment_type"] = self.enrollment_type if self.enrollment is not None else ""
        values["sponsor"] = self.sponsor[:200]
        values["registry_last_updated"] = self.last_updated
        values["has_results"] = self.has_results
        values["registry_pmids"] = sorted({p.pmid for p in self.publications}, key=int)
        return values


@dataclass(frozen=True)
class BatchResult:
    """What one batch fetched: the records, keyed by the NCT number asked for (aliases resolved), and the cost."""

    records: dict[str, RegistryRecord]
    requests_made: int
    retries: int


# ---------------------------------------------------------------------------------------------
# Parsing (pure)
# ---------------------------------------------------------------------------------------------
def parse_registry_date(struct: Any, what: str, notes: list[str]) -> RegistryDate | None:
    """{"date": "2016-07", "type": "ACTUAL"} → a month-precision actual date; a missing struct → None."""
    if not isinstance(struct, dict) or not struct.get("date"):
        return None
    match = DATE_RE.match(str(struct["date"]))
    try:
        if not match:
            raise ValueError(struct["date"])
        year, month, day = match.groups()
        value = datetime.date(int(year), int(month), int(day or 1))
    except ValueError:
        notes.append(f"{what}: unreadable date {struct['date']!r}")
        return None
    precision = DatePrecision.DAY if day else DatePrecision.MONTH
    return RegistryDate(value=value, precision=precision, type=VALUE_TYPES.get(str(struct.get("type", "")), ""))


def parse_study(study: Any) -> RegistryRecord:
    """One study of a v2 response. Unknown keys are ignored; only the NCT number and the status module are required.
    Raises MalformedResponse for anything that is not a study."""
    protocol = study.get("protocolSection") if isinstance(study, dict) else None
    identification = protocol.get("identificationModule") if isinstance(protocol, dict) else None
    nct_id = str((identification or {}).get("nctId", ""))
    if not NCT_RE.match(nct_id):
        raise MalformedResponse(f"a study without a valid NCT number: {str(study)[:120]!r}")
    status_module = protocol.get("statusModule")
    if not isinstance(status_module, dict):
        raise MalformedResponse(f"{nct_id}: the registry's answer has no status module")
    notes: list[str] = []
    raw_status = str(status_module.get("overallStatus", ""))
    status = raw_status.lower() if raw_status.lower() in TrialStatus.values else None
    if status is None:
        notes.append(f"{nct_id}: overall status {raw_status or '(none)'} is not one this knowledge base records")
    design = protocol.get("designModule") or {}
    raw_phases = tuple(sorted(str(p) for p in design.get("phases") or []))
    phase = PHASES.get(raw_phases)
    if phase is None:
        notes.append(f"{nct_id}: phase {'/'.join(raw_phases) or '(none)'} is not one this knowledge base records")
    enrollment_info = design.get("enrollmentInfo") or {}
    count = enrollment_info.get("count")
    enrollment = count if isinstance(count, int) and count >= 0 else None
    sponsor = ((protocol.get("sponsorCollaboratorsModule") or {}).get("leadSponsor") or {}).get("name", "")
    last_update = parse_registry_date(status_module.get("lastUpdatePostDateStruct"), f"{nct_id} last update", notes)
    publications = [
        RegistryPublication(pmid=str(ref["pmid"]), type=ref.get("type", ""), citation=str(ref.get("citation", "")))
        for ref in (protocol.get("referencesModule") or {}).get("references") or []
        if isinstance(ref, dict)
        and ref.get("type") in PUBLICATION_TYPES
        and re.fullmatch(r"[1-9][0-9]{0,8}", str(ref.get("pmid", "")))
    ]
    has_results = study.get("hasResults")
    return RegistryRecord(
        nct_id=nct_id,
        aliases=[str(alias) for alias in identification.get("nctIdAliases") or []],
        status=status,
        phase=phase,
        start=parse_registry_date(status_module.get("startDateStruct"), f"{nct_id} start", notes),
        primary_completion=parse_registry_date(
            status_module.get("primaryCompletionDateStruct"), f"{nct_id} primary completion", notes
        ),
        completion=parse_registry_date(status_module.get("completionDateStruct"), f"{nct_id} completion", notes),
        enrollment=enrollment,
        enrollment_type=VALUE_TYPES.get(str(enrollment_info.get("type", "")), ""),
        sponsor=str(sponsor),
        last_updated=last_update.value if last_update else None,
        has_results=has_results if isinstance(has_results, bool) else None,
        publications=publications,
        notes=notes,
    )


def parse_studies_page(body: Any) -> tuple[list[RegistryRecord], str]:
    """A `/studies` page: its studies and the next page's token ("" on the last page, which has none)."""
    if not isinstance(body, dict) or not isinstance(body.get("studies"), list):
        raise MalformedResponse(f"expected {{'studies': [...]}}, got {str(body)[:120]!r}")
    token = body.get("nextPageToken") or ""
    return [parse_study(study) for study in body["studies"]], str(token)


# ---------------------------------------------------------------------------------------------
# HTTP client
# ---------------------------------------------------------------------------------------------
class CtGovClient(UpstreamClient):
    """A small, synchronous client of the ClinicalTrials.gov API v2 `/studies` endpoint."""

    service = "ClinicalTrials.gov"

    def studies(self, nct_ids: Sequence[str], *, page_size: int = PAGE_SIZE) -> BatchResult:
        """The studies of a batch of NCT numbers (≤ 100), keyed by the number asked for: a study found under an alias
        (the registry searches `filter.ids` in NCTId and NCTIdAlias) is keyed by the alias asked. NCT numbers the
        registry does not know are absent. Raises UpstreamError once retries are exhausted."""
        nct_ids = list(dict.fromkeys(nct_ids))
        if len(nct_ids) > MAX_BATCH_SIZE:
            raise ValueError(f"at most {MAX_BATCH_SIZE} NCT numbers per request, got {len(nct_ids)}")
        if bad := [n for n in nct_ids if not NCT_RE.match(n)]:
            raise ValueError(f"not NCT numbers: {', '.join(bad[:10])}")
        if not nct_ids:  # an empty filter.ids would ask for every study in the registry
            return BatchResult(records={}, requests_made=0, retries=0)
        records: dict[str, RegistryRecord] = {}
        requests_made = retries = 0
        token = ""
        asked = set(nct_ids)
        for _page in range(MAX_PAGES):
            params = {
                "format": "json",
                "filter.ids": ",".join(nct_ids),
                "fields": ",".join(STUDY_FIELDS),
                "pageSize": str(page_size),
            }
            if token:
                params["pageToken"] = token  # later pages repeat every other parameter, as the API requires
            (page, token), attempts = self.call(
                "GET",
                self.base_url + "studies",
                params=params,
                parse=lambda response: parse_studies_page(json_body(response, service=self.service)),
                what=f"studies of {len(nct_ids)} NCT numbers",
            )
            requests_made += attempts
            retries += attempts - 1
            for record in page:
                for key in [record.nct_id, *record.aliases]:
                    if key in asked:
                        records[key] = record
            if not token:
                break
        else:
            raise UpstreamError(
                f"the registry kept paging past {MAX_PAGES} pages for {len(nct_ids)} NCT numbers",
                requests_made=requests_made,
            )
        return BatchResult(records=records, requests_made=requests_made, retries=retries)


def study_url(nct_id: str) -> str:
    """The study's public page, where a curator checks what the sync read."""
    return f"https://clinicaltrials.gov/study/{nct_id}"


def client_from_settings(**overrides: Any) -> CtGovClient:
    """The client configured by Django settings: the real registry in production, the fake server in tests."""
    from django.conf import settings

    options: dict[str, Any] = {
        "base_url": settings.CTGOV_API_BASE_URL,
        "limiter": limiter_from_settings("ctgov", settings.CTGOV_REQUESTS_PER_MINUTE / 60),
        **retry_options_from_settings("CTGOV"),
    }
    options.update(overrides)
    return CtGovClient(**options)
