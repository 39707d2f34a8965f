"""Reading a list the way its readers do, one page after another: for the tests that every row is on exactly one."""

from django.test import Client


def every_api_page(client: Client, path: str, params: dict | None = None) -> list[dict]:
    """The records of an API list's every page, in order, from the first page on by following `next`."""
    records, url, asked = [], path, dict(params or {})
    while url:
        response = client.get(url, asked)
        assert response.status_code == 200, response.content
        body = response.json()
        records += body["results"]
        url, asked = body["next"], {}  # `next` carries the query string
    return records


def every_html_page(client: Client, path: str, params: dict | None = None) -> list:
    """The rows of a list page's every page, in order (`?page=1`, 2 … while the page has a next)."""
    rows, number = [], 1
    while True:
        response = client.get(path, {**(params or {}), "page": number})
        assert response.status_code == 200, response.content
        page = response.context["page_obj"]
        rows += list(page.object_list)
        if not page.has_next():
            return rows
        number += 1
