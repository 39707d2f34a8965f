"""Filters for trials and outcomes: one definition serves the HTML list pages and the API."""

import django_filters
from django.db.models import QuerySet

from drugs.choices import DrugClass, Her2Category, TumourType
from her2kb.filters import ChoiceListFilter, IdentifierListFilter, WholeNumberRangeFilter
from her2kb.validators import SEARCH_MAX_LENGTH, validate_nct_id, validate_search_words, validate_slug_value

from .choices import DrugRole, Endpoint, TrialPhase, TrialStatus
from .models import Outcome, Trial


class TrialFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_text",
        label="Acronym, title or NCT number",
        max_length=SEARCH_MAX_LENGTH,
        validators=[validate_search_words],
    )
    nct_id = IdentifierListFilter(validators=[validate_nct_id], label="NCT number (e.g. NCT03529110)")
    phase = ChoiceListFilter(choices=TrialPhase.choices)
    status = ChoiceListFilter(choices=TrialStatus.choices)
    tumour_type = ChoiceListFilter(choices=TumourType.choices, label="Tumour")
    her2_category = ChoiceListFilter(choices=Her2Category.choices, label="HER2 category")
    drug = IdentifierListFilter(validators=[validate_slug_value], method="filter_drug", label="Drug studied (slug)")
    drug_class = ChoiceListFilter(
        choices=DrugClass.choices, method="filter_drug_class", label="Studies a drug of this class (in any role)"
    )
    drug_role = ChoiceListFilter(
        choices=DrugRole.choices,
        method="filter_drug_role",
        label="With `drug` or `drug_class`: the role the drug plays (experimental, comparator, background)",
    )
    has_outcome = ChoiceListFilter(
        choices=Endpoint.choices, method="filter_has_outcome", label="Has a recorded result for this endpoint (e.g. os)"
    )
    start_date = django_filters.DateFromToRangeFilter(label="Started (start_date_after, start_date_before)")
    primary_completion_date = django_filters.DateFromToRangeFilter(
        label="Primary completion (primary_completion_date_after, primary_completion_date_before)"
    )
    enrollment = WholeNumberRangeFilter(label="Participants enrolled (enrollment_min, enrollment_max)")

    class Meta:
        model = Trial
        fields = [
            "q",
            "nct_id",
            "phase",
            "status",
            "tumour_type",
            "her2_category",
            "drug",
            "drug_class",
            "drug_role",
            "has_outcome",
            "start_date",
            "primary_completion_date",
            "enrollment",
        ]

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.matching(value)

    def filter_drug(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.studying(drug__slug__in=value, **self._role_condition())

    def filter_drug_class(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.studying(drug__drug_class__in=value, **self._role_condition())

    def filter_drug_role(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        if self.form.cleaned_data.get("drug") or self.form.cleaned_data.get("drug_class"):
            return queryset  # applied with the drug or class it qualifies
        return queryset.studying(role__in=value)

    def _role_condition(self) -> dict[str, list[str]]:
        roles = self.form.cleaned_data.get("drug_role")
        return {"role__in": roles} if roles else {}

    def filter_has_outcome(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.with_outcome(endpoint__in=value)


class OutcomeFilterSet(django_filters.FilterSet):
    trial = IdentifierListFilter(field_name="trial__nct_id", validators=[validate_nct_id], label="Trial NCT number")
    endpoint = ChoiceListFilter(choices=Endpoint.choices)
    is_primary = django_filters.BooleanFilter()
    drug = IdentifierListFilter(validators=[validate_slug_value], method="filter_drug", label="Drug studied (slug)")
    drug_class = ChoiceListFilter(
        choices=DrugClass.choices, method="filter_drug_class", label="The trial studies a drug of this class"
    )
    trial_phase = ChoiceListFilter(field_name="trial__phase", choices=TrialPhase.choices, label="Trial phase")
    hazard_ratio = django_filters.RangeFilter(label="Hazard ratio (hazard_ratio_min, hazard_ratio_max)")
    data_cutoff = django_filters.DateFromToRangeFilter(label="Data cut-off (data_cutoff_after, data_cutoff_before)")

    class Meta:
        model = Outcome
        fields = [
            "trial",
            "endpoint",
            "is_primary",
            "drug",
            "drug_class",
            "trial_phase",
            "hazard_ratio",
            "data_cutoff",
        ]

    def filter_drug(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.filter(trial__in=Trial.objects.studying(drug__slug__in=value))

    def filter_drug_class(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.filter(trial__in=Trial.objects.studying(drug__drug_class__in=value))
