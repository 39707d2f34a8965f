"""Products: one molecule under the brand an agency authorised (Hercessi in the US, Zercepac in the EU …)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Upper
from simple_history.models import HistoricalRecords

from her2kb.models import TimestampedModel
from her2kb.validators import source_url_errors

from ..choices import Agency
from .drug import Drug, validate_string_list


class ProductQuerySet(models.QuerySet):
    def for_api(self) -> ProductQuerySet:
        """Everything the API shows for a product, in a constant number of queries."""
        return self.select_related("drug")


class Product(TimestampedModel):
    """A brand of a drug as one agency authorised it, with its marketing-authorisation holder."""

    slug = models.SlugField(max_length=100, unique=True, help_text="brand-region, lowercase, e.g. enhertu-us")
    drug = models.ForeignKey(Drug, on_delete=models.PROTECT, related_name="products")
    brand_name = models.CharField(max_length=100)
    agency = models.CharField(max_length=10, choices=Agency.choices)
    holder = models.CharField(
        max_length=200, blank=True, help_text="The marketing-authorisation holder as the agency names it."
    )
    authorisation_number = models.CharField(max_length=100, blank=True)
    sources = models.JSONField(default=list, validators=[validate_string_list])
    notes = models.TextField(blank=True)

    # What another record shows of this one (the API's summaries): all that `prefetch_listed` reads.
    SUMMARY_FIELDS = ("slug", "brand_name", "agency")
    objects = ProductQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["brand_name", "agency"]
        indexes = [
            models.Index(fields=["agency", "brand_name"], name="product_agency_brand_idx"),
            # ?brand_name= matches in any case: "zercepac" finds Zercepac.
            models.Index(Upper("brand_name"), name="product_brand_name_upper_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.brand_name} ({self.agency})"

    def get_absolute_url(self) -> str:
        return f"{self.drug.get_absolute_url()}#product-{self.slug}"

    def names_this_brand_of(self, drug_id: int | None, agency: str) -> bool:
        """Whether a record of the drug `drug_id` at `agency` (a label, an event) may name this product."""
        return self.drug_id == drug_id and self.agency == agency

    def clean(self) -> None:
        if problems := source_url_errors(
            self.sources, required="Give at least one source URL (the agency's record or label)."
        ):
            raise ValidationError({"sources": problems})
