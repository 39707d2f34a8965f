"""Every list's CSV says what its JSON says, read back the way a researcher's tools read it (Python's csv module and
pandas): one row per record in the same order, a column per field (a nested record spread as `parent.child`), lists
as JSON arrays (an item holding "; " or a comma stays one item), related records in a list as their identifiers,
booleans true/false, unknown values empty."""

import io
import json

import pandas as pd
import pytest
from rest_framework.test import APIClient

from her2kb.tests.api_responses import csv_rows
from portal.api.urls import router
from references.tests.factories import ReferenceFactory
from testing.api_data import make_linked_dataset
from trials.tests.factories import TrialFactory

pytestmark = pytest.mark.django_db

LIST_ENDPOINTS = sorted(prefix for prefix, _viewset, _basename in router.registry)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture(autouse=True)
def linked_data(db):
    make_linked_dataset(2)
    # An arm holding "; " (as two curated arms do), one with a comma and quotes.
    TrialFactory(arms=["Fake drug 1 mg/kg; every 3 weeks", 'Physician\'s choice, "TPC"'], nct_id=None)
    ReferenceFactory(pub_year=None, pub_month=None, title="", authors=[], doi="")


def _identifier(item):
    """How a related record in a list is named: its identifier, slug, PMID or id; an author as 'Last Initials'; a
    link record ({"drug": {...}, "role": ...}) by the record it links."""
    if not isinstance(item, dict):
        return item
    if "last_name" in item or "collective_name" in item:
        return item.get("collective_name") or f"{item.get('last_name', '')} {item.get('initials', '')}".strip()
    for key in ("identifier", "slug", "pmid", "id"):
        if key in item:
            return item[key]
    return _identifier(next(iter(item.values())))


def _same(cell: str, value) -> bool:
    """Whether a CSV cell holds the JSON value."""
    if value is None:
        return cell == ""
    if isinstance(value, bool):
        return cell == ("true" if value else "false")
    if isinstance(value, int | float):
        return float(cell) == value
    if isinstance(value, list):
        return json.loads(cell) == [_identifier(item) for item in value]
    if isinstance(value, dict):
        return _same(cell, _identifier(value))
    # Text that a spreadsheet would run as a formula carries an apostrophe in front.
    return cell == value or (value.startswith(FORMULA_STARTS) and cell == "'" + value)


def _value(row: dict, column: str):
    parent, _, child = column.partition(".")
    value = row[parent]
    return (value or {}).get(child) if child else value


@pytest.mark.parametrize("endpoint", LIST_ENDPOINTS)
def test_every_lists_csv_round_trips_to_its_json(api, endpoint):
    body = api.get(f"/api/v1/{endpoint}/", {"page_size": 200}).json()
    records = body["results"]
    assert records and body["next"] is None  # the whole list on one JSON page, to compare with the CSV
    response = api.get(f"/api/v1/{endpoint}/", {"format": "csv"})
    rows = csv_rows(response)

    assert len(rows) == len(records)
    assert {column.partition(".")[0] for column in rows[0]} == set(records[0])
    mismatches = [
        (index, column, row[column], _value(record, column))
        for index, (row, record) in enumerate(zip(rows, records, strict=True))
        for column in row
        if not _same(row[column], _value(record, column))
    ]
    assert mismatches == []
    # pandas reads the same table: a row per record, every list cell a JSON array it can decode.
    table = pd.read_csv(io.StringIO(response.content.decode()), dtype=str, keep_default_na=False)
    assert list(table.columns) == list(rows[0]) and len(table) == len(records)


def test_an_arm_holding_a_semicolon_stays_one_arm(api):
    (row,) = [row for row in csv_rows(api.get("/api/v1/trials/?format=csv")) if "every 3 weeks" in row["arms"]]
    assert json.loads(row["arms"]) == ["Fake drug 1 mg/kg; every 3 weeks", 'Physician\'s choice, "TPC"']
