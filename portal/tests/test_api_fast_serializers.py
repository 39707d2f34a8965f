"""The serializers' reading plan and fast links give byte for byte what DRF's own loop and Django's reverse give."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework import serializers
from rest_framework.test import APIClient

from drugs.api.serializers import ApprovalSerializer
from drugs.models import Approval
from her2kb.api import fields
from references.api.serializers import ReferenceSerializer
from references.models import Reference
from testing.api_data import make_linked_dataset
from trials.api.serializers import OutcomeSerializer, TrialSerializer
from trials.models import Outcome, Trial

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    ["/api/v1/drugs/", "/api/v1/approvals/", "/api/v1/trials/", "/api/v1/outcomes/", "/api/v1/references/"],
)
def test_fast_serializers_answer_what_drf_answers(url, monkeypatch):
    make_linked_dataset(3)
    fast = APIClient().get(url, {"format": "json"}).content

    # DRF's own loop, and Django's reverse for every link.
    monkeypatch.setattr(fields.FastRepresentationMixin, "to_representation", serializers.Serializer.to_representation)
    monkeypatch.setattr(fields, "link", lambda view, kwarg, value: reverse(view, kwargs={kwarg: value}))
    monkeypatch.setattr(fields, "PLAIN_IDENTIFIER", re.compile(r"(?!)"))
    cache.clear()  # the API cache would answer with the first response
    native = APIClient().get(url, {"format": "json"}).content

    assert fast == native and b'"url":"http://testserver/api/v1/' in fast


@pytest.mark.parametrize(
    ("queryset", "serializer", "relation", "unread"),
    [
        (lambda: Trial.objects.for_api(), TrialSerializer, "listed_references", "abstract"),
        (lambda: Trial.objects.for_api(), TrialSerializer, "listed_outcomes", "hazard_ratio"),
        (lambda: Approval.objects.for_api(), ApprovalSerializer, "listed_pivotal_trials", "title"),
        (lambda: Approval.objects.for_api(), ApprovalSerializer, "drug", "mechanism"),
        (lambda: Approval.objects.for_api(), ApprovalSerializer, "product", "sources"),
        (lambda: Reference.objects.for_api(), ReferenceSerializer, "listed_trials", "conditions"),
        (lambda: Reference.objects.for_api(), ReferenceSerializer, "listed_drugs", "mechanism"),
        (lambda: Outcome.objects.for_api(), OutcomeSerializer, "listed_references", "mesh_terms"),
    ],
)
def test_related_records_are_read_as_summaries_that_serialize_without_a_query(queryset, serializer, relation, unread):
    make_linked_dataset(2)
    records = list(queryset())
    related = [row for record in records for row in _listed(getattr(record, relation))]
    assert related and all(unread in row.get_deferred_fields() for row in related)  # not read: not shown
    with CaptureQueriesContext(connection) as queries:
        data = serializer(records, many=True).data
    assert len(queries) == 0 and len(data) == len(records)  # everything a summary shows was read


def _listed(related):
    """A prefetched list, or a record joined in (one foreign key), as a list."""
    return related if isinstance(related, list) else [related]
