"""Filters for references: one definition serves the HTML list page and the API."""

import django_filters
from django.db.models import Q, QuerySet

from her2kb.filters import IdentifierListFilter
from her2kb.validators import (
    SEARCH_MAX_LENGTH,
    validate_doi,
    validate_nct_id,
    validate_pmcid,
    validate_pmid,
    validate_search_words,
    validate_slug_value,
)
from trials.models import Outcome, Trial

from .models import Reference


class ReferenceFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_text",
        label="Title or abstract",
        max_length=SEARCH_MAX_LENGTH,
        validators=[validate_search_words],
    )
    pmid = IdentifierListFilter(validators=[validate_pmid], label="PMID")
    doi = IdentifierListFilter(lookup_expr="iexact", validators=[validate_doi], max_length=255, label="DOI")
    pmcid = IdentifierListFilter(validators=[validate_pmcid], label="PubMed Central ID (e.g. PMC6022861)")
    year = django_filters.NumberFilter(field_name="pub_year", label="Year", min_value=1800, max_value=2100)
    year_min = django_filters.NumberFilter(
        field_name="pub_year", lookup_expr="gte", label="Year, at the earliest", min_value=1800, max_value=2100
    )
    year_max = django_filters.NumberFilter(
        field_name="pub_year", lookup_expr="lte", label="Year, at the latest", min_value=1800, max_value=2100
    )
    journal = django_filters.CharFilter(method="filter_journal", label="Journal")
    retracted = django_filters.BooleanFilter(field_name="is_retracted", label="Retracted")
    trial = IdentifierListFilter(
        field_name="trials__nct_id", validators=[validate_nct_id], distinct=True, label="Cited by trial (NCT)"
    )
    trial_acronym = django_filters.CharFilter(
        method="filter_trial_acronym", label="Cited by trials (or their outcomes) whose acronym starts with"
    )
    drug = IdentifierListFilter(
        validators=[validate_slug_value], field_name="drugs__slug", distinct=True, label="Cited by drug (slug)"
    )

    class Meta:
        model = Reference
        fields = [
            "q",
            "pmid",
            "doi",
            "pmcid",
            "year",
            "year_min",
            "year_max",
            "journal",
            "retracted",
            "trial",
            "trial_acronym",
            "drug",
        ]

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.matching(value)

    def filter_trial_acronym(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """A family of trials by acronym prefix (e.g. every DESTINY-Breast trial): their references and
        the references behind their outcomes."""
        # A UNION of the two citing tables, not an OR across two joins: each half is answered by the trigram index on
        # the trial acronym, and the references by their primary key.
        cited_by_trials = Trial.references.through.objects.filter(trial__acronym__istartswith=value)
        cited_by_outcomes = Outcome.references.through.objects.filter(outcome__trial__acronym__istartswith=value)
        cited = cited_by_trials.values("reference_id").union(cited_by_outcomes.values("reference_id"))
        return queryset.filter(pk__in=cited)

    def filter_journal(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(journal__icontains=value) | Q(journal_iso__icontains=value))
