"""
One search across drugs, approvals (their indications), trials and references, used by the search page and the
API's search endpoint.

What matches and in what order is each model's business: `Drug.objects.search()`, `Trial.objects.search()`,
`Approval.objects.search()` and `Reference.objects.search()` (see `her2kb.fulltext`). Drugs, trials and references
are matched through their weighted full-text documents — PostgreSQL's GIN-indexed `tsvector`, SQLite's FTS5 tables,
the same records on both — and ranked; every word must match, stemmed, whole words only ("ILD" never finds
"wild-type"). Names and codes match with or without separators ("DS8201" = "DS-8201a" = "ds 8201", "tdxd" =
"T-DXd"), partial identifiers too ("DESTINY-B", "NCT0352"). A misspelt word gets a "Did you mean …" from the
vocabulary of the data (`portal.vocabulary`).

    results = search_everything("DS-8201", limit=20)
    results.drugs, results.approvals, results.trials, results.references   # lists, best match first
    results.counts, results.capped                                          # how many of each match (up to 1000)
    search_everything("trastuzamab").suggestions                            # ["trastuzumab", …]: did you mean
    search_everything("pertuzumab gastirc").suggestions                     # ["pertuzumab gastric", …]
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, QuerySet, Window

from drugs.models import Approval, Drug
from her2kb.fulltext import RANKED_CANDIDATES, query_words
from references.models import Reference
from trials.models import Trial

from .vocabulary import corrected_query

# Longer queries are cut here: nobody types more, and it bounds the work a request can ask for.
MAX_QUERY_LENGTH = 200
DEFAULT_LIMIT = 20
RESULT_KINDS = ("drugs", "approvals", "trials", "references")
MAX_LIMIT = 100
# Fewer results than this, and search also offers the query with its misspelt words corrected ("Did you mean …").
FEW_RESULTS = 3
# Matches are counted up to this many: counting every abstract a broad word is in would read them all, and nobody
# pages through a thousand results. It is also how many candidates of each way of matching are ranked
# (her2kb.fulltext.among_top_candidates): at least this many candidates means at least this many matches.
COUNT_LIMIT = RANKED_CANDIDATES


@dataclass(frozen=True)
class SearchResults:
    """What one search found, each list ordered best match first and cut at `limit`."""

    query: str
    drugs: list[Drug] = field(default_factory=list)
    trials: list[Trial] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    approvals: list[Approval] = field(default_factory=list)
    # How many records of each kind match in all (the lists stop at the limit), counted up to COUNT_LIMIT: a kind in
    # `capped` has at least that many ("1000+").
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RESULT_KINDS, 0))
    capped: frozenset[str] = frozenset()
    # When little or nothing matches, "Did you mean …": the query with misspelt words corrected, the drugs spelt like
    # it (`suggestions_for`).
    suggestions: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        """How many records match in all, of every kind."""
        return sum(self.counts.values())

    @property
    def groups(self) -> list[tuple[str, str, list, str, bool]]:
        """(kind, heading, records shown, how many match — "12", or "1000+" when capped —, whether more match than
        are shown) for each kind with a match, in the page's order."""
        kinds = [
            ("drugs", "Drugs", self.drugs),
            ("approvals", "Approvals", self.approvals),
            ("trials", "Trials", self.trials),
            ("references", "References", self.references),
        ]
        return [
            (kind, heading, shown, self.count_text(kind), self.counts[kind] > len(shown))
            for kind, heading, shown in kinds
            if shown
        ]

    def count_text(self, kind: str) -> str:
        """How many records of `kind` match, as the page says it: "12", or "1000+" when there are that many or more."""
        return f"{self.counts[kind]}+" if kind in self.capped else str(self.counts[kind])

    @property
    def count_texts(self) -> dict[str, str]:
        """`count_text` of every kind, for the page's headings."""
        return {kind: self.count_text(kind) for kind in RESULT_KINDS}

    @property
    def total_text(self) -> str:
        """How many records match in all, as the page says it ("1020+" when a kind is capped)."""
        return f"{self.total}+" if self.capped else str(self.total)

    @property
    def is_empty(self) -> bool:
        return self.total == 0


def normalise_query(query: str | None) -> str:
    """The query as searched: whitespace collapsed, cut at MAX_QUERY_LENGTH characters."""
    return " ".join((query or "").split())[:MAX_QUERY_LENGTH]


# A result shows a record's summary (the page's result lists, the API's summary serializers): its own fields, and an
# approval's drug. The lists' prefetches (`for_list()`: targets, trial drugs, designations …) are not needed.


def search_drugs(query: str) -> QuerySet[Drug]:
    """Drugs whose INN, brand names, codes, mechanism or payload match `query`, best first."""
    query = normalise_query(query)
    return Drug.objects.search(query) if query else Drug.objects.none()


def search_trials(query: str) -> QuerySet[Trial]:
    """Trials whose acronym, NCT number, title or conditions match `query`, best first."""
    query = normalise_query(query)
    return Trial.objects.search(query) if query else Trial.objects.none()


def search_approvals(query: str) -> QuerySet[Approval]:
    """Approvals whose indication or drug hold every word of `query`, newest first."""
    query = normalise_query(query)
    return Approval.objects.select_related("drug").search(query) if query else Approval.objects.none()


def search_references(query: str) -> QuerySet[Reference]:
    """References whose title or abstract (or PMID, DOI, journal) match `query`, best first."""
    query = normalise_query(query)
    return Reference.objects.search(query) if query else Reference.objects.none()


# The annotation each list's rows carry: how many rows match in all, counted by the list's own query (a window over
# every candidate, before the limit) rather than by a second query that would match them all again.
MATCHES = "search_matches"


def search_everything(query: str | None, *, limit: int = DEFAULT_LIMIT) -> SearchResults:
    """
    Search drugs, approvals, trials and references for `query`; at most `limit` (1–MAX_LIMIT) of each, best first,
    and how many of each match in all, up to COUNT_LIMIT.

    An empty or blank query (or one without a letter or digit) finds nothing and runs no SQL. One query for each
    kind (which counts its matches too), whatever the amount of data; when fewer than FEW_RESULTS match, one more
    for the corrected query, and when nothing does and the query is one word, one more for the drug names spelt
    like it (`suggestions`).
    """
    query = normalise_query(query)
    limit = max(1, min(limit, MAX_LIMIT))
    if not query_words(query):
        return SearchResults(query=query)
    found = {
        "drugs": search_drugs(query),
        "approvals": search_approvals(query),
        "trials": search_trials(query),
        "references": search_references(query),
    }
    shown = {
        kind: list(queryset.annotate(**{MATCHES: Window(Count("pk"))})[:limit]) for kind, queryset in found.items()
    }
    matches = {kind: getattr(rows[0], MATCHES) if rows else 0 for kind, rows in shown.items()}
    counts = {kind: min(count, COUNT_LIMIT) for kind, count in matches.items()}
    total = sum(counts.values())
    # Offered only when little or nothing matched: the corrected query when fewer than FEW_RESULTS did (one query),
    # and the drug names spelt like a one-word query when nothing did (one more).
    suggestions = suggestions_for(query, names=total == 0) if total < FEW_RESULTS else []
    return SearchResults(
        query=query,
        counts=counts,
        capped=frozenset(kind for kind, count in matches.items() if count >= COUNT_LIMIT),
        suggestions=suggestions,
        **shown,
    )


def suggestions_for(query: str, *, names: bool = True) -> list[str]:
    """
    "Did you mean …": the query with its misspelt words corrected from the data's vocabulary ("pertuzumab gastirc"
    → "pertuzumab gastric", `portal.vocabulary.corrected_query`) and, with `names` and a one-word query, the drugs
    whose names, brands or codes are spelt most like it ("trastuzamab" → "trastuzumab", "enhretu" → "trastuzumab
    deruxtecan"), first: a single word is most often a drug's name. One query each.
    """
    corrected = corrected_query(query)
    offered = [corrected] if corrected else []
    if names and len(query_words(query)) == 1:
        offered = Drug.objects.spelled_like(query) + offered
    unique = {}
    for suggestion in offered:
        unique.setdefault(suggestion.lower(), suggestion)
    unique.pop(query.lower(), None)
    return list(unique.values())


__all__ = [
    "COUNT_LIMIT",
    "MAX_QUERY_LENGTH",
    "SearchResults",
    "search_approvals",
    "search_drugs",
    "search_everything",
    "search_references",
    "search_trials",
]
