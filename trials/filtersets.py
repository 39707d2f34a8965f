"""Filters for trials and outcomes: one definition serves the HTML list pages and the API."""

import django_filters
from django.db.models import QuerySet

from drugs.choices import Her2Category, TumourType
from her2kb.validators import SEARCH_MAX_LENGTH, validate_nct_id, validate_search_words

from .choices import Endpoint, TrialPhase, TrialStatus
from .models import Outcome, Trial


class TrialFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_text",
        label="Acronym, title or NCT number",
        max_length=SEARCH_MAX_LENGTH,
        validators=[validate_search_words],
    )
    nct_id = django_filters.CharFilter(validators=[validate_nct_id], label="NCT number (e.g. NCT03529110)")
    phase = django_filters.ChoiceFilter(choices=TrialPhase.choices)
    status = django_filters.ChoiceFilter(choices=TrialStatus.choices)
    tumour_type = django_filters.ChoiceFilter(choices=TumourType.choices, label="Tumour")
    her2_category = django_filters.ChoiceFilter(choices=Her2Category.choices, label="HER2 category")
    drug = django_filters.CharFilter(field_name="drugs__slug", distinct=True, label="Drug studied (slug)")

    class Meta:
        model = Trial
        fields = ["q", "nct_id", "phase", "status", "tumour_type", "her2_category", "drug"]

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.matching(value)


class OutcomeFilterSet(django_filters.FilterSet):
    trial = django_filters.CharFilter(
        field_name="trial__nct_id", validators=[validate_nct_id], label="Trial NCT number"
    )
    endpoint = django_filters.ChoiceFilter(choices=Endpoint.choices)
    is_primary = django_filters.BooleanFilter()
    drug = django_filters.CharFilter(field_name="trial__drugs__slug", distinct=True, label="Drug studied (slug)")

    class Meta:
        model = Outcome
        fields = ["trial", "endpoint", "is_primary", "drug"]
