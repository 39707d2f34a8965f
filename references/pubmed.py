"""
NCBI E-utilities client and PubMed XML parser. HTTP and parsing only: no ORM, so it is testable without a database.

`parse_pubmed_xml` is pure: bytes in, `PubMedRecord`s out. `EutilsClient.efetch` sends one POST for a batch of at
most 200 PMIDs and reports which requested PMIDs PubMed did not return; `EutilsClient.esearch` runs one search over
a date window (the literature watcher's saved searches). Rate limit, timeouts and retries are the shared
`her2kb.upstream.UpstreamClient`'s. Facts in the docstrings below come from ../shared/api-samples/API-NOTES.md
(NCBI documentation and the PubMed DTD).
"""

from __future__ import annotations

import datetime
import json
import logging
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import requests
from defusedxml import ElementTree as SafeElementTree
from defusedxml.common import DefusedXmlException

from her2kb.ratelimit import limiter_from_settings
from her2kb.upstream import (
    MalformedResponse,
    UpstreamClient,
    json_body,
    redact,
    retry_options_from_settings,
)

logger = logging.getLogger(__name__)

# NCBI: "if more than about 200 UIDs are to be provided, the request should be made using the HTTP POST method".
MAX_BATCH_SIZE = 200
PMID_RE = re.compile(r"^[1-9][0-9]{0,8}$")
MONTHS = {name: number for number, name in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1
)}  # fmt: skip
# Publication types and comment/correction kinds that mark a retraction or an erratum (PubMed DTD, MeSH UIs).
RETRACTED_PUBLICATION = "Retracted Publication"
RETRACTION_REF_TYPES = ("RetractionIn", "RetractedandRepublishedIn")
ERRATUM_REF_TYPES = ("ErratumIn",)
# PubMed serves at most the first 10,000 hits of a search; retstart must stay at or below 9998.
ESEARCH_MAX_RETSTART = 9998
ESEARCH_PAGE_SIZE = 500


# ---------------------------------------------------------------------------------------------
# Parsed records
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PubMedRecord:
    """One PubmedArticle, reduced to what a Reference stores (field names match Reference.BIBLIOGRAPHIC_FIELDS)."""

    pmid: str
    doi: str = ""
    pmcid: str = ""
    title: str = ""
    authors: list[dict[str, Any]] = field(default_factory=list)
    # PubMed's AuthorList CompleteYN="N": the list it holds is itself incomplete. None without an author list.
    authors_complete: bool | None = None
    journal: str = ""
    journal_iso: str = ""
    pub_year: int | None = None
    pub_month: int | None = None
    pub_day: int | None = None
    pub_date_text: str = ""
    volume: str = ""
    issue: str = ""
    pages: str = ""
    abstract: str = ""
    publication_types: list[str] = field(default_factory=list)
    mesh_terms: list[str] = field(default_factory=list)
    is_retracted: bool = False
    retraction_notice_pmids: list[str] = field(default_factory=list)
    has_erratum: bool = False
    erratum_pmids: list[str] = field(default_factory=list)
    # Not stored as bibliographic fields, but useful to callers.
    date_revised: str = ""  # ISO date of MedlineCitation/DateRevised: the record's "last revised" date
    status: str = ""  # MedlineCitation@Status, e.g. MEDLINE, In-Process, PubMed-not-MEDLINE
    nct_ids: list[str] = field(default_factory=list)  # DataBankList ClinicalTrials.gov accession numbers

    def bibliographic_values(self, field_names: Sequence[str]) -> dict[str, Any]:
        return {name: getattr(self, name) for name in field_names}


@dataclass(frozen=True)
class ParsedSet:
    """What one efetch body held: the articles, PMIDs listed under DeleteCitation, and skipped book records."""

    records: list[PubMedRecord]
    deleted_pmids: list[str] = field(default_factory=list)
    book_pmids: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class FetchResult:
    """The outcome of one batch: records found, PMIDs PubMed did not return, and what it cost in requests."""

    records: list[PubMedRecord]
    missing_pmids: list[str]
    requests_made: int
    retries: int
    unsupported_pmids: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Parsing (pure)
# ---------------------------------------------------------------------------------------------
def _text(element: ElementTree.Element | None) -> str:
    """All text inside an element, markup (<i>, <sub>, MathML...) flattened, whitespace collapsed.

    `.text` alone stops at the first child element, which would cut titles and abstracts short.
    """
    if element is None:
        return ""
    return " ".join("".join(element.itertext()).split())


def _child_text(parent: ElementTree.Element | None, path: str) -> str:
    return _text(parent.find(path)) if parent is not None else ""


def _month_number(value: str) -> int | None:
    """'Sep' → 9, '09' or '9' → 9; anything else (a season, junk) → None."""
    value = value.strip()
    if value.isdigit():
        number = int(value)
        return number if 1 <= number <= 12 else None
    return MONTHS.get(value[:3].lower()) if len(value) >= 3 else None


def _parse_pub_date(pub_date: ElementTree.Element | None) -> tuple[int | None, int | None, int | None, str]:
    """PubDate comes as Year[/Month[/Day]], Year/Season, or free-text MedlineDate ('1998 Dec-1999 Jan').

    Returns (year, month, day, text). `text` keeps the printed form whenever year/month/day cannot say it all
    (a season or a MedlineDate range), and is empty for a plain date.
    """
    if pub_date is None:
        return None, None, None, ""
    medline_date = _child_text(pub_date, "MedlineDate")
    if medline_date:
        found = re.search(r"\b(1[89]\d\d|20\d\d)\b", medline_date)
        return (int(found.group(1)) if found else None), None, None, medline_date
    year_text = _child_text(pub_date, "Year")
    year = int(year_text) if year_text.isdigit() else None
    season = _child_text(pub_date, "Season")
    if season:
        return year, None, None, f"{year_text} {season}".strip()
    month = _month_number(_child_text(pub_date, "Month"))
    day_text = _child_text(pub_date, "Day")
    day = int(day_text) if day_text.isdigit() and 1 <= int(day_text) <= 31 and month else None
    return year, month, day, ""


def _authors_complete(article: ElementTree.Element) -> bool | None:
    author_list = article.find("AuthorList")
    return None if author_list is None else author_list.get("CompleteYN", "Y") != "N"


def _parse_author(author: ElementTree.Element) -> dict[str, Any] | None:
    if author.get("ValidYN", "Y") == "N":  # an erroneous name NLM keeps for the record, not an author
        return None
    result: dict[str, Any] = {}
    collective = _child_text(author, "CollectiveName")
    if collective:
        result["collective_name"] = collective
    else:
        for key, tag in (("last_name", "LastName"), ("fore_name", "ForeName"), ("initials", "Initials")):
            value = _child_text(author, tag)
            if value:
                result[key] = value
        suffix = _child_text(author, "Suffix")
        if suffix:
            result["suffix"] = suffix
        if not result.get("last_name"):
            return None
    orcid = next((_text(i) for i in author.findall("Identifier") if i.get("Source") == "ORCID"), "")
    if orcid:
        result["orcid"] = orcid
    affiliations = [_text(a) for a in author.findall("AffiliationInfo/Affiliation") if _text(a)]
    if affiliations:
        result["affiliations"] = affiliations
    return result


def _parse_abstract(article: ElementTree.Element) -> str:
    """Labelled sections become 'LABEL: text', one paragraph each; CopyrightInformation is left out."""
    paragraphs = []
    for section in article.findall("Abstract/AbstractText"):
        text = _text(section)
        label = (section.get("Label") or "").strip()
        if text or label:
            paragraphs.append(f"{label}: {text}" if label else text)
    return "\n\n".join(paragraphs)


def _parse_pages(article: ElementTree.Element) -> str:
    pagination = article.find("Pagination")
    if pagination is None:
        return ""
    medline_pgn = _child_text(pagination, "MedlinePgn")
    if medline_pgn:
        return medline_pgn
    start, end = _child_text(pagination, "StartPage"), _child_text(pagination, "EndPage")
    return f"{start}-{end}" if start and end else start


def _parse_mesh(citation: ElementTree.Element) -> list[str]:
    """MeSH headings in MEDLINE display form: 'Melanoma/*drug therapy/genetics' ('*' marks a major topic)."""
    terms = []
    for heading in citation.findall("MeshHeadingList/MeshHeading"):
        descriptor = heading.find("DescriptorName")
        if descriptor is None:
            continue
        parts = [("*" if descriptor.get("MajorTopicYN") == "Y" else "") + _text(descriptor)]
        for qualifier in heading.findall("QualifierName"):
            parts.append(("*" if qualifier.get("MajorTopicYN") == "Y" else "") + _text(qualifier))
        terms.append("/".join(parts))
    return terms


def _article_id(article_element: ElementTree.Element, id_type: str) -> str:
    """DOI/PMCID from the record's own PubmedData/ArticleIdList, never from the cited references below it."""
    for article_id in article_element.findall("PubmedData/ArticleIdList/ArticleId"):
        if article_id.get("IdType") == id_type:
            return _text(article_id)
    return ""


def _iso_date(element: ElementTree.Element | None) -> str:
    if element is None:
        return ""
    year, month, day = (_child_text(element, tag) for tag in ("Year", "Month", "Day"))
    if not (year.isdigit() and month.isdigit() and day.isdigit()):
        return ""
    return f"{int(year):04d}-{int(month):02d}-{int(day):02d}"


def _parse_article(element: ElementTree.Element) -> PubMedRecord | None:
    citation = element.find("MedlineCitation")
    if citation is None:
        return None
    # The PMID is MedlineCitation's direct child: CommentsCorrections and references hold PMIDs of other papers.
    pmid = _child_text(citation, "PMID")
    article = citation.find("Article")
    if not pmid or article is None:
        return None
    journal = article.find("Journal")
    year, month, day, date_text = _parse_pub_date(article.find("Journal/JournalIssue/PubDate"))
    publication_types = [_text(p) for p in article.findall("PublicationTypeList/PublicationType") if _text(p)]
    corrections = citation.findall("CommentsCorrectionsList/CommentsCorrections")

    def linked_pmids(ref_types: Sequence[str]) -> list[str]:
        return [_child_text(c, "PMID") for c in corrections if c.get("RefType") in ref_types and _child_text(c, "PMID")]

    retraction_notices = linked_pmids(RETRACTION_REF_TYPES)
    has_retraction_link = any(c.get("RefType") in RETRACTION_REF_TYPES for c in corrections)
    has_erratum_link = any(c.get("RefType") in ERRATUM_REF_TYPES for c in corrections)
    doi = _article_id(element, "doi") or next(
        (
            _text(e)
            for e in article.findall("ELocationID")
            if e.get("EIdType") == "doi" and e.get("ValidYN", "Y") == "Y"
        ),
        "",
    )
    nct_ids = [
        _text(number)
        for bank in article.findall("DataBankList/DataBank")
        if _child_text(bank, "DataBankName") == "ClinicalTrials.gov"
        for number in bank.findall("AccessionNumberList/AccessionNumber")
    ]
    return PubMedRecord(
        pmid=pmid,
        doi=doi,
        pmcid=_article_id(element, "pmc"),
        title=_child_text(article, "ArticleTitle"),
        authors=[a for a in (_parse_author(x) for x in article.findall("AuthorList/Author")) if a],
        authors_complete=_authors_complete(article),
        journal=_child_text(journal, "Title"),
        journal_iso=_child_text(journal, "ISOAbbreviation"),
        pub_year=year,
        pub_month=month,
        pub_day=day,
        pub_date_text=date_text,
        volume=_child_text(journal, "JournalIssue/Volume"),
        issue=_child_text(journal, "JournalIssue/Issue"),
        pages=_parse_pages(article),
        abstract=_parse_abstract(article),
        publication_types=publication_types,
        mesh_terms=_parse_mesh(citation),
        is_retracted=RETRACTED_PUBLICATION in publication_types or has_retraction_link,
        retraction_notice_pmids=retraction_notices,
        has_erratum=has_erratum_link,
        erratum_pmids=linked_pmids(ERRATUM_REF_TYPES),
        date_revised=_iso_date(citation.find("DateRevised")),
        status=citation.get("Status", ""),
        nct_ids=nct_ids,
    )


def parse_pubmed_xml(xml: bytes | str) -> ParsedSet:
    """Parse an efetch PubmedArticleSet. Raises MalformedResponse for anything else (truncated XML included).

    defusedxml refuses entity expansion and external entities; no DTD is ever fetched or validated, so a new
    yearly DTD cannot break parsing and nothing touches the network.
    """
    if isinstance(xml, str):
        xml = xml.encode("utf-8")
    try:
        root = SafeElementTree.fromstring(xml, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except (ElementTree.ParseError, DefusedXmlException) as error:
        raise MalformedResponse(f"the efetch body is not well-formed XML ({error})") from error
    if root.tag != "PubmedArticleSet":
        message = _text(root.find(".//ERROR")) if root.find(".//ERROR") is not None else f"root element <{root.tag}>"
        raise MalformedResponse(f"expected a PubmedArticleSet, got {message[:200]}")
    records = [r for r in (_parse_article(a) for a in root.findall("PubmedArticle")) if r]
    deleted = [_text(p) for p in root.findall("DeleteCitation/PMID")]
    books = [_child_text(b, "BookDocument/PMID") for b in root.findall("PubmedBookArticle")]
    return ParsedSet(records=records, deleted_pmids=deleted, book_pmids=[b for b in books if b])


@dataclass(frozen=True)
class SearchResult:
    """The PMIDs one esearch found (newest first, as PubMed sorts), how many it matched, and what it cost."""

    pmids: list[str]
    count: int
    requests_made: int
    phrases_not_found: list[str] = field(default_factory=list)

    @property
    def truncated(self) -> bool:
        return len(self.pmids) < self.count


def parse_esearch_json(body: Any) -> tuple[int, list[str], list[str]]:
    """(count, PMIDs, phrases PubMed did not find) from an esearch JSON body. Counts and ids are strings there.

    Raises MalformedResponse for an error body ({"esearchresult": {"ERROR": ...}}, a rate-limit JSON) or junk.
    """
    result = body.get("esearchresult") if isinstance(body, dict) else None
    if not isinstance(result, dict):
        error = body.get("error", "") if isinstance(body, dict) else ""
        raise MalformedResponse(f"expected an esearchresult, got {str(error or body)[:200]!r}")
    if result.get("ERROR"):
        raise MalformedResponse(f"esearch error: {str(result['ERROR'])[:200]}")
    try:
        count = int(result.get("count", "0"))
        pmids = [str(pmid) for pmid in result.get("idlist", [])]
    except (TypeError, ValueError) as error:
        raise MalformedResponse(f"esearch counts are not numbers ({error})") from error
    if bad := [pmid for pmid in pmids if not PMID_RE.match(pmid)]:
        raise MalformedResponse(f"esearch returned ids that are not PMIDs: {bad[:5]}")
    not_found = (result.get("errorlist") or {}).get("phrasesnotfound") or []
    return count, pmids, [str(phrase) for phrase in not_found]


# ---------------------------------------------------------------------------------------------
# HTTP client
# ---------------------------------------------------------------------------------------------
class EutilsClient(UpstreamClient):
    """A small, synchronous E-utilities client: efetch of PubMed XML, esearch over a date window.

    `tool`, `email` and `api_key` go with every request, as NCBI asks; the key is redacted from every message.
    """

    service = "E-utilities"

    def __init__(self, *, base_url: str, tool: str, email: str, api_key: str, **options: Any) -> None:
        super().__init__(base_url=base_url, secret=api_key, **options)
        self.tool, self.email, self.api_key = tool, email, api_key

    def _identity(self) -> dict[str, str]:
        params = {"tool": self.tool}
        if self.email:
            params["email"] = self.email
        if self.api_key:
            params["api_key"] = self.api_key
        return params

    def _params(self, pmids: Sequence[str]) -> dict[str, str]:
        return {"db": "pubmed", "id": ",".join(pmids), "retmode": "xml", **self._identity()}

    def efetch(self, pmids: Sequence[str]) -> FetchResult:
        """Fetch one batch (≤ 200 PMIDs) by POST. Raises UpstreamError once retries are exhausted."""
        pmids = list(dict.fromkeys(pmids))
        if not pmids:
            return FetchResult(records=[], missing_pmids=[], requests_made=0, retries=0)
        if len(pmids) > MAX_BATCH_SIZE:
            raise ValueError(f"at most {MAX_BATCH_SIZE} PMIDs per efetch request, got {len(pmids)}")
        if bad := [p for p in pmids if not PMID_RE.match(p)]:
            raise ValueError(f"not PMIDs: {', '.join(bad[:10])}")
        parsed, attempts = self.call(
            "POST",
            self.base_url + "efetch.fcgi",
            data=self._params(pmids),
            parse=self._parse_body,
            what=f"efetch of {len(pmids)} PMIDs",
        )
        return self._result(pmids, parsed, attempts)

    def esearch(
        self, term: str, *, mindate: datetime.date, maxdate: datetime.date, limit: int = ESEARCH_MAX_RETSTART
    ) -> SearchResult:
        """PMIDs that entered PubMed (Entrez date) between `mindate` and `maxdate`, both inclusive, matching `term`;
        at most `limit`, paged by POST. A phrase PubMed does not know is dropped by NCBI, which then runs the rest
        of the query (a search for an unknown acronym would match everything in the window), so a search with
        `phrases_not_found` returns no PMIDs. Raises UpstreamError once retries are exhausted."""
        pmids: list[str] = []
        requests_made = 0
        count = 0
        while True:
            params = {
                "db": "pubmed",
                "term": term,
                "retmode": "json",
                "datetype": "edat",
                "mindate": f"{mindate:%Y/%m/%d}",
                "maxdate": f"{maxdate:%Y/%m/%d}",
                "retstart": str(len(pmids)),
                "retmax": str(min(ESEARCH_PAGE_SIZE, limit - len(pmids))),
                **self._identity(),
            }
            (count, page, not_found), attempts = self.call(
                "POST",
                self.base_url + "esearch.fcgi",
                data=params,
                parse=lambda response: parse_esearch_json(json_body(response, service=self.service)),
                what=f"esearch for {term!r}",
            )
            requests_made += attempts
            if not_found:
                return SearchResult(pmids=[], count=0, requests_made=requests_made, phrases_not_found=not_found)
            pmids.extend(pmid for pmid in page if pmid not in pmids)
            if not page or len(pmids) >= min(count, limit) or len(pmids) > ESEARCH_MAX_RETSTART:
                return SearchResult(pmids=pmids, count=count, requests_made=requests_made)

    def _parse_body(self, response: requests.Response) -> ParsedSet:
        body = response.content
        # Never trust 200 alone: NCBI sends JSON error bodies (rate limit...) even when XML was asked for.
        if body.lstrip()[:1] in (b"{", b"["):
            try:
                error = json.loads(body).get("error", "")
            except (ValueError, AttributeError):
                error = ""
            raise MalformedResponse(f"expected XML, got a JSON body {redact(str(error), self.api_key)!r}")
        return parse_pubmed_xml(body)

    @staticmethod
    def _result(pmids: list[str], parsed: ParsedSet, attempt: int) -> FetchResult:
        asked = set(pmids)
        # NCBI may leave missing or deleted PMIDs out without an error, and does not promise the order.
        records = {r.pmid: r for r in parsed.records if r.pmid in asked}
        books = [p for p in parsed.book_pmids if p in asked]
        missing = [p for p in pmids if p not in records and p not in books]
        return FetchResult(
            records=[records[p] for p in pmids if p in records],
            missing_pmids=missing,
            requests_made=attempt,
            retries=attempt - 1,
            unsupported_pmids=books,
        )


def client_from_settings(**overrides: Any) -> EutilsClient:
    """The client configured by Django settings: real E-utilities in production, the fake server in tests."""
    from django.conf import settings

    options: dict[str, Any] = {
        "base_url": settings.NCBI_EUTILS_BASE_URL,
        "tool": settings.NCBI_TOOL,
        "email": settings.NCBI_EMAIL,
        "api_key": settings.NCBI_API_KEY,
        "limiter": limiter_from_settings("eutils", settings.PUBMED_REQUESTS_PER_SECOND, settings.NCBI_API_KEY),
        **retry_options_from_settings("PUBMED"),
    }
    options.update(overrides)
    return EutilsClient(**options)
