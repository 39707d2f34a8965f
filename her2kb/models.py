"""Abstract building blocks shared by every app's models."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone

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
