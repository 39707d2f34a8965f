"""Pieces of pages kept per data version, for the requests the response cache cannot help: a record's page content,
the home page's content, the approvals table's rows; and the one data-version read each request makes."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from drugs.tests.factories import ApprovalFactory, DrugFactory
from her2kb import cache as cache_module
from her2kb.cache import DATA_VERSION_KEY, bump_data_version, data_version, one_data_version_per_request
from references.tests.factories import ReferenceFactory
from testing.catalogue import make_catalogue
from trials.models import Trial
from trials.tests.factories import OutcomeFactory, OutcomeSourceFactory, TrialFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cold(settings):
    """As the benchmark's cold server: no response cache, so every request reaches the views."""
    settings.API_CACHE_SECONDS = 0
    settings.PAGE_CACHE_SECONDS = 0


def queries_of(client: Client, url: str, params: dict | None = None) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params or {}).status_code == 200
    return [query["sql"] for query in queries.captured_queries]


@pytest.mark.parametrize("page", ["drug", "trial", "reference"])
def test_a_record_page_seen_before_is_its_kept_content_and_one_query(cold, page):
    catalogue = make_catalogue(2)
    url = getattr(catalogue, page).get_absolute_url()
    client = Client()
    first = client.get(url).content

    again = queries_of(client, url)

    assert len(again) == 1  # the record itself, for the title and the structured data
    assert client.get(url).content == first


def test_an_edit_shows_at_once_on_a_kept_page_and_in_a_kept_row(cold):
    catalogue = make_catalogue(1)
    client = Client()
    drug_url = catalogue.drug.get_absolute_url()
    client.get(drug_url), client.get("/approvals/")

    catalogue.approval.indication = "Adults with a newly worded indication"
    catalogue.approval.save()

    assert "Adults with a newly worded indication" in client.get(drug_url).content.decode()
    assert "Adults with a newly worded indication" in client.get("/approvals/").content.decode()


def test_a_trial_by_nct_number_and_by_slug_shares_its_content(cold):
    TrialFactory(nct_id="NCT01234567", slug="kept-trial", acronym="KEPT-1")
    client = Client()
    first = client.get("/trials/NCT01234567/").content.decode()

    assert len(queries_of(client, "/trials/kept-trial/")) == 1
    assert "KEPT-1" in first


def test_the_approvals_list_renders_each_row_once_whatever_the_filter(cold):
    make_catalogue(2)
    client = Client()
    assert any("trials_outcome" in sql for sql in queries_of(client, "/approvals/"))

    with CaptureQueriesContext(connection) as queries:
        html = client.get("/approvals/", {"agency": "EMA"}).content.decode()

    # The EMA approvals' rows, results included, were rendered for the whole list a moment ago.
    assert not any("trials_outcome" in query["sql"] for query in queries.captured_queries)
    assert html.count('<tr id="approval-') == 2


def test_a_kept_row_shows_on_the_drug_page_as_the_drug_page_shows_it(cold):
    approval = ApprovalFactory(drug__name="keptumab", drug__slug="keptumab", indication="Kept breast cancer indication")
    client = Client()
    listed = client.get("/approvals/").content.decode()
    on_page = client.get(approval.drug.get_absolute_url()).content.decode()

    # Same approval, two tables: the list's row names the drug, the drug's page does not repeat it.
    assert listed.count("Kept breast cancer indication") == on_page.count("Kept breast cancer indication") == 1
    assert '<th scope="row"><a href="/drugs/keptumab/">keptumab</a>' in listed
    assert '<th scope="row"><a href="/drugs/keptumab/">' not in on_page


def test_kept_pieces_are_rendered_again_when_the_code_changes(cold, monkeypatch):
    drug = DrugFactory()
    client = Client()
    client.get(drug.get_absolute_url())
    assert len(queries_of(client, drug.get_absolute_url())) == 1

    monkeypatch.setattr(cache_module, "site_code_version", lambda: "the next deploy")

    assert len(queries_of(client, drug.get_absolute_url())) > 1


def test_the_home_page_content_is_kept_until_an_edit(cold):
    ApprovalFactory(drug__name="firstumab")
    client = Client()
    client.get("/")
    assert len(queries_of(client, "/")) == 0

    ApprovalFactory(drug__name="secondumab")

    assert "secondumab" in client.get("/").content.decode()


def test_primary_outcomes_prefetched_alone_in_order_with_their_sources(django_assert_num_queries):
    trial = TrialFactory()
    OutcomeFactory(trial=trial, is_primary=False, endpoint="os")
    second = OutcomeFactory(trial=trial, endpoint="pfs", analysis="b")
    first = OutcomeFactory(trial=trial, endpoint="pfs", analysis="a")
    OutcomeSourceFactory(outcome=first)

    (fetched,) = Trial.objects.prefetch_related(Trial.prefetch_primary_outcomes())

    with django_assert_num_queries(0):
        assert fetched.primary_outcomes == [first, second]
        assert [len(outcome.sources.all()) for outcome in fetched.primary_outcomes] == [1, 0]


def test_a_request_reads_the_data_version_once(cold, monkeypatch):
    make_catalogue(1)
    ReferenceFactory()
    client = Client()
    client.get("/approvals/")  # counts and rows kept: the next request reads them all under one version
    reads = []
    backend_get = cache.get

    def counting_get(key, *args, **kwargs):
        reads.append(key)
        return backend_get(key, *args, **kwargs)

    monkeypatch.setattr(cache, "get", counting_get)
    client.get("/approvals/", {"page": 1})

    assert reads.count(DATA_VERSION_KEY) == 1
    data_version(), data_version()  # outside a request: read every time, as a task or a command needs it
    assert reads.count(DATA_VERSION_KEY) == 3


def test_a_write_during_a_request_reads_the_new_data_version():
    with one_data_version_per_request():
        before = data_version()
        assert data_version() == before
        bump_data_version()
        assert data_version() != before


def test_the_redis_cache_builds_one_client_per_server_and_keeps_failing_open(redis_url):
    from her2kb.cache import TolerantRedisCache

    backend = TolerantRedisCache(redis_url, {"KEY_PREFIX": "her2kb-test-kept"})
    backend.set("kept", {"rows": [1, 2]}, 30)

    assert backend._cache.get_client() is backend._cache.get_client(write=True)
    assert backend.get("kept") == {"rows": [1, 2]}
    assert backend.get_many(["kept", "absent"]) == {"kept": {"rows": [1, 2]}}
    backend.delete("kept")


def test_a_select_rendered_before_is_the_same_html_and_a_change_renders_anew(monkeypatch):
    from django import forms

    from her2kb.filters import ChoiceListSelect

    widget = ChoiceListSelect(choices=[("", "Any"), ("FDA", "FDA (12)"), ("EMA", "EMA (3)")])
    first = widget.render("agency", ["EMA"], {"id": "id_agency"})
    assert '<option value="EMA" selected>EMA (3)</option>' in first

    monkeypatch.setattr(forms.Select, "render", lambda *args, **kwargs: pytest.fail("rendered again"))
    assert widget.render("agency", ["EMA"], {"id": "id_agency"}) == first
    monkeypatch.undo()

    assert 'value="FDA" selected' in widget.render("agency", ["FDA"], {"id": "id_agency"})
    widget.choices = [("", "Any"), ("FDA", "FDA (13)"), ("EMA", "EMA (3)")]  # the counts after an edit
    assert "FDA (13)" in widget.render("agency", ["EMA"], {"id": "id_agency"})


def test_a_small_value_kept_in_process_needs_no_cache_read_until_an_edit_or_its_expiry(monkeypatch):
    from her2kb.cache import cached_for_data_version

    computed = []

    def compute():
        computed.append(1)
        return {"as_of": len(computed)}

    with one_data_version_per_request():
        assert cached_for_data_version("test:facts", compute, in_process=True) == {"as_of": 1}
        monkeypatch.setattr(cache, "get", lambda *args, **kwargs: pytest.fail("read from the cache"))
        assert cached_for_data_version("test:facts", compute, in_process=True) == {"as_of": 1}
        monkeypatch.undo()

    bump_data_version()  # an edit: a new key, computed again
    assert cached_for_data_version("test:facts", compute, in_process=True) == {"as_of": 2}

    reads = []
    backend_get = cache.get
    monkeypatch.setattr(cache, "get", lambda key, *args: reads.append(key) or backend_get(key, *args))
    an_hour_later = cache_module.time.monotonic() + cache_module.DATA_CACHE_SECONDS + 1
    monkeypatch.setattr(cache_module.time, "monotonic", lambda: an_hour_later)
    cached_for_data_version("test:facts", compute, in_process=True)
    assert len(reads) == 2  # the process's copy expired with the cache's: the version and the value are read again
