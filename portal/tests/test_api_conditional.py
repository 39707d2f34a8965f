"""Conditional GET: every API response has an ETag and Last-Modified; a matching request gets a 304."""

import datetime
import re

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.http import http_date
from rest_framework.test import APIClient

from drugs.models import (
    Approval,
    ApprovalDesignation,
    CompanionDiagnostic,
    Drug,
    Label,
    LabelWarning,
    Product,
    RegulatoryEvent,
)
from her2kb.api import caching
from her2kb.tests.explain import plan_without_seqscans
from references.models import Reference
from testing.api_data import make_linked_dataset
from trials.models import Outcome, OutcomeSource, Trial

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


@pytest.mark.parametrize("path", ["/api/v1/drugs/", "/api/v1/drugs/{slug}/", "/api/v1/references/", "/api/v1/export/"])
def test_matching_etag_gets_304_without_a_body(api, path):
    url = path.format(slug=make_linked_dataset(1).drugs[0].slug)
    first = api.get(url)
    assert first.status_code == 200
    etag = first["ETag"]
    assert etag.startswith('"') and etag.endswith('"')
    again = api.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag


def test_changed_data_changes_the_etag(api):
    drug = make_linked_dataset(1).drugs[0]
    etag = api.get("/api/v1/drugs/")["ETag"]
    # Saved as the admin saves (the signal moves the data version, so the cached answer is not reused).
    drug.mechanism = "Changed by a curator."
    drug.save()
    response = api.get("/api/v1/drugs/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] != etag


def test_each_format_has_its_own_etag(api):
    make_linked_dataset(1)
    json_etag = api.get("/api/v1/drugs/")["ETag"]
    csv_response = api.get("/api/v1/drugs/", {"format": "csv"}, HTTP_IF_NONE_MATCH=json_etag)
    assert csv_response.status_code == 200
    assert csv_response["ETag"] != json_etag


def test_last_modified_is_the_latest_change_and_if_modified_since_gets_304(api):
    drug = make_linked_dataset(1).drugs[0]
    response = api.get("/api/v1/drugs/")
    # The latest change anywhere in the dataset (the linked records are written after the drug).
    models = (
        Drug,
        Approval,
        Trial,
        Outcome,
        Reference,
        Product,
        CompanionDiagnostic,
        ApprovalDesignation,
        Label,
        LabelWarning,
        RegulatoryEvent,
        OutcomeSource,
    )
    latest = max(stamp for model in models for stamp in model.objects.values_list("updated_at", flat=True))
    assert response["Last-Modified"] == http_date(latest.timestamp())
    assert api.get("/api/v1/drugs/", HTTP_IF_MODIFIED_SINCE=response["Last-Modified"]).status_code == 304
    earlier = http_date((latest - datetime.timedelta(days=1)).timestamp())
    assert api.get("/api/v1/drugs/", HTTP_IF_MODIFIED_SINCE=earlier).status_code == 200
    drug.save()  # a curator's edit moves Last-Modified on
    assert api.get("/api/v1/drugs/", HTTP_IF_MODIFIED_SINCE=earlier).status_code == 200


def test_last_modified_is_kept_for_the_data_version_and_moves_with_an_edit(api, settings):
    settings.API_CACHE_SECONDS = 0  # every request reaches the view, as a URL nobody asked for yet does
    drug = make_linked_dataset(1).drugs[0]
    first = api.get("/api/v1/drugs/")["Last-Modified"]
    with CaptureQueriesContext(connection) as queries:
        assert api.get("/api/v1/approvals/")["Last-Modified"] == first
    assert not [query for query in queries if 'AS "part"' in query["sql"]]  # no UNION over every table again
    drug.mechanism = "Changed by a curator."
    drug.save()  # an edit: Last-Modified is read again, and is the edit's time
    with CaptureQueriesContext(connection) as queries:
        response = api.get("/api/v1/drugs/")
    assert [query for query in queries if 'AS "part"' in query["sql"]]
    assert response["Last-Modified"] == http_date(Drug.objects.get(pk=drug.pk).updated_at.timestamp())


def test_last_modified_reads_one_entry_at_the_end_of_each_tables_updated_at_index(postgres):
    plan = plan_without_seqscans(caching.summary_query(fingerprint=False))
    for label in caching.TIMESTAMPED_MODELS:
        table = apps.get_model(label)._meta.db_table
        assert re.search(rf"Index (Only )?Scan Backward using {table}_updated_at_\w+ on {table} ", plan), (table, plan)
    assert "Aggregate" not in plan  # MAX grouped by a constant would read every row
