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
    assert response["Content-Type"] == "application/json"
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
