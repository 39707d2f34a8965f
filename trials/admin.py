"""The curators' screens for trials and outcomes."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

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


@admin.register(Trial)
class TrialAdmin(SimpleHistoryAdmin):
    list_display = ["acronym", "nct_id", "phase", "status", "tumour_type", "her2_category", "enrollment"]
    list_filter = ["phase", "status", "tumour_type", "her2_category"]
    search_fields = ["acronym", "nct_id", "title", "slug", "sponsor"]
    prepopulated_fields = {"slug": ["acronym"]}
    autocomplete_fields = ["references"]
    inlines = [TrialDrugInline, OutcomeInline]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(Outcome)
class OutcomeAdmin(SimpleHistoryAdmin):
    list_display = ["trial", "endpoint", "population", "analysis", "hazard_ratio", "ci_lower", "ci_upper", "is_primary"]
    list_filter = ["endpoint", "is_primary", "value_unit"]
    list_select_related = ["trial"]
    search_fields = ["trial__acronym", "trial__nct_id", "population", "endpoint_label"]
    autocomplete_fields = ["trial", "references"]
    readonly_fields = ["created_at", "updated_at"]
