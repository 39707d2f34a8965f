"""HER2-targeted drugs and the receptors they bind."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from urllib.parse import quote

from django.core.exceptions import ValidationError
from django.db import connections, models
from django.db.models.functions import Upper
from django.urls import reverse
from simple_history.models import HistoricalRecords

from her2kb.fulltext import (
    DocumentPart,
    SearchDocument,
    bonus,
    identifier_key,
    text_match,
    text_rank,
)
from her2kb.identifiers import identifier_links, identifier_url
from her2kb.links import link
from her2kb.models import (
    ReviewedModel,
    SourceCheck,
    TimestampedModel,
    WatchRunBase,
    checked_through,
    prefetch_joined,
    value_list,
)
from her2kb.validators import DRUG_IDENTIFIER_RULES, validate_hgnc_id, validate_source_urls

from ..choices import Agency, DevelopmentStatus, DrugClass, KinaseBinding, Route


def validate_string_list(value: object) -> None:
    """JSON list fields (names, codes, URLs) hold a list of non-empty strings."""
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValidationError('Enter a list of non-empty texts, e.g. ["Enhertu"].')


class Target(TimestampedModel):
    """A receptor a drug binds: HER2 (ERBB2), and for some drugs also EGFR, HER3 or HER4."""

    symbol = models.CharField(max_length=20, unique=True, help_text="e.g. HER2")
    name = models.CharField(max_length=100, blank=True, help_text="e.g. Receptor tyrosine-protein kinase erbB-2")
    gene_symbol = models.CharField(max_length=20, blank=True, help_text="HGNC gene symbol, e.g. ERBB2.")
    hgnc_id = models.CharField("HGNC ID", max_length=20, blank=True, validators=[validate_hgnc_id])
    entrez_gene_id = models.PositiveIntegerField("Entrez Gene ID", null=True, blank=True)
    sources = models.JSONField(default=list, blank=True, validators=[validate_string_list])

    # What another record shows of this one (the API's summaries): all that the bulk export reads of it there.
    SUMMARY_FIELDS = ("symbol", "name", "gene_symbol", "hgnc_id", "entrez_gene_id")
    history = HistoricalRecords()

    class Meta:
        ordering = ["symbol"]
        # The ?target= filter matches the symbol or the gene symbol in any case.
        indexes = [
            models.Index(Upper("symbol"), name="target_symbol_upper_idx"),
            models.Index(Upper("gene_symbol"), name="target_gene_symbol_upper_idx"),
        ]

    def __str__(self) -> str:
        return self.symbol

    def get_absolute_url(self) -> str:
        return f"{reverse('drugs:drug_list')}?target={quote(self.symbol)}"

    def clean(self) -> None:
        if self.sources:
            try:
                validate_source_urls(self.sources)
            except ValidationError as error:
                raise ValidationError({"sources": error.messages}) from error

    @property
    def gene_url(self) -> str:
        """The gene's NCBI Gene page, when its Entrez Gene ID is recorded."""
        return identifier_url("ncbigene", self.entrez_gene_id)

    @property
    def hgnc_url(self) -> str:
        """The gene's HGNC report, when its HGNC ID is recorded."""
        return identifier_url("hgnc", self.hgnc_id)

    @property
    def identifier_links(self) -> list[tuple[str, str, str]]:
        """(database, identifier, URL) for the gene's HGNC ID and Entrez Gene ID, those recorded."""
        return identifier_links([("hgnc", self.hgnc_id), ("ncbigene", self.entrez_gene_id)])


# The fields that name a drug, matched as identifiers (separators ignored) by search.
DRUG_NAME_FIELDS = ("name", "slug", "brand_names", "synonyms")
# The prose a code is looked for in, separators ignored ("DS8201" in "… DS-8201a …").
DRUG_SEARCHED_PROSE = ("mechanism", "payload")
# What search matches and ranks (her2kb.fulltext): names and codes weigh most, the mechanism and payload less. The
# same parts and weights as the `search_document` of the PostgreSQL migration 0008.
DRUG_DOCUMENT = SearchDocument(
    table="drugs_drug",
    parts=(
        DocumentPart("names", "A", columns=("name",), json_columns=("brand_names", "synonyms")),
        DocumentPart("prose", "C", columns=("mechanism", "payload", "binding_site")),
    ),
)
# "Did you mean …": the names compared with a misspelt query, how many are offered, and how close they must be
# (pg_trgm's word similarity on PostgreSQL, difflib's ratio elsewhere; one wrong letter in a ten-letter name scores
# about 0.6 and 0.9).
SPELLING_FIELDS = ("name", "brand_names", "synonyms")
SPELLING_SUGGESTIONS = 3
TRIGRAM_CLOSENESS = 0.3
DIFFLIB_CLOSENESS = 0.75


def _name_contains(text: str) -> models.Q:
    return (
        models.Q(name__icontains=text)
        | models.Q(slug__icontains=text)
        | models.Q(brand_names__icontains=text)
        | models.Q(synonyms__icontains=text)
    )


def _approvals_of_each_drug() -> models.QuerySet:
    # The approval model by its relation, not by import: drugs/models/approval.py imports this module.
    approval_model = Drug._meta.get_field("approvals").related_model
    return approval_model.objects.filter(drug=models.OuterRef("pk"))


class DrugQuerySet(models.QuerySet):
    def approved(self) -> DrugQuerySet:
        """Drugs with at least one regulatory approval (a semi-join on the approvals' drug index, no DISTINCT)."""
        return self.filter(models.Exists(_approvals_of_each_drug()))

    def unapproved(self) -> DrugQuerySet:
        """Drugs without any regulatory approval yet."""
        return self.filter(~models.Exists(_approvals_of_each_drug()))

    def with_target(self, symbols: str | Iterable[str]) -> DrugQuerySet:
        """Drugs binding any of the targets `symbols`, each named by its symbol or its HGNC gene symbol in any case
        (HER2 or ERBB2)."""
        named = models.Q()
        for symbol in value_list(symbols):
            named |= models.Q(symbol__iexact=symbol) | models.Q(gene_symbol__iexact=symbol)
        binding = Drug.targets.through.objects.filter(target__in=Target.objects.filter(named).values("pk"))
        return self.filter(pk__in=binding.values("drug_id"))

    def named(self, text: str) -> DrugQuerySet:
        """Drugs whose INN, slug, brand names or codes contain `text` (any case): "enhertu", "DS-8201", "T-DXd"."""
        return self.filter(_name_contains(text.strip()))

    def matching(self, text: str) -> DrugQuerySet:
        """
        Drugs whose INN, slug, brand names or codes hold `text` with or without separators ("DS8201", "ds 8201" and
        "DS-8201a" find DS-8201a; "tdxd" finds T-DXd), or whose document (names, mechanism, payload) matches every
        word of it (`her2kb.fulltext.text_matches`). Short terms ("ILD") match whole words only.
        """
        match = text_match(DRUG_DOCUMENT, text.strip(), identifiers=DRUG_NAME_FIELDS, texts=DRUG_SEARCHED_PROSE)
        return self.filter(match.any())

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
        rank = text_rank(DRUG_DOCUMENT, text) + bonus(exact, 2.0) + bonus(named, 1.0)
        return self.matching(text).annotate(rank=rank).order_by("-rank", "name")

    def spelled_like(self, text: str, *, limit: int = SPELLING_SUGGESTIONS) -> list[str]:
        """
        The INNs of at most `limit` drugs whose INN, brand names or codes are spelt most like `text`, closest first:
        "trastuzamab" → ["trastuzumab", …], "enhretu" → ["trastuzumab deruxtecan"] (Enhertu). For a search that found
        nothing ("Did you mean …"). PostgreSQL compares trigrams (pg_trgm's strict word similarity); elsewhere difflib
        compares the text with each name, word and code of the few hundred drugs. One query.
        """
        text = " ".join(text.lower().split())
        if not identifier_key(text):
            return []
        if connections[self.db].vendor == "postgresql":
            from django.contrib.postgres.search import TrigramSimilarity, TrigramStrictWordSimilarity

            closeness = models.functions.Greatest(
                *(
                    TrigramStrictWordSimilarity(text, models.functions.Cast(name, models.TextField()))
                    for name in SPELLING_FIELDS
                )
            )
            # Ties (a name holding the closest word) go to the name closest as a whole: "trastuzumab" before
            # "pertuzumab, trastuzumab, and hyaluronidase".
            close = self.annotate(closeness=closeness, whole=TrigramSimilarity("name", text))
            close = close.filter(closeness__gte=TRIGRAM_CLOSENESS).order_by("-closeness", "-whole", "name")
            return list(close.values_list("name", flat=True)[:limit])
        scored = []
        for name, *lists in self.values_list(*SPELLING_FIELDS):
            terms = [name, *name.split(), *(term for values in lists for term in values or [])]
            closeness = max(difflib.SequenceMatcher(None, text, term.lower()).ratio() for term in terms)
            if closeness >= DIFFLIB_CLOSENESS:
                # Ties go to the name closest as a whole, as on PostgreSQL.
                whole = difflib.SequenceMatcher(None, text, name.lower()).ratio()
                scored.append((-closeness, -whole, name))
        return [name for *_, name in sorted(scored)[:limit]]

    def for_list(self) -> DrugQuerySet:
        """Everything a list of drugs shows, fetched in a constant number of queries."""
        return self.prefetch_related("targets").annotate(
            # distinct: a filter across approvals (e.g. by tumour) adds a join that would multiply the count.
            approval_count=models.Count("approvals", distinct=True)
        )

    def for_api(self) -> DrugQuerySet:
        """Everything the API shows for a drug (list, detail, export), in a constant number of queries."""
        return self.select_related("biosimilar_of").prefetch_related(
            "targets",
            "components",
            "approvals",
            prefetch_joined(Drug, "trial_roles", "trial"),
            "references",
            "products",
            "labels",
            "events",
        )

    def for_detail(self) -> DrugQuerySet:
        """Everything a drug's page shows (`drug_detail_lookups()`), in a constant number of queries."""
        return self.select_related("biosimilar_of", "last_reviewed_by").prefetch_related(*drug_detail_lookups())

    def by_class(self) -> DrugQuerySet:
        """Ordered by drug class in the order the classes are listed in `DrugClass`, then by name."""
        order = models.Case(
            *(models.When(drug_class=value, then=models.Value(i)) for i, value in enumerate(DrugClass.values)),
            default=models.Value(len(DrugClass.values)),
            output_field=models.IntegerField(),
        )
        return self.order_by(order, "name")


def drug_detail_lookups() -> tuple[str | models.Prefetch, ...]:
    """
    What a drug's page shows beyond the drug itself: who reviewed it, what it is a biosimilar of, its targets,
    components and biosimilars; approvals (what their table rows show is fetched by drugs.views.approval_rows, for
    the rows not rendered since the last edit); brands, labels with their warnings and regulatory events; the trials
    it is studied in with their primary results; references. A function, so each use gets Prefetch objects of its
    own.
    """
    # The trial models through the relation: drugs does not import trials (the app below it).
    role_model = Drug._meta.get_field("trial_roles").related_model
    trial_model = role_model._meta.get_field("trial").related_model
    # A trial's card shows its names, phase, status, HER2 category and title: not the forty columns of its record.
    card = ("acronym", "nct_id", "slug", "phase", "status", "her2_category", "title")
    roles = role_model.objects.select_related("trial").only("role", "drug", *(f"trial__{name}" for name in card))
    return (
        "biosimilar_of",
        "last_reviewed_by",
        "targets",
        "components",
        "biosimilars",
        "approvals",
        "products",
        prefetch_joined(Drug, "labels", "product", then=("warnings",)),
        prefetch_joined(Drug, "events", "product"),
        "literature_searches",
        models.Prefetch("trial_roles", roles.prefetch_related(trial_model.prefetch_primary_outcomes("trial"))),
        "references",
    )


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
    drugbank_id = models.CharField("DrugBank ID", max_length=20, blank=True, db_index=True)
    chembl_id = models.CharField("ChEMBL ID", max_length=20, blank=True, db_index=True)
    unii = models.CharField("UNII", max_length=20, blank=True, db_index=True)
    ncit_code = models.CharField("NCIt code", max_length=20, blank=True, db_index=True)
    atc_code = models.CharField(
        "ATC code", max_length=7, blank=True, db_index=True, help_text="WHO ATC code, e.g. L01FD01."
    )
    rxnorm_cui = models.CharField("RxNorm CUI", max_length=12, blank=True, db_index=True)
    references = models.ManyToManyField("references.Reference", related_name="drugs", blank=True)
    sources = models.JSONField(default=list, blank=True, validators=[validate_string_list])
    notes = models.TextField(blank=True)
    # Watcher bookkeeping: when openFDA last answered every question about this drug (its applications, labels and
    # substance) in one run.
    fda_checked_at = models.DateTimeField("FDA checked", null=True, blank=True, editable=False)

    # What another record shows of this one (the API's summaries): all that `prefetch_listed` reads.
    SUMMARY_FIELDS = ("slug", "name", "drug_class")
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
        return identifier_links(
            [
                ("drugbank", self.drugbank_id),
                ("chembl", self.chembl_id),
                ("unii", self.unii),
                ("ncit", self.ncit_code),
                ("atc", self.atc_code),
                ("rxnorm", self.rxnorm_cui),
            ]
        )

    @property
    def source_checks(self) -> list[SourceCheck]:
        """When PubMed's saved searches for this drug's names last ran, and openFDA last answered for it. Reads
        prefetched literature searches."""
        searches = [search.last_run_at for search in self.literature_searches.all() if search.enabled]
        return [SourceCheck("PubMed", checked_through(searches)), SourceCheck("FDA", self.fda_checked_at)]

    @property
    def brands(self) -> list[dict]:
        """Each brand name with the products (one per agency) that carry it, in brand order. Reads prefetched
        products: "Hercessi (FDA)", "Zercepac (EMA)" … for one molecule."""
        brands: dict[str, list] = {}
        for product in sorted(self.products.all(), key=lambda product: (product.brand_name.lower(), product.agency)):
            brands.setdefault(product.brand_name, []).append(product)
        return [{"brand_name": name, "products": products} for name, products in brands.items()]

    @property
    def agencies_without_approvals(self) -> list[tuple[str, str]]:
        """The agencies (code, label) with no approval of this drug on record, in the site's agency order. Reads
        prefetched approvals. "No approval on record" is not "not approved": the pages link what is known to be
        missing."""
        recorded = {approval.agency for approval in self.approvals.all()}
        return [(code, label) for code, label in Agency.choices if code not in recorded]

    @property
    def display_name(self) -> str:
        """INN followed by the first brand name, as clinicians say it: 'trastuzumab deruxtecan (Enhertu)'."""
        return f"{self.name} ({self.brand_names[0]})" if self.brand_names else self.name


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
