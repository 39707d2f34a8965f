"""EXPLAIN on PostgreSQL for the index tests: which conditions of a query an index answers."""

from django.db import connection, transaction
from django.db.models import QuerySet


def plan_with_switches_off(queryset: QuerySet, switches: list[str]) -> str:
    """PostgreSQL's plan for `queryset` with the planner's `switches` (enable_seqscan …) off for it."""
    with transaction.atomic(), connection.cursor() as cursor:
        for switch in switches:
            cursor.execute(f"SET LOCAL {switch} = off")
        try:
            return queryset.explain()
        finally:
            for switch in switches:
                cursor.execute(f"SET LOCAL {switch} = on")


def plan_in_index_order(queryset: QuerySet) -> str:
    """
    PostgreSQL's plan for `queryset` with sequential scans, bitmap scans and sorts switched off: it then reads the
    rows in the order asked from an index that has that order, however few rows the test database holds, and
    sorts only when no index has it (a switched-off step is still used when nothing else can do).
    """
    return plan_with_switches_off(
        queryset, ["enable_seqscan", "enable_bitmapscan", "enable_sort", "enable_incremental_sort"]
    )


def plan_without_seqscans(queryset: QuerySet, *, bitmap_scans_only: bool = False) -> str:
    """
    PostgreSQL's plan for `queryset` with sequential scans switched off.

    With them off the planner still falls back to a sequential scan when no index can answer a condition, so a
    condition that shows up as an `Index Cond` has a usable index, however little data the test database holds.
    `bitmap_scans_only` also switches off plain index scans, which on nearly empty tables the planner may use to
    walk a whole unrelated index instead: a bitmap scan needs a condition to answer, so it cannot do that.
    """
    switches = ["enable_seqscan"] + (["enable_indexscan", "enable_indexonlyscan"] if bitmap_scans_only else [])
    return plan_with_switches_off(queryset, switches)


def index_lines(queryset: QuerySet) -> list[str]:
    """
    The lines of the plan for `queryset`'s filters that read an index: the bitmap index scans and the conditions
    they answer (`Index Cond`). Ordering is left out: it is not a filter, and on nearly empty tables the planner
    may rightly prefer walking the index that gives the order.
    """
    plan = plan_without_seqscans(queryset.order_by(), bitmap_scans_only=True)
    lines = [line.strip() for line in plan.splitlines()]
    return [line for line in lines if "Index Cond:" in line or "Bitmap Index Scan on " in line]


def answered_by_index(queryset: QuerySet, fragment: str) -> bool:
    """
    Whether an index answers the condition `fragment`, as PostgreSQL prints it in an `Index Cond`
    (e.g. "(phase)::text ="), or whether the index whose name contains `fragment` is read (a semi-join's, say).
    """
    return any(fragment in line for line in index_lines(queryset))


def filtered(filterset_class, params: dict[str, str], queryset: QuerySet) -> QuerySet:
    """What a page or the API runs for `params`: the FilterSet's queryset (the parameters must be valid)."""
    filterset = filterset_class(params, queryset=queryset)
    assert filterset.is_valid(), filterset.errors
    return filterset.qs


def joined_fragment(column: str, *, text_column: bool = False) -> str:
    """How PostgreSQL prints the start of `her2kb.fulltext.joined_text(column)` in a plan: a text column's cast to
    text is dropped, a character varying's or JSON's is kept."""
    upper = f"upper({column})" if text_column else f"upper(({column})::text)"
    return f"replace(replace(replace(replace(replace({upper}, '-'::text, ''::text)"
