"""
A fake NCBI E-utilities server on loopback, for tests, the benchmark and local demos. No network leaves the machine.

It answers `efetch.fcgi` (GET or POST) with PubMed XML in the real format: recorded responses from
`pubmed_samples/` are served byte for byte; other records are rendered in the same element structure, either
synthetic test records (obviously fake titles, journal and DOI prefix 10.5555) or a curated record built only
from what `data/references/<pmid>.yaml` states. It answers `esearch.fcgi` (retmode=json) in the shape of the
recorded `pubmed_esearch_phrasesnotfound.json`: `add_search_hit(term, pmid, entered)` makes a PMID match a term
from a date on (the Entrez date the mindate/maxdate window filters by), `unknown_phrases` are reported as
`phrasesnotfound` as NCBI does. Faults are those of `her2kb.tests.fake_upstream` (429 with NCBI's JSON body) plus

    "json200"                     a 200 carrying NCBI's JSON rate-limit error instead of XML

Set `missing` to PMIDs that must never be returned, `retract(pmid)` to add a retraction notice, and
`rate_limit` to answer 429 whenever more than that many requests arrive within one second (as NCBI does).

Run it standalone: `python -m references.tests.fake_eutils --port 8765 [--synthetic]`.
"""

from __future__ import annotations

import argparse
import datetime
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from her2kb.tests.fake_upstream import FakeUpstream, LoggedRequest, Reply

SAMPLES_DIR = Path(__file__).resolve().parent / "pubmed_samples"
DATA_REFERENCES_DIR = Path(__file__).resolve().parents[2] / "data" / "references"
PMID_RE = re.compile(r"^[1-9][0-9]{0,8}$")
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
# MeSH publication-type UIs as they appear in the recorded samples.
PUBLICATION_TYPE_UI = {
    "Journal Article": "D016428",
    "Review": "D016454",
    "Retracted Publication": "D016441",
    "Published Erratum": "D016425",
    "Randomized Controlled Trial": "D016449",
    "Clinical Trial, Phase III": "D017428",
}
RATE_LIMIT_BODY = (SAMPLES_DIR / "pubmed_error_rate_limit_429.json").read_bytes()
ESEARCH_SAMPLE = json.loads((SAMPLES_DIR / "pubmed_esearch_phrasesnotfound.json").read_text(encoding="utf-8"))
FAKE_NOTICE_BASE = 990_000_000  # PMIDs of synthetic retraction notices: obviously fake, never looked up


def sample_articles() -> dict[str, str]:
    """PMID → raw <PubmedArticle> XML from every recorded sample file, as NCBI sent it."""
    articles = {}
    for path in sorted(SAMPLES_DIR.glob("pubmed_efetch_*.xml")):
        text = path.read_text(encoding="utf-8")
        for chunk in re.findall(r"<PubmedArticle>.*?</PubmedArticle>", text, flags=re.DOTALL):
            pmid = re.search(r"<MedlineCitation[^>]*>\s*<PMID[^>]*>(\d+)</PMID>", chunk)
            if pmid:
                articles[pmid.group(1)] = chunk
    return articles


def synthetic_record(pmid: str) -> dict[str, Any]:
    """A test record whose every value is obviously fake (no real paper, journal or DOI)."""
    number = int(pmid)
    return {
        "pmid": pmid,
        "title": f"Synthetic test record {pmid} for the her2kb sync tests.",
        "journal": "Journal of synthetic test records",
        "journal_iso": "J Synth Test Rec",
        "pub_year": 2020,
        "pub_month": number % 12 + 1,
        "pub_day": number % 28 + 1,
        "volume": "1",
        "issue": "1",
        "pages": "1-10",
        "doi": f"10.5555/fake.{pmid}",
        "authors": [
            {"last_name": "Testperson", "fore_name": "Alex", "initials": "A", "affiliations": ["Fake Test Unit."]},
            {"collective_name": "Fake Record Study Group"},
        ],
        "abstract_sections": [
            ("BACKGROUND", "BACKGROUND", "Synthetic background text for a fake test record."),
            ("RESULTS", "RESULTS", "Synthetic results text; nothing here is a real finding."),
        ],
        "publication_types": ["Journal Article"],
        "date_revised": "2021-01-01",
        "status": "MEDLINE",
        "pub_model": "Print-Electronic",
        "publication_status": "ppublish",
        "language": "eng",
    }


def record_from_yaml(path: Path) -> dict[str, Any]:
    """A record carrying exactly what a curated data/references/<pmid>.yaml states, and nothing more."""
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    record = {k: v for k, v in data.items() if k != "sources"}
    record["pmid"] = str(data["pmid"])
    if data.get("abstract"):
        record["abstract_sections"] = [("", "", data["abstract"])]
    return record


def _date_xml(tag: str, year: Any, month: Any = None, day: Any = None, *, numeric_month: bool = False) -> str:
    parts = f"<Year>{year}</Year>"
    if month:
        parts += f"<Month>{int(month):02d}</Month>" if numeric_month else f"<Month>{MONTHS[int(month) - 1]}</Month>"
        if day:
            parts += f"<Day>{int(day):02d}</Day>" if numeric_month else f"<Day>{int(day)}</Day>"
    return f"<{tag}>{parts}</{tag}>"


def render_article(record: dict[str, Any]) -> str:
    """Render a record as a <PubmedArticle> with the element order of the PubMed DTD (as in the samples)."""
    e = lambda value: escape(str(value))  # noqa: E731
    pmid = record["pmid"]
    revised = ""
    if record.get("date_revised"):
        year, month, day = record["date_revised"].split("-")
        revised = _date_xml("DateRevised", year, month, day, numeric_month=True)
    journal_issue = "".join(
        f"<{tag}>{e(record[key])}</{tag}>" for tag, key in (("Volume", "volume"), ("Issue", "issue")) if record.get(key)
    )
    if record.get("medline_date"):
        pub_date = f"<PubDate><MedlineDate>{e(record['medline_date'])}</MedlineDate></PubDate>"
    elif record.get("pub_year"):
        pub_date = _date_xml("PubDate", record["pub_year"], record.get("pub_month"), record.get("pub_day"))
    else:
        pub_date = ""
    pagination = (
        f"<Pagination><MedlinePgn>{e(record['pages'])}</MedlinePgn></Pagination>" if record.get("pages") else ""
    )
    elocation = f'<ELocationID EIdType="doi" ValidYN="Y">{e(record["doi"])}</ELocationID>' if record.get("doi") else ""
    abstract = ""
    if record.get("abstract_sections"):
        texts = "".join(
            f'<AbstractText Label="{e(label)}" NlmCategory="{e(category)}">{e(text)}</AbstractText>'
            if label
            else f"<AbstractText>{e(text)}</AbstractText>"
            for label, category, text in record["abstract_sections"]
        )
        abstract = f"<Abstract>{texts}</Abstract>"
    authors = ""
    for author in record.get("authors", []):
        if author.get("collective_name"):
            inner = f"<CollectiveName>{e(author['collective_name'])}</CollectiveName>"
        else:
            inner = "".join(
                f"<{tag}>{e(author[key])}</{tag}>"
                for tag, key in (("LastName", "last_name"), ("ForeName", "fore_name"), ("Initials", "initials"))
                if author.get(key)
            )
        inner += "".join(
            f"<AffiliationInfo><Affiliation>{e(a)}</Affiliation></AffiliationInfo>"
            for a in author.get("affiliations", [])
        )
        authors += f'<Author ValidYN="Y">{inner}</Author>'
    types = "".join(
        f'<PublicationType UI="{PUBLICATION_TYPE_UI[t]}">{e(t)}</PublicationType>'
        if t in PUBLICATION_TYPE_UI
        else f"<PublicationType>{e(t)}</PublicationType>"
        for t in record.get("publication_types", [])
    )
    corrections = "".join(
        f'<CommentsCorrections RefType="{ref_type}"><RefSource>{e(source)}</RefSource>'
        f'<PMID Version="1">{e(notice)}</PMID></CommentsCorrections>'
        for ref_type, source, notice in record.get("comments_corrections", [])
    )
    corrections = f"<CommentsCorrectionsList>{corrections}</CommentsCorrectionsList>" if corrections else ""
    ids = f'<ArticleId IdType="pubmed">{e(pmid)}</ArticleId>'
    if record.get("pmcid"):
        ids += f'<ArticleId IdType="pmc">{e(record["pmcid"])}</ArticleId>'
    if record.get("doi"):
        ids += f'<ArticleId IdType="doi">{e(record["doi"])}</ArticleId>'
    journal_iso = e(record.get("journal_iso", ""))
    # Record-level attributes are written only when the record states them: a curated record must not gain
    # claims (indexing status, publication model) that its YAML file does not make.
    status = f' Status="{e(record["status"])}" Owner="NLM"' if record.get("status") else ""
    pub_model = f' PubModel="{e(record["pub_model"])}"' if record.get("pub_model") else ""
    language = f"<Language>{e(record['language'])}</Language>" if record.get("language") else ""
    publication_status = record.get("publication_status")
    publication_status = f"<PublicationStatus>{e(publication_status)}</PublicationStatus>" if publication_status else ""
    return (
        f'<PubmedArticle><MedlineCitation{status}><PMID Version="1">{e(pmid)}</PMID>{revised}'
        f"<Article{pub_model}><Journal><JournalIssue>{journal_issue}{pub_date}</JournalIssue>"
        f"<Title>{e(record.get('journal', ''))}</Title><ISOAbbreviation>{journal_iso}</ISOAbbreviation></Journal>"
        f"<ArticleTitle>{e(record.get('title', ''))}</ArticleTitle>{pagination}{elocation}{abstract}"
        f"<AuthorList>{authors}</AuthorList>{language}"
        f"<PublicationTypeList>{types}</PublicationTypeList></Article>"
        f"<MedlineJournalInfo><MedlineTA>{journal_iso}</MedlineTA></MedlineJournalInfo>{corrections}"
        f"</MedlineCitation><PubmedData>{publication_status}"
        f"<ArticleIdList>{ids}</ArticleIdList></PubmedData></PubmedArticle>"
    )


@dataclass
class FakeEutils(FakeUpstream):
    """The server's state; `start()` serves it on 127.0.0.1 on a free port in a background thread."""

    synthetic: bool = True  # answer any unknown PMID with a synthetic record
    records: dict[str, dict[str, Any] | str] = field(default_factory=dict)
    missing: set[str] = field(default_factory=set)
    # esearch: term → {PMID: the date it entered PubMed}; phrases NCBI would report as not found
    search_hits: dict[str, dict[str, datetime.date]] = field(default_factory=dict)
    unknown_phrases: set[str] = field(default_factory=set)

    base_path = "/entrez/eutils/"
    thread_name = "fake-eutils"

    # -- configuration -----------------------------------------------------------------------
    def add_samples(self) -> FakeEutils:
        self.records.update(sample_articles())
        return self

    def add_curated(self, pmid: str, data_dir: Path = DATA_REFERENCES_DIR) -> bool:
        path = data_dir / f"{pmid}.yaml"
        if path.exists():
            self.records[pmid] = record_from_yaml(path)
        return path.exists()

    def add_synthetic(self, pmids: Iterable[str]) -> None:
        for pmid in pmids:
            self.records[str(pmid)] = synthetic_record(str(pmid))

    def add_search_hit(self, term: str, pmid: str, entered: datetime.date) -> None:
        """From now on an esearch for exactly `term` matches `pmid`, if the window includes `entered`."""
        self.search_hits.setdefault(term, {})[str(pmid)] = entered

    def retract(self, pmid: str, notice_pmid: str | None = None) -> str:
        """From now on, serve `pmid` as retracted (publication type and RetractionIn). Returns the notice PMID."""
        record = self.records.get(pmid) or synthetic_record(pmid)
        if isinstance(record, str):
            raise ValueError("recorded samples are served as recorded; retract a synthetic or curated record")
        notice = notice_pmid or str(FAKE_NOTICE_BASE + int(pmid) % 1_000_000)
        record = {**record, "publication_types": [*record.get("publication_types", []), "Retracted Publication"]}
        record["comments_corrections"] = [
            *record.get("comments_corrections", []),
            ("RetractionIn", "J Synth Test Rec. 2021;2(1):1. Retraction notice (synthetic).", notice),
        ]
        record["date_revised"] = "2021-06-01"
        self.records[pmid] = record
        return notice

    def efetch_requests(self) -> list[LoggedRequest]:
        return self.requests_to("/efetch.fcgi")

    def esearch_requests(self) -> list[LoggedRequest]:
        return self.requests_to("/esearch.fcgi")

    # -- answers -----------------------------------------------------------------------------
    def rate_limited_reply(self) -> Reply:
        return Reply(429, RATE_LIMIT_BODY, "application/json")

    def extra_headers(self) -> dict[str, str]:
        limit = str(int(self.rate_limit or 10))
        return {"X-RateLimit-Limit": limit, "X-RateLimit-Remaining": str(max(0, int(limit) - 1))}

    def answer(self, request: LoggedRequest, fault: str) -> Reply:
        if fault == "json200":
            return Reply(200, RATE_LIMIT_BODY, "application/json")
        if request.path.endswith("/efetch.fcgi"):
            pmids = [p.strip() for p in request.params.get("id", "").split(",") if p.strip()]
            if not pmids:
                body = b"<eFetchResult><ERROR>Empty id list - nothing todo</ERROR></eFetchResult>"
                return Reply(200, body, "text/xml; charset=UTF-8")
            return Reply(200, self.article_set(pmids), "text/xml; charset=UTF-8")
        if request.path.endswith("/esearch.fcgi"):
            return Reply(200, self.search_result(request.params), "application/json; charset=UTF-8")
        return Reply(404, b"Not found: this fake serves efetch.fcgi and esearch.fcgi only.\n", "text/plain")

    def search_result(self, params: dict[str, str]) -> bytes:
        """An esearch JSON body: the term's hits entered in [mindate, maxdate], newest PMIDs first."""
        term = params.get("term", "")
        window = [datetime.datetime.strptime(params[k], "%Y/%m/%d").date() for k in ("mindate", "maxdate")]
        hits = self.search_hits.get(term, {})
        matched = sorted((p for p, day in hits.items() if window[0] <= day <= window[1]), key=int, reverse=True)
        start, size = int(params.get("retstart", "0")), int(params.get("retmax", "20"))
        result = {
            **ESEARCH_SAMPLE["esearchresult"],
            "count": str(len(matched)),
            "retmax": str(len(matched[start : start + size])),
            "retstart": str(start),
            "idlist": matched[start : start + size],
            "translationset": [],
            "querytranslation": term,
            "errorlist": {
                "phrasesnotfound": sorted(p for p in self.unknown_phrases if p in term),
                "fieldsnotfound": [],
            },
        }
        if not matched:
            result["warninglist"] = {
                "phrasesignored": [],
                "quotedphrasesnotfound": [],
                "outputmessages": ["No items found."],
            }
        return json.dumps({"header": ESEARCH_SAMPLE["header"], "esearchresult": result}, separators=(",", ":")).encode()

    def article_set(self, pmids: list[str]) -> bytes:
        articles = []
        for pmid in pmids:
            if pmid in self.missing or not PMID_RE.match(pmid):
                continue  # NCBI leaves unknown or deleted PMIDs out without an error
            record = self.records.get(pmid)
            if record is None and self.synthetic:
                record = synthetic_record(pmid)
            if record is not None:
                articles.append(record if isinstance(record, str) else render_article(record))
        return (
            '<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC '
            '"-//NLM//DTD PubMedArticle, 1st January 2025//EN" '
            '"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n<PubmedArticleSet>\n'
            + "".join(articles)
            + "</PubmedArticleSet>"
        ).encode("utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve a fake NCBI E-utilities efetch on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--synthetic", action="store_true", help="answer unknown PMIDs with synthetic test records")
    parser.add_argument("--rate-limit", type=float, default=None, help="answer 429 above this many requests/s")
    args = parser.parse_args()
    fake = FakeEutils(synthetic=args.synthetic, rate_limit=args.rate_limit).add_samples()
    curated = [path.stem for path in sorted(DATA_REFERENCES_DIR.glob("*.yaml")) if fake.add_curated(path.stem)]
    fake.serve_until_interrupted(
        args.port,
        f"Fake E-utilities at {{base_url}} ({len(fake.records)} records, {len(curated)} from data/references)",
        "Try: NCBI_EUTILS_BASE_URL={base_url} python manage.py sync_pubmed 38308374",
    )


if __name__ == "__main__":
    main()
