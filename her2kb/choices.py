"""Controlled vocabularies shared by every app: how a sync run went and what started it."""

from django.db import models


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
