"""Abstract building blocks shared by every app's models."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from .choices import SyncRunStatus, SyncTrigger

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser


class TimestampedModel(models.Model):
    """Adds when a row was created and last changed."""

    created_at = models.DateTimeField(auto_now_add=True)
    # Indexed: the API's Last-Modified and the export fingerprint read MAX(updated_at) of every table per request.
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        abstract = True


class ReviewedModel(models.Model):
    """Adds when a curator last checked the record against its sources, and who did."""

    last_reviewed_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When a curator last checked this record against its sources."
    )
    last_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        abstract = True

    def mark_reviewed(self, user: AbstractBaseUser | None, *, reason: str = "Marked reviewed") -> None:
        """Record that `user` reviewed this record now. Saved with a history entry, without touching `updated_at`
        (a review confirms the content, it does not change it)."""
        self.last_reviewed_at = timezone.now()
        self.last_reviewed_by = user if user is not None and user.is_authenticated else None
        self._history_user = self.last_reviewed_by
        self._change_reason = reason
        self.save(update_fields=["last_reviewed_at", "last_reviewed_by"])


@dataclass(frozen=True)
class SourceCheck:
    """When an upstream was last asked about a record ("registry checked on …"); None: never."""

    label: str  # how a page names the upstream: "Registry", "PubMed", "FDA"
    checked_at: datetime.datetime | None


def checked_through(times: Iterable[datetime.datetime | None]) -> datetime.datetime | None:
    """When every one of several checks had run: the oldest of them; None if there are none or one never ran."""
    times = list(times)
    if not times or any(time is None for time in times):
        return None
    return min(times)


class SyncRunBase(models.Model):
    """
    One run of a sync with an upstream (PubMed, ClinicalTrials.gov, openFDA): what started it, how it ended, what
    it did to the records it was asked about, what it cost in HTTP requests and what went wrong. Each sync keeps
    its runs in a table of its own app (the app whose data it writes), all of this shape.

    Every requested record ends the run counted once: as updated, unchanged or failed here, or in a counter the
    sync adds (created, missing ...).
    """

    trigger = models.CharField(max_length=10, choices=SyncTrigger.choices, default=SyncTrigger.TASK)
    status = models.CharField(max_length=10, choices=SyncRunStatus.choices, default=SyncRunStatus.RUNNING)
    started_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    requested = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0, help_text="Records whose batch failed; retried next run.")
    requests_made = models.PositiveIntegerField(default=0, help_text="HTTP requests to the upstream, retries included.")
    retries = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)

    class Meta:
        abstract = True
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.started_at:%Y-%m-%d %H:%M} ({self.get_status_display().lower()})"

    def get_absolute_url(self) -> str:
        # Sync runs are an operator's record: they are shown in the admin only.
        opts = self._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[self.pk])

    @property
    def duration(self) -> datetime.timedelta | None:
        return self.finished_at - self.started_at if self.finished_at else None

    @classmethod
    def counters(cls) -> list[str]:
        """The run's counts of records (requested, created, updated ...), in the model's field order; what it cost in
        requests is counted apart."""
        return [
            field.name
            for field in cls._meta.fields
            if isinstance(field, models.PositiveIntegerField) and field.name not in ("requests_made", "retries")
        ]

    @property
    def summary(self) -> str:
        """One line: 'requested 3, updated 1, unchanged 2, failed 0; requests 2 (retries 1)'."""
        counts = ", ".join(f"{name.replace('_', ' ')} {getattr(self, name)}" for name in self.counters())
        return f"{counts}; requests {self.requests_made} (retries {self.retries})"

    def count_requests(self, requests_made: int, retries: int | None = None) -> None:
        """Add what one call cost (every attempt is a request; all but the first are retries)."""
        self.requests_made += requests_made
        self.retries += max(0, requests_made - 1) if retries is None else retries

    def finish(self) -> None:
        """Close the run: succeeded when nothing failed, partly failed when some records did, failed when all did."""
        if self.failed == 0:
            self.status = SyncRunStatus.SUCCEEDED
        elif self.failed < self.requested:
            self.status = SyncRunStatus.PARTIAL
        else:
            self.status = SyncRunStatus.FAILED
        self.finished_at = timezone.now()
        self.save()

    def abort(self, error: BaseException) -> None:
        """Close the run after something unforeseen (the database, Redis behind the limiter ...), with the reason."""
        self.status = SyncRunStatus.FAILED
        self.errors.append(f"The run stopped: {type(error).__name__}: {error}")
        self.finished_at = timezone.now()
        self.save()

    @classmethod
    def last_checked_at(cls) -> datetime.datetime | None:
        """When the latest run that reached the upstream ended (succeeded or partly failed), or None: never."""
        return (
            cls.objects.filter(status__in=[SyncRunStatus.SUCCEEDED, SyncRunStatus.PARTIAL])
            .order_by("-finished_at")
            .values_list("finished_at", flat=True)
            .first()
        )


class WatchRunBase(SyncRunBase):
    """A run of a watcher: it also counts what it found upstream that the dataset lacks, and how much of that was
    new to the curators' inbox (the rest was proposed before, or dismissed)."""

    found = models.PositiveIntegerField(default=0, help_text="Findings: upstream facts the dataset does not hold.")
    proposed = models.PositiveIntegerField(default=0, help_text="Findings new to the inbox (not proposed before).")

    class Meta(SyncRunBase.Meta):
        abstract = True


def listed(relation: str) -> str:
    """The attribute a `prefetch_listed` relation's rows land in: `listed_<relation>`, a plain list."""
    return f"listed_{relation}"


def prefetch_listed(model: type[models.Model], relation: str, *foreign_keys: str) -> models.Prefetch:
    """
    Prefetch `relation` of `model` into a plain list, `listed_<relation>` (see `listed()`), with `foreign_keys`
    joined in.

    Serializers of long lists read these: Django gives every record a related manager and a cloned queryset
    per prefetched relation, which costs more than the rows themselves when a list (the bulk export) holds
    hundreds of thousands of records; a list costs nothing.
    """
    related_model = model._meta.get_field(relation).related_model
    queryset = related_model._default_manager.select_related(*foreign_keys)
    return models.Prefetch(relation, queryset=queryset, to_attr=listed(relation))


def prefetch_joined(
    model: type[models.Model], relation: str, *foreign_keys: str, then: tuple[str, ...] = ()
) -> models.Prefetch:
    """
    Prefetch `relation` of `model` with its rows' foreign keys joined in (select_related), not prefetched.

    Django 5.2 prefetches a foreign key with a tuple IN that SQLite spells as one OR per value; past about a
    thousand related rows SQLite refuses the query ("Expression tree is too large"). A join has no such limit.
    `then` names further prefetches on the related rows.
    """
    related_model = model._meta.get_field(relation).related_model
    queryset = related_model._default_manager.select_related(*foreign_keys).prefetch_related(*then)
    return models.Prefetch(relation, queryset=queryset)


def value_list(values: str | Iterable[str]) -> list[str]:
    """One value or several, as a list: queryset methods that filters call with a list also take a single value."""
    return [values] if isinstance(values, str) else list(values)
