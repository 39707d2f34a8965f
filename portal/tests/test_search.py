"""The one search service behind the search page and the API: what it finds, in what order, at what cost."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from drugs.tests.factories import DrugFactory
from portal.models import SearchWord
from portal.search import FEW_RESULTS, MAX_QUERY_LENGTH, SearchResults, normalise_query, search_everything
from portal.vocabulary import corrected_query, vocabulary_rebuild
from references.tests.factories import ReferenceFactory
from trials.tests.factories import TrialDrugFactory, TrialFactory

pytestmark = pytest.mark.django_db


def test_blank_query_finds_nothing_and_runs_no_sql(django_assert_num_queries):
    with django_assert_num_queries(0):
        results = search_everything("   ")
    assert results == SearchResults(query="")
    assert results.is_empty


def test_finds_drug_by_development_code_with_hyphen():
    wanted = DrugFactory(name="fakeximab deruxtecan", synonyms=["FK-9901", "F-DXd"], brand_names=["Fakhertu"])
    DrugFactory(name="otherumab", synonyms=["OT-1234"], brand_names=["Otherra"])

    results = search_everything("FK-9901")

    assert results.drugs == [wanted]


def test_finds_drug_by_brand_name_in_any_case():
    wanted = DrugFactory(brand_names=["Fakhertu"])
    DrugFactory(brand_names=["Otherra"])

    assert search_everything("fakhertu").drugs == [wanted]


def test_finds_drug_by_part_of_its_name():
    wanted = DrugFactory(name="fakeximab deruxtecan")
    DrugFactory(name="otherumab")

    assert search_everything("fakexi").drugs == [wanted]


def test_finds_trial_by_acronym_and_by_nct_number():
    wanted = TrialFactory(acronym="FAKE-Breast99", nct_id="NCT99990001")
    TrialFactory(acronym="OTHER-Lung01", nct_id="NCT99990002")

    assert search_everything("FAKE-Breast99").trials == [wanted]
    assert search_everything("nct99990001").trials == [wanted]


def test_finds_references_by_title_and_by_abstract():
    by_title = ReferenceFactory(title="Fakeximab versus placebo in imaginary cancer", abstract="")
    by_abstract = ReferenceFactory(title="Another study", abstract="Patients received fakeximab weekly.")
    ReferenceFactory(title="Unrelated", abstract="Nothing to see.")

    found = search_everything("fakeximab").references

    assert set(found) == {by_title, by_abstract}
    # A title match outranks a mention in the abstract.
    assert found[0] == by_title


def test_exact_nct_number_ranks_above_a_partial_match():
    partial = TrialFactory(acronym="NCT9999000 study", nct_id="NCT12340000")
    exact = TrialFactory(acronym="EXACT-1", nct_id="NCT99990000")

    assert search_everything("NCT99990000").trials[0] == exact
    assert partial in search_everything("NCT9999000").trials


def test_limit_caps_each_kind_of_result():
    DrugFactory.create_batch(5, mechanism="Blocks the fakeceptor.")

    assert len(search_everything("fakeceptor", limit=3).drugs) == 3
    assert len(search_everything("fakeceptor", limit=0).drugs) == 1  # limit is at least 1


def test_query_is_trimmed_and_capped():
    assert normalise_query("  DS   8201 ") == "DS 8201"
    assert len(normalise_query("x" * 1000)) == MAX_QUERY_LENGTH
    assert normalise_query(None) == ""


def _fakeceptor_records(count: int) -> None:
    for _ in range(count):
        drug = DrugFactory(mechanism="Blocks the fakeceptor.")
        TrialDrugFactory(drug=drug, trial=TrialFactory(title="A fakeceptor trial"))
        ReferenceFactory(title="On the fakeceptor")


def test_query_count_is_constant_however_many_results():
    _fakeceptor_records(1)
    with CaptureQueriesContext(connection) as small:
        search_everything("fakeceptor")
    _fakeceptor_records(15)
    with CaptureQueriesContext(connection) as large:
        results = search_everything("fakeceptor")

    assert (len(results.drugs), len(results.trials), len(results.references)) == (16, 16, 16)
    # one list of each kind, which counts its matches too
    assert len(small.captured_queries) == len(large.captured_queries) == 4


def test_counting_beyond_the_limit_costs_no_query():
    _fakeceptor_records(4)
    with CaptureQueriesContext(connection) as small:
        search_everything("fakeceptor", limit=3)
    _fakeceptor_records(12)
    with CaptureQueriesContext(connection) as large:
        results = search_everything("fakeceptor", limit=3)

    assert results.counts == {"drugs": 16, "approvals": 0, "trials": 16, "references": 16}
    # the lists count their matches themselves
    assert len(small.captured_queries) == len(large.captured_queries) == 4


def test_counts_stop_at_the_count_limit_and_say_so(monkeypatch):
    from portal import search

    monkeypatch.setattr(search, "COUNT_LIMIT", 3)
    DrugFactory.create_batch(5, mechanism="Blocks the fakeceptor.")

    results = search_everything("fakeceptor", limit=2)

    assert results.counts["drugs"] == 3 and results.capped == {"drugs"}
    assert results.count_text("drugs") == "3+" and results.total_text == "3+"


def test_text_with_sql_or_search_syntax_is_just_text():
    DrugFactory(name="fakeximab")
    for query in ["' OR 1=1 --", "fake & | ! ( ) :*", '"unterminated', "%_%"]:
        assert isinstance(search_everything(query), SearchResults)


def test_exact_drug_name_or_code_ranks_above_names_that_contain_it():
    longer = DrugFactory(name="fakeximab deruxtecan", synonyms=["FKX-1a"])
    exact = DrugFactory(name="fakeximab", synonyms=["FKX-1"])

    assert search_everything("fakeximab").drugs == [exact, longer]
    assert search_everything("FKX-1").drugs == [exact, longer]


# ---- what a clinician types ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["DS8201", "DS-8201a", "ds 8201", "ds-8201", "DS 8201A"])
def test_a_development_code_matches_with_or_without_hyphens_spaces_and_case(query):
    wanted = DrugFactory(name="fakeximab deruxtecan", synonyms=["DS-8201", "DS-8201a", "T-DXd"])
    DrugFactory(name="otherumab", synonyms=["DS-9999"])

    assert search_everything(query).drugs == [wanted]


@pytest.mark.parametrize("query", ["tdxd", "T-DXd", "t dxd", "TDXD"])
def test_an_abbreviation_matches_without_its_hyphen(query):
    wanted = DrugFactory(name="fakeximab deruxtecan", synonyms=["T-DXd"])
    DrugFactory(name="otherumab", synonyms=["T-DM1"])

    assert search_everything(query).drugs == [wanted]


def test_every_word_must_match():
    both = TrialFactory(acronym="FAKE-Gastric01", title="Fakeximab in fake gastric cancer")
    TrialFactory(acronym="FAKE-Breast01", title="Fakeximab in fake breast cancer")

    assert search_everything("fakeximab gastric").trials == [both]
    assert search_everything("FAKE gastric01").trials == [both]


def test_a_short_term_matches_whole_words_only():
    wanted = ReferenceFactory(title="ILD with an imaginary conjugate", abstract="")
    ReferenceFactory(title="Wild-type tumours and a fake drug", abstract="Wild-type only.")

    assert search_everything("ILD").references == [wanted]


def test_approvals_are_found_by_indication_and_drug_with_counts():
    from drugs.tests.factories import ApprovalFactory

    drug = DrugFactory(name="fakeximab", synonyms=["FK-1"])
    gastric = ApprovalFactory(drug=drug, indication="Fake HER2-positive gastric adenocarcinoma")
    ApprovalFactory(drug=drug, indication="Fake HER2-positive breast cancer")
    ApprovalFactory(indication="Another drug's gastric indication")

    results = search_everything("fakeximab gastric")

    assert results.approvals == [gastric]
    assert results.counts["approvals"] == 1
    assert results.counts == {"drugs": 0, "approvals": 1, "trials": 0, "references": 0}
    assert len(search_everything("FK1").approvals) == 2


def test_counts_say_how_many_match_beyond_the_limit():
    DrugFactory.create_batch(4, mechanism="Blocks the fakeceptor.")

    results = search_everything("fakeceptor", limit=2)

    assert len(results.drugs) == 2 and results.counts["drugs"] == 4
    assert results.total == 4


@pytest.mark.parametrize("query", ["---", "%", "_", "()", "\\", '"', "[a-", "*+?"])
def test_punctuation_and_regex_characters_are_just_text(query):
    DrugFactory(name="fakeximab")

    assert search_everything(query).is_empty


@pytest.mark.parametrize("query", ["DS8201", "ds 8201", "DS-8201A", "ds8201a"])
def test_a_code_in_a_title_or_abstract_matches_with_or_without_separators(query):
    by_title = ReferenceFactory(title="DS-8201a in a fake HER2-low cancer", abstract="")
    by_abstract = ReferenceFactory(title="A fake conjugate", abstract="Patients received DS-8201a weekly.")
    ReferenceFactory(title="DS-9999 in a fake cancer", abstract="Not the same code.")

    assert set(search_everything(query).references) == {by_title, by_abstract}


def test_a_code_in_a_trial_title_matches_without_its_hyphen_and_with_other_words():
    wanted = TrialFactory(acronym="FAKE-01", title="DS-8201a in fake gastric cancer")
    TrialFactory(acronym="FAKE-02", title="DS-8201a in fake breast cancer")

    assert search_everything("DS8201 gastric").trials == [wanted]


def test_a_code_with_a_hyphen_finds_prose_that_writes_it_without():
    wanted = ReferenceFactory(title="HER2 low disease and a fake conjugate", abstract="")
    ReferenceFactory(title="HER2 positive disease", abstract="")

    assert search_everything("HER2-low").references == [wanted]


# ---- typo tolerance -------------------------------------------------------------------------------------------------


def _drugs_to_misspell() -> None:
    DrugFactory(name="trastuzumab", brand_names=["Herceptin"], synonyms=[])
    DrugFactory(name="pertuzumab", brand_names=["Perjeta"], synonyms=[])
    DrugFactory(name="trastuzumab deruxtecan", brand_names=["Enhertu"], synonyms=["DS-8201a", "T-DXd"])
    DrugFactory(name="lapatinib", brand_names=["Tykerb"], synonyms=[])
    # Holds both names whole: a tie on the closest word, which the closer whole name wins.
    DrugFactory(name="pertuzumab, trastuzumab, and hyaluronidase", brand_names=["Phesgo"], synonyms=[])


@pytest.mark.parametrize(
    ("query", "meant"),
    [("trastuzamab", "trastuzumab"), ("pertuzimab", "pertuzumab"), ("enhretu", "trastuzumab deruxtecan")],
)
def test_a_misspelt_drug_name_finds_nothing_but_suggests_the_drug(query, meant):
    _drugs_to_misspell()

    results = search_everything(query)

    assert results.is_empty
    assert results.suggestions[0] == meant
    assert "lapatinib" not in results.suggestions


def test_no_suggestion_when_something_matches_or_nothing_is_close():
    _drugs_to_misspell()

    assert search_everything("trastuzumab").suggestions == []
    assert search_everything("zzqqxxw").suggestions == []


def test_a_suggestion_costs_two_queries_whatever_the_number_of_drugs():
    _drugs_to_misspell()
    vocabulary_rebuild()
    with CaptureQueriesContext(connection) as small:
        search_everything("trastuzamab")
    DrugFactory.create_batch(10)
    vocabulary_rebuild()
    with CaptureQueriesContext(connection) as large:
        search_everything("trastuzamab")

    # a list of each kind (4), the vocabulary's words like the query's, then the drug names spelt like it
    assert len(small.captured_queries) == len(large.captured_queries) == 6


# ---- typo tolerance word by word, from the vocabulary of the data ---------------------------------------------------


def _records_to_misspell() -> None:
    _drugs_to_misspell()
    TrialFactory(acronym="DESTINY-Breast03", title="Trastuzumab deruxtecan versus trastuzumab emtansine in breast")
    TrialFactory(acronym="JACOB", title="Pertuzumab in HER2-positive metastatic gastric cancer", conditions=["Gastric"])
    ReferenceFactory(title="Cardiotoxicity of trastuzumab", abstract="")
    vocabulary_rebuild()


@pytest.mark.parametrize(
    ("query", "meant"),
    [
        ("trastuzmab deruxtecan", "trastuzumab deruxtecan"),
        ("pertuzumab gastirc", "pertuzumab gastric"),
        ("destny breast", "destiny breast"),
        ("Cardiotoxicty", "cardiotoxicity"),
    ],
)
def test_misspelt_words_are_corrected_one_by_one_from_the_data(query, meant):
    _records_to_misspell()

    results = search_everything(query)

    assert meant in results.suggestions
    # what is suggested finds something
    assert not search_everything(meant).is_empty


def test_a_longer_query_is_offered_corrected_before_drug_names():
    _records_to_misspell()

    assert search_everything("trastuzmab deruxtecan").suggestions[0] == "trastuzumab deruxtecan"


def test_words_of_the_data_are_not_corrected_and_short_ones_never():
    _records_to_misspell()

    assert corrected_query("pertuzumab gastric") is None
    assert corrected_query("pertuzumab gastirc ILX") == "pertuzumab gastric ILX"
    assert corrected_query("gastirc, pertuzumab") == "gastric, pertuzumab"


def test_no_vocabulary_query_when_enough_matches():
    _records_to_misspell()
    TrialFactory.create_batch(FEW_RESULTS, title="Pertuzumab in gastric cancer")

    with CaptureQueriesContext(connection) as queries:
        results = search_everything("pertuzumab gastric")

    assert results.total >= FEW_RESULTS and results.suggestions == []
    assert not any(SearchWord._meta.db_table in query["sql"] for query in queries.captured_queries)


def test_the_vocabulary_counts_the_records_holding_each_word():
    TrialFactory(acronym="FAKE-1", title="Fakeximab in fakeoma", conditions=["Fakeoma"])
    TrialFactory(acronym="FAKE-2", title="Fakeximab and fakeoma, fakeoma again")

    vocabulary_rebuild()

    assert SearchWord.objects.get(word="fakeoma").documents == 2
    assert SearchWord.objects.get(word="fakeximab").documents == 2
    assert SearchWord.objects.get(word="fake").documents == 2  # the letters of "FAKE-1"
    # letters only, four or more: codes are corrected by their drug's name, short words not at all
    assert not SearchWord.objects.filter(word__in=["in", "and", "fake1", "1"]).exists()


def test_a_search_queues_a_rebuild_when_the_data_changed(django_capture_on_commit_callbacks):
    _drugs_to_misspell()
    vocabulary_rebuild()
    TrialFactory(title="Pertuzumab in gastric cancer")  # changes the data version

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        results = search_everything("pertuzumab gastirc")

    assert len(callbacks) == 1  # the rebuild, run once committed (an eager task under pytest)
    assert results.suggestions == []  # the words it had when asked: none of them "gastric"
    assert search_everything("pertuzumab gastirc").suggestions == ["pertuzumab gastric"]
    with django_capture_on_commit_callbacks() as callbacks:
        search_everything("pertuzumab gastirc")
    assert callbacks == []  # the vocabulary is current: nothing queued


# ---- what the page and the API say ---------------------------------------------------------------------------------


def test_the_page_offers_the_corrected_query_as_a_link():
    from django.test import Client

    _records_to_misspell()

    html = Client().get("/search/", {"q": "pertuzumab gastirc"}).content.decode()

    assert "Did you mean" in html and 'href="?q=pertuzumab%20gastric"' in html


def test_the_api_offers_the_corrected_query_and_says_which_counts_stopped(monkeypatch):
    from rest_framework.test import APIClient

    from portal import search

    _records_to_misspell()
    body = APIClient().get("/api/v1/search/", {"q": "destny breast"}).json()
    assert "destiny breast" in body["suggestions"] and body["capped"] == []

    monkeypatch.setattr(search, "COUNT_LIMIT", 2)
    TrialFactory.create_batch(3, title="Fakeximab in fakeoma")
    body = APIClient().get("/api/v1/search/", {"q": "fakeoma", "limit": 1}).json()
    assert body["counts"]["trials"] == 2 and body["capped"] == ["trials"]


def test_the_page_says_a_capped_count_is_at_least_that_many(monkeypatch):
    from django.test import Client

    from portal import search

    monkeypatch.setattr(search, "COUNT_LIMIT", 2)
    TrialFactory.create_batch(3, title="Fakeximab in fakeoma")

    html = Client().get("/search/", {"q": "fakeoma"}).content.decode()

    assert '<span class="count">2+</span>' in html and "2+ results" in html
