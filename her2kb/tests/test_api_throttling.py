"""Throttling: anonymous clients per address, token holders per account at a higher rate, 429 + Retry-After."""

import uuid

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from her2kb.api.throttling import AnonymousRateThrottle, TokenRateThrottle

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(settings):
    """Small rates for this test only (the suite runs with throttling off)."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "3/min", "user": "6/min"}}


def _fresh_address() -> str:
    """A client address no earlier run has used, so a shared (Redis) cache holds no history for it."""
    return f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"


def test_anonymous_clients_are_throttled_with_retry_after(rates):
    client, address = APIClient(), _fresh_address()
    cache.delete(AnonymousRateThrottle.cache_format % {"scope": "anon", "ident": address})
    statuses = [client.get("/api/v1/drugs/", REMOTE_ADDR=address).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get("/api/v1/drugs/", REMOTE_ADDR=address)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert "throttled" in response.json()["detail"].lower()
    # Another address is not affected.
    assert client.get("/api/v1/drugs/", REMOTE_ADDR=_fresh_address()).status_code == 200


def test_a_token_raises_the_limit(rates):
    user = get_user_model().objects.create_user(f"researcher-{uuid.uuid4().hex[:8]}")
    cache.delete(TokenRateThrottle.cache_format % {"scope": "user", "ident": user.pk})
    client, address = APIClient(), _fresh_address()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    statuses = [client.get("/api/v1/drugs/", REMOTE_ADDR=address).status_code for _ in range(7)]
    assert statuses == [200] * 6 + [429]


def test_anonymous_clients_are_held_to_the_anonymous_rate_only(settings):
    # A token rate below the anonymous one must not limit anonymous clients: it is not theirs.
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "5/min", "user": "2/min"}}
    client, address = APIClient(), _fresh_address()
    statuses = [client.get("/api/v1/drugs/", REMOTE_ADDR=address).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]


def test_configured_rates_come_from_settings(settings):
    assert settings.API_THROTTLE_RATES["anon"] and settings.API_THROTTLE_RATES["user"]
    anon = AnonymousRateThrottle().parse_rate(settings.API_THROTTLE_RATES["anon"])
    token = TokenRateThrottle().parse_rate(settings.API_THROTTLE_RATES["user"])
    # Per second, a token holder may send more than an anonymous client.
    assert token[0] / token[1] > anon[0] / anon[1]


def test_a_client_sent_forwarded_for_header_does_not_reset_the_anonymous_limit(rates):
    client, address = APIClient(), _fresh_address()
    statuses = [
        client.get("/api/v1/drugs/", REMOTE_ADDR=address, HTTP_X_FORWARDED_FOR=_fresh_address()).status_code
        for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]


def test_behind_trusted_proxies_the_client_is_the_address_the_outermost_proxy_saw(rates, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    client, proxy, visitor, other = APIClient(), _fresh_address(), _fresh_address(), _fresh_address()
    # Whatever the visitor writes in front of the proxy's entry is ignored: only the last entry is the proxy's.
    statuses = [
        client.get(
            "/api/v1/drugs/", REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=f"{_fresh_address()}, {visitor}"
        ).status_code
        for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    # Another visitor behind the same proxy has a limit of its own.
    assert client.get("/api/v1/drugs/", REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=other).status_code == 200


def test_a_request_that_bypassed_the_proxies_is_counted_by_its_own_address(rates, settings):
    settings.TRUSTED_PROXY_COUNT = 2
    client, address = APIClient(), _fresh_address()
    # Two proxies would leave two entries; one entry means the header was written by the client itself.
    statuses = [
        client.get("/api/v1/drugs/", REMOTE_ADDR=address, HTTP_X_FORWARDED_FOR=_fresh_address()).status_code
        for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]


def test_wrong_tokens_are_throttled_like_anonymous_requests(rates):
    client, address = APIClient(), _fresh_address()
    statuses = []
    for _ in range(4):
        client.credentials(HTTP_AUTHORIZATION=f"Token {uuid.uuid4().hex}")
        statuses.append(client.get("/api/v1/drugs/", REMOTE_ADDR=address).status_code)
    assert statuses == [401, 401, 401, 429]
    # The anonymous rate is one budget: wrong tokens used it up for this address.
    client.credentials()
    assert client.get("/api/v1/drugs/", REMOTE_ADDR=address).status_code == 429
