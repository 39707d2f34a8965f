"""The curators' screens for the literature, and the PubMed sync runs."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from her2kb.admin_base import CuratedAdmin, SyncRunAdmin
from her2kb.choices import SyncTrigger

from .models import LiteratureSearch, LiteratureWatchRun, Reference, SyncRun
from .tasks import enqueue_sync_references


@admin.register(Reference)
class ReferenceAdmin(CuratedAdmin):  # CuratedAdmin: change reasons, diffs, revert
    list_display = [
        "pmid",
        "short_title",
        "journal_iso",
        "pub_year",
        "is_retracted",
        "has_erratum",
        "sync_status",
        "last_synced_at",
    ]
    list_filter = ["is_retracted", "has_erratum", "sync_status", "pub_year"]
    search_fields = ["=pmid", "doi", "title", "journal", "journal_iso"]
    readonly_fields = ["created_at", "updated_at", "last_synced_at", "sync_status", "sync_error", "pubmed_revised_on"]
    actions = ["resync_from_pubmed"]

    @admin.display(description="Title")
    def short_title(self, reference: Reference) -> str:
        return reference.title[:90]

    @admin.action(description="Re-sync selected from PubMed", permissions=["change"])
    def resync_from_pubmed(self, request: HttpRequest, queryset: QuerySet[Reference]) -> None:
        pmids = list(queryset.values_list("pmid", flat=True))
        enqueue_sync_references(pmids, trigger=SyncTrigger.ADMIN)
        self.message_user(
            request,
            f"Queued {len(pmids)} reference(s) for a PubMed sync; see PubMed sync runs for the result.",
            messages.SUCCESS,
        )

    def save_model(self, request: HttpRequest, obj: Reference, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        # A reference added by its PMID alone gets its metadata from PubMed once this transaction commits.
        if not change and not obj.title:
            enqueue_sync_references([obj.pmid], trigger=SyncTrigger.ADMIN)
            self.message_user(request, f"PMID {obj.pmid}: fetching its record from PubMed.", messages.INFO)


admin.site.register(SyncRun, SyncRunAdmin)


@admin.register(LiteratureSearch)
class LiteratureSearchAdmin(admin.ModelAdmin):
    """The literature watcher's saved searches: made from the dataset; a curator may switch a noisy one off."""

    list_display = ["term", "kind", "trial", "drug", "enabled", "searched_through", "last_run_at", "last_error"]
    list_filter = ["kind", "enabled"]
    list_editable = ["enabled"]
    list_select_related = ["trial", "drug"]
    search_fields = ["term", "trial__acronym", "trial__nct_id", "drug__name"]
    readonly_fields = ["kind", "term", "trial", "drug", "searched_through", "last_run_at", "last_error"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # made from the dataset by the watcher


admin.site.register(LiteratureWatchRun, SyncRunAdmin)
