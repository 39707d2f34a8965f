"""Controlled vocabularies for references and their PubMed sync, shared by models, admin and serializers."""

from django.db import models


class SyncStatus(models.TextChoices):
    """Where a reference stands with PubMed after its latest sync attempt."""

    PENDING = "pending", "Not synced yet"
    SYNCED = "synced", "Synced"
    MISSING = "missing", "Not found in PubMed"
    FAILED = "failed", "Last sync failed"


class SyncRunStatus(models.TextChoices):
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    PARTIAL = "partial", "Partly failed"
    FAILED = "failed", "Failed"


class SyncTrigger(models.TextChoices):
    COMMAND = "command", "Management command"
    ADMIN = "admin", "Admin"
    NIGHTLY = "nightly", "Nightly schedule"
    TASK = "task", "Task"
    BENCHMARK = "benchmark", "Benchmark"
