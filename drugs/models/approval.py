"""Regulatory approvals: an agency authorising a drug (as one of its products) for an indication, with the
expedited programmes it went through and the companion diagnostics that select its patients."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from her2kb.fulltext import (
    DocumentPart,
    SearchDocument,
    identifier_matches,
    searched_words,
    word_matches,
)
from her2kb.models import TimestampedModel, prefetch_listed, select_summaries, value_list
from her2kb.validators import validate_source_url, validate_source_urls

from ..choices import (
    DESIGNATION_AGENCIES,
    Agency,
    ApprovalType,
    Designation,
    Her2Category,
    TherapySetting,
    TumourType,
)
from .drug import DRUG_NAME_FIELDS, Drug, validate_string_list

# Which recorded categories apply to a patient's HER2 status, and the reverse. One place for this rule.
# "HER2-expressing" (IHC 1+, 2+ or 3+) covers HER2-low (IHC 1+, IHC 2+/ISH−) and IHC 3+ tumours; not
# "HER2-positive" as a whole, which also counts ISH-amplified tumours whatever their IHC score.
HER2_CATEGORIES_COVERING: dict[str, list[str]] = {
    Her2Category.LOW: [Her2Category.LOW, Her2Category.LOW_OR_ULTRALOW, Her2Category.EXPRESSING],
    Her2Category.ULTRALOW: [Her2Category.ULTRALOW, Her2Category.LOW_OR_ULTRALOW],
    Her2Category.IHC3_POSITIVE: [Her2Category.IHC3_POSITIVE, Her2Category.EXPRESSING],
}
HER2_STATUSES_COVERED: dict[str, list[str]] = {
    Her2Category.LOW_OR_ULTRALOW: [Her2Category.LOW, Her2Category.ULTRALOW],
    Her2Category.EXPRESSING: [Her2Category.LOW, Her2Category.IHC3_POSITIVE],
}

# An indication that selects patients "as detected by an FDA-approved test" (or a validated / authorised test or
# assay) needs a companion diagnostic on record: without one the approval is flagged like a missing source.
# The same pattern serves Python and the databases (SQLite's REGEXP is Python's re; PostgreSQL's ~* knows \s).
NAMES_A_TEST = r"(approved|validated|authori[sz]ed|cleared)\s+(test|assay)"
NAMES_A_TEST_RE = re.compile(NAMES_A_TEST, re.IGNORECASE)


# The approval's own text that search matches word by word (its drug's names are matched on the drug): its
# document (her2kb.fulltext) for words, the same parts and weights as the `search_document` of the PostgreSQL
# migration 0020; the fields themselves for codes.
APPROVAL_SEARCHED_TEXT = ("indication", "line_of_therapy")
APPROVAL_DOCUMENT = SearchDocument(
    table="drugs_approval",
    parts=(
        DocumentPart("indication", "A", columns=("indication",)),
        DocumentPart("line_of_therapy", "B", columns=("line_of_therapy",)),
    ),
)

_WITHOUT_SOURCES = models.Q(sources=[]) | models.Q(sources__isnull=True)


def _without_companion_diagnostic() -> models.Q:
    linked = Approval.companion_diagnostics.through.objects.filter(approval=models.OuterRef("pk"))
    return models.Q(indication__iregex=NAMES_A_TEST) & ~models.Exists(linked)


class ApprovalQuerySet(models.QuerySet):
    def for_list(self) -> ApprovalQuerySet:
        """Everything an approval table shows (product, designations, companion diagnostics, pivotal trials),
        fetched in a constant number of queries."""
        return self.select_related("drug", "product").prefetch_related(
            "pivotal_trials", "designations", "companion_diagnostics"
        )

    def for_table_rows(self) -> ApprovalQuerySet:
        """Everything a row of the approvals table (`includes/_approval_row.html`) and its dot on the timeline show:
        drug, product, designations, companion diagnostics, pivotal trials with their primary results, references.
        drugs.views.approval_rows fetches it only for the rows not rendered since the last edit."""
        return self.select_related("drug", "product").prefetch_related(
            "designations", "companion_diagnostics", *pivotal_results_lookups()
        )

    def for_api(self) -> ApprovalQuerySet:
        """Everything the API shows for an approval, in a constant number of queries; pivotal trials and references
        in plain lists (`prefetch_listed`)."""
        return select_summaries(self, "drug", "product").prefetch_related(
            prefetch_listed(Approval, "pivotal_trials"),
            prefetch_listed(Approval, "references"),
            "designations",
            "companion_diagnostics",
        )

    def without_sources(self) -> ApprovalQuerySet:
        """Approvals that cite no source document: a provenance gap for curators to fix."""
        return self.filter(_WITHOUT_SOURCES)

    def without_companion_diagnostic(self) -> ApprovalQuerySet:
        """Approvals whose indication names an approved test but that link no companion diagnostic: a provenance
        gap like a missing source."""
        return self.filter(_without_companion_diagnostic())

    def with_provenance_gaps(self) -> ApprovalQuerySet:
        """Approvals without sources, or without the companion diagnostic their indication names."""
        return self.filter(_WITHOUT_SOURCES | _without_companion_diagnostic())

    def qualified_by(self, diagnostic_slugs: str | Iterable[str]) -> ApprovalQuerySet:
        """Approvals whose patients the companion diagnostic `diagnostic_slugs` (one slug, or any of several)
        selects."""
        selecting = Approval.companion_diagnostics.through.objects.filter(
            companiondiagnostic__slug__in=value_list(diagnostic_slugs)
        )
        return self.filter(pk__in=selecting.values("approval_id"))

    def with_designation(self, designations: str | Iterable[str]) -> ApprovalQuerySet:
        """Approvals granted with the expedited programme `designations` (a Designation value, or any of several)."""
        granted = ApprovalDesignation.objects.filter(
            approval=models.OuterRef("pk"), designation__in=value_list(designations)
        )
        return self.filter(models.Exists(granted))

    def search(self, text: str) -> ApprovalQuerySet:
        """
        Approvals whose drug (INN, brand names, codes) holds `text`, or whose drug or own text (indication, line of
        therapy) hold each word of it ("trastuzumab gastric", "tdxd HER2-low"), newest first: drug names and codes
        with or without separators, other words as words of the approval's document (stemmed, whole words, as
        everywhere in search).

        Each condition is a subquery of its own — the drugs on their small table, the approvals through their
        document's and trigram indexes — so the approvals are only looked up in their results, never each tested on
        every pattern.
        """
        text = text.strip()
        words = searched_words(text)
        if not words:
            return self.none()

        def of_drugs(condition: models.Q) -> models.Q:
            return models.Q(drug__in=Drug.objects.filter(condition).values("pk"))

        def of_approvals(condition: models.Q) -> models.Q:
            return models.Q(pk__in=Approval.objects.filter(condition).values("pk"))

        every_word = models.Q()
        for word in words:
            own = word_matches(word, texts=APPROVAL_SEARCHED_TEXT, document=APPROVAL_DOCUMENT)
            every_word &= of_drugs(word_matches(word, identifiers=DRUG_NAME_FIELDS)) | of_approvals(own)
        if len(words) > 1:  # one word: its drug names are the whole text's
            every_word |= of_drugs(identifier_matches(text, DRUG_NAME_FIELDS))
        return self.filter(every_word).latest_first()

    def count_by_agency(self) -> dict[str, int]:
        """How many approvals each agency has on record (agencies without any are absent). One query."""
        return dict(self.order_by().values_list("agency").annotate(n=models.Count("pk")))

    def latest_first(self) -> ApprovalQuerySet:
        """Newest first, then by drug; ties (one drug's approvals of one day) in the order they were entered, the
        same on every page and every render."""
        return self.order_by("-date", "drug__name", "pk")

    def for_her2_status(self, statuses: str | Iterable[str]) -> ApprovalQuerySet:
        """Approvals that apply to patients whose tumour has HER2 status `statuses` (a Her2Category value, or any
        of several): an approval for "HER2-low or HER2-ultralow" applies to both HER2-low and HER2-ultralow."""
        categories = {
            category for status in value_list(statuses) for category in HER2_CATEGORIES_COVERING.get(status, [status])
        }
        return self.filter(her2_category__in=sorted(categories))

    def supported_by_trials(self, **trial_conditions: object) -> ApprovalQuerySet:
        """Approvals with a pivotal trial meeting `trial_conditions` (lookups on Trial, e.g. phase__in=[…])."""
        pivotal = Approval.pivotal_trials.through.objects.filter(
            **{f"trial__{lookup}": value for lookup, value in trial_conditions.items()}
        )
        return self.filter(pk__in=pivotal.values("approval_id"))

    def indications(self) -> list[dict[str, object]]:
        """
        Each (tumour type, HER2 status) that approvals apply to, with labels and how many approvals, in the
        order of the choices (breast first). Counted as `for_her2_status` filters, so "HER2-low or
        HER2-ultralow" counts under both; an empty status means the indication is not defined by HER2.
        One query.
        """
        tumours, categories = list(TumourType.values), list(Her2Category.values)
        counts: dict[tuple[str, str], int] = {}
        rows = self.values_list("tumour_type", "her2_category").annotate(n=models.Count("pk")).order_by()
        for tumour, category, count in rows:
            for status in HER2_STATUSES_COVERED.get(category, [category]):
                counts[(tumour, status)] = counts.get((tumour, status), 0) + count

        def choice_order(key: tuple[str, str]) -> tuple[int, int]:
            # Unknown or empty values sort last instead of failing the home page.
            tumour, status = key
            return (
                tumours.index(tumour) if tumour in tumours else len(tumours),
                categories.index(status) if status in categories else len(categories),
            )

        tumour_labels, category_labels = dict(TumourType.choices), dict(Her2Category.choices)
        return [
            {
                "tumour_type": tumour,
                "her2_status": status,
                "tumour_label": tumour_labels.get(tumour, tumour),
                "her2_label": category_labels.get(status, status),
                "approval_count": counts[(tumour, status)],
            }
            for tumour, status in sorted(counts, key=choice_order)
        ]

    def with_pivotal_results(self) -> ApprovalQuerySet:
        """Also fetch the pivotal trials' primary outcomes with their sources and the approval's references, so a
        table can show the result behind each approval and flag a retracted source."""
        return self.prefetch_related(*pivotal_results_lookups())


def pivotal_results_lookups() -> list[str | models.Prefetch]:
    """The pivotal trials with their primary outcomes and those outcomes' sources (the rest of a trial's outcomes
    are not shown beside an approval), and the approval's references."""
    # The trial model through the relation: drugs does not import trials (the app below it).
    trial_model = Approval._meta.get_field("pivotal_trials").related_model
    return ["pivotal_trials", trial_model.prefetch_primary_outcomes("pivotal_trials"), "references"]


class Approval(TimestampedModel):
    """One regulatory decision: an agency authorising a drug for an indication on a date."""

    drug = models.ForeignKey(Drug, on_delete=models.PROTECT, related_name="approvals")
    agency = models.CharField(max_length=10, choices=Agency.choices)
    date = models.DateField(help_text="The approval date stated by the agency.")
    approval_type = models.CharField(
        max_length=30,
        choices=ApprovalType.choices,
        blank=True,
        help_text="Empty only when the agency's announcement does not say (never guessed).",
    )
    indication = models.TextField(help_text="The indication as the agency words it.")
    tumour_type = models.CharField(max_length=30, choices=TumourType.choices)
    her2_category = models.CharField(
        "HER2 category",
        max_length=30,
        choices=Her2Category.choices,
        blank=True,
        help_text="Empty when eligibility is not defined by HER2 status (e.g. zenocutuzumab: NRG1 fusion).",
    )
    setting = models.CharField(max_length=30, choices=TherapySetting.choices)
    application_number = models.CharField(
        max_length=50,
        blank=True,
        help_text='The application or authorisation number the agency prints, e.g. "BLA 761139", "EMEA/H/C/005124".',
    )
    product = models.ForeignKey(
        "drugs.Product",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="approvals",
        help_text="The brand as this agency authorised it.",
    )
    companion_diagnostics = models.ManyToManyField(
        "drugs.CompanionDiagnostic",
        related_name="approvals",
        blank=True,
        help_text="The tests of the same agency that select this approval's patients.",
    )
    line_of_therapy = models.CharField(max_length=300, blank=True)
    combination_partners = models.JSONField(default=list, blank=True, validators=[validate_string_list])
    pivotal_trials = models.ManyToManyField("trials.Trial", related_name="supported_approvals", blank=True)
    no_pivotal_trial_reason = models.CharField(
        max_length=300, blank=True, help_text="Why there is no pivotal trial (e.g. biosimilar pathway)."
    )
    references = models.ManyToManyField("references.Reference", related_name="approvals", blank=True)
    sources = models.JSONField(
        default=list, validators=[validate_string_list], help_text="URLs of the agency's announcement or label."
    )
    notes = models.TextField(blank=True)

    # What another record shows of this one (the API's summaries): all that `prefetch_listed` reads.
    SUMMARY_FIELDS = ("agency", "date", "approval_type", "tumour_type", "her2_category", "setting")
    objects = ApprovalQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=["pivotal_trials", "references", "companion_diagnostics"])

    class Meta:
        ordering = ["-date", "drug__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["drug", "agency", "date", "indication"],
                name="approval_unique_drug_agency_date_indication",
                violation_error_message="This drug already has an approval by this agency on this date "
                "for this indication.",
            ),
        ]
        indexes = [
            models.Index(fields=["agency", "date"], name="approval_agency_date_idx"),
            models.Index(fields=["tumour_type", "her2_category"], name="approval_tumour_her2_idx"),
            models.Index(fields=["date"], name="approval_date_idx"),
            # One per remaining filter of the approvals page and API (drugs/tests/test_indexes.py checks each).
            models.Index(fields=["her2_category"], name="approval_her2_category_idx"),
            models.Index(fields=["approval_type"], name="approval_type_idx"),
            models.Index(fields=["setting"], name="approval_setting_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.drug} — {self.agency} {self.date:%Y-%m-%d} ({self.get_tumour_type_display()})"

    def get_absolute_url(self) -> str:
        return f"{self.drug.get_absolute_url()}#approval-{self.pk}"

    def clean(self) -> None:
        if self.date and self.date > timezone.localdate():
            raise ValidationError({"date": "The approval date cannot be in the future."})
        if not self.sources:
            raise ValidationError({"sources": "Give at least one source URL (agency announcement or label)."})
        try:
            validate_source_urls(self.sources)
        except ValidationError as error:
            raise ValidationError({"sources": error.messages}) from error
        self._check_product()
        if self.pk and self.agency:
            # Checked from this side too: changing the agency must not leave another agency's tests linked.
            validate_companion_diagnostics(self.agency, self.companion_diagnostics.all(), field=None)
        self._check_conversion_dates()

    def _check_product(self) -> None:
        """The product is the brand this agency authorised for this drug."""
        if not self.product_id:
            return
        product = self.product
        if self.drug_id and product.drug_id != self.drug_id:
            raise ValidationError({"product": f"{product} is a product of {product.drug}, not of this drug."})
        if self.agency and product.agency != self.agency:
            raise ValidationError(
                {"product": f"{product} is authorised by {product.agency}; this approval is by {self.agency}."}
            )

    def _check_conversion_dates(self) -> None:
        """A conversion to regular approval converts an earlier approval by the same agency, so no conversion
        may be dated before the drug's first other approval by that agency: checked from either side."""
        if not (self.drug_id and self.agency and self.date):
            return
        others = list(
            Approval.objects.filter(drug_id=self.drug_id, agency=self.agency)
            .exclude(pk=self.pk)
            .values_list("date", "approval_type")
        )
        is_conversion = self.approval_type == ApprovalType.CONVERSION_TO_REGULAR
        initial_dates = [date for date, kind in others if kind != ApprovalType.CONVERSION_TO_REGULAR]
        if not is_conversion:
            initial_dates.append(self.date)
        if not initial_dates:
            return  # no initial approval recorded yet: nothing to compare with
        first = min(initial_dates)
        agency = self.get_agency_display()
        if is_conversion and self.date < first:
            raise ValidationError(
                {
                    "date": f"A conversion to regular approval cannot be dated before the drug's first {agency} "
                    f"approval ({first:%d %b %Y}). Check the date, or record the earlier approval first."
                }
            )
        earlier_conversions = [
            date for date, kind in others if kind == ApprovalType.CONVERSION_TO_REGULAR and date < first
        ]
        if not is_conversion and earlier_conversions:
            raise ValidationError(
                {
                    "date": f"With this date the drug's first {agency} approval would come after its conversion "
                    f"to regular approval of {min(earlier_conversions):%d %b %Y}. Check the dates."
                }
            )

    @property
    def has_sources(self) -> bool:
        """Provenance: an approval must cite the agency's announcement or label."""
        return bool(self.sources)

    @property
    def source_url(self) -> str:
        """The primary source: the first URL in `sources`."""
        return self.sources[0] if self.sources else ""

    @property
    def names_a_test(self) -> bool:
        """Whether the indication selects patients by an approved (or validated) test."""
        return bool(NAMES_A_TEST_RE.search(self.indication or ""))

    @property
    def lacks_companion_diagnostic(self) -> bool:
        """The indication names an approved test, but no companion diagnostic is linked. Reads a prefetch."""
        return self.names_a_test and not self.companion_diagnostics.all()

    @property
    def designation_list(self) -> list[ApprovalDesignation]:
        """The approval's designations in the order of `Designation` (priority review first). Reads a prefetch."""
        order = {value: position for position, value in enumerate(Designation.values)}
        return sorted(self.designations.all(), key=lambda row: order.get(row.designation, len(order)))


def validate_companion_diagnostics(
    agency: str, diagnostics: Iterable, *, field: str | None = "companion_diagnostics"
) -> None:
    """A companion diagnostic selects patients for approvals of its own agency only."""
    foreign = [diagnostic for diagnostic in diagnostics if diagnostic.agency != agency]
    if not foreign:
        return
    names = ", ".join(f"{diagnostic.slug} ({diagnostic.agency})" for diagnostic in foreign)
    message = (
        f"A companion diagnostic links only approvals of its own agency: {names} "
        f"{'is a decision' if len(foreign) == 1 else 'are decisions'} of another agency than this {agency} approval."
    )
    raise ValidationError({field: message} if field else message)


class ApprovalDesignation(TimestampedModel):
    """An expedited programme an approval went through (priority review, breakthrough therapy, orphan …), with the
    source that states it."""

    approval = models.ForeignKey(Approval, on_delete=models.CASCADE, related_name="designations")
    designation = models.CharField(max_length=30, choices=Designation.choices)
    source = models.CharField(
        max_length=500, validators=[validate_source_url], help_text="The document that states the designation."
    )

    # What another record shows of this one (the API's summaries): all that the bulk export reads of it there.
    SUMMARY_FIELDS = ("designation", "source")
    history = HistoricalRecords()

    class Meta:
        ordering = ["approval", "designation"]
        constraints = [
            models.UniqueConstraint(
                fields=["approval", "designation"],
                name="approvaldesignation_unique",
                violation_error_message="This approval already has this designation.",
            )
        ]
        # The ?designation= filter of approvals: a semi-join from the designation to its approvals.
        indexes = [models.Index(fields=["designation", "approval"], name="designation_approval_idx")]

    def __str__(self) -> str:
        return f"{self.get_designation_display()} — {self.approval}"

    def get_absolute_url(self) -> str:
        return self.approval.get_absolute_url()

    def clean(self) -> None:
        agencies = DESIGNATION_AGENCIES.get(self.designation)
        if agencies and self.approval_id and self.approval.agency not in agencies:
            raise ValidationError(
                {
                    "designation": f"{self.get_designation_display()} is a programme of "
                    f"{', '.join(sorted(agencies))}, not of {self.approval.agency}."
                }
            )
