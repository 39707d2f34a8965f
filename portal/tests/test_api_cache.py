"""The API response cache: a repeated request runs no query, a curator's edit shows at once, the throttle
still counts every request, and formats and errors are never mixed up, and no Host header adds an entry."""

import uuid

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient

from drugs.models import Drug
from drugs.tests.factories import DrugFactory
from her2kb.api import caching as api_caching
from her2kb.api.renderers import CSVRenderer
from her2kb.api.throttling import AnonymousRateThrottle
from testing.api_data import make_linked_dataset

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def data():
    return make_linked_dataset(3)


@pytest.fixture
def stored_keys(monkeypatch):
    """The API cache entries written during the test."""
    keys = []
    real_set = cache.set

    def recording_set(key, *args, **kwargs):
        if key.startswith("her2kb:api:"):
            keys.append(key)
        return real_set(key, *args, **kwargs)

    monkeypatch.setattr(cache, "set", recording_set)
    return keys


def get(api: APIClient, url: str, **headers):
    """A GET and the number of SQL queries it ran."""
    with CaptureQueriesContext(connection) as queries:
        response = api.get(url, **headers)
    return response, len(queries)


URLS = [
    "/api/v1/drugs/",
    "/api/v1/drugs/{drug}/",
    "/api/v1/approvals/?agency=FDA&ordering=-date",
    "/api/v1/trials/?format=csv",
    "/api/v1/outcomes/",
    "/api/v1/references/?page_size=2",
    "/api/v1/references/?format=bibtex",
    "/api/v1/search/?q=test",
]


@pytest.mark.parametrize("url", URLS)
def test_a_repeated_request_is_answered_from_the_cache_without_a_query(api, data, url):
    url = url.format(drug=data.drugs[0].slug)
    first, first_queries = get(api, url)
    second, second_queries = get(api, url)
    assert first.status_code == second.status_code == 200
    assert first["X-Cache"] == "miss" and second["X-Cache"] == "hit"
    assert first_queries > 0 and second_queries == 0  # not even Last-Modified's query: it is cached too
    assert second.content == first.content
    for header in ("Content-Type", "ETag", "Last-Modified", "Cache-Control"):
        assert second[header] == first[header], header


@pytest.mark.parametrize("url", ["/api/v1/approvals/", "/api/v1/trials/?format=csv"])
def test_a_hit_sends_the_kept_body_and_renders_nothing(api, data, url, monkeypatch):
    first = api.get(url)
    rendered = []
    for renderer in (JSONRenderer, CSVRenderer):
        real_render = renderer.render
        monkeypatch.setattr(
            renderer,
            "render",
            lambda self, *args, _real=real_render, **kwargs: rendered.append(1) or _real(self, *args, **kwargs),
        )
    second = api.get(url)
    assert second["X-Cache"] == "hit" and second.content == first.content
    assert rendered == []


def test_an_answer_kept_by_other_code_is_not_served(api, data, monkeypatch):
    """A deploy changes the code version: what the previous code kept (perhaps in another shape) is not read."""
    assert api.get("/api/v1/drugs/")["X-Cache"] == "miss"
    monkeypatch.setattr(api_caching, "site_code_version", lambda: "another-deploy")
    assert api.get("/api/v1/drugs/")["X-Cache"] == "miss"
    assert api.get("/api/v1/drugs/")["X-Cache"] == "hit"


def test_a_cached_answer_still_revalidates_with_a_304(api, data):
    first = api.get("/api/v1/drugs/")
    again, queries = get(api, "/api/v1/drugs/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again["ETag"] == first["ETag"] and queries == 0


def test_a_curators_edit_shows_in_the_next_answer(api, data):
    drug = data.drugs[0]
    url = f"/api/v1/drugs/{drug.slug}/"
    before = api.get(url)
    assert api.get(url)["X-Cache"] == "hit"
    drug.mechanism = "Binds HER2 and does something new."
    drug.save()  # as the admin saves: the signal moves the data version
    after = api.get(url)
    assert after.json()["mechanism"] == "Binds HER2 and does something new."
    assert after["ETag"] != before["ETag"]
    # The list, cached before the edit, is stale too.
    assert drug.slug in {d["slug"] for d in api.get("/api/v1/drugs/").json()["results"]}
    assert "does something new" in api.get("/api/v1/drugs/", {"format": "csv"}).content.decode()


def test_a_changed_link_shows_in_the_next_answer(api, data):
    drug = data.drugs[0]
    url = f"/api/v1/drugs/{drug.slug}/"
    assert api.get(url).json()["references"]
    assert api.get(url)["X-Cache"] == "hit"
    drug.references.clear()  # m2m_changed, with no save of the drug
    assert api.get(url).json()["references"] == []


def test_a_deleted_record_leaves_the_cached_list(api, data):
    outcome = data.outcomes[0]
    assert outcome.pk in {o["id"] for o in api.get("/api/v1/outcomes/").json()["results"]}
    outcome.delete()
    assert outcome.pk not in {o["id"] for o in api.get("/api/v1/outcomes/").json()["results"]}


def test_cached_answers_are_still_throttled(api, data, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "3/min", "user": "6/min"}}
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    cache.delete(AnonymousRateThrottle.cache_format % {"scope": "anon", "ident": address})
    responses = [api.get("/api/v1/drugs/", REMOTE_ADDR=address) for _ in range(4)]
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    assert [r.get("X-Cache") for r in responses[:3]] == ["miss", "hit", "hit"]
    assert "throttled" in responses[3].json()["detail"].lower()
    assert int(responses[3]["Retry-After"]) > 0


def test_formats_are_cached_apart(api, data):
    # One URL, two formats: JSON answers one page, CSV every row (file formats are not paginated).
    url = "/api/v1/drugs/?page_size=1"
    json_first = api.get(url)
    csv_first = api.get(url, HTTP_ACCEPT="text/csv")
    assert csv_first["X-Cache"] == "miss"
    json_again, csv_again = api.get(url), api.get(url, HTTP_ACCEPT="text/csv")
    assert json_again["X-Cache"] == csv_again["X-Cache"] == "hit"
    assert json_again["Content-Type"] == "application/json" and json_again.content == json_first.content
    assert len(json_again.json()["results"]) == 1
    assert csv_again["Content-Type"].startswith("text/csv") and csv_again.content == csv_first.content
    assert len(csv_again.content.decode().splitlines()) == 1 + len(data.drugs)


ELEVEN_HOSTS = ["testserver", "localhost", *(f"localhost:{port}" for port in range(8000, 8009))]


def test_every_host_shares_one_entry_whose_links_name_site_url(api, data, settings, stored_keys):
    settings.ALLOWED_HOSTS = ["testserver", "localhost"]  # Django ignores the port when it checks a host
    settings.SITE_URL = "https://her2kb.example"
    answers = [api.get("/api/v1/drugs/", HTTP_HOST=host) for host in ELEVEN_HOSTS]
    assert [answer["X-Cache"] for answer in answers] == ["miss"] + ["hit"] * 10
    assert len(stored_keys) == 1 and len({answer.content for answer in answers}) == 1
    assert answers[0].json()["results"][0]["url"].startswith("https://her2kb.example/api/v1/drugs/")
    assert b"localhost" not in answers[0].content


def test_a_bad_query_is_a_400_and_not_cached(api, data, stored_keys):
    for _ in range(2):
        response = api.get("/api/v1/drugs/", {"page_size": "0"})
        assert response.status_code == 400 and "page_size" in response.json()["errors"]
        assert "X-Cache" not in response
    assert stored_keys == []
    assert api.get("/api/v1/drugs/").status_code == 200
    assert len(stored_keys) == 1


def test_a_404_is_not_cached(api, data):
    assert api.get("/api/v1/drugs/not-yet-curated/").status_code == 404
    # Inserted without signals (the data version stays): only an uncached 404 lets the new drug be found.
    Drug.objects.bulk_create([DrugFactory.build(slug="not-yet-curated", name="Not yet curated")])
    assert api.get("/api/v1/drugs/not-yet-curated/").status_code == 200


def test_answers_too_big_for_the_cache_are_served_uncached(api, data, monkeypatch):
    monkeypatch.setattr(api_caching, "API_CACHE_MAX_BYTES", 100)
    first, _ = get(api, "/api/v1/drugs/")
    second, queries = get(api, "/api/v1/drugs/")
    assert "X-Cache" not in first and "X-Cache" not in second
    assert queries > 0 and second.content == first.content


def test_whole_tables_as_files_are_served_uncached(api, data, monkeypatch):
    monkeypatch.setattr(api_caching, "API_CACHE_MAX_RECORDS", len(data.drugs) - 1)
    assert "X-Cache" not in api.get("/api/v1/drugs/?format=csv")  # every drug: one too many
    again, queries = get(api, "/api/v1/drugs/?format=csv")
    assert "X-Cache" not in again and queries > 0
    assert api.get("/api/v1/drugs/?page_size=1")["X-Cache"] == "miss"  # a page of one: cached


def test_api_cache_seconds_zero_turns_it_off(api, data, settings, stored_keys):
    settings.API_CACHE_SECONDS = 0
    api.get("/api/v1/drugs/")
    response, queries = get(api, "/api/v1/drugs/")
    assert response.status_code == 200 and "X-Cache" not in response and queries > 0
    assert stored_keys == []
