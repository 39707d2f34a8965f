"""
The base of the curators' admin, used by every app's admin.py:

- `CuratedAdmin`: every save asks for a reason, stored with the history record next to the user; the history
  page shows a field-level diff between versions (links included) and can revert to any version.
- Provenance warnings: admins list what a record lacks (sources, references) via `provenance_warnings`.
- Review: the "mark reviewed" action and a "last reviewed" filter for models with `ReviewedModel`.
- `SyncRunAdmin`: the read-only list of a sync's runs (every sync has one, of the same shape).
"""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper
from simple_history.utils import get_m2m_reverse_field_name

CHANGE_REASON_MAX_LENGTH = 100  # simple-history's history_change_reason column


class ChangeReasonForm(forms.ModelForm):
    """The base form of every curated admin: the record's fields plus why it is being changed."""

    change_reason = forms.CharField(
        label="Reason for this change",
        max_length=CHANGE_REASON_MAX_LENGTH,
        required=False,
        help_text="Kept in the history next to your name, e.g. “Corrected the date from the FDA letter”. "
        "Left empty, the history lists the fields you changed.",
    )


class CuratedHistoryContextHelper(HistoricalRecordContextHelper):
    """Shows linked references by PMID (their titles would crowd out the change) and allows longer values."""

    def __init__(self, model, historical_record):
        super().__init__(model, historical_record, max_displayed_delta_change_chars=400)

    def prepare_delta_change_value(self, change, value):
        prepared = super().prepare_delta_change_value(change, value)
        if isinstance(prepared, list):
            return [f"PMID {item.pmid}" if hasattr(item, "pmid") else item for item in prepared]
        return prepared


class CuratedAdmin(SimpleHistoryAdmin):
    """A ModelAdmin whose every change is attributed, explained, diffable and revertible."""

    form = ChangeReasonForm
    # Bookkeeping that changes on every save and would drown the real changes in the diff.
    history_diff_excluded_fields = ("created_at", "updated_at")

    # ---- change reason ------------------------------------------------------------------------
    def get_fieldsets(self, request: HttpRequest, obj: models.Model | None = None) -> list:
        fieldsets = []
        for name, options in super().get_fieldsets(request, obj):
            fields = [field for field in options["fields"] if field != "change_reason"]
            if fields:
                fieldsets.append((name, {**options, "fields": fields}))
        may_edit = self.has_add_permission(request) if obj is None else self.has_change_permission(request, obj)
        if may_edit:
            fieldsets.append(("Why", {"fields": ["change_reason"]}))
        return fieldsets

    def change_reason_for(self, form: forms.ModelForm, change: bool) -> str:
        """The curator's reason, or else a plain list of what changed."""
        reason = (form.cleaned_data.get("change_reason") or "").strip()
        if not reason:
            if not change:
                reason = "Added"
            else:
                labels = [str(form.fields[name].label or name) for name in form.changed_data if name != "change_reason"]
                reason = f"Changed {', '.join(labels)}" if labels else "Saved without field changes"
        return reason[:CHANGE_REASON_MAX_LENGTH]

    def save_model(self, request: HttpRequest, obj: models.Model, form: forms.ModelForm, change: bool) -> None:
        reason = self.change_reason_for(form, change)
        request._her2kb_change_reason = reason  # for the inline rows saved after this one
        obj._change_reason = reason
        super().save_model(request, obj, form, change)

    def save_formset(self, request: HttpRequest, form: forms.ModelForm, formset, change: bool) -> None:
        # Rows edited inline (a drug's approvals, a trial's outcomes) get the same author and reason.
        reason = getattr(request, "_her2kb_change_reason", None)
        for inline_form in formset.forms:
            inline_form.instance._history_user = request.user
            inline_form.instance._change_reason = reason
        super().save_formset(request, form, formset, change)

    def delete_model(self, request: HttpRequest, obj: models.Model) -> None:
        obj._history_user = request.user
        obj._change_reason = "Deleted"
        super().delete_model(request, obj)

    # ---- history: diff and revert --------------------------------------------------------------
    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True) -> None:
        """Like simple-history's, but without timestamp-only noise: each version shows the fields it changed."""
        newer = None
        for older in historical_records:
            if newer is not None:
                delta = newer.diff_against(
                    older,
                    excluded_fields=self.history_diff_excluded_fields,
                    foreign_keys_are_objs=foreign_keys_are_objs,
                )
                helper = self.get_historical_record_context_helper(request, newer)
                newer.history_delta_changes = helper.context_for_delta_changes(delta)
            newer = older

    def get_historical_record_context_helper(self, request, historical_record) -> HistoricalRecordContextHelper:
        return CuratedHistoryContextHelper(self.model, historical_record)

    def history_form_view(self, request, object_id, version_id, extra_context=None) -> HttpResponse:
        # get_form() reads this to show the version's links (references, trials) and a ready-made reason.
        request._her2kb_revert_version = version_id
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_form(self, request: HttpRequest, obj: models.Model | None = None, change: bool = False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        version_id = getattr(request, "_her2kb_revert_version", None)
        if version_id is None or obj is None:
            return form_class
        record = self.model.history.filter(**{self.model._meta.pk.attname: obj.pk, "history_id": version_id}).first()
        if record is None:
            return form_class
        initial = {
            "change_reason": f"Reverted to the version of {timezone.localtime(record.history_date):%Y-%m-%d %H:%M}"
        }
        # The version's own links, not today's: simple-history rebuilds the fields but not many-to-many rows.
        for field in record._history_m2m_fields:
            if field.name in form_class.base_fields:
                target = get_m2m_reverse_field_name(field)
                initial[field.name] = list(getattr(record, field.name).values_list(f"{target}_id", flat=True))

        class RevertForm(form_class):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                if not self.is_bound:
                    self.initial.update(initial)

        return RevertForm

    # ---- provenance ---------------------------------------------------------------------------
    def provenance_warnings(self, obj: models.Model) -> list[str]:
        """What this record lacks to be trusted (no sources, no references). Admins override this."""
        return []

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        if request.method == "GET":
            obj = self.get_object(request, unquote(object_id))
            if obj is not None:
                for warning in self.provenance_warnings(obj):
                    self.message_user(request, warning, messages.WARNING)
        return super().change_view(request, object_id, form_url, extra_context)

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        for warning in self.provenance_warnings(form.instance):
            self.message_user(request, warning, messages.WARNING)


# ---------------------------------------------------------------------------------------------
# Review
# ---------------------------------------------------------------------------------------------
REVIEW_STALE_AFTER = datetime.timedelta(days=365)


@admin.action(description="Mark selected as reviewed now", permissions=["change"])
def mark_reviewed(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: models.QuerySet) -> None:
    """Stamp each selected record with today's review and the curator's name (one history entry each)."""
    count = 0
    for obj in queryset:
        obj.mark_reviewed(request.user)
        count += 1
    modeladmin.message_user(request, f"Marked {count} record(s) as reviewed by you.", messages.SUCCESS)


class ReviewStatusFilter(admin.SimpleListFilter):
    """Which records are due for a review."""

    title = "last reviewed"
    parameter_name = "reviewed"

    def lookups(self, request, model_admin):
        return [("never", "Never"), ("stale", "Over a year ago"), ("recent", "In the last year")]

    def queryset(self, request, queryset):
        cutoff = timezone.now() - REVIEW_STALE_AFTER
        if self.value() == "never":
            return queryset.filter(last_reviewed_at__isnull=True)
        if self.value() == "stale":
            return queryset.filter(last_reviewed_at__lt=cutoff)
        if self.value() == "recent":
            return queryset.filter(last_reviewed_at__gte=cutoff)
        return queryset


# ---------------------------------------------------------------------------------------------
# Sync runs
# ---------------------------------------------------------------------------------------------
class SyncRunAdmin(admin.ModelAdmin):
    """Read-only: runs are written by the sync, never by hand. The list shows every count the run keeps."""

    list_filter = ["status", "trigger"]
    date_hierarchy = "started_at"
    search_fields = ["=id"]

    def get_list_display(self, request: HttpRequest) -> list[str]:
        return ["started_at", "trigger", "status", *self.model.counters(), "requests_made", "retries", "duration"]

    def get_readonly_fields(self, request: HttpRequest, obj: models.Model | None = None) -> list[str]:
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False
