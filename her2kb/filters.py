"""Filters that take several values: `agency=FDA,EMA` or `agency=FDA&agency=EMA` (either way, any of them).

Every choice and identifier filter of the apps' FilterSets is one of these, so the HTML list pages and the API
read lists the same way. A page's form still shows one select (or one text box); a URL may carry a list.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django_filters import fields as filter_fields
from django_filters.conf import settings as filter_settings

LIST_SEPARATOR = ","


def split_list(raw_values: Sequence[str | None]) -> list[str]:
    """Every value of a list parameter given once or repeated, each comma-separated: in order, trimmed of spaces
    (`FDA, EMA`), without blanks or repeats."""
    values: list[str] = []
    for raw in raw_values:
        for part in (raw or "").split(LIST_SEPARATOR):
            part = part.strip(" ")
            if part and part not in values:
                values.append(part)
    return values


class _ListWidgetMixin:
    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[str]:
        raw = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        return split_list(raw)


# Selects already rendered, by everything their HTML depends on (ChoiceListSelect.render): per process, bounded.
_rendered_selects: dict[tuple, str] = {}
RENDERED_SELECTS_KEPT = 1000


def _frozen(value: Any) -> Any:
    """`value` (attributes, choices, a selected value) as a hashable key: texts as they read now (translated)."""
    if isinstance(value, dict):
        return tuple(sorted((str(key), _frozen(item)) for key, item in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_frozen(item) for item in value)
    return value if isinstance(value, bool | int | None) else str(value)


class ChoiceListSelect(_ListWidgetMixin, forms.Select):
    """One select on a page; a list from a URL is selected as it came (the select shows the first)."""

    allow_multiple_selected = False

    def format_value(self, value: Any) -> list[str]:
        values = value if isinstance(value, list | tuple) else [value]
        return [str(item) for item in values if item not in (None, "")][:1] or [""]  # nothing chosen: "Any"

    def render(self, name: str, value: Any, attrs: dict | None = None, renderer: Any = None) -> str:
        """As Select's, from memory when the same select (name, value, attributes, choices) was rendered before:
        Django renders a template per option, and a list page's selects cost more than the rest of its page."""
        key = (
            type(self),
            type(renderer),
            self.template_name,
            self.option_template_name,
            self.is_required,
            name,
            _frozen(self.format_value(value)),
            _frozen(self.build_attrs(self.attrs, attrs)),
            _frozen(list(self.choices)),
        )
        html = _rendered_selects.get(key)
        if html is None:
            html = super().render(name, value, attrs, renderer)
            if len(_rendered_selects) >= RENDERED_SELECTS_KEPT:
                _rendered_selects.clear()
            _rendered_selects[key] = html
        return html


class TextListInput(_ListWidgetMixin, forms.TextInput):
    """One text box; a list shows comma-separated."""

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, list | tuple):
            return f"{LIST_SEPARATOR} ".join(str(item) for item in value) or None
        return super().format_value(value)


class ChoiceListField(filter_fields.MultipleChoiceField):
    """Any of the choices; the page's select keeps its "Any" (empty) option."""

    widget = ChoiceListSelect

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.empty_label = filter_settings.EMPTY_CHOICE_LABEL  # read when the choices are iterated


class TextListField(forms.Field):
    """A list of texts, each checked by `item_validators` (an identifier's pattern) and at most `max_length` long."""

    widget = TextListInput

    def __init__(self, *, item_validators: Sequence[Callable] = (), max_length: int | None = None, **kwargs: Any):
        kwargs["required"] = False
        self.item_validators = list(item_validators)
        self.max_length = max_length
        super().__init__(**kwargs)

    def clean(self, value: Any) -> list[str]:
        values = value if isinstance(value, list) else split_list([value])
        problems: list[str] = []
        for item in values:
            if self.max_length is not None and len(item) > self.max_length:
                problems.append(f"'{item[:60]}' is longer than {self.max_length} characters.")
                continue
            for validator in self.item_validators:
                try:
                    validator(item)
                except ValidationError as invalid:
                    problems.extend(invalid.messages)
        if problems:
            raise ValidationError(problems)
        return values


class _ListFilterMixin:
    """Filter by any of the values: `field__in` for an exact match, OR-ed lookups otherwise; a method gets the list."""

    field_name: str
    lookup_expr: str
    distinct: bool

    def filter(self, qs: QuerySet, value: list[str]) -> QuerySet:
        if not value:
            return qs
        if self.lookup_expr == "exact":
            qs = qs.filter(**{f"{self.field_name}__in": value})
        else:
            condition = Q()
            for item in value:
                condition |= Q(**{f"{self.field_name}__{self.lookup_expr}": item})
            qs = qs.filter(condition)
        return qs.distinct() if self.distinct else qs


class ChoiceListFilter(_ListFilterMixin, django_filters.MultipleChoiceFilter):
    """A choice filter taking several values: `agency=FDA,EMA`."""

    field_class = ChoiceListField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("distinct", False)  # django-filter's default is True; only across to-many relations
        super().__init__(*args, **kwargs)


class IdentifierListFilter(_ListFilterMixin, django_filters.Filter):
    """An identifier filter taking several values (`pmid=123,456`), each checked by `validators`."""

    field_class = TextListField

    def __init__(self, *args: Any, validators: Sequence[Callable] = (), max_length: int | None = None, **kwargs):
        kwargs["item_validators"] = validators
        if max_length is not None:
            kwargs["max_length"] = max_length
        super().__init__(*args, **kwargs)


# The range of a 32-bit integer column on every database the project runs on.
INTEGER_COLUMN_RANGE = (-(2**31), 2**31 - 1)


class WholeNumberRangeFilter(django_filters.RangeFilter):
    """`name_min` / `name_max` on a whole-number column (participants enrolled). Any number is a valid bound, but
    the database cannot compare a column with 10^308: bounds beyond what the column can hold are brought to its
    limits first, which matches the same rows (a minimum of 10^308 participants matches none)."""

    def filter(self, qs: QuerySet, value: slice | None) -> QuerySet:
        if value:
            low, high = INTEGER_COLUMN_RANGE
            value = slice(
                *(None if bound is None else min(max(bound, low), high) for bound in (value.start, value.stop))
            )
        return super().filter(qs, value)
