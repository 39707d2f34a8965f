"""HER2-targeted drugs and their regulatory approvals."""

from __future__ import annotations

from urllib.parse import quote

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone
from simple_history.models import HistoricalRecords

from her2kb.fulltext import bonus, filter_full_text, text_rank, uses_full_text_search
from her2kb.links import link
from her2kb.models import (
    ReviewedModel,
    SourceCheck,
    TimestampedModel,
    WatchRunBase,
    checked_through,
    prefetch_joined,
    prefetch_listed,
)
from her2kb.validators import DRUG_IDENTIFIER_RULES, validate_source_urls

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
        # The ?target= filter matches the symbol in any case.
        indexes = [models.Index(Upper("symbol"), name="target_symbol_upper_idx")]

    def __str__(self) -> str:
        return self.symbol


def _name_contains(text: str) -> models.Q:
    return (
        models.Q(name__icontains=text)
        | models.Q(slug__icontains=text)
        | models.Q(brand_names__icontains=text)
        | models.Q(synonyms__icontains=text)
    )


class DrugQuerySet(models.QuerySet):
    def approved(self) -> DrugQuerySet:
        """Drugs with at least one regulatory approval (a semi-join on the approvals' drug index, no DISTINCT)."""
        return self.filter(models.Exists(Approval.objects.filter(drug=models.OuterRef("pk"))))

    def unapproved(self) -> DrugQuerySet:
        """Drugs without any regulatory approval yet."""
        return self.filter(~models.Exists(Approval.objects.filter(drug=models.OuterRef("pk"))))

    def named(self, text: str) -> DrugQuerySet:
        """Drugs whose INN, slug, brand names or codes contain `text` (any case): "enhertu", "DS-8201", "T-DXd"."""
        return self.filter(_name_contains(text.strip()))

    def matching(self, text: str) -> DrugQuerySet:
        """`named(text)`, or drugs whose mechanism, payload or binding site match it (words on PostgreSQL, through
        the GIN-indexed `search_document`; substrings elsewhere)."""
        text = text.strip()
        named = _name_contains(text)
        if uses_full_text_search():
            return filter_full_text(self, text, or_matching=named)
        return self.filter(named | models.Q(mechanism__icontains=text) | models.Q(payload__icontains=text))

    def search(self, text: str) -> DrugQuerySet:
        """`matching(text)`, best first: an exact INN, brand name or code, then names containing it, then text."""
        text = text.strip()
        # The JSON lists are matched as text, so a whole list item is the query wrapped in JSON quotes.
        exact = (
            models.Q(name__iexact=text)
            | models.Q(brand_names__icontains=f'"{text}"')
            | models.Q(synonyms__icontains=f'"{text}"')
        )
        named = _name_contains(text)
        rank = bonus(exact, 2.0) + bonus(named, 1.0)
        if uses_full_text_search():
            rank = text_rank(Drug, text) + rank
        return self.matching(text).annotate(rank=rank).order_by("-rank", "name")

    def for_list(self) -> DrugQuerySet:
        """Everything a list of drugs shows, fetched in a constant number of queries."""
        return self.prefetch_related("targets").annotate(
            # distinct: a filter across approvals (e.g. by tumour) adds a join that would multiply the count.
            approval_count=models.Count("approvals", distinct=True)
        )

    def for_api(self) -> DrugQuerySet:
        """Everything the API shows for a drug (list, detail, export), in a constant number of queries."""
        return self.select_related("biosimilar_of").prefetch_related(
            "targets", "components", "approvals", prefetch_joined(Drug, "trial_roles", "trial"), "references"
        )

    def for_detail(self) -> DrugQuerySet:
        """Everything a drug's page shows: approvals with their pivotal trials, their results, the trials it is studied
        in with their outcomes, components, biosimilars and references, in a constant number of queries."""
        return self.select_related("biosimilar_of").prefetch_related(
            "targets",
            "components",
            "biosimilars",
            "approvals__pivotal_trials__outcomes",
            "approvals__references",
            prefetch_joined(Drug, "trial_roles", "trial", then=("trial__outcomes",)),
            "references",
            "literature_searches",
        )

    def by_class(self) -> DrugQuerySet:
        """Ordered by drug class in the order the classes are listed in `DrugClass`, then by name."""
        order = models.Case(
            *(models.When(drug_class=value, then=models.Value(i)) for i, value in enumerate(DrugClass.values)),
            default=models.Value(len(DrugClass.values)),
            output_field=models.IntegerField(),
        )
        return self.order_by(order, "name")


class Drug(TimestampedModel, ReviewedModel):
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
    # Watcher bookkeeping: when openFDA last answered every question about this drug (its applications, labels and
    # substance) in one run.
    fda_checked_at = models.DateTimeField("FDA checked", null=True, blank=True, editable=False)

    objects = DrugQuerySet.as_manager()
    # Links are tracked too, so the history shows (and a revert restores) which references a drug cites.
    history = HistoricalRecords(m2m_fields=["targets", "references"])

    class Meta:
        ordering = ["name"]
        # Publishing a dataset release is the Editors' right; it lives here because every release contains drugs.
        permissions = [("publish_release", "Can publish a dataset release")]
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
        return link("drugs:drug_detail", "slug", self.slug)

    def clean(self) -> None:
        if self.biosimilar_of_id and self.biosimilar_of_id == self.pk:
            raise ValidationError({"biosimilar_of": "A drug cannot be a biosimilar of itself."})
        if self.drug_class != DrugClass.ADC and (self.payload or self.linker or self.drug_antibody_ratio):
            raise ValidationError("Payload, linker and drug-to-antibody ratio apply to ADCs only.")
        errors = {}
        for name, (pattern, message) in DRUG_IDENTIFIER_RULES.items():
            value = getattr(self, name)
            if value and not pattern.fullmatch(value.strip()):
                errors[name] = message
        if self.sources:
            try:
                validate_source_urls(self.sources)
            except ValidationError as error:
                errors["sources"] = error.messages
        if errors:
            raise ValidationError(errors)

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
    def source_checks(self) -> list[SourceCheck]:
        """When PubMed's saved searches for this drug's names last ran, and openFDA last answered for it. Reads
        prefetched literature searches."""
        searches = [search.last_run_at for search in self.literature_searches.all() if search.enabled]
        return [SourceCheck("PubMed", checked_through(searches)), SourceCheck("FDA", self.fda_checked_at)]

    @property
    def display_name(self) -> str:
        """INN followed by the first brand name, as clinicians say it: 'trastuzumab deruxtecan (Enhertu)'."""
        return f"{self.name} ({self.brand_names[0]})" if self.brand_names else self.name


# Which recorded categories apply to a patient's HER2 status, and the reverse. One place for this rule.
HER2_CATEGORIES_COVERING: dict[str, list[str]] = {
    Her2Category.LOW: [Her2Category.LOW, Her2Category.LOW_OR_ULTRALOW],
    Her2Category.ULTRALOW: [Her2Category.ULTRALOW, Her2Category.LOW_OR_ULTRALOW],
}
HER2_STATUSES_COVERED: dict[str, list[str]] = {
    Her2Category.LOW_OR_ULTRALOW: [Her2Category.LOW, Her2Category.ULTRALOW],
}


class ApprovalQuerySet(models.QuerySet):
    def for_list(self) -> ApprovalQuerySet:
        """Everything an approval table shows, fetched in a constant number of queries."""
        return self.select_related("drug").prefetch_related("pivotal_trials")

    def for_api(self) -> ApprovalQuerySet:
        """Everything the API shows for an approval, in a constant number of queries, in plain lists."""
        return self.select_related("drug").prefetch_related(
            prefetch_listed(Approval, "pivotal_trials"), prefetch_listed(Approval, "references")
        )

    def without_sources(self) -> ApprovalQuerySet:
        """Approvals that cite no source document: a provenance gap for curators to fix."""
        return self.filter(models.Q(sources=[]) | models.Q(sources__isnull=True))

    def latest_first(self) -> ApprovalQuerySet:
        return self.order_by("-date", "drug__name")

    def for_her2_status(self, status: str) -> ApprovalQuerySet:
        """Approvals that apply to patients whose tumour has HER2 status `status` (a Her2Category value):
        an approval for "HER2-low or HER2-ultralow" applies to both HER2-low and HER2-ultralow."""
        return self.filter(her2_category__in=HER2_CATEGORIES_COVERING.get(status, [status]))

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
        """Also fetch the pivotal trials' outcomes and the approval's references, so a table can show the
        result behind each approval and flag a retracted source."""
        return self.prefetch_related("pivotal_trials__outcomes", "references")


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
    history = HistoricalRecords(m2m_fields=["pivotal_trials", "references"])

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
        self._check_conversion_dates()

    def _check_conversion_dates(self) -> None:
        """A conversion to regular approval converts an earlier approval by the same agency, so no conversion
        may be dated before the drug's first other approval by that agency: checked from either side."""
        if not (self.drug_id and self.agency and self.date):
            return
        others = Approval.objects.filter(drug_id=self.drug_id, agency=self.agency).exclude(pk=self.pk)
        is_conversion = self.approval_type == ApprovalType.CONVERSION_TO_REGULAR
        initial_dates = [
            date
            for date, kind in others.values_list("date", "approval_type")
            if kind != ApprovalType.CONVERSION_TO_REGULAR
        ]
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
        earlier_conversion = (
            others.filter(approval_type=ApprovalType.CONVERSION_TO_REGULAR, date__lt=first).order_by("date").first()
        )
        if not is_conversion and earlier_conversion:
            raise ValidationError(
                {
                    "date": f"With this date the drug's first {agency} approval would come after its conversion "
                    f"to regular approval of {earlier_conversion.date:%d %b %Y}. Check the dates."
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


class FdaWatchRun(WatchRunBase):
    """One run of the openFDA watcher: the applications, labels, substances and classes it asked about, and what it
    found that the dataset does not hold. It writes proposals only, never a record."""

    requested = models.PositiveIntegerField(
        default=0, help_text="Things asked about: tracked applications and labels, drug substances, classes."
    )
    updated = models.PositiveIntegerField(default=0, help_text="Of those, how many had findings.")
    unchanged = models.PositiveIntegerField(default=0, help_text="Of those, how many had nothing new.")
    failed = models.PositiveIntegerField(default=0, help_text="Of those, how many failed; retried next run.")
    requests_made = models.PositiveIntegerField(default=0, help_text="HTTP requests to openFDA, retries included.")
    notes = models.JSONField(default=list, blank=True, help_text="E.g. a tracked label openFDA does not know.")

    class Meta(WatchRunBase.Meta):
        verbose_name = "openFDA watch run"
