"""The project-wide middleware: the input guard, the page cache's limits and headers, the admin sign-in limiter."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------------------------
# The input guard: NUL characters anywhere in a request are a 400, never a 500
# ---------------------------------------------------------------------------------------------
NUL_URLS = [
    "/search/?q=a%00b",
    "/trials/a%00b/",
    "/drugs/a%00b/",
    "/references/?q=%00",
    "/api/v1/drugs/%00/",
    "/api/v1/trials/%00/",
    "/api/v1/references/?search=a%00",
    "/api/v1/approvals/?agency%00=FDA",
]


@pytest.mark.parametrize("url", NUL_URLS)
def test_a_nul_character_in_the_path_or_query_is_a_400(url):
    response = Client().get(url)
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


def test_the_api_answers_the_nul_guard_in_json():
    response = Client().get("/api/v1/drugs/%00/")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert "NUL" in response.json()["detail"]


def test_the_admin_filter_with_a_nul_character_is_a_400():
    admin = User.objects.create_superuser("nul-admin", password="a-long-test-password")
    client = Client()
    client.force_login(admin)
    assert client.get("/admin/drugs/drug/?drug_class=%00").status_code == 400


def test_a_nul_character_in_a_posted_form_is_a_400():
    response = Client().post("/admin/login/", {"username": "a\x00b", "password": "x"})
    assert response.status_code == 400


# ---------------------------------------------------------------------------------------------
# Headers on cached pages
# ---------------------------------------------------------------------------------------------
def test_a_page_served_from_the_cache_carries_every_security_header():
    client = Client()
    first = client.get("/about/")
    second = client.get("/about/")
    assert (first["X-Cache"], second["X-Cache"]) == ("miss", "hit")
    for response in (first, second):
        assert response["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
        assert response["X-Content-Type-Options"] == "nosniff"


def test_a_page_served_from_the_cache_keeps_its_etag_and_is_not_hashed_again(monkeypatch):
    import django.middleware.http

    client = Client()
    first = client.get("/drugs/?drug_class=adc")
    hashed = []
    real_set_etag = django.middleware.http.set_response_etag
    monkeypatch.setattr(
        django.middleware.http, "set_response_etag", lambda response: hashed.append(1) or real_set_etag(response)
    )
    second = client.get("/drugs/?drug_class=adc")
    assert (first["X-Cache"], second["X-Cache"]) == ("miss", "hit")
    assert second["ETag"] == first["ETag"] and hashed == []
    assert client.get("/drugs/?drug_class=adc", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_random_query_strings_are_rendered_but_never_stored(monkeypatch):
    from django.core.cache import cache

    stored = []
    real_set = cache.set
    monkeypatch.setattr(
        cache,
        "set",
        lambda key, *a, **k: (stored.append(key) if key.startswith("her2kb:page:") else None, real_set(key, *a, **k))[
            1
        ],
    )
    client = Client()
    for number in range(20):  # an attacker's cache-busting parameters
        response = client.get("/about/", {f"x{number}": "1"})
        assert response.status_code == 200 and "X-Cache" not in response
    assert stored == []
    # The parameters a page reads are still cached: a list's filters and page, the search's q.
    for url in ("/drugs/?drug_class=adc", "/drugs/?page=1", "/search/?q=trastuzumab"):
        assert (client.get(url)["X-Cache"], client.get(url)["X-Cache"]) == ("miss", "hit"), url
    assert "X-Cache" not in client.get("/drugs/", {"drug_class": "adc", "utm_source": "x"})
    assert len(stored) == 3


# ---------------------------------------------------------------------------------------------
# The admin sign-in limiter
# ---------------------------------------------------------------------------------------------
LOGIN = "/admin/login/"


def _sign_in(username: str, password: str, address: str = "192.0.2.10") -> int:
    return Client(REMOTE_ADDR=address).post(LOGIN, {"username": username, "password": password}).status_code


@pytest.fixture
def limits(settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS = 5
    return settings


@pytest.fixture
def curator_account(db):
    return User.objects.create_user("lena-curator", password="the-right-password", is_staff=True)


def test_failures_for_one_account_lock_that_account_from_every_address(limits, curator_account):
    statuses = [_sign_in("lena-curator", "wrong", address=f"192.0.2.{n}") for n in range(1, 5)]
    assert statuses == [200, 200, 200, 429]
    # The right password does not lift the lock-out, from a fresh address either: that would be the attacker's path.
    assert _sign_in("lena-curator", "the-right-password", address="198.51.100.7") == 429
    # Other accounts are not locked.
    User.objects.create_user("omar-curator", password="another-right-password", is_staff=True)
    assert _sign_in("omar-curator", "another-right-password", address="192.0.2.1") == 302


def test_failures_from_one_address_lock_that_address_for_every_account(limits):
    statuses = [_sign_in(f"guess-{n}", "wrong", address="203.0.113.5") for n in range(6)]
    assert statuses == [200] * 5 + [429]
    assert _sign_in("guess-0", "wrong", address="203.0.113.6") == 200


def test_behind_a_trusted_proxy_one_visitor_does_not_lock_out_the_others(limits, curator_account):
    limits.TRUSTED_PROXY_COUNT = 1
    attacker = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.66")
    for n in range(6):
        attacker.post(LOGIN, {"username": f"guess-{n}", "password": "wrong"})
    assert attacker.post(LOGIN, {"username": "guess-9", "password": "wrong"}).status_code == 429
    colleague = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.20")
    response = colleague.post(LOGIN, {"username": "lena-curator", "password": "the-right-password"})
    assert response.status_code == 302


def test_a_successful_sign_in_does_not_count_as_a_failure(limits, curator_account):
    for _ in range(2):
        assert _sign_in("lena-curator", "wrong") == 200
    assert _sign_in("lena-curator", "the-right-password") == 302
    # The account's failures are forgotten once its owner proved the password.
    assert [_sign_in("lena-curator", "wrong") for _ in range(4)] == [200, 200, 200, 429]


def _attempt_in_parallel(usernames: list[str]) -> tuple[int, list[int]]:
    """Post one sign-in per username, all at once from one address: (passwords checked, statuses)."""
    import threading
    import time

    from django.http import HttpResponse
    from django.test import RequestFactory

    from her2kb.middleware import AdminLoginRateLimitMiddleware

    checks, lock, start = [], threading.Lock(), threading.Barrier(len(usernames))

    def failed_check(request):
        with lock:
            checks.append(request)
        time.sleep(0.05)  # checking a password takes a while (PBKDF2): the other attempts arrive meanwhile
        return HttpResponse("the form again", status=200)

    middleware = AdminLoginRateLimitMiddleware(failed_check)
    statuses = []

    def attempt(n: int, username: str) -> None:
        request = RequestFactory().post(LOGIN, {"username": username, "password": f"guess-{n}"})
        request.user = None
        start.wait()
        statuses.append(middleware(request).status_code)

    threads = [threading.Thread(target=attempt, args=(n, name)) for n, name in enumerate(usernames)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(checks), sorted(statuses)


def test_parallel_attempts_at_one_account_get_no_more_checks_than_its_limit(limits):
    """Counted before the password is checked, atomically: 30 attempts at once get 3 checks, not 10."""
    # Only the account's limit is under test: with the address limit (5) in play too, an attempt could win an
    # account slot but lose its address slot to another thread, and fewer than 3 would be checked.
    limits.LOGIN_FAILURE_LIMIT_PER_ADDRESS = 1000
    checked, statuses = _attempt_in_parallel(["lena-curator"] * 30)
    assert checked == 3
    assert statuses == [200] * 3 + [429] * 27


def test_parallel_attempts_from_one_address_get_no_more_checks_than_its_limit(limits):
    """30 different accounts tried at once from one address: the address's limit (5) holds."""
    checked, statuses = _attempt_in_parallel([f"guess-{n}" for n in range(30)])
    assert checked == 5
    assert statuses == [200] * 5 + [429] * 25


def test_a_cleared_lock_out_lets_the_right_password_in(limits, curator_account):
    from django.core.management import call_command

    for _ in range(4):
        _sign_in("lena-curator", "wrong")
    assert _sign_in("lena-curator", "the-right-password") == 429
    call_command("clear_login_lockout", "--user", "lena-curator", "--address", "192.0.2.10")
    assert _sign_in("lena-curator", "the-right-password") == 302


def test_sign_in_fails_closed_while_the_cache_is_down(limits, curator_account, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "her2kb.cache.TolerantRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    client = Client()
    response = client.post(LOGIN, {"username": "lena-curator", "password": "the-right-password"})
    assert response.status_code == 503
    assert b"Signing in is unavailable" in response.content
    assert "_auth_user_id" not in client.session
    # The sign-in form itself still shows, and the public site still serves.
    assert client.get(LOGIN).status_code == 200
    assert client.get("/").status_code == 200


@pytest.mark.services
def test_sign_in_fails_closed_when_the_real_redis_dies(limits, curator_account, settings, private_redis):
    settings.CACHES = private_redis.cache_settings
    assert [_sign_in("lena-curator", "wrong") for _ in range(3)] == [200, 200, 200]
    private_redis.stop()
    assert _sign_in("lena-curator", "the-right-password") == 503
    assert _sign_in("lena-curator", "wrong") == 503


def test_pages_past_the_per_address_rate_get_the_429_page_with_retry_after(settings):
    import uuid

    settings.PAGE_RATE_LIMIT_PER_MINUTE = 3
    client, address = Client(), f"10.9.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    statuses = [client.get("/about/", REMOTE_ADDR=address).status_code for _ in range(3)]
    refused = client.get("/about/", REMOTE_ADDR=address)  # served from the page cache until now: still counted
    assert statuses == [200, 200, 200] and refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60 and "Too many requests" in refused.content.decode()
    assert (
        client.get("/about/", REMOTE_ADDR=f"10.8.{uuid.uuid4().int % 250}.1").status_code == 200
    )  # another address is not affected
    assert client.get("/healthz", REMOTE_ADDR=address).status_code == 200  # nor the health check


def test_a_forwarded_address_does_not_reset_the_page_rate(settings):
    settings.PAGE_RATE_LIMIT_PER_MINUTE = 2  # TRUSTED_PROXY_COUNT is 0: X-Forwarded-For is not believed
    import uuid

    client, address = Client(), f"10.7.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    statuses = [
        client.get("/about/", REMOTE_ADDR=address, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code for n in range(3)
    ]
    assert statuses == [200, 200, 429]
