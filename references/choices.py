"""Controlled vocabularies for references and their PubMed sync, shared by models, admin and serializers.

How a sync run went and what started it are shared by every sync: her2kb.choices."""

from django.db import models


class SyncStatus(models.TextChoices):
    """Where a reference stands with PubMed after its latest sync attempt."""

    PENDING = "pending", "Not synced yet"
    SYNCED = "synced", "Synced"
    MISSING = "missing", "Not found in PubMed"
    FAILED = "failed", "Last sync failed"
