"""Controlled vocabularies of the curator's workbench. Where a proposal came from and what it is about are the
findings' own (her2kb.inbox.FindingSource, FindingKind)."""

from django.db import models


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    ACCEPTED = "accepted", "Accepted"
    DISMISSED = "dismissed", "Dismissed"
