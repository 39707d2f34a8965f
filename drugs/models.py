"""HER2-targeted drugs and their regulatory approvals."""

from __future__ import annotations

from urllib.parse import quote

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from her2kb.models import TimestampedModel

from .choices import (
    Agency,
    ApprovalType,
    DevelopmentStatus,
    DrugClass,
    Her2Category,
    KinaseBinding,
    Route,
    TherapySetting,
    TumourType,
)


def validate_string_list(value: object) -> None:
    """JSON list fields (names, codes, URLs) hold a list of non-empty strings."""
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValidationError('Enter a list of non-empty texts, e.g. ["Enhertu"].')


class Target(models.Model):
    """A receptor a drug binds: HER2 (ERBB2), and for some drugs also EGFR, HER3 or HER4."""

    symbol = models.CharField(max_length=20, unique=True, help_text="e.g. HER2")
    name = models.CharField(max_length=100, blank=True, help_text="e.g. ERBB2 / HER2 receptor")

    class Meta:
        ordering = ["symbol"]

    def __str__(self) -> str:
        return self.symbol


class DrugQuerySet(models.QuerySet):
    def approved(self) -> DrugQuerySet:
        """Drugs with at least one regulatory approval."""
        return self.filter(approvals__isnull=False).distinct()

    def for_list(self) -> DrugQuerySet:
        """Everything a list of drugs shows, fetched in a constant number of queries."""
        return self.prefetch_related("targets").annotate(
            # distinct: a filter across approvals (e.g. by tumour) adds a join that would multiply the count.
            approval_count=models.Count("approvals", distinct=True)
        )

    def for_detail(self) -> DrugQuerySet:
        """Everything a drug's page shows: approvals with their pivotal trials, their results, the trials it is studied
        in with their outcomes, components, biosimilars and references, in a constant number of queries."""
        return self.select_related("biosimilar_of").prefetch_related(
            "targets",
            "components",
            "biosimilars",
            "approvals__pivotal_trials__outcomes",
            "trial_roles__trial__outcomes",
            "references",
        )

    def by_class(self) -> DrugQuerySet:
        """Ordered by drug class in the order the classes are listed in `DrugClass`, then by name."""
        order = models.Case(
            *(models.When(drug_class=value, then=models.Value(i)) for i, value in enumerate(DrugClass.values)),
            default=models.Value(len(DrugClass.values)),
            output_field=models.IntegerField(),
        )
        return self.order_by(order, "name")


class Drug(TimestampedModel):
    """A HER2-targeted therapy: antibody, bispecific, TKI or ADC."""

    name = models.CharField(max_length=200, unique=True, help_text="International non-proprietary name (INN).")
    slug = models.SlugField(max_length=200, unique=True)
    brand_names = models.JSONField(default=list, blank=True, validators=[validate_string_list])
    synonyms = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_string_list],
        help_text="Development codes, US suffixed names and abbreviations, e.g. DS-8201, T-DXd.",
    )
    drug_class = models.CharField(max_length=30, choices=DrugClass.choices, db_index=True)
    targets = models.ManyToManyField(Target, related_name="drugs", blank=True)
    mechanism = models.TextField(blank=True)
    binding_site = models.CharField(
        max_length=200, blank=True, help_text="Epitope or domain, e.g. HER2 extracellular subdomain IV."
    )
    kinase_binding = models.CharField(
        max_length=20, choices=KinaseBinding.choices, blank=True, help_text="Tyrosine kinase inhibitors only."
    )
    payload = models.CharField(max_length=200, blank=True, help_text="ADCs only.")
    linker = models.CharField(max_length=200, blank=True, help_text="ADCs only.")
    drug_antibody_ratio = models.DecimalField(
        max_digits=4, decimal_places=1, null=True, blank=True, help_text="ADCs only: average payloads per antibody."
    )
    route = models.CharField(max_length=20, choices=Route.choices, blank=True)
    originator = models.CharField(max_length=200, blank=True)
    development_status = models.CharField(
        max_length=20, choices=DevelopmentStatus.choices, default=DevelopmentStatus.APPROVED, db_index=True
    )
    biosimilar_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="biosimilars"
    )
    components = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="combinations", help_text="Fixed-dose combinations only."
    )
    drugbank_id = models.CharField("DrugBank ID", max_length=20, blank=True)
    chembl_id = models.CharField("ChEMBL ID", max_length=20, blank=True)
    unii = models.CharField("UNII", max_length=20, blank=True)
    ncit_code = models.CharField("NCIt code", max_length=20, blank=True)
    references = models.ManyToManyField("references.Reference", related_name="drugs", blank=True)
    sources = models.JSONField(default=list, blank=True, validators=[validate_string_list])
    notes = models.TextField(blank=True)

    objects = DrugQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(drug_antibody_ratio__isnull=True) | models.Q(drug_antibody_ratio__gt=0),
                name="drug_dar_positive",
                violation_error_message="The drug-to-antibody ratio must be greater than zero.",
            ),
            models.CheckConstraint(
                condition=models.Q(kinase_binding="") | models.Q(drug_class=DrugClass.TKI),
                name="drug_kinase_binding_only_for_tki",
                violation_error_message="Kinase binding (reversible/irreversible) applies to TKIs only.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("drugs:drug_detail", kwargs={"slug": self.slug})

    def clean(self) -> None:
        if self.biosimilar_of_id and self.biosimilar_of_id == self.pk:
            raise ValidationError({"biosimilar_of": "A drug cannot be a biosimilar of itself."})
        if self.drug_class != DrugClass.ADC and (self.payload or self.linker or self.drug_antibody_ratio):
            raise ValidationError("Payload, linker and drug-to-antibody ratio apply to ADCs only.")

    @property
    def identifier_links(self) -> list[tuple[str, str, str]]:
        """(database, identifier, URL) for each identifier the drug has, in a fixed order."""
        links = [
            ("DrugBank", self.drugbank_id, "https://go.drugbank.com/drugs/{}"),
            ("ChEMBL", self.chembl_id, "https://www.ebi.ac.uk/chembl/compound_report_card/{}/"),
            ("UNII (FDA GSRS)", self.unii, "https://gsrs.ncats.nih.gov/ginas/app/beta/substances/{}"),
            ("NCI Thesaurus", self.ncit_code, "https://evsexplore.semantics.cancer.gov/evsexplore/concept/ncit/{}"),
        ]
        # Quoted: identifiers are curated text, and a stray character must not break out of the URL path.
        return [(label, value, url.format(quote(value.strip(), safe=""))) for label, value, url in links if value]

    @property
    def display_name(self) -> str:
        """INN followed by the first brand name, as clinicians say it: 'trastuzumab deruxtecan (Enhertu)'."""
        return f"{self.name} ({self.brand_names[0]})" if self.brand_names else self.name


class ApprovalQuerySet(models.QuerySet):
    def for_list(self) -> ApprovalQuerySet:
        """Everything an approval table shows, fetched in a constant number of queries."""
        return self.select_related("drug").prefetch_related("pivotal_trials")

    def latest_first(self) -> ApprovalQuerySet:
        return self.order_by("-date", "drug__name")

    def indications(self) -> list[dict[str, object]]:
        """Each (tumour type, HER2 category) pair that has approvals, with labels and how many approvals,
        in the order of the choices (breast first). One query."""
        tumours, categories = dict(TumourType.choices), dict(Her2Category.choices)
        rows = self.values("tumour_type", "her2_category").annotate(approval_count=models.Count("pk")).order_by()

        def choice_order(row: dict) -> tuple[int, int]:
            # Unknown values (none should exist) sort last instead of failing the home page.
            return (
                list(tumours).index(row["tumour_type"]) if row["tumour_type"] in tumours else len(tumours),
                list(categories).index(row["her2_category"]) if row["her2_category"] in categories else len(categories),
            )

        return [
            {
                **row,
                "tumour_label": tumours.get(row["tumour_type"], row["tumour_type"]),
                "her2_label": categories.get(row["her2_category"], row["her2_category"]),
            }
            for row in sorted(rows, key=choice_order)
        ]

    def with_pivotal_results(self) -> ApprovalQuerySet:
        """Also fetch the pivotal trials' outcomes, so a table can show the result behind each approval."""
        return self.prefetch_related("pivotal_trials__outcomes")


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

    objects = ApprovalQuerySet.as_manager()
    history = HistoricalRecords()

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

    @property
    def source_url(self) -> str:
        """The primary source: the first URL in `sources`."""
        return self.sources[0] if self.sources else ""
