"""
openFDA client, parser and the comparisons of the FDA watcher. HTTP, parsing and pure comparison only: no ORM.

`OpenFdaClient.search` reads `drug/drugsfda.json` or `drug/label.json`, following the `Link: <…>; rel="next"`
header (search_after paging) until it is absent; a 404 NOT_FOUND is openFDA's way of saying "no match" and reads as
no results. `parse_application` and `parse_label` turn records into what the watcher compares; `new_submissions`,
`label_changes` and `is_tracked_application` say what openFDA knows that the dataset does not, given what the
dataset tracks (`TrackedApplication`, `TrackedLabel`). Facts below come from ../shared/api-samples/API-NOTES.md
(openFDA's documentation and recorded responses): numbers and dates are strings (dates YYYYMMDD), submissions come
unordered, `submission_number` is unique only together with `submission_type`, an application may have two ORIG
submissions, and a label's `openfda` block may be empty.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import requests

from her2kb.ratelimit import limiter_from_settings
from her2kb.upstream import (
    MalformedResponse,
    UpstreamClient,
    UpstreamError,
    UpstreamRejected,
    json_body,
    retry_options_from_settings,
)

DRUGSFDA = "drug/drugsfda.json"
LABEL = "drug/label.json"
PAGE_LIMIT = 100  # records per page; the drugsfda page documents 99 as its maximum "for any single call" … or 1000
MAX_PAGES = 100
APPLICATION_RE = re.compile(r"^(NDA|ANDA|BLA)\s*0*([0-9]{6})$", re.IGNORECASE)
NEXT_LINK_RE = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')
APPROVED = "AP"
EFFICACY = "EFFICACY"


def normalise_application_number(text: str) -> str:
    """'BLA 761139', 'bla761139' → 'BLA761139' (openFDA's form); '' if it is not an FDA application number."""
    match = APPLICATION_RE.match(text.strip())
    return f"{match.group(1).upper()}{match.group(2)}" if match else ""


def _date(text: Any) -> datetime.date | None:
    try:
        return datetime.datetime.strptime(str(text), "%Y%m%d").date()
    except ValueError:
        return None


def _strings(value: Any) -> list[str]:
    return [str(item) for item in value] if isinstance(value, list) else []


def _normalise_text(text: str) -> str:
    """Label text compared without case, punctuation spacing or line breaks."""
    return " ".join(re.sub(r"[^\w%]+", " ", text.lower()).split())


# ---------------------------------------------------------------------------------------------
# Parsed records
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Submission:
    """One submission of an application. `type` + `number` identify it (two ORIG submissions can exist)."""

    type: str  # ORIG or SUPPL
    number: str
    status: str  # AP: approved
    status_date: datetime.date | None
    class_code: str  # EFFICACY, LABELING, TYPE 1 ...
    class_description: str
    raw: dict[str, Any]

    @property
    def label(self) -> str:
        return f"{self.type} {self.number}"


@dataclass(frozen=True)
class Application:
    number: str  # e.g. BLA761139
    sponsor: str
    brand_names: list[str]
    generic_names: list[str]  # the harmonised openfda block's, upper case (e.g. TRASTUZUMAB-DKST)
    substance_names: list[str]  # the openfda block's and the products' active ingredients, upper case
    pharm_classes: list[str]
    submissions: list[Submission]

    def match(self, name: str) -> int:
        """How closely the application names this drug: 2 by its generic or brand name (a biosimilar's own
        name), 1 by its substance alone, 0 not at all."""
        wanted = name.strip().upper()
        if wanted in self.generic_names or wanted in (brand.upper() for brand in self.brand_names):
            return 2
        return 1 if wanted in self.substance_names else 0

    @property
    def original_approval(self) -> Submission | None:
        """The earliest approved ORIG submission (an application can have two, the same day)."""
        originals = [s for s in self.submissions if s.type == "ORIG" and s.status == APPROVED and s.status_date]
        return min(originals, key=lambda s: (s.status_date, s.number), default=None)


@dataclass(frozen=True)
class LabelRecord:
    set_id: str
    effective_time: datetime.date | None
    version: str
    brand_names: list[str]
    boxed_warning: str  # "" when the label has none


@dataclass(frozen=True)
class SearchResult:
    results: list[dict[str, Any]]
    total: int  # as openFDA reports it on the first page (0 for "no match")
    requests_made: int


def parse_submission(raw: dict[str, Any]) -> Submission:
    return Submission(
        type=str(raw.get("submission_type", "")).upper(),
        number=str(raw.get("submission_number", "")).lstrip("0") or "0",
        status=str(raw.get("submission_status", "")).upper(),
        status_date=_date(raw.get("submission_status_date")),
        class_code=str(raw.get("submission_class_code", "")).upper(),
        class_description=str(raw.get("submission_class_code_description", "")),
        raw=raw,
    )


def parse_application(raw: Any) -> Application:
    """One drugsfda record. Raises MalformedResponse if it has no application number."""
    if not isinstance(raw, dict) or not normalise_application_number(str(raw.get("application_number", ""))):
        raise MalformedResponse(f"a drugsfda record without an application number: {str(raw)[:120]!r}")
    harmonised = raw.get("openfda") if isinstance(raw.get("openfda"), dict) else {}
    products = [p for p in raw.get("products") or [] if isinstance(p, dict)]
    generics = _strings(harmonised.get("generic_name"))
    substances = _strings(harmonised.get("substance_name"))
    substances += [str(i.get("name", "")) for p in products for i in p.get("active_ingredients") or [] if i]
    brands = _strings(harmonised.get("brand_name")) + [str(p.get("brand_name", "")) for p in products]
    classes = [
        value for key, values in harmonised.items() if key.startswith("pharm_class_") for value in _strings(values)
    ]
    return Application(
        number=normalise_application_number(str(raw["application_number"])),
        sponsor=str(raw.get("sponsor_name", "")),
        brand_names=sorted({b for b in brands if b}),
        generic_names=sorted({g.upper() for g in generics if g}),
        substance_names=sorted({s.upper() for s in substances if s}),
        pharm_classes=sorted(set(classes)),
        submissions=[parse_submission(s) for s in raw.get("submissions") or [] if isinstance(s, dict)],
    )


def parse_label(raw: Any) -> LabelRecord:
    """One label record. Raises MalformedResponse if it has no set id."""
    if not isinstance(raw, dict) or not raw.get("set_id"):
        raise MalformedResponse(f"a label record without a set_id: {str(raw)[:120]!r}")
    harmonised = raw.get("openfda") if isinstance(raw.get("openfda"), dict) else {}
    return LabelRecord(
        set_id=str(raw["set_id"]),
        effective_time=_date(raw.get("effective_time")),
        version=str(raw.get("version", "")),
        brand_names=_strings(harmonised.get("brand_name")),
        boxed_warning=" ".join(_strings(raw.get("boxed_warning"))).strip(),
    )


def parse_search_page(response: requests.Response) -> tuple[list[dict[str, Any]], int, str]:
    """(results, total, next page URL or "") from one openFDA answer; a 404 NOT_FOUND is "no match"."""
    body = json_body(response, service="openFDA")
    if not isinstance(body, dict):
        raise MalformedResponse(f"expected a JSON object, got {str(body)[:120]!r}")
    if response.status_code == 404:
        error = body.get("error") if isinstance(body.get("error"), dict) else {}
        if error.get("code") == "NOT_FOUND":
            return [], 0, ""
        raise UpstreamRejected(f"openFDA answered 404: {str(body)[:200]}", requests_made=1)
    if not isinstance(body.get("results"), list):
        raise MalformedResponse(f"an openFDA answer without results: {str(body)[:120]!r}")
    total = ((body.get("meta") or {}).get("results") or {}).get("total", len(body["results"]))
    link = NEXT_LINK_RE.search(response.headers.get("Link", ""))
    return body["results"], int(total) if isinstance(total, int) else 0, link.group(1) if link else ""


def any_of(field_name: str, values: Iterable[str]) -> str:
    """An openFDA search matching any of the values in one field: `field:"a" field:"b"` (a space is OR)."""
    return " ".join(f'{field_name}:"{value.replace(chr(34), "")}"' for value in values)


# ---------------------------------------------------------------------------------------------
# What openFDA knows that the dataset does not (pure)
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TrackedApplication:
    """An FDA application the dataset tracks, and the dates of the FDA approvals it records for it."""

    number: str  # normalised, e.g. BLA761139
    drug_id: int
    drug_name: str
    approval_dates: frozenset[datetime.date] = field(default_factory=frozenset)


@dataclass(frozen=True)
class TrackedLabel:
    """An FDA label the dataset tracks (its DailyMed set id), its revision and its boxed warnings as quoted."""

    set_id: str
    label_id: int
    drug_id: int
    drug_name: str
    revised: str  # "YYYY-MM" or "YYYY-MM-DD", or ""
    boxed_statements: tuple[str, ...] = ()


def new_submissions(application: Application, tracked: TrackedApplication) -> list[Submission]:
    """Approved submissions that are approvals of their own (an original application, or a supplement of the
    efficacy class: a new indication) dated on a day the dataset records no FDA approval of this application.
    Labeling and manufacturing supplements are not approvals of an indication."""
    found = [
        submission
        for submission in application.submissions
        if submission.status == APPROVED
        and submission.status_date is not None
        and (submission.type == "ORIG" or submission.class_code == EFFICACY)
        and submission.status_date not in tracked.approval_dates
    ]
    # Two submissions approved the same day (ORIG 1 and ORIG 2 of NDA203094) are one approval to record.
    by_day: dict[tuple[str, datetime.date], Submission] = {}
    for submission in sorted(found, key=lambda s: (s.status_date, s.type, int(s.number) if s.number.isdigit() else 0)):
        by_day.setdefault((submission.type, submission.status_date), submission)
    return list(by_day.values())


def is_newer_revision(effective: datetime.date, revised: str) -> bool:
    """Whether a label's effective date is later than the revision the dataset records ("2024-11" or a date)."""
    if not revised:
        return True
    if len(revised) == 7:  # the revision is stated to the month: only a later month is news
        return f"{effective:%Y-%m}" > revised
    return effective.isoformat() > revised


def boxed_warning_key(set_id: str, text: str) -> str:
    return f"fda-boxed-warning:{set_id}:{hashlib.sha256(_normalise_text(text).encode()).hexdigest()[:16]}"


def boxed_warning_changed(label: LabelRecord, tracked: TrackedLabel) -> bool:
    """A boxed warning the dataset does not hold: the label has one and the dataset quotes none, or a statement the
    dataset quotes is no longer in the label's boxed warning."""
    if not label.boxed_warning:
        return False
    if not tracked.boxed_statements:
        return True
    text = _normalise_text(label.boxed_warning)
    return any(_normalise_text(statement) not in text for statement in tracked.boxed_statements)


# ---------------------------------------------------------------------------------------------
# HTTP client
# ---------------------------------------------------------------------------------------------
class OpenFdaClient(UpstreamClient):
    """A small, synchronous openFDA client. An API key goes as the Basic-auth user name (openFDA accepts it there),
    so it never appears in a URL, a log line or a next-page link."""

    service = "openFDA"

    def __init__(self, *, api_key: str = "", **options: Any) -> None:
        super().__init__(secret=api_key, **options)
        if api_key:
            self.session.auth = (api_key, "")

    def search(self, endpoint: str, search: str, *, limit: int | None = None) -> SearchResult:
        """Every record matching `search` at `endpoint`, page by page. Raises UpstreamError once retries are
        exhausted, UpstreamRejected for a refused query (400, 403)."""
        url: str = self.base_url + endpoint
        params: dict[str, str] | None = {"search": search, "limit": str(limit or PAGE_LIMIT)}
        results: list[dict[str, Any]] = []
        total = 0
        requests_made = 0
        for page in range(MAX_PAGES):
            (rows, page_total, next_url), attempts = self.call(
                "GET",
                url,
                params=params,
                parse=parse_search_page,
                what=f"openFDA {endpoint} search {search[:80]!r}",
                answer_statuses=(200, 404),
            )
            requests_made += attempts
            results.extend(rows)
            total = page_total if page == 0 else total
            if not next_url or not rows:
                return SearchResult(results=results, total=total, requests_made=requests_made)
            if not next_url.startswith(self.base_url):
                raise UpstreamRejected(f"openFDA's next page points elsewhere: {next_url[:120]}", requests_made=1)
            url, params = next_url, None  # the next-page link carries the query and the search_after cursor
        raise UpstreamError(
            f"openFDA kept paging past {MAX_PAGES} pages for {search[:80]!r}", requests_made=requests_made
        )

    def applications(self, search: str) -> list[Application]:
        return [parse_application(raw) for raw in self.search(DRUGSFDA, search).results]

    def labels(self, search: str) -> list[LabelRecord]:
        return [parse_label(raw) for raw in self.search(LABEL, search).results]


def application_url(number: str) -> str:
    """The application's Drugs@FDA page, where a curator checks what the watcher read."""
    digits = number[-6:]
    return f"https://www.accessdata.fda.gov/scripts/cder/daf/index.cfm?event=overview.process&ApplNo={digits}"


def label_url(set_id: str) -> str:
    return f"https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid={set_id}"


def client_from_settings(**overrides: Any) -> OpenFdaClient:
    """The client configured by Django settings: the real openFDA in production, the fake server in tests."""
    from django.conf import settings

    rate = settings.OPENFDA_REQUESTS_PER_MINUTE / 60
    options: dict[str, Any] = {
        "base_url": settings.OPENFDA_BASE_URL,
        "api_key": settings.OPENFDA_API_KEY,
        "limiter": limiter_from_settings("openfda", rate, settings.OPENFDA_API_KEY),
        **retry_options_from_settings("OPENFDA"),
    }
    options.update(overrides)
    return OpenFdaClient(**options)


def batches(values: Sequence[str], size: int) -> list[list[str]]:
    return [list(values[start : start + size]) for start in range(0, len(values), size)]
