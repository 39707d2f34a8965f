"""Controlled vocabularies for references and their PubMed sync, shared by models, admin and serializers.

How a sync run went and what started it are shared by every sync: her2kb.choices."""

from django.db import models


class SyncStatus(models.TextChoices):
    """Where a reference stands with PubMed after its latest sync attempt."""

    PENDING = "pending", "Not synced yet"
    SYNCED = "synced", "Synced"
    MISSING = "missing", "Not found in PubMed"
    FAILED = "failed", "Last sync failed"


class SearchKind(models.TextChoices):
    """What a saved PubMed search of the literature watcher looks for."""

    NCT_NUMBER = "nct_number", "A trial's NCT number (secondary source ID)"
    ACRONYM = "acronym", "A trial's acronym in title or abstract"
    DRUG_NAME = "drug_name", "A drug's name, brand or code in title or abstract"
