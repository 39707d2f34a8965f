"""Links and summaries shared by every app's serializers."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


@extend_schema_field(OpenApiTypes.URI)
class ApiLinkField(serializers.Field):
    """The API URL of a related object: `view_name` reversed with `{url_kwarg: lookup(obj)}`."""

    def __init__(self, view_name: str, url_kwarg: str, lookup: Any, **kwargs: Any) -> None:
        kwargs.update(source="*", read_only=True)
        self.view_name, self.url_kwarg, self.lookup = view_name, url_kwarg, lookup
        super().__init__(**kwargs)

    def to_representation(self, instance: Any) -> str:
        # Django's reverse, not DRF's: DRF would carry this request's ?format=csv into every link.
        url = reverse(self.view_name, kwargs={self.url_kwarg: self.lookup(instance)})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


@extend_schema_field(OpenApiTypes.URI)
class HtmlLinkField(serializers.Field):
    """The public web page of an object (its get_absolute_url), absolute when there is a request."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.update(source="*", read_only=True)
        kwargs.setdefault("help_text", "The record's page on the her2kb website.")
        super().__init__(**kwargs)

    def to_representation(self, instance: Any) -> str:
        request = self.context.get("request")
        url = instance.get_absolute_url()
        return request.build_absolute_uri(url) if request else url


def trial_identifier(trial: Any) -> str:
    """How the API names a trial: its NCT number, or its slug when it has none."""
    return trial.nct_id or trial.slug


class DrugSummarySerializer(serializers.Serializer):
    """A drug as it appears inside another record."""

    slug = serializers.SlugField(read_only=True)
    name = serializers.CharField(read_only=True)
    drug_class = serializers.CharField(read_only=True, help_text="See /api/v1/drugs/ for the classes.")
    url = ApiLinkField("drug-detail", "slug", lambda drug: drug.slug)

    class Meta:
        ref_name = "DrugSummary"


class TrialSummarySerializer(serializers.Serializer):
    """A trial as it appears inside another record."""

    identifier = serializers.SerializerMethodField(help_text="NCT number, or the slug for trials without one.")
    nct_id = serializers.CharField(read_only=True, allow_null=True)
    acronym = serializers.CharField(read_only=True)
    url = ApiLinkField("trial-detail", "identifier", trial_identifier)

    class Meta:
        ref_name = "TrialSummary"

    def get_identifier(self, trial: Any) -> str:
        return trial_identifier(trial)


class ReferenceSummarySerializer(serializers.Serializer):
    """A publication as it appears inside another record."""

    pmid = serializers.CharField(read_only=True)
    citation = serializers.CharField(read_only=True, help_text="Short Vancouver-style citation.")
    url = ApiLinkField("reference-detail", "pmid", lambda reference: reference.pmid)

    class Meta:
        ref_name = "ReferenceSummary"


class StringListField(serializers.ListField):
    """A JSON list of texts (brand names, sources …), described as such in the schema."""

    child = serializers.CharField()

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)
