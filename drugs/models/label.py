"""Labels: each agency's current label / product information of a drug, and the warnings it states."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from her2kb.models import TimestampedModel, value_list
from her2kb.validators import (
    source_url_errors,
    validate_dailymed_set_id,
    validate_label_revision,
    validate_not_in_future,
    validate_source_url,
)

from ..choices import Agency, LabelDocument, WarningKind, WarningTopic
from .drug import Drug, validate_string_list


class LabelQuerySet(models.QuerySet):
    def for_api(self) -> LabelQuerySet:
        """Everything the API shows for a label (its warnings nested), in a constant number of queries."""
        return self.select_related("drug", "product").prefetch_related("warnings")

    def with_warning(self, *, kind: str | Iterable[str] = "", topic: str | Iterable[str] = "") -> LabelQuerySet:
        """Labels that state a warning of this kind and/or topic (e.g. a boxed warning on cardiomyopathy); each may
        be several values, any of which will do."""
        conditions: dict[str, object] = {"label": models.OuterRef("pk")}
        if kind:
            conditions["kind__in"] = value_list(kind)
        if topic:
            conditions["topic__in"] = value_list(topic)
        return self.filter(models.Exists(LabelWarning.objects.filter(**conditions)))


class Label(TimestampedModel):
    """The current label / product information document of one drug at one agency, with its revision."""

    drug = models.ForeignKey(Drug, on_delete=models.PROTECT, related_name="labels")
    agency = models.CharField(max_length=10, choices=Agency.choices)
    product = models.ForeignKey("drugs.Product", on_delete=models.PROTECT, null=True, blank=True, related_name="labels")
    document = models.CharField(max_length=30, choices=LabelDocument.choices)
    url = models.CharField("document URL", max_length=500, validators=[validate_source_url])
    set_id = models.CharField(
        "DailyMed set ID", max_length=36, blank=True, validators=[validate_dailymed_set_id], help_text="DailyMed only."
    )
    revised = models.CharField(
        max_length=10,
        blank=True,
        validators=[validate_label_revision],
        help_text="The revision the document states: YYYY-MM, or YYYY-MM-DD.",
    )
    sources = models.JSONField(default=list, validators=[validate_string_list])
    notes = models.TextField(blank=True)

    # What another record shows of this one (the API's summaries): all that the bulk export reads of it there.
    SUMMARY_FIELDS = ("agency", "document", "url", "revised")
    objects = LabelQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["drug", "agency"]
        constraints = [
            models.UniqueConstraint(
                fields=["drug", "agency"],
                name="label_unique_drug_agency",
                violation_error_message="This drug already has a label of this agency.",
            )
        ]
        indexes = [
            models.Index(fields=["agency"], name="label_agency_idx"),
            models.Index(fields=["document"], name="label_document_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.drug} — {self.agency} label"

    def get_absolute_url(self) -> str:
        return f"{self.drug.get_absolute_url()}#label-{self.agency.lower()}"

    def clean(self) -> None:
        errors = {}
        if self.set_id and self.document != LabelDocument.DAILYMED_SPL:
            errors["set_id"] = "A DailyMed set ID belongs to a DailyMed label (document: dailymed_spl)."
        if self.product_id and not self.product.names_this_brand_of(self.drug_id, self.agency):
            errors["product"] = f"{self.product} is not a product of this drug at {self.agency}."
        if problems := source_url_errors(
            self.sources, required="Give at least one source URL (the label itself or where it was read)."
        ):
            errors["sources"] = problems
        if errors:
            raise ValidationError(errors)

    @property
    def boxed_warnings(self) -> list[LabelWarning]:
        """The label's boxed warnings, in label order. Reads prefetched warnings."""
        return [warning for warning in self.warnings.all() if warning.kind == WarningKind.BOXED_WARNING]

    @property
    def key_warnings(self) -> list[LabelWarning]:
        """The label's other warnings, precautions and contraindications, in label order."""
        return [warning for warning in self.warnings.all() if warning.kind != WarningKind.BOXED_WARNING]


class LabelWarning(TimestampedModel):
    """A boxed warning, warning/precaution or contraindication of a label: a short quote with its section and
    source. History keeps every change, so when a boxed warning was added or reworded can be told."""

    label = models.ForeignKey(Label, on_delete=models.CASCADE, related_name="warnings")
    position = models.PositiveSmallIntegerField(default=1, help_text="Order within the label, from 1.")
    kind = models.CharField(max_length=30, choices=WarningKind.choices)
    topic = models.CharField(max_length=40, choices=WarningTopic.choices)
    statement = models.TextField(help_text="The label's words, quoted exactly (short).")
    section = models.CharField(max_length=100, blank=True, help_text='e.g. "Boxed Warning" or "5.1".')
    date_added = models.DateField(
        null=True,
        blank=True,
        validators=[validate_not_in_future],
        help_text="Only when a source states when the label gained this warning.",
    )
    source = models.CharField(max_length=500, validators=[validate_source_url])

    history = HistoricalRecords()

    class Meta:
        ordering = ["label", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["label", "position"],
                name="labelwarning_unique_position",
                violation_error_message="Another warning of this label has this position.",
            )
        ]
        indexes = [models.Index(fields=["kind", "topic"], name="labelwarning_kind_topic_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.get_topic_display()} ({self.label})"

    def get_absolute_url(self) -> str:
        return self.label.get_absolute_url()

    @property
    def is_boxed(self) -> bool:
        return self.kind == WarningKind.BOXED_WARNING
