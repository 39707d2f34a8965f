"""
Full-text matching shared by the drug, trial and reference querysets (their `matching()` and `search()`).

On PostgreSQL each of those tables has a stored, weighted `tsvector` column named `search_document`, computed by
the database from the record's text and indexed with GIN. The PostgreSQL-only migrations that add them
(`postgres_full_text` in each app) hold the exact expressions; Django's model state does not know the column,
because SQLite has no equivalent. Queries reach it through `search_document()`. Storing the vector, rather than
indexing an expression, means ranking a broad query ("trastuzumab" matches most abstracts) reads the vectors
instead of re-parsing every matching abstract.

On other databases (the embedded SQLite) the querysets fall back to substring matching, which finds the same
records for single words and identifiers, only less cleverly ranked.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Case, FloatField, Model, Q, QuerySet, Value, When
from django.db.models.expressions import Expression

DOCUMENT_COLUMN = "search_document"
# Stemmed English for prose; the migrations use the same configuration for the text columns.
TEXT_SEARCH_CONFIG = "english"


def uses_full_text_search() -> bool:
    """PostgreSQL has indexed, ranked full-text search; other databases use the substring fallback."""
    return connection.vendor == "postgresql"


class DocumentColumn(Expression):
    """
    The stored `search_document` column of the query's own table. Unlike a raw `"table"."search_document"`, it
    follows the table's alias, so a query that uses it can also run as a subquery (where Django renames the
    table U0): the column then belongs to the subquery, not to the query around it.
    """

    def __init__(self, alias: str | None = None) -> None:
        from django.contrib.postgres.search import SearchVectorField

        super().__init__(output_field=SearchVectorField())
        self.alias = alias

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False):
        resolved = self.copy()
        resolved.alias = query.get_initial_alias()
        return resolved

    def relabeled_clone(self, change_map):
        clone = self.copy()
        clone.alias = change_map.get(self.alias, self.alias)
        return clone

    def get_group_by_cols(self):
        return [self]

    def as_sql(self, compiler, connection):
        return f"{compiler.quote_name_unless_alias(self.alias)}.{connection.ops.quote_name(DOCUMENT_COLUMN)}", []


def search_document(model: type[Model]) -> DocumentColumn:
    """The model's stored `search_document` column (PostgreSQL only), for `.alias()` or `.annotate()`."""
    return DocumentColumn()


def filter_full_text(queryset: QuerySet, text: str, *, or_matching: Q) -> QuerySet:
    """Rows of `queryset` whose stored document matches `text` (PostgreSQL only), or that meet `or_matching`."""
    document = search_document(queryset.model)
    return queryset.alias(document=document).filter(Q(document=web_search_query(text)) | or_matching)


def web_search_query(text: str):
    """`text` as a web-style query (words, "quoted phrases", -exclusions); never a syntax error."""
    from django.contrib.postgres.search import SearchQuery

    return SearchQuery(text, search_type="websearch", config=TEXT_SEARCH_CONFIG)


def text_rank(model: type[Model], text: str):
    """How well each row's document matches `text` (PostgreSQL's ts_rank over the stored vector)."""
    from django.contrib.postgres.search import SearchRank

    return SearchRank(search_document(model), web_search_query(text))


# Full-text ranking reads every matching row's document: a broad word ("trastuzumab") matches most abstracts.
# Search ranks only this many candidates, the newest matches, which is where the best answers are.
RANKED_CANDIDATES = 1000


def among_top_candidates(queryset: QuerySet, matching: QuerySet, *newest_first: str, always: Q) -> QuerySet:
    """
    `queryset` cut to the first RANKED_CANDIDATES rows of `matching` in the order `newest_first` (an index
    order, so PostgreSQL stops early on a broad query), plus the rows meeting `always` (exact identifiers,
    which must never fall out of the ranking). Ranking the rest of a broad match changes no top result a
    reader would look at, and costs a read of every matching row.
    """
    candidates = matching.order_by(*newest_first).values("pk")[:RANKED_CANDIDATES]
    # A UNION, not an OR: each half is an index scan, and the outer query fetches the rows by primary key.
    return queryset.filter(pk__in=queryset.model._default_manager.filter(always).values("pk").union(candidates))


def bonus(condition: Q, points: float) -> Case:
    """`points` when the row meets `condition`, else 0: lifts exact identifier matches to the top."""
    return Case(When(condition, then=Value(points)), default=Value(0.0), output_field=FloatField())
