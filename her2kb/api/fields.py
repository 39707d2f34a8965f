"""Links and summaries shared by every app's serializers, and the way they all turn records into data."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.urls import NoReverseMatch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import relations, serializers
from rest_framework.fields import SkipField

from her2kb.links import PLACEHOLDERS, PLAIN_IDENTIFIER, link, site_url

_SKIP = object()


class FastRepresentationMixin:
    """
    DRF's `to_representation`, with how to read each field decided once per serializer instead of once per
    record: a list of 200 records, or the bulk export's hundreds of thousands, reads the same fields each time.
    A plain attribute (a model field or property) is read directly; everything else (nested serializers,
    related fields, method fields, callables) goes through the field's own `get_attribute`, exactly as DRF does.
    """

    def to_representation(self, instance: Any) -> dict[str, Any]:
        plan = self.__dict__.get("_reading_plan")
        if plan is None:
            plan = self.__dict__["_reading_plan"] = [(f.field_name, _reader(f)) for f in self._readable_fields]
        data = {}
        for name, read in plan:
            value = read(instance)
            if value is not _SKIP:
                data[name] = value
        return data


@functools.cache
def blank_as_null(field_class: type[serializers.Field]) -> type[serializers.Field]:
    """`field_class` writing null where the database holds "" (the way a text column says "unknown")."""

    class BlankAsNull(field_class):
        def to_representation(self, value: Any) -> Any:
            return None if value == "" else super().to_representation(value)

    BlankAsNull.__name__ = BlankAsNull.__qualname__ = f"BlankAsNull{field_class.__name__}"
    return BlankAsNull


def model_choices(model: str, field_name: str) -> list[tuple[str, str]]:
    """The choices of `field_name` on `model` ("app_label.Model"), for a serializer of another app's record: it names
    the vocabulary by a string reference, as models name related models, so the imports still run one way."""
    return apps.get_model(model)._meta.get_field(field_name).choices


def optional_choice(choices: list[tuple[str, str]], **kwargs: Any) -> serializers.ChoiceField:
    """A read-only choice that the record may leave empty: null then, never "" (as ApiModelSerializer does)."""
    return blank_as_null(serializers.ChoiceField)(choices=choices, read_only=True, allow_null=True, **kwargs)


def optional_text(**kwargs: Any) -> serializers.CharField:
    """A read-only text that the record may leave empty: null then, never "" (as ApiModelSerializer does)."""
    return blank_as_null(serializers.CharField)(read_only=True, allow_null=True, **kwargs)


class ApiModelSerializer(serializers.ModelSerializer):
    """
    The base of every model's API representation, so the schema says what answers hold:

    - every field is read-only, so the schema marks each one required (every answer has it; `fields=` aside);
    - an optional text or choice the record leaves empty is null, not "" (a typed client reads "unknown"), and the
      schema marks it nullable.
    """

    def build_standard_field(self, field_name: str, model_field: Any) -> tuple[type, dict[str, Any]]:
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if getattr(model_field, "blank", False) and issubclass(
            field_class, serializers.CharField | serializers.ChoiceField
        ):
            field_class = blank_as_null(field_class)
            kwargs.pop("allow_blank", None)
            kwargs["allow_null"] = True
        return field_class, kwargs

    def get_extra_kwargs(self) -> dict[str, dict[str, Any]]:
        extra_kwargs = super().get_extra_kwargs()
        for name in self.Meta.fields:
            extra_kwargs.setdefault(name, {})["read_only"] = True
        return extra_kwargs


def _reader(field: serializers.Field) -> Callable[[Any], Any]:
    def through_field(instance: Any) -> Any:  # what DRF's Serializer.to_representation does for one field
        try:
            attribute = field.get_attribute(instance)
        except SkipField:
            return _SKIP
        check_for_none = attribute.pk if isinstance(attribute, relations.PKOnlyObject) else attribute
        return None if check_for_none is None else field.to_representation(attribute)

    complex_field = (
        serializers.BaseSerializer,
        relations.RelatedField,
        relations.ManyRelatedField,
        serializers.SerializerMethodField,
    )
    if isinstance(field, complex_field) or len(field.source_attrs) != 1:
        return through_field
    name, represent = field.source_attrs[0], field.to_representation

    def direct(instance: Any) -> Any:
        value = getattr(instance, name)
        if callable(value):
            return through_field(instance)  # DRF calls a method named as the source
        return None if value is None else represent(value)

    return direct


@extend_schema_field(OpenApiTypes.URI)
class ApiLinkField(serializers.Field):
    """The API URL of a related object: `view_name` reversed with `{url_kwarg: lookup(obj)}`."""

    def __init__(self, view_name: str, url_kwarg: str, lookup: Any, **kwargs: Any) -> None:
        kwargs.update(source="*", read_only=True)
        self.view_name, self.url_kwarg, self.lookup = view_name, url_kwarg, lookup
        super().__init__(**kwargs)

    def to_representation(self, instance: Any) -> str:
        # Django's reverse (through `link`), not DRF's: DRF would carry this request's ?format=csv into every link.
        value = str(self.lookup(instance))
        template = self.__dict__.get("_absolute_template")
        if template is None:
            # Fields are made per serializer, so per request: the absolute link with a placeholder, made once.
            try:
                url = site_url(link(self.view_name, self.url_kwarg, PLACEHOLDERS[0]))
                template = tuple(url.split(PLACEHOLDERS[0], 1))
            except NoReverseMatch:  # a route that takes no such placeholder: reverse each value
                template = ()
            self.__dict__["_absolute_template"] = template
        if len(template) == 2 and PLAIN_IDENTIFIER.match(value):
            return template[0] + value + template[1]
        return site_url(link(self.view_name, self.url_kwarg, value))


@extend_schema_field(OpenApiTypes.URI)
class HtmlLinkField(serializers.Field):
    """The public web page of an object (its get_absolute_url), on SITE_URL."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.update(source="*", read_only=True)
        kwargs.setdefault("help_text", "The record's page on the her2kb website.")
        super().__init__(**kwargs)

    def to_representation(self, instance: Any) -> str:
        return site_url(instance.get_absolute_url())


def trial_identifier(trial: Any) -> str:
    """How the API names a trial: its NCT number, or its slug when it has none."""
    return trial.nct_id or trial.slug


class DrugSummarySerializer(FastRepresentationMixin, serializers.Serializer):
    """A drug as it appears inside another record."""

    slug = serializers.SlugField(read_only=True)
    name = serializers.CharField(read_only=True)
    drug_class = serializers.ChoiceField(choices=model_choices("drugs.Drug", "drug_class"), read_only=True)
    url = ApiLinkField("drug-detail", "slug", lambda drug: drug.slug)

    class Meta:
        ref_name = "DrugSummary"


class TrialSummarySerializer(FastRepresentationMixin, serializers.Serializer):
    """A trial as it appears inside another record."""

    identifier = serializers.SerializerMethodField(help_text="NCT number, or the slug for trials without one.")
    nct_id = serializers.CharField(read_only=True, allow_null=True)
    acronym = optional_text()
    url = ApiLinkField("trial-detail", "identifier", trial_identifier)

    class Meta:
        ref_name = "TrialSummary"

    def get_identifier(self, trial: Any) -> str:
        return trial_identifier(trial)


class ReferenceSummarySerializer(FastRepresentationMixin, serializers.Serializer):
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


class IdentifierLinkSerializer(serializers.Serializer):
    """An identifier in an outside database, with its resolver's URL (her2kb.identifiers)."""

    database = serializers.CharField(read_only=True)
    identifier = serializers.CharField(read_only=True)
    url = serializers.URLField(read_only=True)

    class Meta:
        ref_name = "IdentifierLink"


@extend_schema_field(IdentifierLinkSerializer(many=True))
class IdentifierLinksField(serializers.Field):
    """A record's `identifier_links` ((database, identifier, URL) triples) as a list of IdentifierLink objects."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("help_text", "Every identifier it has in outside databases, each with its resolver URL.")
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> list[dict[str, str]]:
        return [{"database": database, "identifier": identifier, "url": url} for database, identifier, url in value]
