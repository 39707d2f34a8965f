"""The curators' screens for trials and outcomes."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from her2kb.admin_base import CuratedAdmin, ReviewStatusFilter, mark_reviewed

from .models import Outcome, Trial, TrialDrug


class TrialDrugInline(admin.TabularInline):
    model = TrialDrug
    extra = 0
    autocomplete_fields = ["drug"]


class OutcomeInline(admin.StackedInline):
    model = Outcome
    extra = 0
    show_change_link = True
    autocomplete_fields = ["references"]
    fields = [
        ("endpoint", "endpoint_label", "is_primary"),
        ("population", "analysis", "timepoint"),
        ("experimental_arm", "experimental_value"),
        ("control_arm", "control_value"),
        "value_unit",
        ("hazard_ratio", "ci_lower", "ci_upper", "p_value"),
        "references",
    ]


class OutcomeProvenanceFilter(admin.SimpleListFilter):
    title = "provenance"
    parameter_name = "provenance"

    def lookups(self, request, model_admin):
        return [("missing", "No references")]

    def queryset(self, request, queryset: QuerySet[Outcome]) -> QuerySet[Outcome]:
        return queryset.without_references() if self.value() == "missing" else queryset


@admin.register(Trial)
class TrialAdmin(CuratedAdmin):
    list_display = [
        "acronym",
        "nct_id",
        "phase",
        "status",
        "tumour_type",
        "her2_category",
        "enrollment",
        "last_reviewed_at",
    ]
    list_filter = ["phase", "status", "tumour_type", "her2_category", ReviewStatusFilter]
    search_fields = ["acronym", "nct_id", "title", "slug", "sponsor"]
    prepopulated_fields = {"slug": ["acronym"]}
    autocomplete_fields = ["references"]
    inlines = [TrialDrugInline, OutcomeInline]
    actions = [mark_reviewed]
    readonly_fields = ["created_at", "updated_at", "last_reviewed_at", "last_reviewed_by"]

    def provenance_warnings(self, trial: Trial) -> list[str]:
        return [
            f"This outcome cites no reference: {outcome}. Add the publication it was read in."
            for outcome in trial.outcomes.without_references().select_related("trial")
        ]


@admin.register(Outcome)
class OutcomeAdmin(CuratedAdmin):
    list_display = [
        "trial",
        "endpoint",
        "population",
        "analysis",
        "hazard_ratio",
        "ci_lower",
        "ci_upper",
        "is_primary",
        "provenance",
    ]
    list_filter = [OutcomeProvenanceFilter, "endpoint", "is_primary", "value_unit"]
    list_select_related = ["trial"]
    search_fields = ["trial__acronym", "trial__nct_id", "population", "endpoint_label"]
    autocomplete_fields = ["trial", "references"]
    readonly_fields = ["created_at", "updated_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Outcome]:
        return super().get_queryset(request).with_reference_count()

    @admin.display(description="References", boolean=True, ordering="reference_count")
    def provenance(self, outcome: Outcome) -> bool:
        return outcome.reference_count > 0

    def provenance_warnings(self, outcome: Outcome) -> list[str]:
        if not outcome.references.exists():
            return ["This outcome cites no reference. Add the publication it was read in."]
        return []
