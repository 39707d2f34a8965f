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
from django.db.models.expressions import RawSQL

DOCUMENT_COLUMN = "search_document"
# Stemmed English for prose; the migrations use the same configuration for the text columns.
TEXT_SEARCH_CONFIG = "english"


def uses_full_text_search() -> bool:
    """PostgreSQL has indexed, ranked full-text search; other databases use the substring fallback."""
    return connection.vendor == "postgresql"


def search_document(model: type[Model]) -> RawSQL:
    """The model's stored `search_document` column (PostgreSQL only), for `.alias()` or `.annotate()`."""
    from django.contrib.postgres.search import SearchVectorField

    column = f"{connection.ops.quote_name(model._meta.db_table)}.{connection.ops.quote_name(DOCUMENT_COLUMN)}"
    return RawSQL(column, [], output_field=SearchVectorField())


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


def bonus(condition: Q, points: float) -> Case:
    """`points` when the row meets `condition`, else 0: lifts exact identifier matches to the top."""
    return Case(When(condition, then=Value(points)), default=Value(0.0), output_field=FloatField())
