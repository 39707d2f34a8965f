"""The curators' screens for drugs, their products, approvals, companion diagnostics, labels and events."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from her2kb.admin_base import ChangeReasonForm, CuratedAdmin, ReviewStatusFilter, SyncRunAdmin, mark_reviewed

from .models import (
    Approval,
    ApprovalDesignation,
    CompanionDiagnostic,
    Drug,
    FdaWatchRun,
    Label,
    LabelWarning,
    Product,
    RegulatoryEvent,
    Target,
    validate_companion_diagnostics,
)


@admin.register(Target)
class TargetAdmin(CuratedAdmin):
    list_display = ["symbol", "name", "gene_symbol", "entrez_gene_id"]
    search_fields = ["symbol", "name", "gene_symbol"]
    readonly_fields = ["created_at", "updated_at"]


# ---- approvals ----------------------------------------------------------------------------------
class CompanionDiagnosticAgencyCheck:
    """A form's check that the companion diagnostics chosen are decisions of the approval's own agency."""

    def clean(self):
        cleaned = super().clean()
        diagnostics, agency = cleaned.get("companion_diagnostics"), cleaned.get("agency")
        if diagnostics and agency:
            try:
                validate_companion_diagnostics(agency, diagnostics, field=None)
            except ValidationError as error:
                self.add_error("companion_diagnostics", error)
        return cleaned


class ApprovalAdminForm(CompanionDiagnosticAgencyCheck, ChangeReasonForm):
    pass


class ApprovalInlineForm(CompanionDiagnosticAgencyCheck, forms.ModelForm):
    pass


class ApprovalInline(admin.StackedInline):
    model = Approval
    form = ApprovalInlineForm
    extra = 0
    show_change_link = True
    autocomplete_fields = ["product", "companion_diagnostics", "pivotal_trials", "references"]
    fields = [
        ("agency", "date", "approval_type"),
        ("product", "application_number"),
        "indication",
        ("tumour_type", "her2_category", "setting"),
        "line_of_therapy",
        "combination_partners",
        "companion_diagnostics",
        "pivotal_trials",
        "no_pivotal_trial_reason",
        "references",
        "sources",
    ]


class ApprovalDesignationInline(admin.TabularInline):
    model = ApprovalDesignation
    extra = 0
    fields = ["designation", "source"]


class ApprovalProvenanceFilter(admin.SimpleListFilter):
    title = "provenance"
    parameter_name = "provenance"

    def lookups(self, request, model_admin):
        return [
            ("missing", "No sources"),
            ("no_diagnostic", "Names an approved test, no companion diagnostic"),
            ("any_gap", "Any provenance gap"),
        ]

    def queryset(self, request, queryset: QuerySet[Approval]) -> QuerySet[Approval]:
        if self.value() == "missing":
            return queryset.without_sources()
        if self.value() == "no_diagnostic":
            return queryset.without_companion_diagnostic()
        if self.value() == "any_gap":
            return queryset.with_provenance_gaps()
        return queryset


def approval_provenance_warnings(approval: Approval) -> list[str]:
    """What an approval lacks to be trusted: its sources, and the companion diagnostic its indication names."""
    warnings = []
    if not approval.has_sources:
        warnings.append(f"This approval has no sources: {approval}. Add the agency's announcement or label.")
    if approval.lacks_companion_diagnostic:
        warnings.append(
            f"This approval's indication names an approved test but no companion diagnostic is linked: {approval}. "
            "Link the diagnostic the agency approved with it."
        )
    return warnings


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
        ("Identifiers", {"fields": ["drugbank_id", "chembl_id", "unii", "ncit_code", "atc_code", "rxnorm_cui"]}),
        ("Evidence", {"fields": ["references", "sources", "notes"]}),
        ("Record", {"fields": ["created_at", "updated_at", "last_reviewed_at", "last_reviewed_by"]}),
    ]

    @admin.display(description="Brand names")
    def brand_list(self, drug: Drug) -> str:
        return ", ".join(drug.brand_names)

    def provenance_warnings(self, drug: Drug) -> list[str]:
        approvals = drug.approvals.select_related("drug").prefetch_related("companion_diagnostics")
        return [warning for approval in approvals for warning in approval_provenance_warnings(approval)]


@admin.register(Approval)
class ApprovalAdmin(CuratedAdmin):
    form = ApprovalAdminForm
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
        "designations__designation",
        "tumour_type",
        "her2_category",
        "setting",
        "drug__drug_class",
    ]
    list_select_related = ["drug"]
    search_fields = ["drug__name", "indication", "line_of_therapy", "application_number"]
    date_hierarchy = "date"
    autocomplete_fields = ["drug", "product", "companion_diagnostics", "pivotal_trials", "references"]
    inlines = [ApprovalDesignationInline]
    readonly_fields = ["created_at", "updated_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("companion_diagnostics")

    @admin.display(description="Provenance", boolean=True)
    def provenance(self, approval: Approval) -> bool:
        return approval.has_sources and not approval.lacks_companion_diagnostic

    def provenance_warnings(self, approval: Approval) -> list[str]:
        return approval_provenance_warnings(approval)


# ---- products, diagnostics, labels, events ------------------------------------------------------
@admin.register(Product)
class ProductAdmin(CuratedAdmin):
    list_display = ["brand_name", "drug", "agency", "holder", "authorisation_number"]
    list_filter = ["agency", "drug__drug_class"]
    list_select_related = ["drug"]
    search_fields = ["brand_name", "slug", "drug__name", "holder", "authorisation_number"]
    autocomplete_fields = ["drug"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(CompanionDiagnostic)
class CompanionDiagnosticAdmin(CuratedAdmin):
    list_display = ["name", "agency", "decision_number", "date", "technology", "scoring_rule", "approval_count"]
    list_filter = ["agency", "technology", "scoring_rule"]
    search_fields = ["name", "slug", "manufacturer", "decision_number", "scoring_rule_text"]
    prepopulated_fields = {"slug": ["name"]}
    date_hierarchy = "date"
    readonly_fields = ["created_at", "updated_at", "selects_patients_for"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("approvals")

    @admin.display(description="Approvals")
    def approval_count(self, diagnostic: CompanionDiagnostic) -> int:
        return len(diagnostic.approvals.all())

    @admin.display(description="Selects patients for (link it from each approval)")
    def selects_patients_for(self, diagnostic: CompanionDiagnostic) -> str:
        if diagnostic.pk is None:
            return "—"
        return "; ".join(str(approval) for approval in diagnostic.approvals.select_related("drug")) or "—"


class LabelWarningInline(admin.StackedInline):
    model = LabelWarning
    extra = 0
    fields = [("position", "kind", "topic"), "statement", ("section", "date_added"), "source"]


@admin.register(Label)
class LabelAdmin(CuratedAdmin):
    list_display = ["drug", "agency", "document", "revised", "boxed_warning_count"]
    list_filter = ["agency", "document", "warnings__kind"]
    list_select_related = ["drug"]
    search_fields = ["drug__name", "set_id", "url", "warnings__statement"]
    autocomplete_fields = ["drug", "product"]
    inlines = [LabelWarningInline]
    readonly_fields = ["created_at", "updated_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("warnings").distinct()

    @admin.display(description="Boxed warnings")
    def boxed_warning_count(self, label: Label) -> int:
        return len(label.boxed_warnings)


@admin.register(RegulatoryEvent)
class RegulatoryEventAdmin(CuratedAdmin):
    list_display = ["drug", "agency", "date", "event_type"]
    list_filter = ["event_type", "agency"]
    list_select_related = ["drug"]
    search_fields = ["drug__name", "indication", "description"]
    date_hierarchy = "date"
    autocomplete_fields = ["drug", "product"]
    readonly_fields = ["created_at", "updated_at"]


admin.site.register(FdaWatchRun, SyncRunAdmin)
