"""The curators' screens for the literature."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Reference


@admin.register(Reference)
class ReferenceAdmin(SimpleHistoryAdmin):
    list_display = ["pmid", "short_title", "journal_iso", "pub_year", "is_retracted", "has_erratum", "last_synced_at"]
    list_filter = ["is_retracted", "has_erratum", "pub_year"]
    search_fields = ["=pmid", "doi", "title", "journal", "journal_iso"]
    readonly_fields = ["created_at", "updated_at", "last_synced_at", "sync_error"]

    @admin.display(description="Title")
    def short_title(self, reference: Reference) -> str:
        return reference.title[:90]
