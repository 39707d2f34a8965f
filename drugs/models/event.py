"""The regulatory life of a drug beyond its approvals: refusals, withdrawals, interchangeability, label changes."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from her2kb.models import TimestampedModel
from her2kb.validators import source_url_errors, validate_not_in_future

from ..choices import NEGATIVE_EVENT_TYPES, Agency, EventType
from .drug import Drug, validate_string_list


class RegulatoryEventQuerySet(models.QuerySet):
    def for_api(self) -> RegulatoryEventQuerySet:
        """Everything the API shows for an event, in a constant number of queries."""
        return self.select_related("drug", "product")


class RegulatoryEvent(TimestampedModel):
    """One regulatory decision about a drug that is not an approval: a complete response letter, a negative
    opinion, a withdrawal, an interchangeability designation, a label or boxed-warning change."""

    drug = models.ForeignKey(Drug, on_delete=models.PROTECT, related_name="events")
    agency = models.CharField(max_length=10, choices=Agency.choices)
    date = models.DateField(validators=[validate_not_in_future], help_text="The date the agency (or source) states.")
    event_type = models.CharField(max_length=30, choices=EventType.choices)
    product = models.ForeignKey("drugs.Product", on_delete=models.PROTECT, null=True, blank=True, related_name="events")
    indication = models.TextField(blank=True, help_text="The indication concerned, as the agency words it.")
    description = models.TextField(help_text="What the agency decided, in the source's words (short).")
    sources = models.JSONField(default=list, validators=[validate_string_list])
    notes = models.TextField(blank=True)

    # What another record shows of this one (the API's summaries): all that the bulk export reads of it there.
    SUMMARY_FIELDS = ("agency", "date", "event_type")
    objects = RegulatoryEventQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-date", "drug__name"]
        verbose_name = "regulatory event"
        constraints = [
            models.UniqueConstraint(
                fields=["drug", "agency", "date", "event_type", "indication"],
                name="event_unique_drug_agency_date_type_indication",
                violation_error_message="This drug already has this event by this agency on this date.",
            )
        ]
        indexes = [
            models.Index(fields=["event_type"], name="event_type_idx"),
            models.Index(fields=["agency", "date"], name="event_agency_date_idx"),
            models.Index(fields=["date"], name="event_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.drug} — {self.agency} {self.date:%Y-%m-%d}: {self.get_event_type_display()}"

    def get_absolute_url(self) -> str:
        return f"{self.drug.get_absolute_url()}#event-{self.pk}"

    def clean(self) -> None:
        errors = {}
        if self.product_id and not self.product.names_this_brand_of(self.drug_id, self.agency):
            errors["product"] = f"{self.product} is not a product of this drug at {self.agency}."
        if problems := source_url_errors(self.sources, required="Give at least one source URL."):
            errors["sources"] = problems
        if errors:
            raise ValidationError(errors)

    @property
    def is_negative(self) -> bool:
        """A decision that refused or took away an authorisation."""
        return self.event_type in NEGATIVE_EVENT_TYPES
