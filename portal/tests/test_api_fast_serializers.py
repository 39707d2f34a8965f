"""The serializers' reading plan and fast links give byte for byte what DRF's own loop and Django's reverse give."""

import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from rest_framework import serializers
from rest_framework.test import APIClient

from her2kb.api import fields
from testing.api_data import make_linked_dataset

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
