"""Production readiness: deploy checks, security headers, the page cache, and surviving a Redis outage."""

import inspect
import secrets
import subprocess
import sys

import pytest
from django.contrib.auth.models import User
from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.test import Client, override_settings

from drugs.models import Drug
from drugs.tests.factories import DrugFactory
from portal.vocabulary import vocabulary_rebuild
from testing.catalogue import make_catalogue

pytestmark = pytest.mark.django_db

# A Redis client pointed at a port where nothing listens: a real connection failure, as when Redis is down.
REDIS_DOWN = {
    "default": {
        "BACKEND": "her2kb.cache.TolerantRedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }
}


def test_production_settings_pass_check_deploy_with_zero_warnings(settings):
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": "/tmp",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "her2kb.example.org",
        "DATABASE_URL": f"sqlite:////tmp/her2kb-deploy-check-{secrets.token_hex(4)}.sqlite3",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_pages_carry_security_headers():
    response = Client().get("/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_a_cached_page_is_served_without_touching_the_database(django_assert_num_queries):
    DrugFactory()
    client = Client()
    first = client.get("/drugs/")
    assert first["X-Cache"] == "miss"
    with django_assert_num_queries(0):
        second = client.get("/drugs/")
    assert second["X-Cache"] == "hit"
    assert second.content == first.content


def test_a_curator_edit_invalidates_cached_pages():
    drug = DrugFactory(name="before edit")
    client = Client()
    assert b"before edit" in client.get(drug.get_absolute_url()).content
    drug.name = "after edit"
    drug.save()
    response = client.get(drug.get_absolute_url())
    assert response["X-Cache"] == "miss"
    assert b"after edit" in response.content


def test_a_page_cached_while_an_edit_was_uncommitted_is_not_served_after_the_commit(
    django_capture_on_commit_callbacks,
):
    drug = DrugFactory(name="before edit")
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        drug.name = "after edit"
        drug.save()
        # Another server answers between the save and the commit: it still reads the old row (played here by
        # caching a page that shows it) and caches it under the version the save just set.
        Drug.objects.filter(pk=drug.pk).update(name="before edit")
        client.get(drug.get_absolute_url())
        Drug.objects.filter(pk=drug.pk).update(name="after edit")

    response = client.get(drug.get_absolute_url())

    assert response["X-Cache"] == "miss"
    assert b"after edit" in response.content


def test_query_strings_are_cached_separately():
    client = Client()
    client.get("/approvals/", {"agency": "FDA"})
    assert client.get("/approvals/", {"agency": "EMA"})["X-Cache"] == "miss"


def test_signed_in_users_are_never_served_from_the_cache():
    user = User.objects.create_user("reader", password="a-long-test-password")
    client = Client()
    client.get("/")
    client.force_login(user)
    assert "X-Cache" not in client.get("/")


def test_conditional_get_answers_304_on_a_matching_etag():
    client = Client()
    response = client.get("/about/")
    assert response.has_header("ETag")
    again = client.get("/about/", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    assert again.content == b""


def test_admin_login_is_rate_limited_after_repeated_failures(settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    User.objects.create_user("curator", password="the-right-password", is_staff=True)
    client = Client()
    for _ in range(3):
        response = client.post("/admin/login/", {"username": "curator", "password": "wrong"})
        assert response.status_code == 200
    blocked = client.post("/admin/login/", {"username": "curator", "password": "the-right-password"})
    assert blocked.status_code == 429
    assert blocked["Retry-After"] == str(settings.LOGIN_FAILURE_WINDOW_SECONDS)
    assert b"Too many failed sign-in attempts" in blocked.content


@override_settings(CACHES=REDIS_DOWN)
def test_pages_and_api_still_serve_when_redis_is_down():
    DrugFactory(name="served without redis")
    client = Client()
    assert b"served without redis" in client.get("/drugs/").content
    assert client.get("/").status_code == 200
    response = client.get("/api/v1/drugs/")
    assert response.status_code == 200
    assert b"served without redis" in response.content


@override_settings(CACHES=REDIS_DOWN)
def test_curator_edits_still_save_when_redis_is_down():
    admin = User.objects.create_superuser("editor", password="a-long-test-password")
    drug = DrugFactory(name="old name")
    client = Client()
    client.force_login(admin)
    response = client.post(
        f"/admin/drugs/drug/{drug.pk}/change/",
        {
            "name": "new name",
            "slug": drug.slug,
            "brand_names": "[]",
            "synonyms": "[]",
            "drug_class": drug.drug_class,
            "development_status": drug.development_status,
            "sources": '["https://example.org"]',
            "approvals-TOTAL_FORMS": "0",
            "approvals-INITIAL_FORMS": "0",
            "approvals-MIN_NUM_FORMS": "0",
            "approvals-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    assert Drug.objects.get(pk=drug.pk).name == "new name"


def _write_to_the_cache_as_visitors_do() -> None:
    """Edits (the data version), the pages and API lists visitors read, search's vocabulary, a failed sign-in."""
    catalogue = make_catalogue(2)
    client = Client()
    for url in (
        "/",
        "/drugs/",
        catalogue.drug.get_absolute_url(),
        "/approvals/",
        catalogue.trial.get_absolute_url(),
        "/search/?q=fakeximab",
        "/api/v1/trials/",
        "/api/v1/approvals/?agency=FDA",
        "/api/v1/references/",
    ):
        assert client.get(url).status_code == 200, url
    vocabulary_rebuild()
    client.post("/admin/login/", {"username": "curator", "password": "wrong"})


def test_every_cache_entry_the_site_writes_expires(monkeypatch):
    # Redis is bounded with volatile-lru (docker-compose.yml): an entry without an expiry could never be evicted.
    backend = type(caches["default"])
    writes = []
    for method in ("set", "add", "set_many"):
        original = getattr(backend, method)
        signature = inspect.signature(original)

        def recording(self, *args, _original=original, _signature=signature, **kwargs):
            timeout = _signature.bind(self, *args, **kwargs).arguments.get("timeout", DEFAULT_TIMEOUT)
            writes.append((args[0], self.default_timeout if timeout is DEFAULT_TIMEOUT else timeout))
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(backend, method, recording)

    _write_to_the_cache_as_visitors_do()

    assert len(writes) > 20  # pages, API answers, kept pieces, counts, the data version …
    assert [key for key, timeout in writes if timeout is None or timeout <= 0] == []


def test_every_key_in_redis_expires(redis_url):
    import redis

    _write_to_the_cache_as_visitors_do()

    server = redis.Redis.from_url(redis_url)
    keys = list(server.scan_iter())
    assert len(keys) > 20
    assert [key for key in keys if server.ttl(key) < 0] == []  # -1: no expiry
