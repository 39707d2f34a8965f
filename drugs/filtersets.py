"""Filters for drugs, approvals and the regulatory records: one definition serves the HTML pages and the API."""

import django_filters
from django import forms
from django.db.models import QuerySet

from her2kb.filters import ChoiceListFilter, IdentifierListFilter
from her2kb.validators import (
    DRUG_IDENTIFIER_VALIDATORS,
    SEARCH_MAX_LENGTH,
    validate_nct_id,
    validate_search_words,
    validate_slug_value,
)

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


def _pivotal_trial_choices(*path: str):
    """The choices of a field of the pivotal trials (or of a relation of theirs), read through Approval's relation:
    drugs may not import trials."""

    def choices() -> list[tuple[str, str]]:
        model = Approval.pivotal_trials.field.related_model
        for relation in path[:-1]:
            model = model._meta.get_field(relation).related_model
        return list(model._meta.get_field(path[-1]).choices)

    return choices


class DrugFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_text",
        label="Name, brand or code",
        max_length=SEARCH_MAX_LENGTH,
        validators=[validate_search_words],
    )
    drug_class = ChoiceListFilter(choices=DrugClass.choices, label="Class")
    target = IdentifierListFilter(method="filter_target", label="Target, by symbol or HGNC gene symbol (HER2 or ERBB2)")
    development_status = ChoiceListFilter(choices=DevelopmentStatus.choices, label="Development status")
    approved = django_filters.BooleanFilter(method="filter_approved", label="Has a regulatory approval")
    tumour_type = ChoiceListFilter(
        field_name="approvals__tumour_type", choices=TumourType.choices, distinct=True, label="Approved in tumour"
    )

    drugbank_id = IdentifierListFilter(validators=[DRUG_IDENTIFIER_VALIDATORS["drugbank_id"]], label="DrugBank ID")
    chembl_id = IdentifierListFilter(validators=[DRUG_IDENTIFIER_VALIDATORS["chembl_id"]], label="ChEMBL ID")
    unii = IdentifierListFilter(validators=[DRUG_IDENTIFIER_VALIDATORS["unii"]], label="UNII (FDA substance code)")
    ncit_code = IdentifierListFilter(validators=[DRUG_IDENTIFIER_VALIDATORS["ncit_code"]], label="NCI Thesaurus code")
    atc_code = IdentifierListFilter(validators=[DRUG_IDENTIFIER_VALIDATORS["atc_code"]], label="WHO ATC code")
    rxnorm_cui = IdentifierListFilter(validators=[DRUG_IDENTIFIER_VALIDATORS["rxnorm_cui"]], label="RxNorm CUI")

    class Meta:
        model = Drug
        fields = [
            "q",
            "drug_class",
            "target",
            "development_status",
            "approved",
            "tumour_type",
            "drugbank_id",
            "chembl_id",
            "unii",
            "ncit_code",
            "atc_code",
            "rxnorm_cui",
        ]

    def filter_target(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.with_target(value)

    def filter_text(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.named(value)

    def filter_approved(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return queryset.approved() if value else queryset.unapproved()


class ApprovalFilterSet(django_filters.FilterSet):
    drug = IdentifierListFilter(validators=[validate_slug_value], field_name="drug__slug", label="Drug (slug)")
    drug_class = ChoiceListFilter(field_name="drug__drug_class", choices=DrugClass.choices, label="Class")
    agency = ChoiceListFilter(choices=Agency.choices)
    approval_type = ChoiceListFilter(choices=ApprovalType.choices, label="Approval type")
    tumour_type = ChoiceListFilter(choices=TumourType.choices, label="Tumour")
    her2_category = ChoiceListFilter(choices=Her2Category.choices, label="HER2 category")
    # Unlike her2_category (the recorded value), her2_status asks "what applies to a HER2-low patient?",
    # so it also returns approvals recorded as "HER2-low or HER2-ultralow" (Approval.objects.for_her2_status).
    her2_status = ChoiceListFilter(
        choices=Her2Category.choices, method="filter_her2_status", label="Applies to HER2 status"
    )
    setting = ChoiceListFilter(choices=TherapySetting.choices)
    year = django_filters.NumberFilter(
        field_name="date", lookup_expr="year", label="Year", min_value=1900, max_value=2100
    )
    year_min = django_filters.NumberFilter(
        field_name="date", lookup_expr="year__gte", label="Year, at the earliest", min_value=1900, max_value=2100
    )
    year_max = django_filters.NumberFilter(
        field_name="date", lookup_expr="year__lte", label="Year, at the latest", min_value=1900, max_value=2100
    )
    date = django_filters.DateFromToRangeFilter(label="Approved between (date_after, date_before)")
    pivotal_trial = IdentifierListFilter(
        method="filter_pivotal_trial", validators=[validate_nct_id], label="Pivotal trial (NCT number)"
    )
    pivotal_trial_phase = ChoiceListFilter(
        choices=_pivotal_trial_choices("phase"),
        method="filter_pivotal_trial_phase",
        label="Has a pivotal trial of this phase",
    )
    pivotal_trial_endpoint = ChoiceListFilter(
        choices=_pivotal_trial_choices("outcomes", "endpoint"),
        method="filter_pivotal_trial_endpoint",
        label="Has a pivotal trial with a result for this endpoint (e.g. os)",
    )
    designation = ChoiceListFilter(
        choices=Designation.choices, method="filter_designation", label="Designation (e.g. breakthrough_therapy)"
    )
    cdx = IdentifierListFilter(
        validators=[validate_slug_value], method="filter_cdx", label="Companion diagnostic (slug)"
    )
    product = IdentifierListFilter(validators=[validate_slug_value], field_name="product__slug", label="Product (slug)")

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
            "year_min",
            "year_max",
            "date",
            "pivotal_trial",
            "pivotal_trial_phase",
            "pivotal_trial_endpoint",
            "designation",
            "cdx",
            "product",
        ]

    def filter_pivotal_trial(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.supported_by_trials(nct_id__in=value)

    def filter_pivotal_trial_phase(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.supported_by_trials(phase__in=value)

    def filter_pivotal_trial_endpoint(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.supported_by_trials(outcomes__endpoint__in=value)

    def filter_her2_status(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.for_her2_status(value)

    def filter_designation(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.with_designation(value)

    def filter_cdx(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.qualified_by(value)


class ProductFilterSet(django_filters.FilterSet):
    drug = IdentifierListFilter(validators=[validate_slug_value], field_name="drug__slug", label="Drug (slug)")
    agency = ChoiceListFilter(choices=Agency.choices)
    brand_name = IdentifierListFilter(lookup_expr="iexact", label="Brand name (e.g. Zercepac)")

    class Meta:
        model = Product
        fields = ["drug", "agency", "brand_name"]


class CompanionDiagnosticFilterSet(django_filters.FilterSet):
    agency = ChoiceListFilter(choices=Agency.choices)
    technology = ChoiceListFilter(choices=DiagnosticTechnology.choices)
    scoring_rule = ChoiceListFilter(choices=ScoringRule.choices, label="Scoring rule")
    drug = IdentifierListFilter(
        validators=[validate_slug_value], method="filter_drug", label="Selects patients for drug (slug)"
    )

    class Meta:
        model = CompanionDiagnostic
        fields = ["agency", "technology", "scoring_rule", "drug"]

    def filter_drug(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.for_drug(value)


class LabelFilterSet(django_filters.FilterSet):
    drug = IdentifierListFilter(validators=[validate_slug_value], field_name="drug__slug", label="Drug (slug)")
    agency = ChoiceListFilter(choices=Agency.choices)
    document = ChoiceListFilter(choices=LabelDocument.choices)
    warning_kind = ChoiceListFilter(
        choices=WarningKind.choices, method="filter_warning_kind", label="States a warning of this kind"
    )
    warning_topic = ChoiceListFilter(
        choices=WarningTopic.choices, method="filter_warning_topic", label="States a warning on this topic"
    )

    class Meta:
        model = Label
        fields = ["drug", "agency", "document", "warning_kind", "warning_topic"]

    def filter_warning_kind(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.with_warning(kind=value)

    def filter_warning_topic(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.with_warning(topic=value)


class LabelWarningFilterSet(django_filters.FilterSet):
    drug = IdentifierListFilter(validators=[validate_slug_value], field_name="label__drug__slug", label="Drug (slug)")
    agency = ChoiceListFilter(field_name="label__agency", choices=Agency.choices)
    kind = ChoiceListFilter(choices=WarningKind.choices, label="Kind (e.g. boxed_warning)")
    topic = ChoiceListFilter(choices=WarningTopic.choices)

    class Meta:
        model = LabelWarning
        fields = ["drug", "agency", "kind", "topic"]


class RegulatoryEventFilterSet(django_filters.FilterSet):
    drug = IdentifierListFilter(validators=[validate_slug_value], field_name="drug__slug", label="Drug (slug)")
    agency = ChoiceListFilter(choices=Agency.choices)
    event_type = ChoiceListFilter(choices=EventType.choices, label="Event type")
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
