"""The curators' screens for drugs and approvals."""

from django.contrib import admin
from django.db.models import QuerySet

from her2kb.admin_base import CuratedAdmin, ReviewStatusFilter, SyncRunAdmin, mark_reviewed

from .models import Approval, Drug, FdaWatchRun, Target


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):  # a short fixed vocabulary, without history
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


class ApprovalProvenanceFilter(admin.SimpleListFilter):
    title = "provenance"
    parameter_name = "provenance"

    def lookups(self, request, model_admin):
        return [("missing", "No sources")]

    def queryset(self, request, queryset: QuerySet[Approval]) -> QuerySet[Approval]:
        return queryset.without_sources() if self.value() == "missing" else queryset


@admin.register(Drug)
class DrugAdmin(CuratedAdmin):
    list_display = ["name", "brand_list", "drug_class", "development_status", "route", "updated_at", "last_reviewed_at"]
    list_filter = ["drug_class", "development_status", "route", "targets", ReviewStatusFilter]
    search_fields = ["name", "slug", "brand_names", "synonyms", "originator"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["targets", "biosimilar_of", "components", "references"]
    inlines = [ApprovalInline]
    actions = [mark_reviewed]
    readonly_fields = ["created_at", "updated_at", "last_reviewed_at", "last_reviewed_by", "fda_checked_at"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "brand_names", "synonyms", "drug_class", "development_status"]}),
        ("Mechanism", {"fields": ["targets", "mechanism", "binding_site", "kinase_binding", "route"]}),
        ("Antibody–drug conjugate", {"fields": ["payload", "linker", "drug_antibody_ratio"]}),
        ("Product", {"fields": ["originator", "biosimilar_of", "components"]}),
        ("Identifiers", {"fields": ["drugbank_id", "chembl_id", "unii", "ncit_code"]}),
        ("Evidence", {"fields": ["references", "sources", "notes"]}),
        ("Record", {"fields": ["created_at", "updated_at", "last_reviewed_at", "last_reviewed_by"]}),
    ]

    @admin.display(description="Brand names")
    def brand_list(self, drug: Drug) -> str:
        return ", ".join(drug.brand_names)

    def provenance_warnings(self, drug: Drug) -> list[str]:
        unsourced = list(drug.approvals.without_sources())
        return [
            f"This approval has no sources: {approval}. Add the agency's announcement or label."
            for approval in unsourced
        ]


@admin.register(Approval)
class ApprovalAdmin(CuratedAdmin):
    list_display = [
        "drug",
        "agency",
        "date",
        "approval_type",
        "tumour_type",
        "her2_category",
        "setting",
        "provenance",
    ]
    list_filter = [
        ApprovalProvenanceFilter,
        "agency",
        "approval_type",
        "tumour_type",
        "her2_category",
        "setting",
        "drug__drug_class",
    ]
    list_select_related = ["drug"]
    search_fields = ["drug__name", "indication", "line_of_therapy"]
    date_hierarchy = "date"
    autocomplete_fields = ["drug", "pivotal_trials", "references"]
    readonly_fields = ["created_at", "updated_at"]

    @admin.display(description="Sources", boolean=True)
    def provenance(self, approval: Approval) -> bool:
        return approval.has_sources

    def provenance_warnings(self, approval: Approval) -> list[str]:
        if not approval.has_sources:
            return ["This approval has no sources. Add the URL of the agency's announcement or label."]
        return []


admin.site.register(FdaWatchRun, SyncRunAdmin)
