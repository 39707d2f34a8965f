"""
A fake NCBI E-utilities server on loopback, for tests, the benchmark and local demos. No network leaves the machine.

It answers `efetch.fcgi` (GET or POST) with PubMed XML in the real format: recorded responses from
`pubmed_samples/` are served byte for byte; other records are rendered in the same element structure, either
synthetic test records (obviously fake titles, journal and DOI prefix 10.5555) or a curated record built only
from what `data/references/<pmid>.yaml` states. Faults can be queued and are consumed one per request:

    "429" / "429:<retry-after>"   HTTP 429 with NCBI's JSON body (and a Retry-After header)
    "500", "502", "503"           an HTML error page
    "slow:<seconds>"              wait, then answer normally (clients with a shorter timeout give up)
    "truncated"                   a 200 whose XML is cut in half (Content-Length matches the cut body)
    "json200"                     a 200 carrying NCBI's JSON rate-limit error instead of XML
    "reset"                       close the connection without answering

Set `missing` to PMIDs that must never be returned, `retract(pmid)` to add a retraction notice, and
`rate_limit` to answer 429 whenever more than that many requests arrive within one second (as NCBI does).

Run it standalone: `python -m references.tests.fake_eutils --port 8765 [--synthetic]`.
"""

from __future__ import annotations

import argparse
import re
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

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
class LoggedRequest:
    at: float  # time.monotonic() on arrival
    method: str
    path: str
    params: dict[str, str]
    status: int = 0
    fault: str = ""

    @property
    def pmids(self) -> list[str]:
        return [p for p in self.params.get("id", "").split(",") if p]


@dataclass
class FakeEutils:
    """The server's state; `start()` serves it on 127.0.0.1 on a free port in a background thread."""

    synthetic: bool = True  # answer any unknown PMID with a synthetic record
    rate_limit: float | None = None
    records: dict[str, dict[str, Any] | str] = field(default_factory=dict)
    missing: set[str] = field(default_factory=set)
    faults: deque[str] = field(default_factory=deque)
    requests: list[LoggedRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

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

    def add_fault(self, *faults: str) -> None:
        with self._lock:
            self.faults.extend(faults)

    # -- serving -----------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() the server first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/entrez/eutils/"

    def start(self, port: int = 0) -> FakeEutils:
        state = self

        class Handler(_Handler):
            fake = state

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-eutils", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeEutils:
        return self.start() if self._server is None else self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def efetch_requests(self) -> list[LoggedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path.endswith("/efetch.fcgi")]

    # -- internals ---------------------------------------------------------------------------
    def _admit(self, request: LoggedRequest) -> tuple[str, bool]:
        """Log the request; return the fault to apply and whether NCBI's rate limit was exceeded."""
        with self._lock:
            self.requests.append(request)
            fault = self.faults.popleft() if self.faults else ""
            over = False
            if self.rate_limit:
                recent = [r for r in self.requests if request.at - r.at < 1.0]
                over = len(recent) > self.rate_limit
            return fault, over

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


class _Handler(BaseHTTPRequestHandler):
    fake: FakeEutils
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's signature
        pass  # keep test output quiet

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._handle(parse_qs(urlsplit(self.path).query))

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8") if length else ""
        params = parse_qs(urlsplit(self.path).query)
        params.update(parse_qs(body))
        self._handle(params)

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        limit = str(int(self.fake.rate_limit or 10))
        self.send_header("X-RateLimit-Limit", limit)
        self.send_header("X-RateLimit-Remaining", str(max(0, int(limit) - 1)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test): nothing to do

    def _handle(self, raw_params: dict[str, list[str]]) -> None:
        params = {key: ",".join(values) for key, values in raw_params.items()}
        path = urlsplit(self.path).path
        request = LoggedRequest(at=time.monotonic(), method=self.command, path=path, params=params)
        fault, over_limit = self.fake._admit(request)
        request.fault = fault
        if not path.endswith("/efetch.fcgi"):
            request.status = 404
            return self._send(404, b"Not found: this fake serves efetch.fcgi only.\n", "text/plain")
        if over_limit and not fault:
            fault = "429"
        kind, _, argument = fault.partition(":")
        if kind == "reset":
            request.status = 0
            self.close_connection = True
            self.connection.close()
            return None
        if kind == "429":
            request.status = 429
            headers = {"Retry-After": argument} if argument else {}
            return self._send(429, RATE_LIMIT_BODY, "application/json", headers)
        if kind in ("500", "502", "503"):
            request.status = int(kind)
            page = f"<html><head><title>{kind} Error</title></head><body><h1>{kind} Error</h1></body></html>"
            return self._send(int(kind), page.encode(), "text/html")
        if kind == "json200":
            request.status = 200
            return self._send(200, RATE_LIMIT_BODY, "application/json")
        if kind == "slow":
            time.sleep(float(argument or 2.0))
        pmids = [p.strip() for p in params.get("id", "").split(",") if p.strip()]
        if not pmids:
            request.status = 200
            body = b"<eFetchResult><ERROR>Empty id list - nothing todo</ERROR></eFetchResult>"
            return self._send(200, body, "text/xml; charset=UTF-8")
        body = self.fake.article_set(pmids)
        if kind == "truncated":
            body = body[: len(body) // 2]
        request.status = 200
        return self._send(200, body, "text/xml; charset=UTF-8")


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve a fake NCBI E-utilities efetch on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--synthetic", action="store_true", help="answer unknown PMIDs with synthetic test records")
    parser.add_argument("--rate-limit", type=float, default=None, help="answer 429 above this many requests/s")
    args = parser.parse_args()
    fake = FakeEutils(synthetic=args.synthetic, rate_limit=args.rate_limit).add_samples()
    curated = [path.stem for path in sorted(DATA_REFERENCES_DIR.glob("*.yaml")) if fake.add_curated(path.stem)]
    fake.start(args.port)
    print(f"Fake E-utilities at {fake.base_url} ({len(fake.records)} records, {len(curated)} from data/references)")
    print(f"Try: NCBI_EUTILS_BASE_URL={fake.base_url} python manage.py sync_pubmed 38308374")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
