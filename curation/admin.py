"""
The curator's workbench in the admin: quick entry (PMIDs/DOIs → references, an NCT number → a trial skeleton)
and the release page, hung on the apps' own admins.

The apps register their admins first (they come first in INSTALLED_APPS); this module swaps in subclasses
that add the workbench tools, so the apps need to know nothing of curation.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse

from drugs.admin import DrugAdmin
from drugs.models import Drug
from references.admin import ReferenceAdmin
from references.models import Reference
from trials.admin import TrialAdmin
from trials.choices import TrialPhase
from trials.models import Trial

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
