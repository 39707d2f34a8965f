"""Citations a reference manager imports cleanly: titles without PubMed's full stop, incomplete author lists marked
et al., acronyms protected in BibTeX and CSL-JSON, and stable firstauthorYEARword keys."""

import json

import bibtexparser
import pytest
import rispy
from rest_framework.test import APIClient

from curation.dataset import dataset_records, load_dataset
from references.api.renderers import bibtex_title, citation_keys, csl_title
from references.models import Reference
from references.pubmed import parse_pubmed_xml
from references.tests.factories import ReferenceFactory

pytestmark = pytest.mark.django_db

MODI = [{"last_name": "Modi", "fore_name": "Shanu", "initials": "S"}]


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def truncated():
    """A paper of which only the first author is recorded, known to have more."""
    return ReferenceFactory(
        pmid="35665782",
        title="Trastuzumab Deruxtecan in Previously Treated HER2-Low Advanced Breast Cancer.",
        authors=MODI,
        authors_complete=False,
        pub_year=2022,
    )


def test_titles_lose_pubmed_closing_full_stop_but_keep_a_question_mark(api, truncated):
    body = api.get(f"/api/v1/references/{truncated.pmid}/").json()
    assert body["title"] == "Trastuzumab Deruxtecan in Previously Treated HER2-Low Advanced Breast Cancer"
    question = ReferenceFactory(title="Is HER2-low a new entity?")
    assert api.get(f"/api/v1/references/{question.pmid}/").json()["title"] == "Is HER2-low a new entity?"
    assert ReferenceFactory.build(title="Results...").display_title == "Results..."


def test_an_incomplete_author_list_is_marked_et_al_in_every_format(api, truncated):
    body = api.get(f"/api/v1/references/{truncated.pmid}/").json()
    assert body["authors_complete"] is False
    assert body["citation"].startswith("Modi S, et al.")
    bibtex = bibtexparser.parse_string(api.get(f"/api/v1/references/{truncated.pmid}/?format=bibtex").content.decode())
    assert bibtex.entries[0]["author"] == "Modi, Shanu and others"
    ris = rispy.loads(api.get(f"/api/v1/references/{truncated.pmid}/?format=ris").content.decode())[0]
    assert ris["authors"] == ["Modi, Shanu", "et al."]
    csl = json.loads(api.get(f"/api/v1/references/{truncated.pmid}/?format=csljson").content)[0]
    assert "et al." in csl["note"]


def test_a_complete_or_unknown_list_is_not_marked(api):
    complete = ReferenceFactory(authors=MODI, authors_complete=True)
    unknown = ReferenceFactory(authors=MODI)
    for reference in (complete, unknown):
        bibtex = bibtexparser.parse_string(
            api.get(f"/api/v1/references/{reference.pmid}/?format=bibtex").content.decode()
        )
        assert bibtex.entries[0]["author"] == "Modi, Shanu"
        assert "et al" not in reference.citation
    assert api.get(f"/api/v1/references/{unknown.pmid}/").json()["authors_complete"] is None


def test_pubmed_says_whether_its_author_list_is_complete():
    xml = """<PubmedArticleSet>{}</PubmedArticleSet>"""
    article = """<PubmedArticle><MedlineCitation><PMID>{pmid}</PMID><Article><ArticleTitle>T.</ArticleTitle>
    {authors}</Article></MedlineCitation></PubmedArticle>"""
    author = "<Author><LastName>Modi</LastName><ForeName>Shanu</ForeName><Initials>S</Initials></Author>"
    records = parse_pubmed_xml(
        xml.format(
            article.format(pmid="1", authors=f'<AuthorList CompleteYN="N">{author}</AuthorList>')
            + article.format(pmid="2", authors=f'<AuthorList CompleteYN="Y">{author}</AuthorList>')
            + article.format(pmid="3", authors="")
        )
    ).records
    assert [record.authors_complete for record in records] == [False, True, None]


def test_acronyms_are_protected_in_bibtex_and_csl_json(api, truncated):
    assert bibtex_title("HER2-low and T-DXd in Breast Cancer") == "{HER2-low} and {T-DXd} in Breast Cancer"
    assert csl_title("HER2 & HER3") == '<span class="nocase">HER2</span> &amp; <span class="nocase">HER3</span>'
    entry = bibtexparser.parse_string(
        api.get(f"/api/v1/references/{truncated.pmid}/?format=bibtex").content.decode()
    ).entries[0]
    assert "{HER2-Low}" in entry["title"]
    csl = json.loads(api.get(f"/api/v1/references/{truncated.pmid}/?format=csljson").content)[0]
    assert '<span class="nocase">HER2-Low</span>' in csl["title"]


def test_citation_keys_are_first_author_year_and_first_word(api, truncated):
    assert truncated.citation_key == "modi2022trastuzumab"
    accented = ReferenceFactory.build(
        pmid="1", authors=[{"last_name": "Müller-Lüdenscheidt"}], pub_year=2019, title="The HER2 story."
    )
    assert accented.citation_key == "mullerludenscheidt2019her2"
    assert ReferenceFactory.build(pmid="7", authors=[], pub_year=2019).citation_key == "pmid7"
    body = api.get(f"/api/v1/references/{truncated.pmid}/").json()
    assert body["citation_key"] == "modi2022trastuzumab"
    csl = json.loads(api.get(f"/api/v1/references/{truncated.pmid}/?format=csljson").content)[0]
    assert csl["id"] == csl["citation-key"] == "modi2022trastuzumab"


def test_a_reference_whose_key_an_earlier_one_in_the_file_took_gets_its_pmid():
    keys = citation_keys(
        [{"pmid": "1", "citation_key": "doe2020test"}, {"pmid": "2", "citation_key": "doe2020test"}, {"pmid": "3"}]
    )
    assert keys == ["doe2020test", "doe2020test-2", "pmid3"]


def test_author_list_completeness_survives_export_and_load(truncated, tmp_path):
    records = dataset_records()
    assert records[f"references/{truncated.pmid}.yaml"]["authors_complete"] is False
    for relative, record in records.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(record, default=str))  # JSON is YAML
    Reference.objects.filter(pk=truncated.pk).update(authors_complete=None)
    load_dataset(tmp_path)
    truncated.refresh_from_db()
    assert truncated.authors_complete is False
