"""The E-utilities client and the PubMed XML parser, against recorded NCBI responses and the fake server."""

from __future__ import annotations

import datetime
import io
import json
import re
from pathlib import Path

import pytest
import requests
import urllib3

from her2kb.ratelimit import LocalRateLimiter
from her2kb.tests.fake_upstream import Reply
from her2kb.upstream import MalformedResponse, UpstreamError, UpstreamRejected
from references.pubmed import EutilsClient, parse_esearch_json, parse_pubmed_xml

SAMPLES = Path(__file__).resolve().parent / "pubmed_samples"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def only_record(xml: bytes | str):
    records = parse_pubmed_xml(xml).records
    assert len(records) == 1
    return records[0]


def with_pub_date(pub_date_xml: str) -> str:
    """The recorded 9997 record with its PubDate replaced: a real record shape carrying an odd date form."""
    text = sample("pubmed_efetch_12091962_9997.xml").decode()
    article = re.search(r"<PubmedArticle><MedlineCitation[^>]*><PMID Version=\"1\">9997<.*?</PubmedArticle>", text)
    assert article
    odd = re.sub(r"<PubDate>.*?</PubDate>", f"<PubDate>{pub_date_xml}</PubDate>", article.group(0))
    return f"<PubmedArticleSet>{odd}</PubmedArticleSet>"


# ---------------------------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------------------------
def test_parses_every_bibliographic_field_of_a_full_record():
    record = only_record(sample("pubmed_efetch_22663011.xml"))
    assert record.pmid == "22663011"
    assert record.title == "Improved survival with MEK inhibition in BRAF-mutated melanoma."
    assert record.journal == "The New England journal of medicine"
    assert record.journal_iso == "N Engl J Med"
    assert (record.pub_year, record.pub_month, record.pub_day, record.pub_date_text) == (2012, 7, 12, "")
    assert (record.volume, record.issue, record.pages) == ("367", "2", "107-14")
    assert record.doi == "10.1056/NEJMoa1203421"
    assert record.pmcid == ""
    assert record.date_revised == "2026-05-18"
    assert record.status == "MEDLINE"
    assert "Randomized Controlled Trial" in record.publication_types
    assert record.nct_ids == ["NCT01245062"]
    assert record.is_retracted is False and record.retraction_notice_pmids == []
    assert record.has_erratum is False


def test_authors_keep_order_affiliations_and_collective_names():
    record = only_record(sample("pubmed_efetch_22663011.xml"))
    first = record.authors[0]
    assert first["last_name"] == "Flaherty" and first["fore_name"] == "Keith T" and first["initials"] == "KT"
    assert first["affiliations"] == [
        "Massachusetts General Hospital Cancer Center, Boston, USA. kflaherty@partners.org"
    ]
    assert record.authors[1] == {"last_name": "Robert", "fore_name": "Caroline", "initials": "C"}
    assert record.authors[-1] == {"collective_name": "METRIC Study Group"}
    # Investigators are not authors.
    assert not any(a.get("last_name") == "Cinat" for a in record.authors)


def test_structured_abstract_keeps_labelled_sections_as_paragraphs():
    record = only_record(sample("pubmed_efetch_22663011.xml"))
    paragraphs = record.abstract.split("\n\n")
    assert [p.split(":", 1)[0] for p in paragraphs] == ["BACKGROUND", "METHODS", "RESULTS", "CONCLUSIONS"]
    assert "P<0.001" in paragraphs[2]  # the &lt; entity decoded


def test_inline_markup_in_abstract_is_kept_as_text_and_copyright_left_out():
    record = only_record(sample("pubmed_efetch_28775130.xml"))
    assert record.abstract.startswith("OBJECTIVES: Animal studies suggest")
    # <sub>Q3</sub> must not cut the text short (`.text` would stop at the first child element).
    assert "OR Q3 =4.15" in record.abstract or "ORQ3=4.15" in record.abstract
    assert "Our results suggest that long-term exposure" in record.abstract
    assert "All rights reserved" not in record.abstract
    assert record.pmcid == "PMC5771820"
    assert record.status == "In-Data-Review" and record.mesh_terms == []  # not indexed yet
    assert record.authors[2]["affiliations"] == [
        "Division of Cancer Epidemiology and Genetics, National Cancer Institute, Rockville, Maryland, USA.",
        "Environmental Working Group, Washington, DC, USA.",
    ]


def test_mathml_inside_the_abstract_does_not_cut_it_and_ids_come_from_the_article_not_its_references():
    record = only_record(sample("pubmed_efetch_29963580.xml"))
    assert "inhaled" in record.abstract and record.abstract.rstrip().endswith(".")
    assert len(record.abstract) > 1000
    assert record.pmcid == "PMC6022861"
    assert record.doi == "10.1117/1.JMI.5.2.026002"
    assert any(a.get("orcid") == "https://orcid.org/0000-0002-4590-7461" for a in record.authors)


def test_season_date_and_mesh_headings_with_major_topics_and_qualifiers():
    records = {r.pmid: r for r in parse_pubmed_xml(sample("pubmed_efetch_12091962_9997.xml")).records}
    spring = records["12091962"]
    assert (spring.pub_year, spring.pub_month, spring.pub_day, spring.pub_date_text) == (
        1990,
        None,
        None,
        "1990 Spring",
    )
    assert spring.abstract == ""
    assert spring.doi == ""
    assert "*Acquired Immunodeficiency Syndrome" in spring.mesh_terms
    old = records["9997"]
    assert (old.pub_year, old.pub_month, old.pub_day) == (1976, 9, 28)
    assert old.doi == "10.1016/0005-2795(76)90109-4"
    assert "Chromatium/*enzymology" in old.mesh_terms
    assert "Iron/analysis" in old.mesh_terms


@pytest.mark.parametrize(
    ("pub_date", "expected"),
    [
        ("<MedlineDate>1998 Dec-1999 Jan</MedlineDate>", (1998, None, None, "1998 Dec-1999 Jan")),
        ("<MedlineDate>2019 Jul-Aug</MedlineDate>", (2019, None, None, "2019 Jul-Aug")),
        ("<MedlineDate>Spring 2001</MedlineDate>", (2001, None, None, "Spring 2001")),
        ("<Year>2003</Year><Season>Winter</Season>", (2003, None, None, "2003 Winter")),
        ("<Year>2005</Year><Month>09</Month><Day>3</Day>", (2005, 9, 3, "")),
        ("<Year>2005</Year><Month>Sep</Month>", (2005, 9, None, "")),
        ("<Year>2005</Year>", (2005, None, None, "")),
    ],
)
def test_every_publication_date_form(pub_date, expected):
    record = only_record(with_pub_date(pub_date))
    assert (record.pub_year, record.pub_month, record.pub_day, record.pub_date_text) == expected


def test_retracted_publication_is_flagged_with_its_notice():
    record = only_record(sample("pubmed_efetch_9500320_retracted_abridged.xml"))
    assert record.is_retracted is True
    assert record.retraction_notice_pmids == ["20137807"]
    assert "Retracted Publication" in record.publication_types
    # A CommentIn or ExpressionOfConcernIn link is neither a retraction nor an erratum.
    assert record.has_erratum is False


def test_erratum_in_marks_the_article_and_the_erratum_notice_is_not_flagged():
    article = only_record(sample("pubmed_efetch_30500813_erratum_in.xml"))
    assert article.has_erratum is True and article.erratum_pmids == ["31059496"]
    assert article.is_retracted is False
    assert (article.pmcid, article.pages) == ("PMC6291167", "e1006632")
    notice = only_record(sample("pubmed_efetch_31059496_published_erratum.xml"))
    assert notice.publication_types == ["Published Erratum"]
    assert notice.has_erratum is False and notice.is_retracted is False


def test_author_marked_invalid_is_dropped_and_doi_falls_back_to_elocation_id():
    text = sample("pubmed_efetch_22663011.xml").decode()
    text = text.replace(
        '<Author ValidYN="Y"><LastName>Robert</LastName>', '<Author ValidYN="N"><LastName>Robert</LastName>'
    )
    text = text.replace('<ArticleId IdType="doi">10.1056/NEJMoa1203421</ArticleId>', "")
    record = only_record(text)
    assert [a.get("last_name") for a in record.authors[:2]] == ["Flaherty", "Hersey"]
    assert record.doi == "10.1056/NEJMoa1203421"  # from ELocationID


def test_book_records_and_deleted_citations_are_reported_not_parsed_as_articles():
    xml = (
        '<PubmedArticleSet><PubmedBookArticle><BookDocument><PMID Version="1">111</PMID></BookDocument>'
        '</PubmedBookArticle><DeleteCitation><PMID Version="1">222</PMID></DeleteCitation></PubmedArticleSet>'
    )
    parsed = parse_pubmed_xml(xml)
    assert parsed.records == [] and parsed.book_pmids == ["111"] and parsed.deleted_pmids == ["222"]


@pytest.mark.parametrize(
    "body",
    [
        sample("pubmed_efetch_22663011.xml")[:5000],  # truncated
        b"<eFetchResult><ERROR>Empty id list - nothing todo</ERROR></eFetchResult>",
        b"",
        b"<html><body>502 Bad Gateway</body></html>",
    ],
)
def test_anything_but_a_complete_article_set_is_malformed(body):
    with pytest.raises(MalformedResponse):
        parse_pubmed_xml(body)


def test_entity_expansion_and_external_entities_are_refused():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
        b"<PubmedArticleSet>&b;</PubmedArticleSet>"
    )
    external = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b"<PubmedArticleSet>&e;</PubmedArticleSet>"
    )
    for body in (bomb, external):
        with pytest.raises(MalformedResponse):
            parse_pubmed_xml(body)


# ---------------------------------------------------------------------------------------------
# The client against the fake server
# ---------------------------------------------------------------------------------------------
class RecordingSleep:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def make_client(fake, **overrides) -> EutilsClient:
    options = {
        "base_url": fake.base_url,
        "tool": "her2kb",
        "email": "sync-tests@example.org",
        "api_key": "fake-api-key-123",
        "timeout": 0.5,
        "limiter": LocalRateLimiter(500),
        "max_attempts": 4,
        "backoff_seconds": 0.01,
        "backoff_max_seconds": 0.05,
        "sleep": RecordingSleep(),
    }
    options.update(overrides)
    return EutilsClient(**options)


def test_efetch_posts_one_batch_with_tool_email_and_key(fake_eutils):
    pmids = [str(800_000 + n) for n in range(200)]
    result = make_client(fake_eutils).efetch(pmids)
    [request] = fake_eutils.efetch_requests()
    assert request.method == "POST"
    assert request.listed("id") == pmids
    assert request.params["db"] == "pubmed" and request.params["retmode"] == "xml"
    assert request.params["tool"] == "her2kb"
    assert request.params["email"] == "sync-tests@example.org"
    assert request.params["api_key"] == "fake-api-key-123"
    assert [r.pmid for r in result.records] == pmids
    assert (result.requests_made, result.retries, result.missing_pmids) == (1, 0, [])


def test_more_than_200_pmids_is_refused_before_any_request(fake_eutils):
    with pytest.raises(ValueError, match="at most 200"):
        make_client(fake_eutils).efetch([str(n) for n in range(1, 202)])
    assert fake_eutils.efetch_requests() == []


def test_pmids_pubmed_leaves_out_are_reported_missing(fake_eutils):
    fake_eutils.missing = {"800002"}
    result = make_client(fake_eutils).efetch(["800001", "800002", "22663011"])
    assert [r.pmid for r in result.records] == ["800001", "22663011"]
    assert result.missing_pmids == ["800002"]


@pytest.mark.parametrize("fault", ["429", "500", "502", "503", "slow:1.5", "truncated", "json200", "reset"])
def test_each_transient_fault_is_retried_and_counted(fake_eutils, fault):
    fake_eutils.add_fault(fault)
    client = make_client(fake_eutils)
    result = client.efetch(["800001", "800002"])
    assert [r.pmid for r in result.records] == ["800001", "800002"]
    assert (result.requests_made, result.retries) == (2, 1)
    assert len(client.sleep.calls) == 1


def test_retry_after_is_honoured(fake_eutils):
    fake_eutils.add_fault("429:7")
    client = make_client(fake_eutils)
    client.efetch(["800001"])
    assert client.sleep.calls[0] >= 7


def test_backoff_grows_exponentially_with_jitter(fake_eutils):
    client = make_client(fake_eutils, backoff_seconds=1.0, backoff_max_seconds=8.0)
    for attempt, full in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (6, 8.0)]:
        delays = {client.backoff_delay(attempt) for _ in range(20)}
        assert all(full / 2 <= d <= full for d in delays)
        assert len(delays) > 1  # jittered


def test_persistent_failure_gives_up_with_a_message_and_the_attempts_made(fake_eutils):
    fake_eutils.add_fault("500", "500", "500", "500")
    client = make_client(fake_eutils)
    with pytest.raises(UpstreamError, match="failed after 4 attempts: HTTP 500") as caught:
        client.efetch(["800001"])
    assert caught.value.requests_made == 4
    assert len(fake_eutils.efetch_requests()) == 4


def test_a_4xx_is_not_retried_and_the_api_key_is_redacted(fake_eutils, monkeypatch):
    client = make_client(fake_eutils)

    def refused(*args, **kwargs) -> requests.Response:
        body = b'{"error":"API key invalid","api-key":"fake-api-key-123","type":"invalid"}'
        response = requests.Response()
        response.status_code = 400
        response.raw = urllib3.HTTPResponse(body=io.BytesIO(body), preload_content=False)
        return response

    monkeypatch.setattr(client.session, "post", refused)
    with pytest.raises(UpstreamRejected) as caught:
        client.efetch(["800001"])
    assert "API key invalid" in str(caught.value)
    assert "fake-api-key-123" not in str(caught.value)
    assert caught.value.requests_made == 1


def test_timeout_is_reported_when_every_attempt_is_too_slow(fake_eutils):
    fake_eutils.add_fault("slow:1", "slow:1")
    client = make_client(fake_eutils, max_attempts=2, timeout=0.2)
    with pytest.raises(UpstreamError, match="no answer within 0.2 s"):
        client.efetch(["800001"])


def test_production_settings_talk_to_the_real_eutils_with_the_configured_email_and_key(settings):
    """No request is sent: this checks what the client would send, with the shipped default base URL."""
    from references.pubmed import client_from_settings

    settings.NCBI_EUTILS_BASE_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
    settings.NCBI_EMAIL = "curators@example.org"
    settings.NCBI_API_KEY = "fake-api-key-123"
    settings.UPSTREAM_TIMEOUT_SECONDS = 20.0
    client = client_from_settings()
    assert client.base_url == "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
    assert client.timeout == 20.0
    assert client._params(["38308374"]) == {
        "db": "pubmed",
        "id": "38308374",
        "retmode": "xml",
        "tool": "her2kb",
        "email": "curators@example.org",
        "api_key": "fake-api-key-123",
    }


# ---- esearch ---------------------------------------------------------------------------------
def test_the_recorded_esearch_json_is_read_with_its_dropped_phrase():
    count, pmids, not_found = parse_esearch_json(json.loads(sample("pubmed_esearch_phrasesnotfound.json")))
    assert (count, len(pmids), pmids[0], not_found) == (40362, 100, "42555032", ["p.E1317Q"])


def test_an_esearch_error_body_is_malformed():
    with pytest.raises(MalformedResponse):
        parse_esearch_json({"esearchresult": {"ERROR": "Invalid query"}})
    with pytest.raises(MalformedResponse):
        parse_esearch_json({"error": "API rate limit exceeded", "count": "4"})


def test_esearch_posts_the_window_and_pages_through_the_hits(fake_eutils, monkeypatch):
    monkeypatch.setattr("references.pubmed.ESEARCH_PAGE_SIZE", 2)
    for n in range(5):
        fake_eutils.add_search_hit("NCT00000101[si]", str(810_010 + n), datetime.date(2026, 11, 1))
    client = make_client(fake_eutils)
    result = client.esearch("NCT00000101[si]", mindate=datetime.date(2026, 10, 1), maxdate=datetime.date(2026, 11, 30))
    assert result.pmids == ["810014", "810013", "810012", "810011", "810010"] and result.count == 5
    requests = fake_eutils.esearch_requests()
    assert [r.params["retstart"] for r in requests] == ["0", "2", "4"] and result.requests_made == 3
    assert requests[0].method == "POST" and requests[0].params["api_key"] == "fake-api-key-123"


def test_the_invalid_json_past_the_cap_is_retried_then_reported(fake_eutils, monkeypatch):
    body = sample("pubmed_error_esearch_retstart_past_9998.json")
    monkeypatch.setattr(type(fake_eutils), "answer", lambda self, request, fault: Reply(200, body, "application/json"))
    with pytest.raises(UpstreamError, match="malformed JSON"):
        make_client(fake_eutils).esearch("cancer", mindate=datetime.date(2026, 1, 1), maxdate=datetime.date(2026, 2, 1))
