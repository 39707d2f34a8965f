"""Filters for drugs and approvals: one definition serves the HTML list pages and the API."""

import django_filters
from django.db.models import QuerySet

from her2kb.validators import SEARCH_MAX_LENGTH, validate_search_words

from .choices import Agency, ApprovalType, DevelopmentStatus, DrugClass, Her2Category, TherapySetting, TumourType
from .models import Approval, Drug


class DrugFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_text",
        label="Name, brand or code",
        max_length=SEARCH_MAX_LENGTH,
        validators=[validate_search_words],
    )
    drug_class = django_filters.ChoiceFilter(choices=DrugClass.choices, label="Class")
    target = django_filters.CharFilter(field_name="targets__symbol", lookup_expr="iexact", label="Target (e.g. HER2)")
    development_status = django_filters.ChoiceFilter(choices=DevelopmentStatus.choices, label="Development status")
    approved = django_filters.BooleanFilter(method="filter_approved", label="Has a regulatory approval")
    tumour_type = django_filters.ChoiceFilter(
        field_name="approvals__tumour_type", choices=TumourType.choices, distinct=True, label="Approved in tumour"
    )

    class Meta:
        model = Drug
        fields = ["q", "drug_class", "target", "development_status", "approved", "tumour_type"]

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.named(value)

    def filter_approved(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return queryset.approved() if value else queryset.unapproved()


class ApprovalFilterSet(django_filters.FilterSet):
    drug = django_filters.CharFilter(field_name="drug__slug", label="Drug (slug)")
    drug_class = django_filters.ChoiceFilter(field_name="drug__drug_class", choices=DrugClass.choices, label="Class")
    agency = django_filters.ChoiceFilter(choices=Agency.choices)
    approval_type = django_filters.ChoiceFilter(choices=ApprovalType.choices, label="Approval type")
    tumour_type = django_filters.ChoiceFilter(choices=TumourType.choices, label="Tumour")
    her2_category = django_filters.ChoiceFilter(choices=Her2Category.choices, label="HER2 category")
    # Unlike her2_category (the recorded value), her2_status asks "what applies to a HER2-low patient?",
    # so it also returns approvals recorded as "HER2-low or HER2-ultralow" (Approval.objects.for_her2_status).
    her2_status = django_filters.ChoiceFilter(
        choices=Her2Category.choices, method="filter_her2_status", label="Applies to HER2 status"
    )
    setting = django_filters.ChoiceFilter(choices=TherapySetting.choices)
    year = django_filters.NumberFilter(
        field_name="date", lookup_expr="year", label="Year", min_value=1900, max_value=2100
    )
    date = django_filters.DateFromToRangeFilter(label="Approved between (date_after, date_before)")

    class Meta:
        model = Approval
        fields = [
            "drug",
            "drug_class",
            "agency",
            "approval_type",
            "tumour_type",
            "her2_category",
            "her2_status",
            "setting",
            "year",
            "date",
        ]

    def filter_her2_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.for_her2_status(value)
