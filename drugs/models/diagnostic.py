"""Companion diagnostics: the tests an agency authorised to select patients for a drug, and the rule they apply."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from her2kb.models import TimestampedModel, value_list
from her2kb.validators import (
    FDA_DEVICE_DECISION_MESSAGE,
    FDA_DEVICE_DECISION_PATTERN,
    source_url_errors,
    validate_not_in_future,
)

from ..choices import Agency, DiagnosticTechnology, ScoringRule
from .drug import validate_string_list


class CompanionDiagnosticQuerySet(models.QuerySet):
    def for_list(self) -> CompanionDiagnosticQuerySet:
        """Everything a list of diagnostics shows: the approvals each selects patients for, with their drugs."""
        approval_model = CompanionDiagnostic._meta.get_field("approvals").related_model
        return self.prefetch_related(
            models.Prefetch("approvals", queryset=approval_model.objects.select_related("drug", "product"))
        )

    def for_api(self) -> CompanionDiagnosticQuerySet:
        """Everything the API shows for a diagnostic, in a constant number of queries."""
        return self.for_list()

    def for_drug(self, drug_slugs: str | Iterable[str]) -> CompanionDiagnosticQuerySet:
        """Diagnostics that select patients for an approval of the drug `drug_slugs` (a slug, or any of several)."""
        selecting = CompanionDiagnostic.approvals.through.objects.filter(
            approval__drug__slug__in=value_list(drug_slugs)
        )
        return self.filter(pk__in=selecting.values("companiondiagnostic_id"))


class CompanionDiagnostic(TimestampedModel):
    """One agency's decision authorising an assay as the companion diagnostic of one or more approvals."""

    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=200, help_text="The assay's name as the agency's decision gives it.")
    manufacturer = models.CharField(max_length=200, blank=True)
    technology = models.CharField(max_length=20, choices=DiagnosticTechnology.choices)
    specimen = models.CharField(max_length=200, blank=True)
    agency = models.CharField(max_length=10, choices=Agency.choices)
    decision_number = models.CharField(
        max_length=50, blank=True, help_text="FDA: the PMA number, e.g. P990081/S047; else the agency's number."
    )
    date = models.DateField(validators=[validate_not_in_future], help_text="The decision date the agency states.")
    scoring_rule = models.CharField(max_length=30, choices=ScoringRule.choices)
    scoring_rule_text = models.TextField(blank=True, help_text="The rule as the agency's decision words it.")
    sources = models.JSONField(default=list, validators=[validate_string_list])
    notes = models.TextField(blank=True)

    # What another record shows of this one (the API's summaries): all that the bulk export reads of it there.
    SUMMARY_FIELDS = ("slug", "name", "agency", "decision_number", "date", "scoring_rule")
    objects = CompanionDiagnosticQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "agency", "date"]
        verbose_name = "companion diagnostic"
        indexes = [
            models.Index(fields=["agency", "date"], name="diagnostic_agency_date_idx"),
            models.Index(fields=["technology"], name="diagnostic_technology_idx"),
            models.Index(fields=["scoring_rule"], name="diagnostic_scoring_rule_idx"),
        ]

    def __str__(self) -> str:
        decided = f" {self.date:%Y-%m-%d}" if self.date else ""
        return f"{self.name} ({self.agency}{decided}, {self.get_scoring_rule_display()})"

    def get_absolute_url(self) -> str:
        return f"{reverse('drugs:diagnostic_list')}#diagnostic-{self.slug}"

    def clean(self) -> None:
        errors = {}
        number = self.decision_number.strip()
        if number and self.agency == Agency.FDA and not FDA_DEVICE_DECISION_PATTERN.fullmatch(number):
            errors["decision_number"] = FDA_DEVICE_DECISION_MESSAGE
        if problems := source_url_errors(
            self.sources, required="Give at least one source URL (the agency's decision or announcement)."
        ):
            errors["sources"] = problems
        if self.pk and self.agency:
            # Checked from this side too: changing the agency must not leave another agency's approvals linked.
            foreign = [str(approval) for approval in self.approvals.exclude(agency=self.agency).select_related("drug")]
            if foreign:
                errors["agency"] = (
                    f"A companion diagnostic links only approvals of its own agency, and this one selects patients "
                    f"for {'; '.join(foreign)}."
                )
        if errors:
            raise ValidationError(errors)
