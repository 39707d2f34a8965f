"""
One search across drugs, approvals (their indications), trials and references, used by the search page and the
API's search endpoint.

What matches and in what order is each model's business: `Drug.objects.search()`, `Trial.objects.search()` and
`Reference.objects.search()` (see `her2kb.fulltext`). On PostgreSQL the text is matched through GIN-indexed
full-text documents and ranked; short identifiers (brand names, codes such as "DS-8201", trial acronyms, NCT
numbers) are also matched as substrings, because a tokeniser does not reliably keep "DS-8201" or "NCT0352" whole
and a clinician often types only part of a code. On SQLite (the embedded default) every word of the query must be
in one of the fields and the ranking is "identifier match first", so the page works the same way, only less cleverly
ranked. Everywhere, names and codes match with or without separators ("DS8201" = "DS-8201a" = "ds 8201", "tdxd" =
"T-DXd") and short terms ("ILD") as whole words only (`her2kb.fulltext`).

    results = search_everything("DS-8201", limit=20)
    results.drugs, results.approvals, results.trials, results.references   # lists, best match first
    results.counts                                                          # how many of each matched in all
    search_everything("trastuzamab").suggestions                            # ["trastuzumab", …]: did you mean
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet

from drugs.models import Approval, Drug
from her2kb.fulltext import query_words
from references.models import Reference
from trials.models import Trial

# Longer queries are cut here: nobody types more, and it bounds the work a request can ask for.
MAX_QUERY_LENGTH = 200
DEFAULT_LIMIT = 20
RESULT_KINDS = ("drugs", "approvals", "trials", "references")
MAX_LIMIT = 100


@dataclass(frozen=True)
class SearchResults:
    """What one search found, each list ordered best match first and cut at `limit`."""

    query: str
    drugs: list[Drug] = field(default_factory=list)
    trials: list[Trial] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    approvals: list[Approval] = field(default_factory=list)
    # How many records of each kind match in all (the lists stop at the limit).
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RESULT_KINDS, 0))
    # When nothing matches: the drugs whose names are spelt most like the query ("Did you mean …"), closest first.
    suggestions: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        """How many records match in all, of every kind."""
        return sum(self.counts.values())

    @property
    def groups(self) -> list[tuple[str, str, list, int]]:
        """(kind, heading, records shown, how many match) for each kind with a match, in the page's order."""
        kinds = [
            ("drugs", "Drugs", self.drugs),
            ("approvals", "Approvals", self.approvals),
            ("trials", "Trials", self.trials),
            ("references", "References", self.references),
        ]
        return [(kind, heading, shown, self.counts[kind]) for kind, heading, shown in kinds if shown]

    @property
    def is_empty(self) -> bool:
        return self.total == 0


def normalise_query(query: str | None) -> str:
    """The query as searched: whitespace collapsed, cut at MAX_QUERY_LENGTH characters."""
    return " ".join((query or "").split())[:MAX_QUERY_LENGTH]


def search_drugs(query: str) -> QuerySet[Drug]:
    """Drugs whose INN, brand names, codes, mechanism or payload match `query`, best first."""
    query = normalise_query(query)
    return Drug.objects.for_list().search(query) if query else Drug.objects.none()


def search_trials(query: str) -> QuerySet[Trial]:
    """Trials whose acronym, NCT number, title or conditions match `query`, best first."""
    query = normalise_query(query)
    return Trial.objects.for_list().search(query) if query else Trial.objects.none()


def search_approvals(query: str) -> QuerySet[Approval]:
    """Approvals whose indication or drug hold every word of `query`, newest first."""
    query = normalise_query(query)
    return Approval.objects.for_list().search(query) if query else Approval.objects.none()


def search_references(query: str) -> QuerySet[Reference]:
    """References whose title or abstract (or PMID, DOI, journal) match `query`, best first."""
    query = normalise_query(query)
    return Reference.objects.for_list().search(query) if query else Reference.objects.none()


def search_everything(query: str | None, *, limit: int = DEFAULT_LIMIT) -> SearchResults:
    """
    Search drugs, approvals, trials and references for `query`; at most `limit` (1–MAX_LIMIT) of each, best first,
    and how many of each match in all.

    An empty or blank query (or one without a letter or digit) finds nothing and runs no SQL. Eight queries plus
    the prefetches of the models' `for_list()` querysets, whatever the amount of data; when nothing matches, one
    more for the drug names spelt most like the query (`suggestions`).
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
    counts = {kind: queryset.order_by().count() for kind, queryset in found.items()}
    suggestions = []
    if not any(counts.values()):
        # A misspelt drug name ("trastuzamab"): offer the names it is closest to. One more query, only then.
        suggestions = [name for name in Drug.objects.spelled_like(query) if name.lower() != query.lower()]
    return SearchResults(
        query=query,
        counts=counts,
        suggestions=suggestions,
        **{kind: list(queryset[:limit]) for kind, queryset in found.items()},
    )


__all__ = [
    "MAX_QUERY_LENGTH",
    "SearchResults",
    "search_approvals",
    "search_drugs",
    "search_everything",
    "search_references",
    "search_trials",
]
