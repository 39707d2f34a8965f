"""
End-to-end: the API docs pages work in a real browser under the site's Content-Security-Policy, offline.

Swagger UI must render every operation with its filters (the researcher's only guide), and ReDoc must
render too, loading nothing from other sites. Uses Debian's chromium through Playwright; skips without
/usr/bin/chromium, unless HER2KB_REQUIRE_BROWSER=1 (CI), where it fails.
"""

import pytest

REDOC_VENDOR_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    outside: list[str] = []
    blocked: list[str] = []
    # Nothing may leave the machine: requests to other sites are recorded and aborted.
    page.route("**/*", lambda route: route.continue_() if _is_local(route.request.url) else _abort(route, outside))
    page.on(
        "console", lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None
    )
    yield page
    context.close()
    # ReDoc's bundle hard-codes its vendor's logo from a CDN (no option turns it off); the site's CSP
    # (img-src 'self') blocks it in real browsers. That decorative image is the only exception allowed.
    outside = [url for url in outside if url != REDOC_VENDOR_LOGO]
    blocked = [message for message in blocked if REDOC_VENDOR_LOGO not in message]
    assert outside == [], f"the docs loaded {outside} from other sites"
    assert blocked == [], f"the Content-Security-Policy blocked: {blocked}"


def _abort(route, outside: list[str]) -> None:
    outside.append(route.request.url)
    route.abort()


def _is_local(url: str) -> bool:
    return "://localhost" in url or "://127.0.0.1" in url or url.startswith(("data:", "blob:"))


def test_swagger_ui_shows_every_endpoint_and_the_recipes(page, live_server):
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".opblock-summary-path", timeout=15_000)
    paths = set(page.locator(".opblock-summary-path").all_inner_texts())
    assert {"/api/v1/approvals/", "/api/v1/references/", "/api/v1/trials/{identifier}/"} <= {
        path.replace("\u200b", "") for path in paths
    }
    assert "trial_acronym=DESTINY-Breast&format=bibtex" in page.inner_text("body")
    # Opening the approvals list shows its filters, with the choices a researcher picks from.
    page.locator(".opblock-summary-path", has_text="/api/v1/approvals/").first.click()
    page.wait_for_selector("tr[data-param-name='drug_class']", timeout=5_000)
    assert page.locator("tr[data-param-name='date_after']").count() == 1
    assert page.locator("tr[data-param-name='format']").count() == 1


def test_redoc_renders(page, live_server):
    page.goto(f"{live_server.url}/api/redoc/")
    page.wait_for_selector("text=Quick recipes", timeout=15_000)
    assert page.locator("text=/api/v1/approvals/").count() > 0
