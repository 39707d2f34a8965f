"""Query parameters: each endpoint's accepted parameters described once, published in the schema and
enforced on every request (an unknown parameter, a value outside an enumeration, a malformed identifier or
a page size over the cap is a 400 naming the parameter)."""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import RegexValidator
from django.db.models import IntegerField, QuerySet
from rest_framework import exceptions, pagination
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.request import Request

from her2kb.filters import ChoiceListField, TextListField, split_list
from her2kb.validators import SEARCH_MAX_LENGTH, SEARCH_MAX_WORDS, SEARCH_TEXT_PATTERN, SEARCH_TEXT_VALIDATORS

# Formats that download a whole (filtered) list as one file: they are not paginated, because a CSV or a
# BibTeX file that silently holds only the first page would mislead whoever opens it.
FILE_FORMATS = frozenset({"csv", "bibtex", "ris", "csljson"})
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200

INTEGER_RE = re.compile(r"^-?[0-9]+\Z")
NUMBER_RE = re.compile(r"^-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?\Z")
DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")


def python_pattern(pattern: str) -> re.Pattern[str]:
    """A schema pattern for Python: `$` also matches before a final newline in Python, not in JSON Schema."""
    return re.compile(pattern[:-1] + r"\Z" if pattern.endswith("$") else pattern)


LIST_ITEM_PATTERN = r"^[^,]*[^, ][^,]*$"
LIST_NOTE = "Several values: comma-separated (a,b) or the parameter repeated; any of them matches."


def _without_commas(pattern: str) -> str:
    """`pattern` for one value of a list: a comma separates the values, so none holds one (a DOI's suffix may,
    elsewhere)."""
    no_comma = r"^(?![\s\S]*,)"
    return no_comma + pattern[1:] if pattern.startswith("^") else rf"{no_comma}[\s\S]*(?:{pattern})"


def _pattern_schema(validators: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    for validator in validators:
        if isinstance(validator, RegexValidator) and not validator.inverse_match:
            schema["pattern"] = validator.regex.pattern
    return schema


def _form_field_schema(field: forms.Field, *, whole_number: bool = False) -> dict[str, Any]:
    """The JSON-Schema fragment for one django-filter form field: what the filterset will accept (for a list
    filter: what each of its values must be)."""
    if isinstance(field, TextListField):
        schema = _pattern_schema(field.item_validators)
        if "pattern" in schema:
            schema["pattern"] = _without_commas(schema["pattern"])
        if field.max_length:
            schema["maxLength"] = field.max_length
        return schema
    if isinstance(field, forms.ChoiceField):
        return {"type": "string", "enum": [str(value) for value, _ in field.choices if value != ""]}
    if isinstance(field, forms.NullBooleanField):
        return {"type": "boolean"}
    if isinstance(field, forms.IntegerField):  # django-filter's NumberFilter: a DecimalField, a subclass
        is_integer = whole_number or not isinstance(field, forms.DecimalField)
        schema: dict[str, Any] = {"type": "integer" if is_integer else "number"}
        if field.min_value is not None:
            schema["minimum"] = field.min_value
        if field.max_value is not None:
            schema["maximum"] = field.max_value
        return schema
    if isinstance(field, forms.DateField):
        return {"type": "string", "format": "date"}
    schema = _pattern_schema(field.validators)
    if getattr(field, "max_length", None):
        schema["maxLength"] = field.max_length
    return schema


def list_parameter(item_schema: dict[str, Any], description: str, validators: Any = ()) -> dict[str, Any]:
    """The spec of a parameter taking several values (`agency=FDA,EMA`, or `agency` repeated)."""
    if item_schema.get("type") == "string" and "enum" not in item_schema and "pattern" not in item_schema:
        # No comma inside a value (it separates them) and not spaces alone (they are trimmed off each value).
        item_schema = {**item_schema, "pattern": LIST_ITEM_PATTERN}
    return {
        # An empty list (`agency=`) is refused: it would mean "no filter" to one reader and "nothing" to another.
        "schema": {"type": "array", "items": item_schema, "minItems": 1},
        "description": f"{description}. {LIST_NOTE}",
        "validators": list(validators),
        "list": True,
    }


def search_text_parameter(description: str) -> dict[str, Any]:
    """The spec of a free-text search parameter: at most SEARCH_MAX_LENGTH characters and SEARCH_MAX_WORDS words."""
    return {
        "schema": {"type": "string", "maxLength": SEARCH_MAX_LENGTH, "pattern": SEARCH_TEXT_PATTERN},
        "description": f"{description} At most {SEARCH_MAX_LENGTH} characters and {SEARCH_MAX_WORDS} words.",
        "validators": SEARCH_TEXT_VALIDATORS,
    }


@functools.cache
def filterset_parameter_specs(filterset_class: type[django_filters.FilterSet]) -> dict[str, dict[str, Any]]:
    """Query parameters of a FilterSet: a range filter such as `date` becomes `date_after` and `date_before`.

    Kept per class: every choice is fixed in code, and working them out again took a millisecond of each request,
    a cached answer's included. Callers copy the specs, never change them."""
    specs: dict[str, dict[str, Any]] = {}
    for name, filter_ in filterset_class.base_filters.items():
        field = filter_.field
        description = str(filter_.label or name)
        if isinstance(field, forms.MultiValueField):
            suffixes = getattr(field.widget, "suffixes", [])
            for suffix, subfield in zip(suffixes, field.fields, strict=True):
                bound = "on or after" if suffix in ("after", "min") else "on or before"
                specs[f"{name}_{suffix}"] = {
                    "schema": _form_field_schema(subfield),
                    "description": f"{description}: {bound} this value.",
                }
        elif isinstance(field, ChoiceListField | TextListField):
            validators = field.item_validators if isinstance(field, TextListField) else ()
            specs[name] = list_parameter(_form_field_schema(field), description.rstrip("."), validators)
        else:
            schema = _form_field_schema(field, whole_number=_filters_whole_numbers(filterset_class, filter_))
            specs[name] = {"schema": schema, "description": description}
            if isinstance(field, forms.CharField):
                # Text filters keep their validators' own messages ("A PMID is 1 to 9 digits…", "at most 12 words").
                specs[name]["validators"] = field.validators
    return specs


def _filters_whole_numbers(filterset_class: type[django_filters.FilterSet], filter_: django_filters.Filter) -> bool:
    """A number filter on a year, or on an integer column, takes integers: `year=2019.5` is a mistake."""
    if filter_.lookup_expr.split("__")[0] in ("year", "month", "day"):
        return True
    try:
        model_field = filterset_class._meta.model._meta.get_field(filter_.field_name)
    except FieldDoesNotExist:
        return False
    return isinstance(model_field, IntegerField)


def query_parameter_specs(view: Any) -> dict[str, dict[str, Any]]:
    """Every query parameter `view` accepts for its current action, as {name: {schema, description}}."""
    specs: dict[str, dict[str, Any]] = {}
    is_list = getattr(view, "action", None) in ("list", None) and not getattr(view, "detail", False)
    if is_list:
        filterset_class = getattr(view, "filterset_class", None)
        if filterset_class is not None:
            specs.update(filterset_parameter_specs(filterset_class))
        if getattr(view, "search_fields", None):
            fields = ", ".join(field.lstrip("^=@$").replace("__", " ") for field in view.search_fields)
            specs["search"] = search_text_parameter(f"Words to look for in {fields}.")
        if getattr(view, "ordering_fields", None):
            specs["ordering"] = {
                "schema": {"type": "string", "enum": ordering_terms(view)},
                "description": "Sort by this field; prefix with '-' for descending order.",
            }
        paginator_class = getattr(view, "pagination_class", None)
        if paginator_class is not None:
            if issubclass(paginator_class, pagination.CursorPagination):
                specs["cursor"] = {
                    "schema": {"type": "string"},
                    "description": "Opaque position in the list: follow the `next` and `previous` links.",
                }
            else:
                specs["page"] = {"schema": {"type": "integer", "minimum": 1}, "description": "Page number."}
            specs["page_size"] = {
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
                "description": f"Results per page (default {PAGE_SIZE}, at most {MAX_PAGE_SIZE}). "
                "File formats (CSV, citations) are not paginated: they hold every matching row.",
            }
    serializer_class = getattr(view, "serializer_class", None)
    if serializer_class is not None:
        specs["fields"] = list_parameter(
            {"type": "string", "enum": serializer_field_names(serializer_class)},
            "Only these fields of each record (a sparse fieldset), e.g. fields=id,drug,date; the answer then "
            "holds those alone, whatever the record's schema marks required",
        )
    specs.update(getattr(view, "extra_query_parameters", {}))
    formats = [renderer.format for renderer in view.get_renderers()]
    if formats:
        specs["format"] = {
            "schema": {"type": "string", "enum": formats},
            "description": "Response format (instead of an Accept header). "
            "Lists in file formats hold every matching row, not one page.",
        }
    return specs


@functools.cache
def serializer_field_names(serializer_class: type) -> list[str]:
    """The top-level fields a serializer writes: what `fields=` may name."""
    return list(serializer_class().fields)


def _check_value(name: str, value: str, schema: Mapping[str, Any]) -> str | None:
    """Why `value` does not satisfy `schema`, or None when it does."""
    value_shown = value if len(value) <= 60 else value[:60] + "…"  # messages quote the value, briefly
    if "enum" in schema:
        if value not in schema["enum"]:
            return f"'{value_shown}' is not a valid value for {name}. Choose one of: {', '.join(schema['enum'])}."
        return None
    kind = schema.get("type")
    if kind == "boolean":
        return None if value in ("true", "false") else f"{name} must be 'true' or 'false'."
    if kind in ("integer", "number"):
        if not (INTEGER_RE if kind == "integer" else NUMBER_RE).match(value):
            return f"{name} must be {'an integer' if kind == 'integer' else 'a number'}, not '{value_shown}'."
        try:
            number = Decimal(value)
        except InvalidOperation:
            return f"{name} must be a number, not '{value_shown}'."
        if "minimum" in schema and number < schema["minimum"]:
            return f"{name} must be at least {schema['minimum']}."
        if "maximum" in schema and number > schema["maximum"]:
            return f"{name} must be at most {schema['maximum']}."
        return None
    if schema.get("format") == "date":
        try:
            if not DATE_RE.match(value):
                raise ValueError
            datetime.date.fromisoformat(value)
        except ValueError:
            return f"{name} must be a date written YYYY-MM-DD, not '{value_shown}'."
        return None
    if "pattern" in schema and not python_pattern(schema["pattern"]).search(value):
        return f"'{value_shown}' is not a valid {name} (expected the pattern {schema['pattern']})."
    return None


def _validator_problem(value: str, validators: Any) -> str | None:
    for validator in validators:
        try:
            validator(value)
        except DjangoValidationError as invalid:
            return invalid.messages[0]
    return None


def validate_query_parameters(request: Request, specs: Mapping[str, Mapping[str, Any]]) -> None:
    """Raise a 400 naming every unknown, repeated or malformed query parameter."""
    errors: dict[str, list[str]] = {}
    for name, values in request.query_params.lists():
        if name not in specs:
            allowed = ", ".join(sorted(specs)) or "none"
            errors[name] = [f"Unknown query parameter '{name}'. This endpoint accepts: {allowed}."]
            continue
        spec = specs[name]
        if spec.get("list"):
            if any(not part.strip(" ") for value in values for part in value.split(",")):
                errors[name] = [f"{name} has an empty value: give each value, separated by commas."]
                continue
            items = split_list(values)
            schema = spec["schema"]["items"]
        elif len(values) > 1:
            errors[name] = [f"Give {name} once, not {len(values)} times."]
            continue
        else:
            items, schema = values, spec["schema"]
        # NUL characters never get here: her2kb.middleware.InputGuardMiddleware answers 400
        problems = [
            problem
            for item in items
            if (problem := _validator_problem(item, spec.get("validators", ())) or _check_value(name, item, schema))
        ]
        if problems:
            errors[name] = problems
    if errors:
        raise exceptions.ValidationError(errors)


def ordering_terms(view: Any) -> list[str]:
    """The values `?ordering=` accepts on `view`: each public field name, ascending or descending."""
    return [term for name in view.ordering_fields for term in (name, f"-{name}")]


class StrictOrderingFilter(OrderingFilter):
    """
    `?ordering=<field>` or `?ordering=-<field>` with the view's public names.

    `view.ordering_fields` maps public names to model fields or annotations, so the API can offer
    `year` for `pub_year`. A tie-breaker (`view.ordering_tiebreaker`, default `pk`) makes pages stable.
    Unknown names are rejected by `validate_query_parameters`; this filter trusts what it receives.
    """

    def get_ordering(self, request: Request, queryset: QuerySet, view: Any) -> list[str]:
        term = request.query_params.get(self.ordering_param)
        if term and term in ordering_terms(view):
            descending = term.startswith("-")
            field = view.ordering_fields[term.lstrip("-")]
            ordering = [f"-{field}" if descending else field]
        else:
            ordering = list(view.ordering)
        tiebreaker = getattr(view, "ordering_tiebreaker", "pk")
        return ordering if tiebreaker in {term.lstrip("-") for term in ordering} else [*ordering, tiebreaker]

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return []  # described by ApiAutoSchema from query_parameter_specs

    def get_schema_fields(self, view: Any) -> list:
        return []


class StrictSearchFilter(SearchFilter):
    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return []  # described by ApiAutoSchema from query_parameter_specs
