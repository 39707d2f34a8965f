"""Filters for drugs, approvals and the regulatory records: one definition serves the HTML pages and the API."""

import django_filters
from django import forms
from django.db.models import QuerySet

from her2kb.validators import SEARCH_MAX_LENGTH, validate_search_words

from .choices import (
    Agency,
    ApprovalType,
    Designation,
    DevelopmentStatus,
    DiagnosticTechnology,
    DrugClass,
    EventType,
    Her2Category,
    LabelDocument,
    ScoringRule,
    TherapySetting,
    TumourType,
    WarningKind,
    WarningTopic,
)
from .models import Approval, CompanionDiagnostic, Drug, Label, LabelWarning, Product, RegulatoryEvent


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
    designation = django_filters.ChoiceFilter(
        choices=Designation.choices, method="filter_designation", label="Designation (e.g. breakthrough_therapy)"
    )
    cdx = django_filters.CharFilter(method="filter_cdx", label="Companion diagnostic (slug)")
    product = django_filters.CharFilter(field_name="product__slug", label="Product (slug)")

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
            "designation",
            "cdx",
            "product",
        ]

    def filter_her2_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.for_her2_status(value)

    def filter_designation(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.with_designation(value)

    def filter_cdx(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.qualified_by(value)


class ProductFilterSet(django_filters.FilterSet):
    drug = django_filters.CharFilter(field_name="drug__slug", label="Drug (slug)")
    agency = django_filters.ChoiceFilter(choices=Agency.choices)
    brand_name = django_filters.CharFilter(lookup_expr="iexact", label="Brand name (e.g. Zercepac)")

    class Meta:
        model = Product
        fields = ["drug", "agency", "brand_name"]


class CompanionDiagnosticFilterSet(django_filters.FilterSet):
    agency = django_filters.ChoiceFilter(choices=Agency.choices)
    technology = django_filters.ChoiceFilter(choices=DiagnosticTechnology.choices)
    scoring_rule = django_filters.ChoiceFilter(choices=ScoringRule.choices, label="Scoring rule")
    drug = django_filters.CharFilter(method="filter_drug", label="Selects patients for drug (slug)")

    class Meta:
        model = CompanionDiagnostic
        fields = ["agency", "technology", "scoring_rule", "drug"]

    def filter_drug(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.for_drug(value)


class LabelFilterSet(django_filters.FilterSet):
    drug = django_filters.CharFilter(field_name="drug__slug", label="Drug (slug)")
    agency = django_filters.ChoiceFilter(choices=Agency.choices)
    document = django_filters.ChoiceFilter(choices=LabelDocument.choices)
    warning_kind = django_filters.ChoiceFilter(
        choices=WarningKind.choices, method="filter_warning_kind", label="States a warning of this kind"
    )
    warning_topic = django_filters.ChoiceFilter(
        choices=WarningTopic.choices, method="filter_warning_topic", label="States a warning on this topic"
    )

    class Meta:
        model = Label
        fields = ["drug", "agency", "document", "warning_kind", "warning_topic"]

    def filter_warning_kind(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.with_warning(kind=value)

    def filter_warning_topic(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.with_warning(topic=value)


class LabelWarningFilterSet(django_filters.FilterSet):
    drug = django_filters.CharFilter(field_name="label__drug__slug", label="Drug (slug)")
    agency = django_filters.ChoiceFilter(field_name="label__agency", choices=Agency.choices)
    kind = django_filters.ChoiceFilter(choices=WarningKind.choices, label="Kind (e.g. boxed_warning)")
    topic = django_filters.ChoiceFilter(choices=WarningTopic.choices)

    class Meta:
        model = LabelWarning
        fields = ["drug", "agency", "kind", "topic"]


class RegulatoryEventFilterSet(django_filters.FilterSet):
    drug = django_filters.CharFilter(field_name="drug__slug", label="Drug (slug)")
    agency = django_filters.ChoiceFilter(choices=Agency.choices)
    event_type = django_filters.ChoiceFilter(choices=EventType.choices, label="Event type")
    date = django_filters.DateFromToRangeFilter(label="Between (date_after, date_before)")

    class Meta:
        model = RegulatoryEvent
        fields = ["drug", "agency", "event_type", "date"]


class LandscapeForm(forms.Form):
    """The treatment landscape's choice (page and API alike): a tumour type and a HER2 status, optionally a setting.
    The names are short because they make the page's shareable address."""

    tumour = forms.ChoiceField(choices=TumourType.choices, label="Tumour")
    her2 = forms.ChoiceField(choices=Her2Category.choices, label="HER2 status")
    setting = forms.ChoiceField(choices=[("", "Any setting"), *TherapySetting.choices], required=False)
