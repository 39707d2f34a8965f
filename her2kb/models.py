"""Abstract building blocks shared by every app's models."""

from __future__ import annotations

import copy
import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connections, models
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
    sync adds (created, missing ...), or as still due when the run stopped before it got to them.

    A running run's `heartbeat_at` moves on every save (each batch saves its counts). A run whose heartbeat is older
    than SYNC_RUN_STALLED_AFTER_SECONDS lost its worker (killed, out of memory, the host gone): `fail_stalled()`
    closes it as failed with that reason, when the next run of its kind starts and from a periodic task.
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
    still_due = models.PositiveIntegerField(
        default=0, help_text="Records neither done nor failed when the run stopped early: due again next run."
    )
    errors = models.JSONField(default=list, blank=True)
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="When the running run last reported progress (each batch)."
    )

    # The counters that account for the requested records (the others count findings, retractions ...).
    accounted_counters: tuple[str, ...] = ("updated", "unchanged", "failed")

    class Meta:
        abstract = True
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.started_at:%Y-%m-%d %H:%M} ({self.get_status_display().lower()})"

    def save(self, *args, **kwargs) -> None:
        if self.status == SyncRunStatus.RUNNING:
            self.heartbeat_at = timezone.now()  # the run's progress is its heartbeat
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "heartbeat_at"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        # Sync runs are an operator's record: they are shown in the admin only.
        opts = self._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[self.pk])

    @classmethod
    def start(cls, **fields) -> SyncRunBase:
        """A new running run; runs of this kind whose worker was lost are closed as failed first."""
        cls.fail_stalled()
        return cls.objects.create(**fields)

    @classmethod
    def fail_stalled(cls) -> int:
        """Close as failed every running run whose heartbeat stopped SYNC_RUN_STALLED_AFTER_SECONDS ago, counting
        what it had not got to as still due; how many there were."""
        now = timezone.now()
        cutoff = now - datetime.timedelta(seconds=settings.SYNC_RUN_STALLED_AFTER_SECONDS)
        stalled = cls.objects.filter(status=SyncRunStatus.RUNNING).filter(
            models.Q(heartbeat_at__lt=cutoff) | models.Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
        )
        closed = 0
        for run in stalled:
            last = run.heartbeat_at or run.started_at
            run.status = SyncRunStatus.FAILED
            run.still_due = max(0, run.requested - sum(getattr(run, name) for name in run.accounted_counters))
            run.errors.append(
                f"The run stopped reporting progress at {last:%Y-%m-%d %H:%M:%S} UTC (its worker was lost) and was "
                f"marked failed after {settings.SYNC_RUN_STALLED_AFTER_SECONDS} s without a heartbeat; "
                f"{run.still_due} of {run.requested} are still due"
            )
            run.finished_at = now
            run.save()
            closed += 1
        return closed

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

    def checkpoint(self) -> dict:
        """The run's values now (counts, lists of PMIDs, errors): `rewind` returns to them if a batch breaks off
        halfway, so that its records are counted once, as still due, and not also as whatever it had counted."""
        return {f.attname: copy.deepcopy(getattr(self, f.attname)) for f in self._meta.concrete_fields}

    def rewind(self, checkpoint: dict) -> None:
        for name, value in checkpoint.items():
            setattr(self, name, value)

    def abort(self, error: BaseException, *, still_due: int = 0) -> None:
        """Close the run after something unforeseen (the database, Redis behind the limiter ...), with the reason
        and how many requested records it had not got to."""
        self.status = SyncRunStatus.FAILED
        self.still_due = still_due
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


def run_models() -> list[type[SyncRunBase]]:
    """Every installed app's run model (PubMed syncs, the registry sync, the watchers), found by their base."""
    from django.apps import apps

    return [model for model in apps.get_models() if issubclass(model, SyncRunBase)]


def fail_stalled_runs() -> int:
    """`fail_stalled()` on every kind of run: the periodic sweep for runs whose worker was lost."""
    return sum(model.fail_stalled() for model in run_models())


def listed(relation: str) -> str:
    """The attribute a `prefetch_listed` relation's rows land in: `listed_<relation>`, a plain list."""
    return f"listed_{relation}"


def prefetch_listed(model: type[models.Model], relation: str, *foreign_keys: str) -> models.Prefetch:
    """
    Prefetch `relation` of `model` into a plain list, `listed_<relation>` (see `listed()`), as summaries: only the
    related model's `SUMMARY_FIELDS` (what another record shows of it), with `foreign_keys` joined in as summaries
    too.

    Serializers of long lists read these: Django gives every record a related manager and a cloned queryset
    per prefetched relation, which costs more than the rows themselves when a list (the bulk export) holds
    hundreds of thousands of records; a list costs nothing. A summary is a few columns of a wide row (a trial's
    forty, a reference's abstract and MeSH terms): reading and decoding the rest, for every row of every page, cost
    more than the query itself.
    """
    field = model._meta.get_field(relation)
    related_model = field.related_model
    # A reverse foreign key's rows are matched to their records by that key, so it is read too.
    fields = [*related_model.SUMMARY_FIELDS, *([field.field.name] if field.one_to_many else [])]
    for foreign_key in foreign_keys:
        joined = related_model._meta.get_field(foreign_key).related_model
        fields += [foreign_key, *(f"{foreign_key}__{name}" for name in joined.SUMMARY_FIELDS)]
    queryset = related_model._default_manager.only(*fields)
    if foreign_keys:  # select_related() without names would join every required foreign key (an outcome's trial)
        queryset = queryset.select_related(*foreign_keys)
    return models.Prefetch(relation, queryset=queryset, to_attr=listed(relation))


def select_summaries(queryset: models.QuerySet, *foreign_keys: str) -> models.QuerySet:
    """
    `queryset` with `foreign_keys` joined in (select_related) as summaries: every column of the queryset's own
    model, only the `SUMMARY_FIELDS` of each joined one (an approval's drug, without its names, mechanism and
    sources).
    """
    deferred = []
    for foreign_key in foreign_keys:
        joined = queryset.model._meta.get_field(foreign_key).related_model
        shown = {*joined.SUMMARY_FIELDS, joined._meta.pk.name}
        hidden = [field.name for field in joined._meta.concrete_fields if field.name not in shown]
        deferred += [f"{foreign_key}__{name}" for name in hidden]
    return queryset.select_related(*foreign_keys).defer(*deferred)


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


def bulk_update_rows(objs: list[models.Model], fields: Iterable[str], *, batch_size: int = 500) -> None:
    """
    Write `fields` of `objs` (instances of one model, already in the table) to their rows: what `bulk_update` does,
    in one `UPDATE … FROM (VALUES …)` per batch on PostgreSQL.

    `bulk_update` spells each batch as one CASE WHEN per field with a branch per row, built and compiled in Python:
    for the PubMed sync's batches (200 references × 25 fields) that took over a second per batch, three times the
    rate limit's slot between two requests. A VALUES list costs a parameter per value. Other databases (SQLite, in
    development) keep `bulk_update`. Like it, this sets no auto_now field: set `updated_at` yourself.
    """
    objs = list(objs)
    if not objs:
        return
    model = type(objs[0])
    manager = model._default_manager
    connection = connections[manager.db]
    if connection.vendor != "postgresql":
        manager.bulk_update(objs, list(fields), batch_size=batch_size)
        return
    meta, quote = model._meta, connection.ops.quote_name
    columns = [meta.pk, *(meta.get_field(name) for name in fields)]
    # Each value cast to its column's type: a VALUES list has no column types of its own (a NULL would be text).
    row = "(" + ", ".join(f"CAST(%s AS {column.db_type(connection)})" for column in columns) + ")"
    names = ", ".join(quote(column.column) for column in columns)
    assignments = ", ".join(f"{quote(column.column)} = v.{quote(column.column)}" for column in columns[1:])
    table, key = quote(meta.db_table), quote(meta.pk.column)
    with connection.cursor() as cursor:
        for start in range(0, len(objs), batch_size):
            batch = objs[start : start + batch_size]
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM (VALUES {', '.join([row] * len(batch))}) AS v ({names}) "
                f"WHERE {table}.{key} = v.{key}",
                [
                    column.get_db_prep_save(getattr(obj, column.attname), connection)
                    for obj in batch
                    for column in columns
                ],
            )
