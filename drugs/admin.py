"""The curators' screens for drugs and approvals."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Approval, Drug, Target


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ["symbol", "name"]
    search_fields = ["symbol", "name"]


class ApprovalInline(admin.StackedInline):
    model = Approval
    extra = 0
    show_change_link = True
    autocomplete_fields = ["pivotal_trials", "references"]
    fields = [
        ("agency", "date", "approval_type"),
        "indication",
        ("tumour_type", "her2_category", "setting"),
        "line_of_therapy",
        "combination_partners",
        "pivotal_trials",
        "no_pivotal_trial_reason",
        "references",
        "sources",
    ]


@admin.register(Drug)
class DrugAdmin(SimpleHistoryAdmin):
    list_display = ["name", "brand_list", "drug_class", "development_status", "route", "updated_at"]
    list_filter = ["drug_class", "development_status", "route", "targets"]
    search_fields = ["name", "slug", "brand_names", "synonyms", "originator"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["targets", "biosimilar_of", "components", "references"]
    inlines = [ApprovalInline]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "brand_names", "synonyms", "drug_class", "development_status"]}),
        ("Mechanism", {"fields": ["targets", "mechanism", "binding_site", "kinase_binding", "route"]}),
        ("Antibody–drug conjugate", {"fields": ["payload", "linker", "drug_antibody_ratio"]}),
        ("Product", {"fields": ["originator", "biosimilar_of", "components"]}),
        ("Identifiers", {"fields": ["drugbank_id", "chembl_id", "unii", "ncit_code"]}),
        ("Evidence", {"fields": ["references", "sources", "notes"]}),
        ("Record", {"fields": ["created_at", "updated_at"]}),
    ]

    @admin.display(description="Brand names")
    def brand_list(self, drug: Drug) -> str:
        return ", ".join(drug.brand_names)


@admin.register(Approval)
class ApprovalAdmin(SimpleHistoryAdmin):
    list_display = ["drug", "agency", "date", "approval_type", "tumour_type", "her2_category", "setting"]
    list_filter = ["agency", "approval_type", "tumour_type", "her2_category", "setting", "drug__drug_class"]
    list_select_related = ["drug"]
    search_fields = ["drug__name", "indication", "line_of_therapy"]
    date_hierarchy = "date"
    autocomplete_fields = ["drug", "pivotal_trials", "references"]
    readonly_fields = ["created_at", "updated_at"]
