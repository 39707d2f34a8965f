"""The curators' screens for trials and outcomes."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest

from her2kb.admin_base import CuratedAdmin, ReviewStatusFilter, SyncRunAdmin, mark_reviewed
from her2kb.choices import SyncTrigger

from .models import Outcome, OutcomeSource, RegistrySyncRun, Trial, TrialDrug
from .tasks import sync_trials_from_ctgov

CITES_NOTHING = (
    "An outcome cites at least one reference or source: add the publication it was read in (References) or the "
    "label section, assessment report, conference abstract or registry results page (Sources)."
)


class TrialDrugInline(admin.TabularInline):
    model = TrialDrug
    extra = 0
    autocomplete_fields = ["drug"]


class OutcomeInlineForm(forms.ModelForm):
    """An outcome edited within its trial: its other sources are edited on the outcome's own page, so it must cite
    a reference here unless it already has a source."""

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("DELETE"):
            return cleaned
        has_sources = self.instance.pk is not None and self.instance.sources.exists()
        if not cleaned.get("references") and not has_sources:
            self.add_error("references", CITES_NOTHING)
        return cleaned


class OutcomeInline(admin.StackedInline):
    model = Outcome
    form = OutcomeInlineForm
    extra = 0
    show_change_link = True
    autocomplete_fields = ["references"]
    fields = [
        ("endpoint", "endpoint_label", "is_primary"),
        ("population", "analysis", "data_cutoff", "timepoint"),
        ("experimental_arm", "experimental_value"),
        ("control_arm", "control_value"),
        "value_unit",
        ("hazard_ratio", "ci_lower", "ci_upper", "p_value"),
        "references",
    ]


class OutcomeSourceFormSet(BaseInlineFormSet):
    """The outcome's sources: with no reference chosen on the outcome, at least one must remain."""

    def __init__(self, *args, references_given: bool = True, **kwargs):
        self.references_given = references_given
        super().__init__(*args, **kwargs)

    def clean(self):
        super().clean()
        # An untouched extra form has no cleaned data; a row marked for deletion does not count.
        kept = [form for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]
        if not self.references_given and not kept:
            raise ValidationError(CITES_NOTHING)


class OutcomeSourceInline(admin.StackedInline):
    model = OutcomeSource
    formset = OutcomeSourceFormSet
    extra = 0
    fields = [("position", "kind"), "url", ("title", "section"), ("meeting", "abstract_number", "doi")]


class OutcomeProvenanceFilter(admin.SimpleListFilter):
    title = "provenance"
    parameter_name = "provenance"

    def lookups(self, request, model_admin):
        return [("missing", "No reference or source")]

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
    actions = [mark_reviewed, "sync_from_ctgov"]
    history_diff_excluded_fields = (*CuratedAdmin.history_diff_excluded_fields, "registry_checked_at")
    # What only the ClinicalTrials.gov sync writes (status, dates, enrolment and sponsor stay editable for trials
    # without an NCT number; the sync rewrites them from the registry for the others).
    readonly_fields = [
        "created_at",
        "updated_at",
        "last_reviewed_at",
        "last_reviewed_by",
        "registry_last_updated",
        "has_results",
        "registry_pmids",
        "registry_checked_at",
        "registry_sync_error",
    ]

    @admin.action(description="Sync selected from ClinicalTrials.gov", permissions=["change"])
    def sync_from_ctgov(self, request: HttpRequest, queryset: QuerySet[Trial]) -> None:
        nct_ids = list(queryset.filter(nct_id__isnull=False).values_list("nct_id", flat=True))
        if nct_ids:
            transaction.on_commit(lambda: sync_trials_from_ctgov.delay(nct_ids, SyncTrigger.ADMIN))
        self.message_user(
            request,
            f"Queued {len(nct_ids)} trial(s) with an NCT number for a ClinicalTrials.gov sync; "
            "see ClinicalTrials.gov sync runs for the result.",
            messages.SUCCESS,
        )

    def provenance_warnings(self, trial: Trial) -> list[str]:
        return [
            f"This outcome cites no reference or source: {outcome}. Add the publication or document it was read in."
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
    list_filter = [OutcomeProvenanceFilter, "endpoint", "is_primary", "value_unit", "sources__kind"]
    list_select_related = ["trial"]
    search_fields = ["trial__acronym", "trial__nct_id", "population", "endpoint_label"]
    autocomplete_fields = ["trial", "references"]
    inlines = [OutcomeSourceInline]
    readonly_fields = ["created_at", "updated_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Outcome]:
        return super().get_queryset(request).with_reference_count()

    def get_formset_kwargs(self, request: HttpRequest, obj, inline, prefix: str) -> dict:
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, OutcomeSourceInline) and request.method == "POST":
            # The outcome's own form validates the references themselves; the sources need only know if any came.
            kwargs["references_given"] = any(value.strip() for value in request.POST.getlist("references"))
        return kwargs

    @admin.display(description="Cites a source", boolean=True, ordering="reference_count")
    def provenance(self, outcome: Outcome) -> bool:
        return outcome.reference_count > 0 or outcome.source_count > 0

    def provenance_warnings(self, outcome: Outcome) -> list[str]:
        if not outcome.references.exists() and not outcome.sources.exists():
            return ["This outcome cites no reference or source. Add the publication or document it was read in."]
        return []


admin.site.register(RegistrySyncRun, SyncRunAdmin)
