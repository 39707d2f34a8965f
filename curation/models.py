"""The curators' inbox: what the watchers found upstream that the dataset lacks, waiting for a curator's decision."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse
from django.utils import timezone

from her2kb.inbox import FindingKind, FindingSource

from .choices import ProposalStatus


class ProposalQuerySet(models.QuerySet):
    def open(self) -> ProposalQuerySet:
        """Proposals waiting for a decision."""
        return self.filter(status=ProposalStatus.PROPOSED)

    def accepted(self) -> ProposalQuerySet:
        """Accepted proposals, latest decision first: the public list of what changed."""
        return self.filter(status=ProposalStatus.ACCEPTED).order_by("-decided_at", "-pk")

    def found_since(self, age: datetime.timedelta) -> ProposalQuerySet:
        return self.filter(found_at__gte=timezone.now() - age)

    def found_before(self, age: datetime.timedelta) -> ProposalQuerySet:
        return self.filter(found_at__lt=timezone.now() - age)


class Proposal(models.Model):
    """
    One finding of a watcher (ClinicalTrials.gov, openFDA, PubMed) that the dataset does not hold: what was found,
    where (the upstream URL and the raw value), which record it concerns and what accepting would change.

    `key` is stable across runs and watchers, so the same fact seen again is this proposal, not a new one; a
    dismissed proposal keeps its reason and stays dismissed, so the watchers never raise it again.
    """

    source = models.CharField(max_length=20, choices=FindingSource.choices, db_index=True)
    sources = models.JSONField(default=list, blank=True, help_text="Every upstream that found it.")
    kind = models.CharField(max_length=30, choices=FindingKind.choices, db_index=True)
    key = models.CharField(max_length=300, unique=True)
    title = models.CharField(max_length=300)
    subject_type = models.ForeignKey(ContentType, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    subject_label = models.CharField("concerns", max_length=300, blank=True)
    drug = models.ForeignKey("drugs.Drug", on_delete=models.SET_NULL, null=True, blank=True, related_name="proposals")
    upstream_url = models.URLField("found at", max_length=1000)
    raw_value = models.JSONField("raw value", default=dict, blank=True)
    diff = models.JSONField(default=dict, blank=True, help_text="field → what the dataset holds, what was found")
    status = models.CharField(
        max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.PROPOSED, db_index=True
    )
    reason = models.TextField(blank=True, help_text="Why it was dismissed (or a note on accepting it).")
    found_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_seen_at = models.DateTimeField(default=timezone.now)
    times_seen = models.PositiveIntegerField(default=1)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True, db_index=True)
    result_label = models.CharField("what accepting wrote", max_length=300, blank=True)
    result_url = models.CharField("its page", max_length=500, blank=True)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        ordering = ["-found_at", "-pk"]
        indexes = [models.Index(fields=["status", "found_at"], name="proposal_status_found_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status=ProposalStatus.PROPOSED) | models.Q(decided_at__isnull=False),
                name="proposal_decided_has_date",
                violation_error_message="An accepted or dismissed proposal records when it was decided.",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=ProposalStatus.DISMISSED) | ~models.Q(reason=""),
                name="proposal_dismissed_has_reason",
                violation_error_message="A dismissed proposal keeps the reason it was dismissed.",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        # Proposals are the curators' work queue: they live in the admin.
        return reverse("admin:curation_proposal_change", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == ProposalStatus.PROPOSED

    @property
    def history_reason(self) -> str:
        """The change reason every record written by accepting this proposal carries in its history."""
        return f"Accepted proposal #{self.pk}: {self.title}"[:100]
