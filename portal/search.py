"""
One search across drugs, trials and references, used by the search page and the API's search endpoint.

What matches and in what order is each model's business: `Drug.objects.search()`, `Trial.objects.search()` and
`Reference.objects.search()` (see `her2kb.fulltext`). On PostgreSQL the text is matched through GIN-indexed
full-text documents and ranked; short identifiers (brand names, codes such as "DS-8201", trial acronyms, NCT
numbers) are also matched as substrings, because a tokeniser does not reliably keep "DS-8201" or "NCT0352" whole
and a clinician often types only part of a code. On SQLite (the embedded default) every field is matched as a
substring and the ranking is "identifier match first", so the page works the same way, only less cleverly
ranked.

    results = search_everything("DS-8201", limit=20)
    results.drugs, results.trials, results.references   # lists, best match first
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet

from drugs.models import Drug
from references.models import Reference
from trials.models import Trial

# Longer queries are cut here: nobody types more, and it bounds the work a request can ask for.
MAX_QUERY_LENGTH = 200
DEFAULT_LIMIT = 20
MAX_LIMIT = 100


@dataclass(frozen=True)
class SearchResults:
    """What one search found, each list ordered best match first and cut at `limit`."""

    query: str
    drugs: list[Drug] = field(default_factory=list)
    trials: list[Trial] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.drugs) + len(self.trials) + len(self.references)

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


def search_references(query: str) -> QuerySet[Reference]:
    """References whose title or abstract (or PMID, DOI, journal) match `query`, best first."""
    query = normalise_query(query)
    return Reference.objects.for_list().search(query) if query else Reference.objects.none()


def search_everything(query: str | None, *, limit: int = DEFAULT_LIMIT) -> SearchResults:
    """
    Search drugs, trials and references for `query`; at most `limit` (1–MAX_LIMIT) of each, best first.

    An empty or blank query finds nothing (and runs no SQL). Three queries plus the prefetches of the
    models' `for_list()` querysets, whatever the amount of data.
    """
    query = normalise_query(query)
    limit = max(1, min(limit, MAX_LIMIT))
    if not query:
        return SearchResults(query="")
    return SearchResults(
        query=query,
        drugs=list(search_drugs(query)[:limit]),
        trials=list(search_trials(query)[:limit]),
        references=list(search_references(query)[:limit]),
    )


__all__ = [
    "MAX_QUERY_LENGTH",
    "SearchResults",
    "search_drugs",
    "search_everything",
    "search_references",
    "search_trials",
]
