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

import re
from collections.abc import Sequence

from django.db import connection
from django.db.models import Case, FloatField, Model, Q, QuerySet, TextField, Value, When
from django.db.models.expressions import Expression
from django.db.models.functions import Cast, Upper
from django.db.models.lookups import Regex

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


def filter_full_text(queryset: QuerySet, text: str, *, or_matching: Q, every_word: Q) -> QuerySet:
    """
    Rows of `queryset` whose stored document matches `text` (PostgreSQL only), or that meet `or_matching`, or —
    when `text` holds a code ("DS8201", which the text search parser never finds in "DS-8201a") — that meet
    `every_word` (`every_word_matches` over the same fields, the embedded default's condition). Queries without
    a code keep to the indexed document.
    """
    if holds_code(text):
        or_matching = or_matching | every_word
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


# ---- words and identifiers as a clinician types them ------------------------------------------------------------
# "DS8201", "DS-8201a" and "ds 8201" name one drug; "T-DXd" is "tdxd". Identifiers (names, brands, codes, acronyms,
# NCT numbers) are matched on their letters and digits in order, with or without a separator between any two, by a
# regular expression on the upper-cased text: one pattern for Python (SQLite's REGEXP) and PostgreSQL, where the
# trigram indexes on upper(field) answer it. Terms this short or shorter match whole words only, so "ILD" does not
# find "wild-type" and "DS" does not find every "ds" inside a word.
SHORT_TERM_LENGTH = 3
_SEPARATOR = "[- ./_]?"
_NOT_ALNUM = "[^A-Z0-9]"


def identifier_key(text: str) -> str:
    """`text`'s letters and digits, lower-cased: "DS-8201a" → "ds8201a", "T-DXd" → "tdxd"."""
    return re.sub(r"[^0-9a-z]", "", (text or "").lower())


def query_words(text: str) -> list[str]:
    """The words of a query that can match anything: split on white space, those without a letter or digit dropped."""
    return [word for word in (text or "").split() if identifier_key(word)]


def _whole(pattern: str) -> str:
    return f"(^|{_NOT_ALNUM}){pattern}({_NOT_ALNUM}|$)"


def identifier_pattern(text: str) -> str:
    """
    A pattern (for upper-cased text) finding the identifier `text` with or without separators: "ds 8201" gives
    D[- ./_]?S[- ./_]?8… , which finds "DS-8201A". Whole words only for a short identifier; "" when `text` has no
    letter or digit.
    """
    key = identifier_key(text).upper()
    if not key:
        return ""
    pattern = _SEPARATOR.join(key)  # letters and digits only: nothing to escape
    return _whole(pattern) if len(key) <= SHORT_TERM_LENGTH else pattern


def word_pattern(word: str) -> str:
    """A pattern (for upper-cased text) finding `word` as typed: a whole word when short, else anywhere."""
    escaped = re.escape(word.upper())
    return _whole(escaped) if len(identifier_key(word)) <= SHORT_TERM_LENGTH else escaped


_CODE_CHARACTERS = re.compile(r"[0-9A-Za-z]+([- ./_][0-9A-Za-z]+)*")


def is_code(word: str) -> bool:
    """
    Whether `word` reads as a development code, an abbreviation or a part of one, to be found in prose with or
    without its separators: ASCII letters and digits, with a digit ("DS8201", "HER2", the "8201" of "ds 8201") or
    joined by a separator ("T-DXd", "DS-8201a"). Other words ("gastric", "Müller") are matched as typed.
    """
    if not _CODE_CHARACTERS.fullmatch(word):
        return False
    return any(c.isdigit() for c in word) or identifier_key(word) != word.lower()


def holds_code(text: str) -> bool:
    """Whether a word of `text` is a code (`is_code`): PostgreSQL's text search would not find it in prose."""
    return any(is_code(word) for word in query_words(text))


def text_word_pattern(word: str) -> str:
    """A pattern (for upper-cased prose) finding `word`: a code with or without separators, any other as typed."""
    return identifier_pattern(word) if is_code(word) else word_pattern(word)


def upper_text(field: str) -> Upper:
    """The field's text, upper-cased (a JSON list as its JSON text): the expression the trigram indexes hold."""
    return Upper(Cast(field, TextField()))


def _regex(field: str, pattern: str) -> Q:
    return Q(Regex(upper_text(field), pattern))


def identifier_matches(text: str, fields: Sequence[str]) -> Q:
    """Rows where one of `fields` holds the identifier `text`, separators ignored (see `identifier_pattern`)."""
    pattern = identifier_pattern(text)
    condition = Q(pk__in=[])
    if pattern:
        for name in fields:
            condition |= _regex(name, pattern)
    return condition


def every_word_matches(text: str, *, identifiers: Sequence[str] = (), texts: Sequence[str] = ()) -> Q:
    """
    Rows where every word of `text` is in one of the fields: in `identifiers` separators ignored, in `texts` as
    typed unless it is a code ("DS8201" finds "DS-8201a" in an abstract, see `is_code`); short words as whole words.
    """
    words = query_words(text)
    if not words:
        return Q(pk__in=[])
    condition = Q()
    for word in words:
        one = identifier_matches(word, identifiers) if identifiers else Q(pk__in=[])
        for name in texts:
            one |= _regex(name, text_word_pattern(word))
        condition &= one
    return condition


def is_short_term(text: str) -> bool:
    """Whether `text` is short enough to match whole words only."""
    return len(identifier_key(text)) <= SHORT_TERM_LENGTH
