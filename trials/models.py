"""Clinical trials of HER2-targeted drugs and their published outcomes."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from simple_history.models import HistoricalRecords

from drugs.choices import Her2Category, TumourType
from drugs.models import Approval, validate_string_list
from her2kb.fulltext import (
    DocumentPart,
    SearchDocument,
    TextMatch,
    among_top_candidates,
    bonus,
    text_match,
    text_rank,
)
from her2kb.identifiers import identifier_url
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
from her2kb.validators import (
    NCT_PATTERN,
    validate_doi,
    validate_nct_id,
    validate_not_in_future,
    validate_source_url,
    validate_source_urls,
)

from .choices import (
    DatePrecision,
    DrugRole,
    Endpoint,
    OutcomeSourceKind,
    RegistryValueType,
    TrialPhase,
    TrialStatus,
    ValueUnit,
)


def registry_type_field(what: str) -> models.CharField:
    return models.CharField(
        f"{what} type", max_length=12, choices=RegistryValueType.choices, blank=True, help_text="Actual or anticipated."
    )


def date_precision_field(what: str) -> models.CharField:
    return models.CharField(
        f"{what} precision",
        max_length=5,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
        # Set by the ClinicalTrials.gov sync and the dataset files ("2016-07"), not typed: a curator types a date.
        editable=False,
        help_text="Month: the source states the month only (the day stored is the 1st).",
    )


TRIAL_IDENTIFIER_FIELDS = ("acronym", "nct_id")
# The prose a code is looked for in, separators ignored ("DS8201" in "… DS-8201a …").
TRIAL_SEARCHED_PROSE = ("title", "conditions")
# What search matches and ranks (her2kb.fulltext): the acronym and NCT number weigh most, then the title, then the
# conditions and sponsor. The same parts and weights as the `search_document` of the PostgreSQL migration 0005.
TRIAL_DOCUMENT = SearchDocument(
    table="trials_trial",
    parts=(
        DocumentPart("identifiers", "A", columns=("acronym", "nct_id")),
        DocumentPart("title", "B", columns=("title",)),
        DocumentPart("other", "C", columns=("sponsor",), json_columns=("conditions",)),
    ),
)


def _text_match(text: str) -> TextMatch:
    """How a trial matches `text` (see `TrialQuerySet.matching`)."""
    return text_match(TRIAL_DOCUMENT, text, identifiers=TRIAL_IDENTIFIER_FIELDS, texts=TRIAL_SEARCHED_PROSE)


class TrialQuerySet(models.QuerySet):
    def matching(self, text: str) -> TrialQuerySet:
        """
        Trials whose acronym or NCT number holds `text` (clinicians type "DESTINY-B", "destiny breast04" or
        "NCT0352"; separators are ignored), or whose document (acronym, NCT number, title, conditions, sponsor)
        matches every word of it (`her2kb.fulltext.text_match_branches`). Short terms match whole words only.
        """
        return self.filter(_text_match(text.strip()).any())

    def search(self, text: str) -> TrialQuerySet:
        """`matching(text)`, best first: the exact NCT number or acronym, then partial identifiers, then text. Only
        the newest RANKED_CANDIDATES matches of each kind (and every identifier match) are ranked."""
        text = text.strip()
        exact = models.Q(nct_id__iexact=text) | models.Q(acronym__iexact=text)
        match = _text_match(text)
        rank = text_rank(TRIAL_DOCUMENT, text) + bonus(exact, 2.0) + bonus(match.identifier, 1.0)
        found = among_top_candidates(self, match, "-pk")
        # The key last: trials tying on rank and acronym without NCT numbers keep one order (a search's top few).
        return found.annotate(rank=rank).order_by("-rank", "acronym", "nct_id", "pk")

    def studying(self, **trial_drug_conditions: object) -> TrialQuerySet:
        """Trials with a drug meeting `trial_drug_conditions` (lookups on TrialDrug: `drug__drug_class__in=[…]`,
        `role__in=[…]`), each trial once."""
        return self.filter(pk__in=TrialDrug.objects.filter(**trial_drug_conditions).values("trial_id"))

    def with_outcome(self, **outcome_conditions: object) -> TrialQuerySet:
        """Trials with a recorded outcome meeting `outcome_conditions` (e.g. `endpoint__in=["os"]`)."""
        return self.filter(pk__in=Outcome.objects.filter(**outcome_conditions).values("trial_id"))

    def for_list(self) -> TrialQuerySet:
        """Everything a trial list shows, fetched in a constant number of queries."""
        return self.prefetch_related(prefetch_joined(Trial, "trial_drugs", "drug"))

    def for_detail(self) -> TrialQuerySet:
        """Everything a trial's page shows (`trial_detail_lookups()`), in a constant number of queries."""
        return self.select_related("last_reviewed_by").prefetch_related(*trial_detail_lookups())

    def for_api(self) -> TrialQuerySet:
        """Everything the API shows for a trial (list, detail, export), in a constant number of queries, in
        plain lists (`prefetch_listed`)."""
        return self.prefetch_related(
            prefetch_listed(Trial, "trial_drugs", "drug"),
            prefetch_listed(Trial, "outcomes"),
            prefetch_listed(Trial, "references"),
            prefetch_listed(Trial, "supported_approvals", "drug"),
        )

    def get_by_identifier(self, identifier: str) -> Trial:
        """A trial by its NCT number (any case) or its slug: both are public URLs."""
        if identifier.upper().startswith("NCT"):
            return self.get(nct_id=identifier.upper())
        return self.get(slug=identifier)


class Trial(TimestampedModel, ReviewedModel):
    """
    A clinical trial, identified by its ClinicalTrials.gov NCT number when it has one.

    For a trial with an NCT number the registry owns REGISTRY_FIELDS: the ClinicalTrials.gov sync keeps them as the
    registry states them. Everything else (acronym, title, conditions, design, arms, drugs, endpoints, outcomes,
    references, sources, notes) is curated and never written by a sync.
    """

    REGISTRY_FIELDS = (
        "status",
        "phase",
        "start_date",
        "start_date_type",
        "start_date_precision",
        "primary_completion_date",
        "primary_completion_date_type",
        "primary_completion_date_precision",
        "completion_date",
        "completion_date_type",
        "completion_date_precision",
        "enrollment",
        "enrollment_type",
        "sponsor",
        "registry_last_updated",
        "has_results",
        "registry_pmids",
    )

    nct_id = models.CharField(
        "NCT number",
        max_length=11,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_nct_id],
        help_text="ClinicalTrials.gov identifier; leave empty for trials without one.",
    )
    slug = models.SlugField(max_length=100, unique=True)
    acronym = models.CharField(max_length=100, blank=True, help_text="e.g. DESTINY-Breast03")
    title = models.TextField(blank=True)
    phase = models.CharField(max_length=20, choices=TrialPhase.choices, db_index=True)
    status = models.CharField(max_length=30, choices=TrialStatus.choices, default=TrialStatus.UNKNOWN, db_index=True)
    start_date = models.DateField(null=True, blank=True, db_index=True)
    start_date_type = registry_type_field("start date")
    start_date_precision = date_precision_field("start date")
    primary_completion_date = models.DateField(null=True, blank=True, db_index=True)
    primary_completion_date_type = registry_type_field("primary completion date")
    primary_completion_date_precision = date_precision_field("primary completion date")
    completion_date = models.DateField(null=True, blank=True)
    completion_date_type = registry_type_field("completion date")
    completion_date_precision = date_precision_field("completion date")
    sponsor = models.CharField(max_length=200, blank=True)
    conditions = models.JSONField(default=list, blank=True, validators=[validate_string_list])
    enrollment = models.PositiveIntegerField(null=True, blank=True, db_index=True)
    enrollment_type = registry_type_field("enrolment")
    registry_last_updated = models.DateField(
        "last update posted", null=True, blank=True, help_text="ClinicalTrials.gov's last update posted date."
    )
    has_results = models.BooleanField(
        "results posted", null=True, blank=True, help_text="Whether ClinicalTrials.gov has results posted."
    )
    registry_pmids = models.JSONField(
        "PMIDs the registry lists",
        default=list,
        blank=True,
        help_text="Results and derived publications ClinicalTrials.gov links to this trial.",
    )
    # Sync bookkeeping: when ClinicalTrials.gov last answered for this trial, and why the last attempt failed.
    registry_checked_at = models.DateTimeField("registry checked", null=True, blank=True)
    registry_sync_error = models.TextField(blank=True)
    tumour_type = models.CharField(max_length=30, choices=TumourType.choices, blank=True, db_index=True)
    her2_category = models.CharField(
        "HER2 category", max_length=30, choices=Her2Category.choices, blank=True, db_index=True
    )
    design = models.CharField(max_length=300, blank=True, help_text="e.g. Randomized, open-label, multicenter")
    arms = models.JSONField(default=list, blank=True, validators=[validate_string_list])
    drugs = models.ManyToManyField("drugs.Drug", through="TrialDrug", related_name="trials", blank=True)
    primary_endpoint = models.TextField(blank=True)
    references = models.ManyToManyField("references.Reference", related_name="trials", blank=True)
    sources = models.JSONField(default=list, blank=True, validators=[validate_string_list])
    notes = models.TextField(blank=True)

    # What another record shows of this one (the API's summaries): all that `prefetch_listed` reads.
    SUMMARY_FIELDS = ("nct_id", "slug", "acronym")
    objects = TrialQuerySet.as_manager()
    # References are tracked too, so the history shows (and a revert restores) what a trial cites.
    history = HistoricalRecords(m2m_fields=["references"])

    class Meta:
        ordering = ["acronym", "nct_id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(nct_id__isnull=True) | models.Q(nct_id__regex=NCT_PATTERN),
                name="trial_nct_id_format",
                violation_error_message="An NCT number is 'NCT' followed by exactly 8 digits.",
            ),
        ]
        indexes = [
            models.Index(Lower("acronym"), name="trial_acronym_lower_idx"),
            # The lists' order (acronym, NCT number, then the key that makes pages stable), with the key in the
            # index: a deep page's keys come from an index-only scan (her2kb.paginators).
            models.Index(fields=["acronym", "nct_id", "id"], name="trial_list_order_idx"),
            # The API's other orders, each way (`?ordering=`, with the key ascending as tie-breaker): a deep page's
            # keys come from one index too, instead of sorting all 20,000 trials for every page (20-70 ms, most in
            # text collation). An ascending index read backwards would give the key descending, so each direction
            # has its own.
            *(
                models.Index(fields=[f"{sign}{field}", "id"], name=f"trial_{field}_{way}_idx")
                for field in ("acronym", "nct_id", "start_date", "phase")
                for sign, way in (("", "up"), ("-", "down"))
            ),
        ]

    def __str__(self) -> str:
        if self.acronym and self.nct_id:
            return f"{self.acronym} ({self.nct_id})"
        return self.acronym or self.nct_id or self.slug

    def get_absolute_url(self) -> str:
        return link("trials:trial_detail", "identifier", self.nct_id or self.slug)

    def save(self, *args, **kwargs) -> None:
        # Unique-but-optional: store "no NCT number" as NULL so that many trials may lack one.
        self.nct_id = self.nct_id.strip().upper() if self.nct_id else None
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.nct_id:
            self.nct_id = self.nct_id.strip().upper()
        # Start and completion dates may lie in the future: ClinicalTrials.gov gives anticipated dates.
        if self.start_date and self.primary_completion_date and self.primary_completion_date < self.start_date:
            raise ValidationError({"primary_completion_date": "Primary completion cannot precede the start."})
        if (
            self.primary_completion_date
            and self.completion_date
            and self.completion_date < self.primary_completion_date
        ):
            raise ValidationError({"completion_date": "Study completion cannot precede primary completion."})
        if self.sources:
            try:
                validate_source_urls(self.sources)
            except ValidationError as error:
                raise ValidationError({"sources": error.messages}) from error

    @classmethod
    def prefetch_primary_outcomes(cls, through: str = "") -> models.Prefetch:
        """
        Prefetch only the primary outcomes of trials, with their sources, into the list `primary_outcomes` reads:
        `through` is the path from the queryset's model to the trials ("pivotal_trials"; empty for trials).

        A table that shows each trial's primary results has no use for the other outcomes; at scale a trial has
        many more of those, and fetching them cost more than the whole rest of a drug's page.
        """
        lookup = f"{through}__outcomes" if through else "outcomes"
        # Outcomes of one endpoint and population in several arms tie on the usual order: by key, as entered.
        primary = Outcome.objects.filter(is_primary=True).order_by(*Outcome._meta.ordering, "pk")
        primary = primary.prefetch_related("sources")
        return models.Prefetch(lookup, queryset=primary, to_attr=PRIMARY_OUTCOMES)

    @property
    def primary_outcomes(self) -> list[Outcome]:
        """The outcomes of primary endpoints: the list `prefetch_primary_outcomes` fetched, or else a prefetched
        `outcomes` filtered in Python."""
        fetched = self.__dict__.get(PRIMARY_OUTCOMES)
        if fetched is not None:
            return fetched
        return [outcome for outcome in self.outcomes.all() if outcome.is_primary]

    @property
    def source_checks(self) -> list[SourceCheck]:
        """When ClinicalTrials.gov (trials with an NCT number) and PubMed's saved searches last looked at this trial.
        Reads prefetched literature searches."""
        checks = [SourceCheck("Registry", self.registry_checked_at)] if self.nct_id else []
        searches = [search.last_run_at for search in self.literature_searches.all() if search.enabled]
        return [*checks, SourceCheck("PubMed", checked_through(searches))]

    @property
    def dates_stated(self) -> dict[str, dict[str, str]]:
        """Each date as precisely as the source states it: {"start_date": {"iso": "2015-09", "text": "Sep 2015",
        "type": "anticipated"}}, for the dates the trial has."""
        stated = {}
        for name in ("start_date", "primary_completion_date", "completion_date"):
            value = getattr(self, name)
            if value is None:
                continue
            month_only = getattr(self, f"{name}_precision") == DatePrecision.MONTH
            stated[name] = {
                "iso": f"{value:%Y-%m}" if month_only else value.isoformat(),
                "text": f"{value:%b %Y}" if month_only else f"{value.day} {value:%b %Y}",
                "type": getattr(self, f"{name}_type"),
            }
        return stated

    @property
    def clinicaltrials_gov_url(self) -> str:
        return identifier_url("nct", self.nct_id)


# Where `Trial.prefetch_primary_outcomes` puts a trial's primary outcomes.
PRIMARY_OUTCOMES = "fetched_primary_outcomes"


def trial_detail_lookups() -> tuple[str | models.Prefetch, ...]:
    """What a trial's page shows beyond the trial itself: who reviewed it, drugs and roles, outcomes with their
    references and sources, the approvals the trial supports, references, and when its sources were last checked.
    Records shown only by name (a drug, an approval, a reference beside a result) come with only those columns: a
    drug's thirty or a reference's abstract cost more to read than the query. A function, so each use gets Prefetch
    objects of its own."""
    reference_model = Trial._meta.get_field("references").related_model
    drugs = TrialDrug.objects.select_related("drug").only(
        "role", "trial", "drug__name", "drug__slug", "drug__brand_names"
    )
    shown_approval = ("agency", "date", "approval_type", "her2_category", "tumour_type", "drug__name", "drug__slug")
    approvals = Approval.objects.select_related("drug", "product").only(*shown_approval, "product__brand_name")
    return (
        "last_reviewed_by",
        models.Prefetch("trial_drugs", drugs),
        "outcomes",
        models.Prefetch("outcomes__references", reference_model.objects.only("pmid", "is_retracted", "has_erratum")),
        "outcomes__sources",
        "references",
        models.Prefetch("supported_approvals", approvals.prefetch_related("designations", "companion_diagnostics")),
        "literature_searches",
    )


class TrialDrug(models.Model):
    """A drug studied in a trial, and the role it plays there."""

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="trial_drugs")
    drug = models.ForeignKey("drugs.Drug", on_delete=models.PROTECT, related_name="trial_roles")
    role = models.CharField(max_length=20, choices=DrugRole.choices, default=DrugRole.EXPERIMENTAL, db_index=True)

    # What another record shows of this one (the API's summaries): all that `prefetch_listed` reads.
    SUMMARY_FIELDS = ("role",)
    history = HistoricalRecords()

    class Meta:
        ordering = ["trial", "role", "drug__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["trial", "drug"],
                name="trialdrug_unique_trial_drug",
                violation_error_message="This drug is already listed for this trial.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.drug} in {self.trial} ({self.get_role_display()})"

    def get_absolute_url(self) -> str:
        return self.trial.get_absolute_url()


class OutcomeQuerySet(models.QuerySet):
    def for_api(self) -> OutcomeQuerySet:
        """Everything the API shows for an outcome, in a constant number of queries."""
        return self.select_related("trial").prefetch_related(prefetch_listed(Outcome, "references"), "sources")

    def evidence_for(self, approvals: models.QuerySet) -> OutcomeQuerySet:
        """
        Flat evidence rows: one per approval in `approvals` × its pivotal trial × that trial's primary outcome.
        Each row is an Outcome (with its trial, references and sources) carrying its approval's fields as
        `approval_*` annotations, ordered by approval then outcome; a constant number of queries.
        """
        approval = "trial__supported_approvals"
        return (
            self.for_api()
            .filter(is_primary=True, **{f"{approval}__in": approvals})
            .annotate(
                approval_pk=models.F(f"{approval}__pk"),
                approval_agency=models.F(f"{approval}__agency"),
                approval_date=models.F(f"{approval}__date"),
                approval_drug=models.F(f"{approval}__drug__slug"),
                approval_tumour_type=models.F(f"{approval}__tumour_type"),
                approval_her2_category=models.F(f"{approval}__her2_category"),
                approval_setting=models.F(f"{approval}__setting"),
            )
            .order_by("approval_pk", "pk")
        )

    def with_reference_count(self) -> OutcomeQuerySet:
        """Annotate `reference_count` (publications) and `source_count` (labels, assessment reports, abstracts …),
        so a list can flag outcomes that cite nothing in one query."""
        return self.annotate(
            reference_count=models.Count("references", distinct=True),
            source_count=models.Count("sources", distinct=True),
        )

    def without_references(self) -> OutcomeQuerySet:
        """Outcomes that cite neither a publication nor another source: a provenance gap for curators to fix."""
        return self.filter(references__isnull=True, sources__isnull=True)

    def with_hazard_ratio(self) -> OutcomeQuerySet:
        """Outcomes that can be drawn on a forest plot."""
        return self.filter(hazard_ratio__isnull=False, ci_lower__isnull=False, ci_upper__isnull=False)


class Outcome(TimestampedModel):
    """A published result of one endpoint of a trial: medians or rates, hazard ratio and its 95% CI."""

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="outcomes")
    endpoint = models.CharField(max_length=10, choices=Endpoint.choices, db_index=True)
    endpoint_label = models.CharField(max_length=200, blank=True, help_text="Detail, e.g. 'PFS by BICR'.")
    is_primary = models.BooleanField(default=False, db_index=True)
    population = models.CharField(max_length=200, blank=True, help_text="e.g. HR-positive cohort; ITT.")
    analysis = models.CharField(max_length=200, blank=True, help_text="e.g. primary analysis; final OS analysis.")
    data_cutoff = models.DateField(
        "data cut-off", null=True, blank=True, db_index=True, validators=[validate_not_in_future]
    )
    experimental_arm = models.CharField(max_length=200, blank=True)
    control_arm = models.CharField(max_length=200, blank=True)
    experimental_value = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    control_value = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    value_unit = models.CharField(max_length=10, choices=ValueUnit.choices, blank=True)
    timepoint = models.CharField(max_length=50, blank=True, help_text="For landmark rates, e.g. '3-year'.")
    value_ci_lower = models.DecimalField(
        "value 95% CI lower",
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="95% CI of the experimental value (single-arm results such as ORR or median DOR).",
    )
    value_ci_upper = models.DecimalField(
        "value 95% CI upper",
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Leave empty when the upper bound was not estimable.",
    )
    hazard_ratio = models.DecimalField(max_digits=6, decimal_places=3, null=True, blank=True, db_index=True)
    ci_lower = models.DecimalField("HR 95% CI lower", max_digits=6, decimal_places=3, null=True, blank=True)
    ci_upper = models.DecimalField("HR 95% CI upper", max_digits=6, decimal_places=3, null=True, blank=True)
    p_value = models.CharField(max_length=50, blank=True, help_text="As published, e.g. '<0.001' or '0.0002'.")
    references = models.ManyToManyField("references.Reference", related_name="outcomes", blank=True)
    notes = models.TextField(blank=True)

    # What another record shows of this one (the API's summaries): all that `prefetch_listed` reads.
    SUMMARY_FIELDS = ("endpoint", "endpoint_label", "is_primary", "population", "analysis")
    objects = OutcomeQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=["references"])

    class Meta:
        ordering = ["trial", "-is_primary", "endpoint", "population", "analysis"]
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "trial",
                    "endpoint",
                    "endpoint_label",
                    "population",
                    "analysis",
                    "timepoint",
                    "experimental_arm",
                    "control_arm",
                ],
                name="outcome_unique_per_comparison",
                violation_error_message="This trial already has this endpoint for these arms, population and analysis.",
            ),
            models.CheckConstraint(
                condition=models.Q(ci_lower__isnull=True)
                | models.Q(ci_upper__isnull=True)
                | models.Q(ci_lower__lt=models.F("ci_upper")),
                name="outcome_ci_lower_below_upper",
                violation_error_message="The lower bound of the 95%% CI must be below the upper bound.",
            ),
            models.CheckConstraint(
                condition=models.Q(hazard_ratio__isnull=True)
                | models.Q(ci_lower__isnull=True)
                | models.Q(ci_upper__isnull=True)
                | (models.Q(hazard_ratio__gte=models.F("ci_lower")) & models.Q(hazard_ratio__lte=models.F("ci_upper"))),
                name="outcome_hr_inside_ci",
                violation_error_message="The hazard ratio must lie inside its 95%% confidence interval.",
            ),
            models.CheckConstraint(
                condition=models.Q(hazard_ratio__isnull=True) | models.Q(hazard_ratio__gt=0),
                name="outcome_hr_positive",
                violation_error_message="A hazard ratio is greater than zero.",
            ),
        ]

    def __str__(self) -> str:
        label = self.endpoint_label or self.get_endpoint_display()
        return f"{self.trial}: {label}" + (f" ({self.population})" if self.population else "")

    def get_absolute_url(self) -> str:
        return f"{self.trial.get_absolute_url()}#outcome-{self.pk}"

    def clean(self) -> None:
        if (self.ci_lower is not None or self.ci_upper is not None) and self.hazard_ratio is None:
            raise ValidationError(
                "The CI fields belong to the hazard ratio; for a single-arm value use the value CI fields."
            )
        if (self.ci_lower is None) != (self.ci_upper is None):
            raise ValidationError("Give both bounds of the hazard ratio's 95% confidence interval, or neither.")
        # The same rules as the check constraints, said per field and with the numbers, so a curator sees where
        # to look; Django then skips the constraints on fields that already have an error.
        if self.ci_lower is not None and self.ci_upper is not None and self.ci_lower >= self.ci_upper:
            raise ValidationError(
                {
                    "ci_lower": f"The lower bound of the 95% CI ({self.ci_lower}) must be below "
                    f"the upper bound ({self.ci_upper})."
                }
            )
        if (
            self.hazard_ratio is not None
            and self.ci_lower is not None
            and self.ci_upper is not None
            and not self.ci_lower <= self.hazard_ratio <= self.ci_upper
        ):
            raise ValidationError(
                {
                    "hazard_ratio": f"The hazard ratio ({self.hazard_ratio}) lies outside its 95% CI "
                    f"({self.ci_lower}–{self.ci_upper}); it must lie inside its 95% confidence interval. "
                    "Check for a typing error or swapped bounds."
                }
            )
        if (
            self.value_ci_lower is not None
            and self.value_ci_upper is not None
            and self.value_ci_lower >= self.value_ci_upper
        ):
            raise ValidationError("The lower bound of the value's 95% CI must be below the upper bound.")
        if (self.experimental_value is not None or self.control_value is not None) and not self.value_unit:
            raise ValidationError(
                {"value_unit": "Give the unit the source reports the values in (months, weeks, days, years, %, ratio)."}
            )

    @property
    def cites_anything(self) -> bool:
        """Provenance: an outcome cites a publication or another source (label, assessment report, abstract …)."""
        return bool(self.references.all()) or bool(self.sources.all())


class OutcomeSource(TimestampedModel):
    """Evidence for an outcome that is not a PubMed article: a label section, an agency assessment report, a
    conference abstract (meeting, abstract number, DOI when there is one) or a registry results page."""

    outcome = models.ForeignKey(Outcome, on_delete=models.CASCADE, related_name="sources")
    position = models.PositiveSmallIntegerField(default=1, help_text="Order among the outcome's sources, from 1.")
    kind = models.CharField(max_length=30, choices=OutcomeSourceKind.choices)
    url = models.CharField("URL", max_length=500, validators=[validate_source_url])
    title = models.CharField(max_length=300, blank=True, help_text='e.g. "ENHERTU Prescribing Information".')
    section = models.CharField(max_length=100, blank=True, help_text='Label or report section, e.g. "14.2".')
    meeting = models.CharField(max_length=100, blank=True, help_text='Conference abstracts: e.g. "ASCO 2024".')
    abstract_number = models.CharField(max_length=50, blank=True, help_text='e.g. "LBA1000".')
    doi = models.CharField("DOI", max_length=200, blank=True, validators=[validate_doi])

    # What another record shows of this one (the API's summaries): all that the bulk export reads of it there.
    SUMMARY_FIELDS = ("kind", "url", "title", "section", "meeting", "abstract_number", "doi")
    history = HistoricalRecords()

    class Meta:
        ordering = ["outcome", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["outcome", "position"],
                name="outcomesource_unique_position",
                violation_error_message="Another source of this outcome has this position.",
            )
        ]

    def __str__(self) -> str:
        return self.citation

    def get_absolute_url(self) -> str:
        return self.outcome.get_absolute_url()

    def clean(self) -> None:
        if self.kind == OutcomeSourceKind.CONFERENCE_ABSTRACT and not self.meeting.strip():
            raise ValidationError({"meeting": "Name the meeting of a conference abstract, e.g. 'ASCO 2024'."})

    @property
    def citation(self) -> str:
        """How a page names the source: 'ENHERTU Prescribing Information, section 14.2' or 'ASCO 2024, LBA1000'."""
        if self.kind == OutcomeSourceKind.CONFERENCE_ABSTRACT:
            parts = [self.meeting, f"abstract {self.abstract_number}" if self.abstract_number else "", self.title]
        else:
            parts = [self.title or self.get_kind_display(), f"section {self.section}" if self.section else ""]
        return ", ".join(part for part in parts if part)


class RegistrySyncRun(WatchRunBase):
    """One run of the ClinicalTrials.gov sync: the trials asked about, what the registry answered, what changed."""

    requested = models.PositiveIntegerField(default=0, help_text="Trials with an NCT number asked about.")
    found = models.PositiveIntegerField(default=0, help_text="Trials the registry answered for.")
    missing = models.PositiveIntegerField(default=0, help_text="NCT numbers the registry does not know.")
    proposed = models.PositiveIntegerField(
        default=0, help_text="Publications the registry lists that are new to the inbox."
    )
    requests_made = models.PositiveIntegerField(
        default=0, help_text="HTTP requests to ClinicalTrials.gov, retries included."
    )
    missing_nct_ids = models.JSONField("NCT numbers not found", default=list, blank=True)
    failed_nct_ids = models.JSONField("NCT numbers that failed", default=list, blank=True)
    notes = models.JSONField(default=list, blank=True, help_text="What the sync could not map, e.g. a phase.")

    class Meta(WatchRunBase.Meta):
        verbose_name = "ClinicalTrials.gov sync run"
