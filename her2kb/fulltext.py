"""
Full-text matching shared by the drug, trial and reference querysets (their `matching()` and `search()`), the same
on PostgreSQL and on the embedded SQLite.

Each searchable table has a weighted document (`SearchDocument`, declared beside its model): its names and codes
weigh most, then titles, then prose. On PostgreSQL the document is a stored `tsvector` column, `search_document`,
computed by the database and indexed with GIN (the PostgreSQL-only migrations `*_postgres_full_text` hold its
expression). On SQLite it is an FTS5 table, `<table>_search`, over the same fields with the same weights, kept in
step with the table by triggers (the SQLite-only migrations `*_sqlite_full_text`; `ensure_sqlite_search_tables`
restores the triggers should a later migration rebuild the table, which drops them). Both match words, stemmed
("cardiotoxicities" finds "cardiotoxicity"), every word of the query, whole words only (so "ILD" never finds
"wild-type"), with web-search syntax ("quoted phrases", -exclusions, or); both rank by how well the document
matches, weighted by field (PostgreSQL's ts_rank, SQLite's bm25 — the order among equally good matches can
differ, never which records match).

Where the two differ, the difference is the stemmer's (PostgreSQL's Snowball English, FTS5's Porter: the same for
nearly every word) and PostgreSQL's parser keeping a few tokens whole ("mg/kg", "3.5") that FTS5 splits.

Development codes and abbreviations are matched apart from the document, because a text parser splits
"DS-8201a" into "ds" and "8201a" and a clinician types "DS8201", "ds 8201" or "tdxd": a code is found in a field
with every separator (hyphen, space, dot, slash, underscore) removed from both (`joined_text`), through trigram
indexes on PostgreSQL. Short terms (three letters or digits or fewer) match whole words only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connections
from django.db.models import BooleanField, Case, FloatField, Func, Q, QuerySet, TextField, Value, When
from django.db.models.expressions import Expression
from django.db.models.functions import Cast, Upper
from django.db.models.lookups import Contains, Regex

# Stemmed English for prose; the PostgreSQL migrations use the same configuration for the text columns.
TEXT_SEARCH_CONFIG = "english"
DOCUMENT_COLUMN = "search_document"
# Matches nothing, without a query: the condition of a query that holds nothing to match.
NOTHING = Q(pk__in=[])


# ---- the documents ------------------------------------------------------------------------------------------------
# PostgreSQL's default ts_rank weights of the four weight classes; FTS5's bm25 is given the same per column.
WEIGHTS = {"A": 1.0, "B": 0.4, "C": 0.2, "D": 0.1}


@dataclass(frozen=True)
class DocumentPart:
    """One weighted part of a document: these columns' text (JSON lists of strings: their items), space-joined."""

    name: str
    weight: str
    columns: tuple[str, ...] = ()
    json_columns: tuple[str, ...] = ()

    def sql(self, row: str) -> str:
        """This part's text for the row `row` (NEW, OLD or a table alias) in SQLite."""
        texts = [f"coalesce({row}.\"{column}\", '')" for column in self.columns]
        # json_each reads the stored JSON, so an escaped character ("\u00e9") is indexed as the letter it is.
        texts += [
            f"coalesce((SELECT group_concat(value, ' ') FROM json_each({row}.\"{column}\")), '')"
            for column in self.json_columns
        ]
        return " || ' ' || ".join(texts)


@dataclass(frozen=True)
class SearchDocument:
    """
    The weighted text of one table that search matches and ranks: on PostgreSQL the table's stored
    `search_document` column (its expression lives in the app's `postgres_full_text` migration and gives each part
    the same weight as here); on SQLite the FTS5 table `<table>_search`, one column per part, which the statements
    below create, fill and keep in step through triggers.
    """

    table: str
    parts: tuple[DocumentPart, ...]

    def __post_init__(self) -> None:
        SEARCH_DOCUMENTS.append(self)

    @property
    def fts_table(self) -> str:
        return f"{self.table}_search"

    @property
    def watched_columns(self) -> list[str]:
        return [column for part in self.parts for column in (*part.columns, *part.json_columns)]

    @property
    def trigger_names(self) -> list[str]:
        return [f"{self.fts_table}_{event}" for event in ("insert", "update", "delete")]

    def _insert(self, row: str) -> str:
        columns = ", ".join(part.name for part in self.parts)
        values = ", ".join(part.sql(row) for part in self.parts)
        return f'INSERT INTO "{self.fts_table}" (rowid, {columns}) VALUES ({row}.id, {values});'

    def _remove(self, row: str) -> str:
        return f'DELETE FROM "{self.fts_table}" WHERE rowid = {row}.id;'

    def sqlite_table_sql(self) -> str:
        # Its own copy of the text (not contentless): a row is removed by its rowid alone, and 'rebuild' and
        # 'integrity-check' work. Diacritics are kept, as PostgreSQL's English configuration keeps them.
        columns = ", ".join(part.name for part in self.parts)
        return (
            f'CREATE VIRTUAL TABLE "{self.fts_table}" USING fts5({columns}, '
            "tokenize = 'porter unicode61 remove_diacritics 0')"
        )

    def sqlite_trigger_sql(self) -> list[str]:
        insert, update, delete = self.trigger_names
        watched = ", ".join(f'"{column}"' for column in self.watched_columns)
        return [
            f'CREATE TRIGGER "{insert}" AFTER INSERT ON "{self.table}" BEGIN {self._insert("NEW")} END',
            f'CREATE TRIGGER "{update}" AFTER UPDATE OF {watched} ON "{self.table}" '
            f"BEGIN {self._remove('OLD')} {self._insert('NEW')} END",
            f'CREATE TRIGGER "{delete}" AFTER DELETE ON "{self.table}" BEGIN {self._remove("OLD")} END',
        ]

    def sqlite_fill_sql(self) -> list[str]:
        columns = ", ".join(part.name for part in self.parts)
        values = ", ".join(part.sql("source") for part in self.parts)
        return [
            f'DELETE FROM "{self.fts_table}"',
            f'INSERT INTO "{self.fts_table}" (rowid, {columns}) '
            f'SELECT source.id, {values} FROM "{self.table}" AS source',
        ]

    def sqlite_create_sql(self) -> list[str]:
        """Create the FTS5 table, its triggers, and index the rows the table holds already."""
        return [self.sqlite_table_sql(), *self.sqlite_trigger_sql(), *self.sqlite_fill_sql()[1:]]

    def sqlite_drop_sql(self) -> list[str]:
        return [f'DROP TRIGGER IF EXISTS "{name}"' for name in self.trigger_names] + [
            f'DROP TABLE IF EXISTS "{self.fts_table}"'
        ]

    def bm25_weights(self) -> str:
        return ", ".join(str(WEIGHTS[part.weight]) for part in self.parts)


# Every document declared (the apps declare theirs beside their models): what `ensure_sqlite_search_tables` checks.
SEARCH_DOCUMENTS: list[SearchDocument] = []


def ensure_sqlite_search_tables(using: str = "default") -> list[str]:
    """
    On SQLite, put back the triggers of every FTS5 table whose triggers are gone, and index its table's rows afresh;
    the tables whose triggers were restored. Django's SQLite schema editor alters a table by copying it into a new
    one and dropping the old, which drops the triggers with it: run after every migrate (post_migrate), so search
    never reads a document that stopped following its table. Tables not created yet (their migration not applied)
    are left alone.
    """
    database = connections[using]
    if database.vendor != "sqlite":
        return []
    restored = []
    with database.cursor() as cursor:
        cursor.execute("SELECT type, name FROM sqlite_master WHERE type IN ('table', 'trigger')")
        existing = set(cursor.fetchall())
        for document in SEARCH_DOCUMENTS:
            if ("table", document.fts_table) not in existing:
                continue
            if all(("trigger", name) in existing for name in document.trigger_names):
                continue
            for name in document.trigger_names:
                cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')
            for statement in [*document.sqlite_trigger_sql(), *document.sqlite_fill_sql()]:
                cursor.execute(statement)
            restored.append(document.fts_table)
    return restored


# ---- queries: web-search syntax, read once for both databases ----------------------------------------------------
# PostgreSQL's English stop words (tsearch_data/english.stop): its text search drops them from documents and
# queries alike, so the SQLite query drops them too ("trastuzumab for gastric cancer" needs no "for").
STOP_WORDS = frozenset(
    """i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers herself
    it its itself they them their theirs themselves what which who whom this that these those am is are was were be
    been being have has had having do does did doing a an the and but if or because as until while of at by for with
    about against between into through during before after above below to from up down in out on off over under
    again further then once here there when where why how all any both each few more most other some such no nor not
    only own same so than too very s t can will just don should now""".split()
)
_QUERY_TERM = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_TOKEN = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Term:
    """One word or "quoted phrase" of a query, as the tokens the documents hold (stop words left out)."""

    tokens: tuple[str, ...]
    negated: bool = False

    def fts5(self) -> str:
        # Tokens hold letters and digits only: quoting them needs no escaping, and FTS5 stems them as it stems text.
        return '"' + " ".join(self.tokens) + '"'


@dataclass(frozen=True)
class WebQuery:
    """
    A query in web-search syntax as PostgreSQL's `websearch_to_tsquery` reads it: alternatives separated by "or",
    each every one of its words and "quoted phrases", less its -exclusions. A hyphenated word is a phrase of its
    parts ("HER2-low": "her2" then "low").
    """

    alternatives: tuple[tuple[Term, ...], ...]

    @classmethod
    def parse(cls, text: str) -> WebQuery:
        alternatives: list[list[Term]] = [[]]
        for match in _QUERY_TERM.finditer(text or ""):
            minus, phrase, word = match.groups()
            if word is not None and word.lower() == "or":
                if alternatives[-1]:
                    alternatives.append([])
                continue
            negated = bool(minus)
            if word is not None:
                negated = word.startswith("-") and len(word) > 1
                phrase = word[1:] if negated else word
            tokens = tuple(token for token in _TOKEN.findall(phrase.lower()) if token not in STOP_WORDS)
            if tokens:
                alternatives[-1].append(Term(tokens, negated))
        # An alternative of exclusions only would match nearly every record: it is no query.
        kept = tuple(tuple(terms) for terms in alternatives if any(not term.negated for term in terms))
        return cls(kept)

    @property
    def can_match(self) -> bool:
        return bool(self.alternatives)

    def fts5(self) -> str:
        """The query in FTS5's syntax (never a syntax error: every token is quoted)."""
        expressions = []
        for terms in self.alternatives:
            expression = " AND ".join(term.fts5() for term in terms if not term.negated)
            for term in terms:
                if term.negated:
                    expression = f"({expression}) NOT {term.fts5()}"
            expressions.append(f"({expression})")
        return " OR ".join(expressions)


# ---- matching and ranking by the document ----------------------------------------------------------------------


class _OnTheRow(Expression):
    """
    An expression on the query's own row that follows the row's table alias, so that a query using it can also run
    as a subquery (where Django renames the table U0): the column then belongs to the subquery, not to the query
    around it. Each database gets its own SQL (`as_postgresql`, and `as_sql` for SQLite), so one queryset runs on
    either.
    """

    def __init__(self, document: SearchDocument, text: str, alias: str | None = None) -> None:
        super().__init__()
        self.document, self.text, self.alias = document, text, alias
        self.query = WebQuery.parse(text)

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

    def _column(self, compiler, connection, name: str) -> str:
        return f"{compiler.quote_name_unless_alias(self.alias)}.{connection.ops.quote_name(name)}"

    def _web_search_query(self) -> str:
        # The query as typed: PostgreSQL reads its web-search syntax itself (never a syntax error).
        return f"websearch_to_tsquery('{TEXT_SEARCH_CONFIG}'::regconfig, %s)"


class DocumentMatch(_OnTheRow):
    """Whether the row's document matches the text (`full_text_matches`): a condition for `filter()`."""

    output_field = BooleanField()
    conditional = True

    def as_postgresql(self, compiler, connection):
        return f"{self._column(compiler, connection, DOCUMENT_COLUMN)} @@ {self._web_search_query()}", [self.text]

    def as_sql(self, compiler, connection):
        fts = f'"{self.document.fts_table}"'
        row = self._column(compiler, connection, "id")
        return f"{row} IN (SELECT rowid FROM {fts} WHERE {fts} MATCH %s)", [self.query.fts5()]


class DocumentRank(_OnTheRow):
    """
    How well the row's document matches the text (`text_rank`): PostgreSQL's ts_rank; on SQLite bm25 with the
    parts' weights, as a number from 0 (no match) towards 1, the scale of ts_rank, so the same bonuses lift exact
    identifiers above it on both.
    """

    output_field = FloatField()

    def as_postgresql(self, compiler, connection):
        return f"ts_rank({self._column(compiler, connection, DOCUMENT_COLUMN)}, {self._web_search_query()})", [
            self.text
        ]

    def as_sql(self, compiler, connection):
        fts = f'"{self.document.fts_table}"'
        score = f"bm25({fts}, {self.document.bm25_weights()})"  # negative: the better, the lower
        row = self._column(compiler, connection, "id")
        sql = (
            f"COALESCE((SELECT -{score} / (1.0 - {score}) FROM {fts} "
            f"WHERE {fts} MATCH %s AND {fts}.rowid = {row}), 0.0)"
        )
        return sql, [self.query.fts5()]


def full_text_matches(document: SearchDocument, text: str) -> Q:
    """Rows whose document matches `text` (web-search syntax: every word, stemmed, whole words)."""
    if not WebQuery.parse(text).can_match:
        return NOTHING
    return Q(DocumentMatch(document, text))


def text_rank(document: SearchDocument, text: str) -> Expression:
    """How well each row's document matches `text`: 0 for no match, higher for better (ts_rank or bm25)."""
    if not WebQuery.parse(text).can_match:
        return Value(0.0, output_field=FloatField())
    return DocumentRank(document, text)


# Full-text ranking reads every matching row's document: a broad word ("trastuzumab") matches most abstracts.
# Search ranks only this many candidates, the newest matches, which is where the best answers are.
RANKED_CANDIDATES = 1000


def among_top_candidates(queryset: QuerySet, match: TextMatch, *newest_first: str) -> QuerySet:
    """
    `queryset` cut to the rows `match.identifier` finds (identifiers, which must never fall out of the ranking) and,
    of each other way of matching (`match.ranked`), its first RANKED_CANDIDATES rows in the order `newest_first`.
    Ranking the rest of a broad match changes no top result a reader would look at, and costs a read of every
    matching row. Each way is its own subquery so that PostgreSQL plans each on its own indexes: an index order that
    stops early for a broad word, a bitmap of the trigram index for a rare code — one OR of all of them would be
    read in index order with every condition tested on each row.
    """
    rows = queryset.model._default_manager
    candidates = [
        rows.filter(branch).order_by(*newest_first).values("pk")[:RANKED_CANDIDATES] for branch in match.ranked
    ]
    exact = rows.filter(match.identifier).values("pk")
    if connections[queryset.db].features.supports_slicing_ordering_in_compound:
        # A UNION, not an OR: each part is an index scan, and the outer query fetches the rows by primary key.
        return queryset.filter(pk__in=exact.union(*candidates))
    return queryset.filter(any_of([Q(pk__in=exact), *(Q(pk__in=part) for part in candidates)]))  # SQLite


def bonus(condition: Q, points: float) -> Case:
    """`points` when the row meets `condition`, else 0: lifts exact identifier matches to the top."""
    return Case(When(condition, then=Value(points)), default=Value(0.0), output_field=FloatField())


# ---- words and identifiers as a clinician types them ------------------------------------------------------------
# "DS8201", "DS-8201a" and "ds 8201" name one drug; "T-DXd" is "tdxd". An identifier (name, brand, code, acronym,
# NCT number) or a code in prose is found in a field with every separator removed from both: the query's letters and
# digits, in order, in the field's upper-cased text without hyphens, spaces, dots, slashes or underscores. The same
# expression on both databases; on PostgreSQL trigram indexes hold exactly it (`*_trigram_indexes_on_joined_text`).
# Terms this short or shorter match whole words only, so "ILD" does not find "wild-type" and "DS" does not find every
# "ds" inside a word: by a regular expression on the upper-cased text, separators between their characters allowed.
SHORT_TERM_LENGTH = 3
SEPARATORS = "- ./_"
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
    A pattern (for upper-cased text) finding the short identifier `text` as a whole word, with or without separators:
    "T 1" gives (^|[^A-Z0-9])T[- ./_]?1([^A-Z0-9]|$), which finds "T-1"; "" when `text` has no letter or digit.
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
    joined by a separator ("T-DXd", "DS-8201a"). Other words ("gastric", "Müller") are matched as words.
    """
    if not _CODE_CHARACTERS.fullmatch(word):
        return False
    return any(c.isdigit() for c in word) or identifier_key(word) != word.lower()


def holds_code(text: str) -> bool:
    """Whether a word of `text` is a code (`is_code`): the text search parser would not find it in prose."""
    return any(is_code(word) for word in query_words(text))


def is_short_term(text: str) -> bool:
    """Whether `text` is short enough to match whole words only."""
    return len(identifier_key(text)) <= SHORT_TERM_LENGTH


def upper_text(field: str) -> Upper:
    """The field's text, upper-cased (a JSON list as its JSON text): the expression the trigram indexes hold."""
    return Upper(Cast(field, TextField()))


class JoinedText(Func):
    """REPLACE(…REPLACE(text, '-', '')…, '_', ''): `text` without separators, compiled as one expression."""

    template = "REPLACE(" * len(SEPARATORS) + "%(expressions)s" + "".join(f", '{s}', '')" for s in SEPARATORS)
    output_field = TextField()


def joined_text(field: str) -> Expression:
    """
    The field's upper-cased text without separators ("DS-8201a in HER2-low" → "DS8201AINHER2LOW"), where a code is
    found whatever separators either side wrote: REPLACE(…REPLACE(UPPER(field::text), '-', '')…, '_', ''), exactly
    the expression of the PostgreSQL trigram indexes.
    """
    return JoinedText(upper_text(field))


def _regex(field: str, pattern: str) -> Q:
    return Q(Regex(upper_text(field), pattern))


def _joined_contains(key: str, fields: Sequence[str]) -> Q:
    condition = NOTHING
    for name in fields:
        condition |= Q(Contains(joined_text(name), key.upper()))
    return condition


def identifier_matches(text: str, fields: Sequence[str]) -> Q:
    """Rows where one of `fields` holds the identifier `text`, separators ignored; a short one as a whole word."""
    key = identifier_key(text)
    if not key:
        return NOTHING
    if len(key) > SHORT_TERM_LENGTH:
        return _joined_contains(key, fields)
    condition = NOTHING
    for name in fields:
        condition |= _regex(name, identifier_pattern(text))
    return condition


def _is_long_code(word: str) -> bool:
    return is_code(word) and not is_short_term(word)


def word_matches(
    word: str,
    *,
    identifiers: Sequence[str] = (),
    texts: Sequence[str] = (),
    document: SearchDocument | None = None,
) -> Q:
    """
    Rows where the one query word `word` matches: a code ("DS8201", "HER2-low", see `is_code`) in one of
    `identifiers` or `texts` with separators ignored; any other word in one of `identifiers` (as an identifier) or,
    with a `document`, in the document (as a word: stemmed, whole) — else in `texts` as typed (short words whole).
    """
    if _is_long_code(word):
        return _joined_contains(identifier_key(word), (*identifiers, *texts))
    condition = identifier_matches(word, identifiers) if identifiers else NOTHING
    if document is not None:
        return condition | full_text_matches(document, word)
    for name in texts:
        condition |= _regex(name, identifier_pattern(word) if is_code(word) else word_pattern(word))
    return condition


def searched_words(text: str) -> list[str]:
    """The words of `text` that must each match: stop words left out, as the documents leave them out."""
    return [word for word in query_words(text) if word.lstrip("-").lower() not in STOP_WORDS]


def every_word_matches(
    text: str,
    *,
    identifiers: Sequence[str] = (),
    texts: Sequence[str] = (),
    document: SearchDocument | None = None,
) -> Q:
    """
    Rows where every word of `text` matches (`word_matches`); with a `document`, a -word must not be in it.
    """
    condition = Q()
    matched_any = False
    for word in searched_words(text):
        if document is not None and word.startswith("-") and identifier_key(word[1:]):
            condition &= ~full_text_matches(document, word[1:])
            continue
        matched_any = True
        condition &= word_matches(word, identifiers=identifiers, texts=texts, document=document)
    return condition if matched_any else NOTHING


_OTHER_THAN_CODE_CHARACTERS = re.compile(r"[^0-9A-Za-z\- ./_]")


@dataclass(frozen=True)
class TextMatch:
    """
    The ways a row can match a query, each answered by its own indexes: `identifier`, an identifier field holds the
    whole text; `ranked`, the document matches it, or (a query holding a code) every word of it is in the fields.
    """

    identifier: Q
    ranked: tuple[Q, ...]

    def any(self) -> Q:
        return any_of([self.identifier, *self.ranked])


def text_match(
    document: SearchDocument, text: str, *, identifiers: Sequence[str] = (), texts: Sequence[str] = ()
) -> TextMatch:
    """
    How a row matches `text`: one of `identifiers` holds it as an identifier, separators ignored
    (`identifier_matches`; as typed too when it holds other punctuation, "pertuzumab, trastuzumab"); the document
    matches it; and — when it holds a code, which the document's parser does not keep whole — the fields match
    every word of it (`every_word_matches`). Queries without a code keep to the indexed document.
    """
    identifier = identifier_matches(text, identifiers)
    if not is_short_term(text) and _OTHER_THAN_CODE_CHARACTERS.search(text):
        # Letters, digits and separators only: the separator-free match holds every substring match already.
        identifier = any_of([identifier, *(Q(**{f"{name}__icontains": text}) for name in identifiers)])
    ranked = [full_text_matches(document, text)]
    if holds_code(text):
        # One word: in the identifiers it is the whole text, matched already.
        several = len(searched_words(text)) > 1
        ranked.append(
            every_word_matches(text, identifiers=identifiers if several else (), texts=texts, document=document)
        )
    return TextMatch(identifier, tuple(branch for branch in ranked if branch != NOTHING))


def any_of(conditions: Sequence[Q]) -> Q:
    """The rows meeting any of `conditions` (none: no rows)."""
    combined = NOTHING
    for condition in conditions:
        combined |= condition
    return combined


__all__ = [
    "DocumentPart",
    "SearchDocument",
    "WebQuery",
    "among_top_candidates",
    "bonus",
    "ensure_sqlite_search_tables",
    "every_word_matches",
    "full_text_matches",
    "identifier_matches",
    "is_short_term",
    "joined_text",
    "searched_words",
    "any_of",
    "TextMatch",
    "text_match",
    "text_rank",
    "word_matches",
]
