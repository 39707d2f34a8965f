"""
One search across drugs, trials and references, used by the search page and the API's search endpoint.

On PostgreSQL the text fields are matched with full-text search and ranked by `SearchRank`; short
identifiers (brand names, development codes such as "DS-8201", trial acronyms, NCT numbers) are also
matched as substrings, because a tokeniser does not reliably keep "DS-8201" or "NCT0352" whole and a
clinician often types only part of a code. On SQLite (the embedded default) every field is matched
with `icontains` and the ranking is a simple "identifier match first" ordering, so the page works the
same way, only less cleverly ranked.

    results = search_everything("DS-8201", limit=20)
    results.drugs, results.trials, results.references   # lists, best match first
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Case, FloatField, Q, QuerySet, TextField, Value, When
from django.db.models.functions import Cast

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


def uses_full_text_search() -> bool:
    """PostgreSQL has ranked full-text search; other databases use the substring fallback."""
    return connection.vendor == "postgresql"


def search_drugs(query: str) -> QuerySet[Drug]:
    """Drugs whose INN, brand names, codes, mechanism or payload match `query`, best first."""
    query = normalise_query(query)
    if not query:
        return Drug.objects.none()
    # An exact INN, brand name or code ranks first, then partial identifier matches, then text matches.
    # The JSON lists are matched as text, so a whole list item is the query wrapped in JSON quotes.
    exact_match = Q(name__iexact=query) | Q(brand_names__icontains=f'"{query}"') | Q(synonyms__icontains=f'"{query}"')
    identifier_match = (
        Q(name__icontains=query)
        | Q(slug__icontains=query)
        | Q(brand_names__icontains=query)
        | Q(synonyms__icontains=query)
    )
    queryset = Drug.objects.for_list()
    if uses_full_text_search():
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        vector = (
            SearchVector("name", weight="A", config="english")
            + SearchVector(Cast("brand_names", output_field=TextField()), weight="A", config="simple")
            + SearchVector(Cast("synonyms", output_field=TextField()), weight="A", config="simple")
            + SearchVector("mechanism", "payload", "binding_site", weight="C", config="english")
        )
        search_query = SearchQuery(query, search_type="websearch", config="english")
        queryset = (
            queryset.annotate(
                rank=SearchRank(vector, search_query) + _bonus(exact_match, 2.0) + _bonus(identifier_match, 1.0),
                document=vector,
            )
            .filter(Q(document=search_query) | identifier_match)
            .order_by("-rank", "name")
        )
    else:
        queryset = (
            queryset.filter(identifier_match | Q(mechanism__icontains=query) | Q(payload__icontains=query))
            .annotate(rank=_bonus(exact_match, 2.0) + _bonus(identifier_match, 1.0))
            .order_by("-rank", "name")
        )
    return queryset


def search_trials(query: str) -> QuerySet[Trial]:
    """Trials whose acronym, NCT number, title or conditions match `query`, best first."""
    query = normalise_query(query)
    if not query:
        return Trial.objects.none()
    exact_match = Q(nct_id__iexact=query) | Q(acronym__iexact=query)
    identifier_match = Q(acronym__icontains=query) | Q(nct_id__icontains=query) | Q(slug__icontains=query)
    queryset = Trial.objects.for_list()
    if uses_full_text_search():
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        vector = (
            SearchVector("acronym", "nct_id", weight="A", config="simple")
            + SearchVector("title", weight="B", config="english")
            + SearchVector(Cast("conditions", output_field=TextField()), "sponsor", weight="C", config="english")
        )
        search_query = SearchQuery(query, search_type="websearch", config="english")
        queryset = (
            queryset.annotate(
                rank=SearchRank(vector, search_query) + _bonus(exact_match, 2.0) + _bonus(identifier_match, 1.0),
                document=vector,
            )
            .filter(Q(document=search_query) | identifier_match)
            .order_by("-rank", "acronym", "nct_id")
        )
    else:
        queryset = (
            queryset.filter(identifier_match | Q(title__icontains=query) | Q(conditions__icontains=query))
            .annotate(rank=_bonus(exact_match, 2.0) + _bonus(identifier_match, 1.0))
            .order_by("-rank", "acronym", "nct_id")
        )
    return queryset


def search_references(query: str) -> QuerySet[Reference]:
    """References whose title or abstract (or PMID, DOI, journal) match `query`, best first."""
    query = normalise_query(query)
    if not query:
        return Reference.objects.none()
    identifier_match = Q(pmid=query) | Q(doi__iexact=query)
    queryset = Reference.objects.for_list()
    if uses_full_text_search():
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        vector = (
            SearchVector("title", weight="A", config="english")
            + SearchVector("abstract", weight="B", config="english")
            + SearchVector("journal", "journal_iso", weight="D", config="simple")
        )
        search_query = SearchQuery(query, search_type="websearch", config="english")
        queryset = (
            queryset.annotate(
                rank=SearchRank(vector, search_query) + _bonus(identifier_match, 2.0),
                document=vector,
            )
            .filter(Q(document=search_query) | identifier_match | Q(title__icontains=query))
            .order_by("-rank", "-pub_year", "pmid")
        )
    else:
        queryset = (
            queryset.filter(identifier_match | Q(title__icontains=query) | Q(abstract__icontains=query))
            .annotate(rank=_bonus(identifier_match, 2.0) + _bonus(Q(title__icontains=query), 1.0))
            .order_by("-rank", "-pub_year", "pmid")
        )
    return queryset


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


def _bonus(condition: Q, points: float) -> Case:
    """`points` when the row meets `condition`, else 0: lifts exact identifier matches to the top."""
    return Case(When(condition, then=Value(points)), default=Value(0.0), output_field=FloatField())


__all__ = [
    "MAX_QUERY_LENGTH",
    "SearchResults",
    "search_drugs",
    "search_everything",
    "search_references",
    "search_trials",
]
