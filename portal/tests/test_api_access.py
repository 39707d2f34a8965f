"""Access matrix: the API is read-only for everyone — anonymous, token holders and staff alike."""

import pytest
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from testing.api_data import make_linked_dataset

pytestmark = pytest.mark.django_db

WRITE_METHODS = ["post", "put", "patch", "delete"]


@pytest.fixture
def urls():
    data = make_linked_dataset(1)
    return {
        "list": [
            "/api/v1/drugs/",
            "/api/v1/approvals/",
            "/api/v1/trials/",
            "/api/v1/outcomes/",
            "/api/v1/references/",
            "/api/v1/search/?q=test",
            "/api/v1/export/",
        ],
        "detail": [
            f"/api/v1/drugs/{data.drugs[0].slug}/",
            f"/api/v1/approvals/{data.approvals[0].pk}/",
            f"/api/v1/trials/{data.trials[0].nct_id}/",
            f"/api/v1/outcomes/{data.outcomes[0].pk}/",
            f"/api/v1/references/{data.references[0].pmid}/",
        ],
    }


def _client(who: str) -> APIClient:
    client = APIClient()
    if who == "token":
        user = get_user_model().objects.create_user("researcher", password="x-unused-x")
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    elif who == "staff":
        staff = get_user_model().objects.create_user("curator", is_staff=True, is_superuser=True)
        # Session login with CSRF checks on, as a browser would be.
        client = APIClient(enforce_csrf_checks=True)
        client.force_login(staff)
    elif who == "staff_token":
        staff = get_user_model().objects.create_user("curator", is_staff=True, is_superuser=True)
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=staff).key}")
    return client


@pytest.mark.parametrize("who", ["anonymous", "token", "staff", "staff_token"])
def test_everyone_can_read_every_endpoint(urls, who):
    client = _client(who)
    for url in urls["list"] + urls["detail"]:
        assert client.get(url).status_code == 200, url
        assert client.head(url).status_code == 200, url
        assert client.options(url).status_code == 200, url


@pytest.mark.parametrize("who", ["anonymous", "token", "staff", "staff_token"])
@pytest.mark.parametrize("method", WRITE_METHODS)
def test_nobody_can_write_anywhere(urls, who, method):
    client = _client(who)
    for url in urls["list"] + urls["detail"]:
        response = getattr(client, method)(url, {"name": "changed"}, format="json")
        # 405 (the method does not exist here), or 403 when a session request fails its CSRF check first.
        assert response.status_code in (403, 405), (url, response.status_code)
        assert "detail" in response.json()
        if response.status_code == 405:
            assert "POST" not in response["Allow"] and "GET" in response["Allow"]


def test_write_attempts_change_nothing(urls):
    client = _client("staff_token")
    drug_url = urls["detail"][0]
    before = client.get(drug_url).json()
    client.put(drug_url, {**before, "name": "renamed"}, format="json")
    client.delete(drug_url)
    assert client.get(drug_url).json() == before


def test_a_wrong_token_is_refused_rather_than_treated_as_anonymous(urls):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = client.get(urls["list"][0])
    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid token."


def test_cors_allows_reading_from_other_sites(urls):
    response = APIClient().get(urls["list"][0], HTTP_ORIGIN="https://example.org")
    assert response["Access-Control-Allow-Origin"] == "*"
    preflight = APIClient().options(
        urls["list"][0], HTTP_ORIGIN="https://example.org", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET"
    )
    assert "GET" in preflight["Access-Control-Allow-Methods"]
    assert "POST" not in preflight["Access-Control-Allow-Methods"]
