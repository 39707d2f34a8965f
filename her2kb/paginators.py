"""The paginator of every numbered list, page and API alike: counts kept per data version, deep pages by key."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet, FieldDoesNotExist
from django.core.paginator import Paginator
from django.db.models import Model, QuerySet
from django.utils.functional import cached_property

from .cache import cached_for_data_version

# From this offset on, a page first finds its rows' keys (an index-only scan on the list's ordering), then
# fetches only those rows: OFFSET then skips index entries instead of whole rows.
KEYS_FIRST_FROM_OFFSET = 500
# A filter matching few rows, both in number (at most FEW_MATCHES) and as a share of its table (at most one row in
# SPARSE_MATCHES), keeps their keys with its count, and its pages are read among those keys. Otherwise PostgreSQL may
# walk the list's ordering index and test each row against the filter, betting that matches come soon: for a search
# term its statistics do not know it guesses hundreds of matches where there is one, and reads all 200,000 references
# to find it (0.4-5 s, where finding the rows by key takes milliseconds). Where matches are dense the walk finds a
# page within a few hundred rows, faster than sorting every match: those keep no keys.
FEW_MATCHES = 1000
SPARSE_MATCHES = 20


@dataclass(frozen=True)
class Matches:
    """
    How many rows a filter matches and, when they are few (see FEW_MATCHES), their primary keys. `exact` is False
    when the filter was counted only up to a bound (`filter_matches(count_up_to=)`): `count` is then that bound.
    """

    count: int
    keys: tuple | None = None
    exact: bool = True

    def narrow(self, queryset: QuerySet) -> QuerySet:
        """`queryset` (the filter these matches are of) limited to the known keys: the same rows in the same order,
        which the database then finds by primary key however it misjudges the filter."""
        return queryset if self.keys is None else queryset.filter(pk__in=self.keys)


def filter_matches(queryset: QuerySet, *, count_up_to: int | None = None) -> Matches:
    """
    The matches of `queryset`'s filter, computed once per filter and data version: every page, ordering, page size
    and cursor of one filter shares them. A filter's first FEW_MATCHES + 1 keys come first (no ordering, so the
    filter's own indexes answer); only a filter matching more is counted as well — with `count_up_to`, only up to
    that many (counting stops there: a broad filter's exact total costs a read of every match, 150 ms for 200,000
    references). An unfiltered list is counted exactly. Two queries at most, and the second (the table's or the
    filter's count) is often kept already.
    """
    # The SQL names the filter exactly; ordering does not change which rows match, so it is left out.
    unordered = queryset.order_by()
    try:
        sql = str(unordered.query)
    except EmptyResultSet:  # `.none()`: an invalid filter lists nothing
        return Matches(0, ())

    def compute() -> Matches:
        if not unordered.query.where:
            return Matches(unordered.count())
        keys = tuple(unordered.values_list("pk", flat=True)[: FEW_MATCHES + 1])
        if len(keys) > FEW_MATCHES and count_up_to is not None:
            count = unordered[: count_up_to + 1].count()  # SELECT COUNT(*) FROM (… LIMIT count_up_to + 1)
            return Matches(min(count, count_up_to), exact=count <= count_up_to)
        if len(keys) > FEW_MATCHES:
            return Matches(unordered.count())
        sparse = len(keys) * SPARSE_MATCHES <= table_rows(queryset.model)
        return Matches(len(keys), keys if sparse else None)

    return cached_for_data_version(f"matches:{count_up_to}:{sql}", compute)


def table_rows(model: type[Model]) -> int:
    """How many rows `model`'s table holds, counted once per data version."""
    return cached_for_data_version(f"rows:{model._meta.label}", model._default_manager.count)


def ordered_row_by_row(queryset: QuerySet) -> QuerySet:
    """
    `queryset` in its own order (its `order_by()`, else its model's `Meta.ordering`), ended by the primary key
    unless a unique, non-null column already decides it. Rows that tie on every ordering column come back in any
    order the database likes, and not the same one for every LIMIT/OFFSET (PostgreSQL sorts a short page's rows
    with a bounded heap): page 2 would repeat some of page 1's rows and no page would show others.
    """
    query = queryset.query
    ordering = list(query.order_by) or (list(queryset.model._meta.ordering) if query.default_ordering else [])
    if any(_decides_the_order(queryset.model, term) for term in ordering):
        return queryset
    return queryset.order_by(*ordering, "pk")


def _decides_the_order(model: type[Model], term: object) -> bool:
    if not isinstance(term, str):
        return False  # an expression: not known to be unique
    name = term.lstrip("-")
    if name == "pk":
        return True
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return False  # an annotation or a related model's column ("drug__name")
    # NULLs tie with each other however unique the column (a trial without an NCT number).
    return bool(getattr(field, "unique", False)) and not field.null


class DataVersionPaginator(Paginator):
    """
    A Django paginator whose matches (row count, and the keys of a filter matching few) are found once per filter
    and data version (see `filter_matches`), and whose deep pages select keys first. A queryset's order is made
    total (`ordered_row_by_row`), so that every row is on exactly one page.
    """

    def __init__(self, object_list, *args, **kwargs):
        if isinstance(object_list, QuerySet):
            object_list = ordered_row_by_row(object_list)
        super().__init__(object_list, *args, **kwargs)

    @cached_property
    def matches(self) -> Matches | None:
        return filter_matches(self.object_list) if hasattr(self.object_list, "query") else None

    @cached_property
    def count(self) -> int:
        return super().count if self.matches is None else self.matches.count

    def page(self, number):
        """As Django's, with the rows of a deep page, or of a filter matching few, found by their keys first."""
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        if self.matches is None:  # a plain list
            return self._get_page(self.object_list[bottom:top], number, self)
        object_list = self.matches.narrow(self.object_list)
        if bottom < KEYS_FIRST_FROM_OFFSET:
            return self._get_page(object_list[bottom:top], number, self)
        keys = list(object_list.values_list("pk", flat=True)[bottom:top])
        rows = {row.pk: row for row in object_list.filter(pk__in=keys).order_by()}
        return self._get_page([rows[key] for key in keys if key in rows], number, self)
