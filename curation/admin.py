"""
The curator's workbench in the admin: quick entry (PMIDs/DOIs → references, an NCT number → a trial skeleton),
the release page, hung on the apps' own admins, and the inbox of the watchers' proposals (accept, dismiss).

The apps register their admins first (they come first in INSTALLED_APPS); this module swaps in subclasses
that add the workbench tools, so the apps need to know nothing of curation.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.html import format_html

from drugs.admin import DrugAdmin
from drugs.choices import Agency
from drugs.models import Approval, Drug
from her2kb.inbox import FindingKind
from references.admin import ReferenceAdmin
from references.models import Reference
from trials.admin import TrialAdmin
from trials.choices import TrialPhase
from trials.models import Trial

from .inbox import approval_initial, boxed_warning_initial, label_models, proposal_accept, proposals_dismiss
from .models import Proposal
from .quick_entry import references_create_from_identifiers, trial_skeleton_from_nct
from .releases import ReleaseError, release_preview, release_publish


# ---------------------------------------------------------------------------------------------
# Quick entry
# ---------------------------------------------------------------------------------------------
class ReferenceQuickEntryForm(forms.Form):
    identifiers = forms.CharField(
        label="PMIDs or DOIs",
        widget=forms.Textarea(attrs={"rows": 8, "cols": 60, "autofocus": True}),
        help_text="One per line, or separated by spaces or commas. PubMed and doi.org links work too. "
        "New PMIDs are created at once and their titles, authors and journals fetched from PubMed.",
    )


class TrialQuickEntryForm(forms.Form):
    nct_id = forms.CharField(label="NCT number", max_length=60, help_text="'NCT' followed by 8 digits.")
    phase = forms.ChoiceField(
        choices=TrialPhase.choices, help_text="As ClinicalTrials.gov gives it; you complete the rest next."
    )
    acronym = forms.CharField(max_length=100, required=False, help_text="Optional, e.g. the trial's short name.")


class QuickEntryMixin:
    """Adds a quick-entry page to a ModelAdmin and a button for it on the change list."""

    quick_entry_label = "Quick entry"
    change_list_template = "admin/curation/quick_entry_change_list.html"

    def get_urls(self):
        opts = self.model._meta
        name = f"{opts.app_label}_{opts.model_name}_quick_entry"
        return [
            path("quick-entry/", self.admin_site.admin_view(self.quick_entry_view), name=name),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        opts = self.model._meta
        extra_context = {
            **(extra_context or {}),
            "quick_entry_url": reverse(f"admin:{opts.app_label}_{opts.model_name}_quick_entry"),
            "quick_entry_label": self.quick_entry_label,
        }
        return super().changelist_view(request, extra_context)

    def quick_entry_context(self, request: HttpRequest, **context: Any) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": self.quick_entry_label,
            **context,
        }

    def quick_entry_view(self, request: HttpRequest) -> HttpResponse:
        raise NotImplementedError


class ReferenceQuickEntryMixin(QuickEntryMixin):
    """Paste PMIDs or DOIs → references (existing ones reused), their PubMed metadata fetched after commit."""

    quick_entry_label = "Add references by PMID or DOI"

    def quick_entry_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        result = None
        form = ReferenceQuickEntryForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            result = references_create_from_identifiers(text=form.cleaned_data["identifiers"], user=request.user)
            if result.created:
                self.message_user(
                    request,
                    f"Created {len(result.created)} reference(s); their details are being fetched from PubMed.",
                    messages.SUCCESS,
                )
            if result.invalid or result.needs_pmid:
                self.message_user(
                    request,
                    "Some identifiers were not used; they are listed below and kept in the box to correct.",
                    messages.WARNING,
                )
            # Give the curator back only what still needs their attention.
            form = ReferenceQuickEntryForm(initial={"identifiers": "\n".join(result.invalid + result.needs_pmid)})
        context = self.quick_entry_context(request, form=form, result=result)
        return render(request, "admin/curation/quick_entry_references.html", context)


class TrialQuickEntryMixin(QuickEntryMixin):
    """Paste an NCT number → the trial with that number, or a new skeleton to complete."""

    quick_entry_label = "Add a trial by NCT number"

    def quick_entry_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = TrialQuickEntryForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                trial, created = trial_skeleton_from_nct(
                    nct_id=form.cleaned_data["nct_id"],
                    phase=form.cleaned_data["phase"],
                    acronym=form.cleaned_data["acronym"],
                    user=request.user,
                )
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                if created:
                    self.message_user(request, f"Created {trial}: complete it below.", messages.SUCCESS)
                else:
                    self.message_user(request, f"{trial} already exists; here it is.", messages.INFO)
                opts = self.model._meta
                return HttpResponseRedirect(
                    reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[trial.pk])
                )
        context = self.quick_entry_context(request, form=form)
        return render(request, "admin/curation/quick_entry_trial.html", context)


# ---------------------------------------------------------------------------------------------
# Releases
# ---------------------------------------------------------------------------------------------
PUBLISH_RELEASE_PERMISSION = "drugs.publish_release"


class ReleasePublishMixin:
    """A "Publish a release" page for Editors: what changed since the latest release, and a button to publish.
    Hung on the drugs admin because the permission belongs to Drug; the same as `manage.py release_her2kb`."""

    change_list_template = "admin/curation/release_change_list.html"

    def get_urls(self):
        return [
            path("publish-release/", self.admin_site.admin_view(self.publish_release_view), name="publish_release"),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        extra_context = {
            **(extra_context or {}),
            "can_publish_release": request.user.has_perm(PUBLISH_RELEASE_PERMISSION),
        }
        return super().changelist_view(request, extra_context)

    def publish_release_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm(PUBLISH_RELEASE_PERMISSION):
            raise PermissionDenied
        if request.method == "POST":
            try:
                release = release_publish(published_by=request.user.get_username())
            except ReleaseError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(request, f"Published release {release.version}.", messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:publish_release"))
        previous, changelog = release_preview()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Publish a dataset release",
            "previous": previous,
            "changelog": changelog,
            "has_changes": any(changelog.values()),
        }
        return render(request, "admin/curation/publish_release.html", context)


# ---------------------------------------------------------------------------------------------
# The apps' admins, with the workbench tools
# ---------------------------------------------------------------------------------------------
class DrugWorkbenchAdmin(ReleasePublishMixin, DrugAdmin):
    pass


class TrialWorkbenchAdmin(TrialQuickEntryMixin, TrialAdmin):
    pass


class ReferenceWorkbenchAdmin(ReferenceQuickEntryMixin, ReferenceAdmin):
    pass


for model, workbench_admin in (
    (Drug, DrugWorkbenchAdmin),
    (Trial, TrialWorkbenchAdmin),
    (Reference, ReferenceWorkbenchAdmin),
):
    admin.site.unregister(model)
    admin.site.register(model, workbench_admin)


# ---------------------------------------------------------------------------------------------
# The inbox of proposals
# ---------------------------------------------------------------------------------------------
class ProposalAgeFilter(admin.SimpleListFilter):
    """How long ago a watcher first found it."""

    title = "found"
    parameter_name = "age"
    AGES = {"week": datetime.timedelta(days=7), "month": datetime.timedelta(days=30)}

    def lookups(self, request, model_admin):
        return [("week", "In the last 7 days"), ("month", "In the last 30 days"), ("older", "Over 30 days ago")]

    def queryset(self, request, queryset: QuerySet[Proposal]) -> QuerySet[Proposal]:
        if self.value() in self.AGES:
            return queryset.found_since(self.AGES[self.value()])
        if self.value() == "older":
            return queryset.found_before(self.AGES["month"])
        return queryset


class AcceptNoteForm(forms.Form):
    """What every acceptance asks: an optional note, kept on the proposal."""

    note = forms.CharField(
        label="Note (optional)", required=False, widget=forms.Textarea(attrs={"rows": 2, "cols": 60}), max_length=2000
    )


class ApprovalAcceptForm(forms.ModelForm):
    """An FDA approval as openFDA lists it (drug, date, letter), completed by the curator from the FDA's documents:
    openFDA does not say the indication, tumour, HER2 category or setting."""

    class Meta:
        model = Approval
        fields = [
            "drug",
            "date",
            "approval_type",
            "indication",
            "tumour_type",
            "her2_category",
            "setting",
            "line_of_therapy",
            "combination_partners",
            "sources",
            "notes",
        ]


class DismissForm(forms.Form):
    reason = forms.CharField(
        label="Why dismiss it",
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60, "autofocus": True}),
        max_length=2000,
        help_text="Kept with the proposal, so the watchers do not raise it again and the next curator knows why.",
    )


class BoxedWarningAcceptForm(forms.Form):
    """A boxed warning as the dataset keeps it: a short quote of the label's words, its topic and section."""

    statement = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        help_text="The label's words, quoted exactly and short: cut the text openFDA gives (prefilled).",
    )
    topic = forms.ChoiceField(choices=[])
    section = forms.CharField(max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The topics are the label warnings' own choices.
        self.fields["topic"].choices = label_models()[1]._meta.get_field("topic").choices


# Which form completes an acceptance, by kind, and what it starts from; kinds not listed need only the note.
ACCEPT_FORMS: dict[str, type[forms.BaseForm]] = {
    FindingKind.FDA_EFFICACY_SUPPLEMENT: ApprovalAcceptForm,
    FindingKind.FDA_ORIGINAL: ApprovalAcceptForm,
    FindingKind.FDA_NEW_APPLICATION: ApprovalAcceptForm,
    FindingKind.BOXED_WARNING: BoxedWarningAcceptForm,
}
ACCEPT_INITIAL = {
    FindingKind.FDA_EFFICACY_SUPPLEMENT: approval_initial,
    FindingKind.FDA_ORIGINAL: approval_initial,
    FindingKind.FDA_NEW_APPLICATION: approval_initial,
    FindingKind.BOXED_WARNING: boxed_warning_initial,
}


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    """The inbox: read what a watcher found, then accept it (it is written, attributed to you) or dismiss it."""

    list_display = ["title", "source", "kind", "drug", "status", "found_at", "times_seen"]
    list_filter = [
        "status",
        "source",
        "kind",
        ("drug", admin.RelatedOnlyFieldListFilter),
        ProposalAgeFilter,
    ]
    list_select_related = ["drug"]
    search_fields = ["title", "=key", "subject_label"]
    date_hierarchy = "found_at"
    actions = ["dismiss_selected"]
    change_form_template = "admin/curation/proposal_change_form.html"
    fieldsets = [
        (None, {"fields": ["title", "status", "kind", "source", "sources", "subject_label", "drug"]}),
        ("Found", {"fields": ["found_at_link", "found_at", "last_seen_at", "times_seen", "raw_value_display"]}),
        ("Decision", {"fields": ["decided_by", "decided_at", "reason", "result_label", "result_url"]}),
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Proposal | None = None) -> list[str]:
        return [name for fieldset in self.fieldsets for name in fieldset[1]["fields"]]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # proposals are written by the watchers

    def has_delete_permission(self, request: HttpRequest, obj: Proposal | None = None) -> bool:
        return False  # a dismissed proposal must stay, or the watchers would raise it again

    @admin.display(description="found at")
    def found_at_link(self, proposal: Proposal) -> str:
        return format_html('<a href="{}" rel="noopener">{}</a>', proposal.upstream_url, proposal.upstream_url)

    @admin.display(description="raw value")
    def raw_value_display(self, proposal: Proposal) -> str:
        return format_html("<pre>{}</pre>", json.dumps(proposal.raw_value, indent=2, ensure_ascii=False))

    def get_urls(self):
        return [
            path("<int:pk>/accept/", self.admin_site.admin_view(self.accept_view), name="curation_proposal_accept"),
            path("<int:pk>/dismiss/", self.admin_site.admin_view(self.dismiss_view), name="curation_proposal_dismiss"),
            *super().get_urls(),
        ]

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        proposal = self.get_object(request, object_id)
        extra_context = {**(extra_context or {}), "proposal": proposal}
        if proposal is not None and proposal.is_open and self.has_change_permission(request, proposal):
            extra_context["accept_url"] = reverse("admin:curation_proposal_accept", args=[proposal.pk])
            extra_context["dismiss_url"] = reverse("admin:curation_proposal_dismiss", args=[proposal.pk])
        return super().change_view(request, object_id, form_url, extra_context)

    def _decision_context(self, request: HttpRequest, proposal: Proposal, title: str, **context: Any) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "proposal": proposal,
            "original": proposal,
            **context,
        }

    def _open_proposal(self, request: HttpRequest, pk: int) -> Proposal | HttpResponseRedirect:
        proposal = get_object_or_404(Proposal, pk=pk)
        if not self.has_change_permission(request, proposal):
            raise PermissionDenied
        if not proposal.is_open:
            self.message_user(
                request, f"This proposal was already {proposal.get_status_display().lower()}.", messages.WARNING
            )
            return HttpResponseRedirect(reverse("admin:curation_proposal_change", args=[pk]))
        return proposal

    def accept_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        proposal = self._open_proposal(request, pk)
        if isinstance(proposal, HttpResponseRedirect):
            return proposal
        form_class = ACCEPT_FORMS.get(proposal.kind)
        post = request.POST if request.method == "POST" else None
        note_form = AcceptNoteForm(post)
        record_form = None
        if form_class is not None:
            record_form = form_class(post, initial=ACCEPT_INITIAL[proposal.kind](proposal))
            if form_class is ApprovalAcceptForm:
                record_form.instance.agency = Agency.FDA
        if post is not None and note_form.is_valid() and (record_form is None or record_form.is_valid()):
            data = dict(record_form.cleaned_data) if record_form else {}
            try:
                proposal_accept(proposal, user=request.user, data=data, note=note_form.cleaned_data["note"])
            except ValidationError as error:
                target = record_form or note_form
                if hasattr(error, "error_dict"):
                    for field, errors in error.message_dict.items():
                        target.add_error(field if field in target.fields else None, errors)
                else:
                    target.add_error(None, error.messages)
            else:
                self.message_user(request, f"Accepted: {proposal.title}", messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:curation_proposal_changelist") + "?status__exact=proposed")
        context = self._decision_context(
            request, proposal, "Accept this proposal", note_form=note_form, record_form=record_form
        )
        return render(request, "admin/curation/proposal_accept.html", context)

    def dismiss_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        proposal = self._open_proposal(request, pk)
        if isinstance(proposal, HttpResponseRedirect):
            return proposal
        form = DismissForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            proposals_dismiss([proposal], user=request.user, reason=form.cleaned_data["reason"])
            self.message_user(request, f"Dismissed: {proposal.title}", messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:curation_proposal_changelist") + "?status__exact=proposed")
        context = self._decision_context(request, proposal, "Dismiss this proposal", form=form, proposals=[proposal])
        return render(request, "admin/curation/proposal_dismiss.html", context)

    @admin.action(description="Dismiss selected proposals…", permissions=["change"])
    def dismiss_selected(self, request: HttpRequest, queryset: QuerySet[Proposal]):
        """Asks for one reason, then dismisses every selected open proposal with it."""
        form = DismissForm(request.POST if "reason" in request.POST else None)
        if form.is_bound and form.is_valid():
            count = proposals_dismiss(queryset, user=request.user, reason=form.cleaned_data["reason"])
            self.message_user(request, f"Dismissed {count} proposal(s).", messages.SUCCESS)
            return None
        context = self._decision_context(
            request,
            None,
            "Dismiss the selected proposals",
            form=form,
            proposals=list(queryset.open()),
            selected=queryset.values_list("pk", flat=True),
            action="dismiss_selected",
        )
        return render(request, "admin/curation/proposal_dismiss.html", context)
