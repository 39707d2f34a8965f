"""Links and summaries shared by every app's serializers, and the way they all turn records into data."""

from __future__ import annotations

import datetime
import decimal
import functools
from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.db.models.manager import BaseManager
from django.urls import NoReverseMatch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import relations, serializers
from rest_framework.fields import SkipField, is_simple_callable
from rest_framework.settings import ISO_8601, api_settings

from her2kb.links import PLACEHOLDERS, PLAIN_IDENTIFIER, link, site_url

_SKIP = object()


class FastRepresentationMixin:
    """
    DRF's `to_representation`, with how to read each field decided once per serializer instead of once per
    record: a list of 200 records, or the bulk export's hundreds of thousands, reads the same fields each time.
    A plain attribute (a model field or property) is read directly, and a value the field would write unchanged (a
    str to a CharField, an int to an IntegerField …) is written as it is; everything else (nested serializers,
    related fields, method fields, callables) goes through the field's own `get_attribute` and
    `to_representation`, exactly as DRF does.
    """

    def to_representation(self, instance: Any) -> dict[str, Any]:
        plan = self.__dict__.get("_reading_plan")
        if plan is None:
            plan = self.__dict__["_reading_plan"] = [_plan_entry(field) for field in self._readable_fields]
        data = {}
        # One loop with the common cases inline: a function call per field would cost more than the field.
        for name, attribute, unchanged, blank_is_null, represent in plan:
            if attribute is None:
                value = represent(instance)
                if value is not _SKIP:
                    data[name] = value
                continue
            value = getattr(instance, attribute)
            if value is None or (blank_is_null and value == ""):
                data[name] = None
            elif type(value) is unchanged:
                data[name] = value
            elif callable(value):  # DRF calls a method named as the source
                data[name] = _through_field(self.fields[name], instance)
            elif unchanged is _ANY:
                data[name] = value
            else:
                data[name] = represent(value)
        return data


@functools.cache
def blank_as_null(field_class: type[serializers.Field]) -> type[serializers.Field]:
    """`field_class` writing null where the database holds "" (the way a text column says "unknown")."""

    class BlankAsNull(field_class):
        def to_representation(self, value: Any) -> Any:
            return None if value == "" else super().to_representation(value)

    BlankAsNull.__name__ = BlankAsNull.__qualname__ = f"BlankAsNull{field_class.__name__}"
    BlankAsNull.blank_of = field_class  # what it writes for anything but "" (see `_representation`)
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


# A plan entry's "unchanged" type that matches any value (a JSONField writes what it reads).
_ANY = object()
PlanEntry = tuple[str, str | None, Any, bool, Callable[[Any], Any]]


def _through_field(field: serializers.Field, instance: Any) -> Any:
    """What DRF's Serializer.to_representation does for one field."""
    try:
        attribute = field.get_attribute(instance)
    except SkipField:
        return _SKIP
    check_for_none = attribute.pk if isinstance(attribute, relations.PKOnlyObject) else attribute
    return None if check_for_none is None else field.to_representation(attribute)


def _plan_entry(field: serializers.Field) -> PlanEntry:
    """How FastRepresentationMixin writes `field`: (name, the attribute to read or None to hand the record to
    `represent`, the type of values written unchanged, whether "" is written as null, how to write the others)."""
    complex_field = (
        serializers.BaseSerializer,
        relations.RelatedField,
        relations.ManyRelatedField,
        serializers.SerializerMethodField,
    )
    if isinstance(field, serializers.ListSerializer) and (entry := _list_entry(field)):
        return entry
    if (
        isinstance(field, complex_field)
        or len(field.source_attrs) > 1
        or type(field).get_attribute is not (serializers.Field.get_attribute)
    ):
        return field.field_name, None, None, False, functools.partial(_through_field, field)
    if not field.source_attrs:  # source="*": the record itself, never None
        return field.field_name, None, None, False, field.to_representation
    return (field.field_name, field.source_attrs[0], *_representation(field))


def _list_entry(field: serializers.ListSerializer) -> PlanEntry | None:
    """A nested list (`many=True`) read from one attribute, as DRF reads it, without DRF's per-record machinery
    around it (a list of 200,000 references has two nested lists each, most of them empty); None for a list that
    reads itself otherwise."""
    if (
        len(field.source_attrs) != 1
        or type(field).get_attribute is not serializers.Field.get_attribute
        or type(field).to_representation is not serializers.ListSerializer.to_representation
    ):
        return None
    name, child = field.source_attrs[0], field.child.to_representation

    def read(instance: Any) -> Any:
        value = getattr(instance, name)
        if is_simple_callable(value):  # what Field.get_attribute does with a method
            value = value()
        if value is None:
            return None
        return [child(item) for item in (value.all() if isinstance(value, BaseManager) else value)]

    return field.field_name, None, None, False, read


def _representation(field: serializers.Field, kind: type | None = None) -> tuple[Any, bool, Callable[[Any], Any]]:
    """How `field` writes a value other than None: (the type of the values it writes unchanged, whether it writes ""
    as null, how it writes the others). That is `field.to_representation`, with shortcuts that give the same for
    the values the database hands back: DRF's methods re-check, per value, what is constant for a field (its format,
    the current time zone, its class's options), which is most of the cost of a list of thousands of records.
    (`kind`: the class whose way of writing to follow, when not the field's own.)"""
    represent, kind = field.to_representation, kind or type(field)
    if "blank_of" in kind.__dict__:  # blank_as_null(field_class): null for "", else what field_class writes
        unchanged, _, inner = _representation(field, kind.blank_of)
        return unchanged, True, inner
    if _inherits_representation(kind, serializers.CharField):  # str(value): text, URLs, slugs
        return str, False, represent
    if _inherits_representation(kind, serializers.IntegerField):
        return int, False, represent
    if _inherits_representation(kind, serializers.BooleanField):
        return bool, False, represent
    if _inherits_representation(kind, serializers.ChoiceField):
        # Each choice is a text written as it is, and a text that is not a choice is written as it is too.
        if all(type(value) is str and text == value for text, value in field.choice_strings_to_values.items()):
            return str, False, represent
        return None, False, represent
    if (
        _inherits_representation(kind, serializers.DecimalField)
        and not getattr(field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING)
        and not field.normalize_output
        and field.decimal_places is not None
    ):
        return None, False, functools.partial(_quantized, field=field)
    if _inherits_representation(kind, serializers.JSONField) and not field.binary:
        return _ANY, False, represent
    if _inherits_representation(kind, serializers.ListField) and _inherits_representation(
        type(field.child), serializers.CharField
    ):  # a list of texts: str(item) for each, None kept
        return None, False, lambda value: [item if type(item) is str or item is None else str(item) for item in value]
    if _inherits_representation(kind, serializers.DateField):
        if getattr(field, "format", api_settings.DATE_FORMAT) != ISO_8601:
            return None, False, represent
        return None, False, lambda value: value.isoformat() if type(value) is datetime.date else represent(value)
    if _inherits_representation(kind, serializers.DateTimeField):
        zone = field.timezone if hasattr(field, "timezone") else field.default_timezone()
        if zone is None or getattr(field, "format", api_settings.DATETIME_FORMAT) != ISO_8601:
            return None, False, represent
        return None, False, functools.partial(_iso_datetime, zone=zone, represent=represent)
    return None, False, represent


def _inherits_representation(kind: type, base: type[serializers.Field]) -> bool:
    """Whether `kind` is `base` or a subclass that writes values exactly as `base` does."""
    return issubclass(kind, base) and kind.to_representation is base.to_representation


def _quantized(value: Any, *, field: serializers.DecimalField) -> Any:
    """DecimalField.to_representation (as a Decimal): a value from a column of the field's scale is quantized
    already, so it is its own result (quantizing it again, in a copied context, is most of the field's cost)."""
    if type(value) is decimal.Decimal:
        sign, digits, exponent = value.as_tuple()
        if exponent == -field.decimal_places and (field.max_digits is None or len(digits) <= field.max_digits):
            return value
    return field.to_representation(value)


def _iso_datetime(value: Any, *, zone: datetime.tzinfo, represent: Callable[[Any], Any]) -> Any:
    """DateTimeField.to_representation in ISO 8601, for an aware datetime: in the field's time zone, UTC as "Z"."""
    if type(value) is not datetime.datetime or value.utcoffset() is None:
        return represent(value)
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


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
