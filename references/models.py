"""The literature behind every claim: PubMed records, kept true to PubMed by the sync jobs."""

from __future__ import annotations

import datetime
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Cast, Upper
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

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
from her2kb.models import SourceCheck, SyncRunBase, TimestampedModel, WatchRunBase, prefetch_listed
from her2kb.validators import PMID_PATTERN, validate_doi, validate_pmcid, validate_pmid

from .choices import SearchKind, SyncStatus

MONTH_ABBREVIATIONS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def validate_author_list(value: object) -> None:
    """Authors are an ordered list of {last_name, fore_name, initials} or {collective_name}."""
    if not isinstance(value, list):
        raise ValidationError("Authors must be a list.")
    for position, author in enumerate(value, start=1):
        if not isinstance(author, dict) or not (author.get("last_name") or author.get("collective_name")):
            raise ValidationError(f"Author {position} needs a last_name or a collective_name.")


# What search matches and ranks (her2kb.fulltext): the title weighs most, then the abstract, then the journal. The
# same parts and weights as the `search_document` of the PostgreSQL migration 0007.
REFERENCE_DOCUMENT = SearchDocument(
    table="references_reference",
    parts=(
        DocumentPart("title", "A", columns=("title",)),
        DocumentPart("abstract", "B", columns=("abstract",)),
        DocumentPart("journal", "D", columns=("journal", "journal_iso")),
    ),
)


# The prose a code is looked for in, separators ignored ("DS8201" in "… DS-8201a …").
REFERENCE_SEARCHED_PROSE = ("title", "abstract")


def _text_match(text: str) -> TextMatch:
    """How a reference matches `text` (see `ReferenceQuerySet.matching`): its PMID or DOI is `text`, or its text
    matches."""
    match = text_match(REFERENCE_DOCUMENT, text, texts=REFERENCE_SEARCHED_PROSE)
    return TextMatch(models.Q(pmid=text) | models.Q(doi__iexact=text), match.ranked)


class ReferenceQuerySet(models.QuerySet):
    def retracted(self) -> ReferenceQuerySet:
        return self.filter(is_retracted=True)

    def matching(self, text: str) -> ReferenceQuerySet:
        """
        References whose document (title, abstract, journal) matches every word of `text` — stemmed, so
        "cardiotoxicity" finds "cardiotoxicities"; codes with or without separators (`her2kb.fulltext.text_matches`)
        — or whose PMID or DOI is `text`.
        """
        return self.filter(_text_match(text.strip()).any())

    def search(self, text: str) -> ReferenceQuerySet:
        """`matching(text)`, best first: an exact PMID or DOI, then text rank; newest first. Only the newest
        RANKED_CANDIDATES matches (and an exact PMID or DOI) are ranked."""
        text = text.strip()
        match = _text_match(text)
        rank = text_rank(REFERENCE_DOCUMENT, text) + bonus(match.identifier, 2.0)
        found = among_top_candidates(self, match, "-pub_year", "-pk")
        return found.annotate(rank=rank).order_by("-rank", "-pub_year", "pmid")

    def for_list(self) -> ReferenceQuerySet:
        """Everything a citation list shows. No related rows are needed; nothing is deferred, so a
        serializer that shows the abstract does not trigger one query per row."""
        return self.all()

    def for_api(self) -> ReferenceQuerySet:
        """Everything the API shows for a reference, in a constant number of queries. `pmid_number` is the
        PMID as an integer: the API's cursor pagination needs a unique, numerically ordered key."""
        return self.prefetch_related(
            prefetch_listed(Reference, "drugs"), prefetch_listed(Reference, "trials")
        ).annotate(pmid_number=Cast("pmid", output_field=models.BigIntegerField()))

    def for_detail(self) -> ReferenceQuerySet:
        """A reference with everything that cites it (`reference_detail_lookups()`), in a constant number of
        queries."""
        return self.prefetch_related(*reference_detail_lookups())

    def stale(self, *, older_than: datetime.timedelta) -> ReferenceQuerySet:
        """References never synced, or last synced before `older_than` ago: the nightly re-sync's work."""
        cutoff = timezone.now() - older_than
        return self.filter(models.Q(last_synced_at__isnull=True) | models.Q(last_synced_at__lt=cutoff))


def reference_detail_lookups() -> tuple[models.Prefetch, ...]:
    """What cites a reference, as its page shows it: drugs, trials, approvals, outcomes, each with only the columns the
    page shows (a citing trial's names, not its forty columns: reading and decoding those cost more than the query).
    A function, so each use gets Prefetch objects of its own."""
    drug, trial, approval, outcome = (
        Reference._meta.get_field(relation).related_model for relation in ("drugs", "trials", "approvals", "outcomes")
    )
    trial_names = ("acronym", "nct_id", "slug")
    return (
        models.Prefetch("drugs", drug.objects.only("name", "slug")),
        models.Prefetch("trials", trial.objects.only(*trial_names)),
        models.Prefetch(
            "approvals", approval.objects.select_related("drug").only("agency", "date", "drug__name", "drug__slug")
        ),
        models.Prefetch(
            "outcomes",
            outcome.objects.select_related("trial").only(
                "endpoint", "endpoint_label", "population", *(f"trial__{name}" for name in trial_names)
            ),
        ),
    )


# Words a citation key skips to reach one that says what the paper is about.
CITATION_KEY_SMALL_WORDS = frozenset(
    "a an and as at by for from in into of on or the to versus vs with without".split()
)


_WORD = re.compile(r"[a-z0-9]+")


def _ascii_words(text: str) -> list[str]:
    """The words of `text` in lower-case ASCII (accents dropped: Müller → muller)."""
    text = text or ""
    # Most titles are ASCII already: decomposing them would change nothing (and costs more than the rest here).
    plain = text if text.isascii() else unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _WORD.findall(plain.lower())


class Reference(TimestampedModel):
    """A publication identified by its PMID. Sync owns the bibliographic fields; curators own the rest."""

    # Fields that the PubMed sync writes. Everything else (curator_note, sources, links) is curated.
    BIBLIOGRAPHIC_FIELDS = (
        "doi",
        "pmcid",
        "title",
        "authors",
        "authors_complete",
        "journal",
        "journal_iso",
        "pub_year",
        "pub_month",
        "pub_day",
        "pub_date_text",
        "volume",
        "issue",
        "pages",
        "abstract",
        "publication_types",
        "mesh_terms",
        "is_retracted",
        "retraction_notice_pmids",
        "has_erratum",
        "erratum_pmids",
    )

    pmid = models.CharField("PMID", max_length=9, unique=True, validators=[validate_pmid])
    doi = models.CharField("DOI", max_length=255, blank=True, validators=[validate_doi])
    pmcid = models.CharField("PMCID", max_length=20, blank=True, db_index=True, validators=[validate_pmcid])
    title = models.TextField(blank=True)
    authors = models.JSONField(default=list, blank=True, validators=[validate_author_list])
    authors_complete = models.BooleanField(
        "author list complete",
        null=True,
        blank=True,
        help_text="Whether `authors` is PubMed's whole list: false when PubMed marks its list incomplete or fewer "
        "authors are recorded than the publication has (cite with et al.); empty when not known.",
    )
    journal = models.CharField(max_length=300, blank=True)
    journal_iso = models.CharField("journal (ISO abbreviation)", max_length=200, blank=True)
    pub_year = models.PositiveSmallIntegerField("year", null=True, blank=True, db_index=True)
    pub_month = models.PositiveSmallIntegerField("month", null=True, blank=True)
    pub_day = models.PositiveSmallIntegerField("day", null=True, blank=True)
    pub_date_text = models.CharField(
        "publication date as printed", max_length=100, blank=True, help_text="e.g. '2019 Spring', '1998 Dec-1999 Jan'."
    )
    volume = models.CharField(max_length=50, blank=True)
    issue = models.CharField(max_length=50, blank=True)
    pages = models.CharField(max_length=50, blank=True)
    abstract = models.TextField(blank=True, help_text="Labelled sections as 'LABEL: text', one paragraph each.")
    publication_types = models.JSONField(default=list, blank=True)
    mesh_terms = models.JSONField("MeSH terms", default=list, blank=True)
    is_retracted = models.BooleanField(default=False, db_index=True)
    retraction_notice_pmids = models.JSONField(default=list, blank=True)
    has_erratum = models.BooleanField(default=False)
    erratum_pmids = models.JSONField(default=list, blank=True)
    # Indexed: the nightly re-sync picks stale references by it, and the export fingerprint reads its latest.
    last_synced_at = models.DateTimeField(null=True, blank=True, db_index=True)
    sync_error = models.TextField(blank=True)
    # Sync bookkeeping, written by the PubMed sync alongside BIBLIOGRAPHIC_FIELDS but not part of the citation.
    sync_status = models.CharField(max_length=10, choices=SyncStatus.choices, default=SyncStatus.PENDING)
    pubmed_revised_on = models.DateField(
        "revised in PubMed", null=True, blank=True, help_text="PubMed's DateRevised when last synced."
    )
    curator_note = models.TextField(blank=True)
    sources = models.JSONField(default=list, blank=True)

    # What another record shows of this one (the API's summaries: a citation): all that `prefetch_listed` reads.
    SUMMARY_FIELDS = (
        "pmid",
        "authors",
        "authors_complete",
        "journal",
        "journal_iso",
        "pub_year",
        "pub_date_text",
        "volume",
        "issue",
        "pages",
    )
    objects = ReferenceQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-pub_year", "-pub_month", "pmid"]
        indexes = [
            # The API's cursor pagination orders by the PMID as a number (ReferenceQuerySet.for_api).
            models.Index(Cast("pmid", output_field=models.BigIntegerField()), name="reference_pmid_number_idx"),
            # DOIs are matched case-insensitively (the API's ?doi= filter, search, quick entry).
            models.Index(Upper("doi"), name="reference_doi_upper_idx"),
            # Search ranks the newest matches of a broad word first (her2kb.fulltext.among_top_candidates): read in
            # this order, the scan stops after them instead of sorting every reference of the latest year.
            models.Index(fields=["pub_year", "id"], name="reference_newest_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pmid__regex=PMID_PATTERN),
                name="reference_pmid_digits",
                violation_error_message="A PMID is 1 to 9 digits with no leading zero.",
            ),
            models.CheckConstraint(
                condition=models.Q(pub_month__isnull=True) | models.Q(pub_month__gte=1, pub_month__lte=12),
                name="reference_pub_month_range",
                violation_error_message="The month must be between 1 and 12.",
            ),
            models.CheckConstraint(
                condition=models.Q(pub_day__isnull=True) | models.Q(pub_day__gte=1, pub_day__lte=31),
                name="reference_pub_day_range",
                violation_error_message="The day must be between 1 and 31.",
            ),
        ]

    def __str__(self) -> str:
        return f"PMID {self.pmid}: {self.title[:80]}" if self.title else f"PMID {self.pmid}"

    def get_absolute_url(self) -> str:
        return link("references:reference_detail", "pmid", self.pmid)

    @property
    def first_author(self) -> str:
        if not self.authors:
            return ""
        first = self.authors[0]
        return first.get("collective_name") or f"{first.get('last_name', '')} {first.get('initials', '')}".strip()

    @property
    def citation_key(self) -> str:
        """A stable key to cite it by: first author's family name, year, first word of the title that is not a
        small word, in plain lower-case letters ('modi2022trastuzumab'); `pmid<PMID>` without an author or year."""
        first = self.authors[0] if self.authors else {}
        name = first.get("last_name") or (first.get("collective_name") or "").split(" ")[0]
        words = _ascii_words(self.display_title)
        word = next((word for word in words if word not in CITATION_KEY_SMALL_WORDS), words[0] if words else "")
        name = "".join(_ascii_words(name))
        if not name or not self.pub_year:
            return f"pmid{self.pmid}"
        return f"{name}{self.pub_year}{word}"

    @property
    def display_title(self) -> str:
        """The title as a citation shows it: without the full stop PubMed ends every title with (a title ending in
        "?", "!" or an ellipsis keeps it)."""
        title = self.title.strip()
        return title[:-1] if title.endswith(".") and not title.endswith("..") else title

    @property
    def publication_date_display(self) -> str:
        """The most precise date known: '2022 Jul 7', '2022 Jul', '2022', or the printed text."""
        if not self.pub_year:
            return self.pub_date_text
        parts = [str(self.pub_year)]
        if self.pub_month:
            parts.append(MONTH_ABBREVIATIONS[self.pub_month - 1])
            if self.pub_day:
                parts.append(str(self.pub_day))
        return " ".join(parts)

    @property
    def citation(self) -> str:
        """A short Vancouver-style citation: 'Modi S, et al. N Engl J Med. 2022;387(1):9-20.'"""
        more = len(self.authors) > 1 or self.authors_complete is False
        authors = self.first_author + (", et al" if more and self.first_author else "")
        where = self.journal_iso or self.journal
        volume = f";{self.volume}" if self.volume else ""
        issue = f"({self.issue})" if self.issue else ""
        pages = f":{self.pages}" if self.pages else ""
        year = self.pub_year or self.pub_date_text
        return ". ".join(part for part in [authors, where, f"{year}{volume}{issue}{pages}"] if part) + "."

    @property
    def source_checks(self) -> list[SourceCheck]:
        return [SourceCheck("PubMed", self.last_synced_at)]

    @property
    def pubmed_url(self) -> str:
        return identifier_url("pmid", self.pmid)

    @property
    def doi_url(self) -> str:
        return identifier_url("doi", self.doi)

    @property
    def pmc_url(self) -> str:
        return identifier_url("pmcid", self.pmcid)


class SyncRun(SyncRunBase):
    """One run of the PubMed sync: what was asked, what it did to each PMID, what it cost, and what went wrong."""

    created = models.PositiveIntegerField(default=0)
    missing = models.PositiveIntegerField(default=0, help_text="PMIDs that PubMed did not return.")
    failed = models.PositiveIntegerField(default=0, help_text="PMIDs whose batch failed; retried later.")
    retractions_found = models.PositiveIntegerField(default=0, help_text="References newly flagged as retracted.")
    requests_made = models.PositiveIntegerField(default=0, help_text="HTTP requests to E-utilities, retries included.")
    missing_pmids = models.JSONField(default=list, blank=True)
    failed_pmids = models.JSONField(default=list, blank=True)
    retracted_pmids = models.JSONField("newly retracted PMIDs", default=list, blank=True)
    still_due_pmids = models.JSONField(
        "PMIDs still due", default=list, blank=True, help_text="PMIDs the run had not got to when it stopped early."
    )

    accounted_counters = ("created", "updated", "unchanged", "missing", "failed")

    class Meta(SyncRunBase.Meta):
        verbose_name = "PubMed sync run"


class LiteratureSearchQuerySet(models.QuerySet):
    def enabled(self) -> LiteratureSearchQuerySet:
        return self.filter(enabled=True)


class LiteratureSearch(models.Model):
    """
    A saved PubMed search of the literature watcher, made from the dataset: a trial's NCT number in [si], its
    acronym, or one of a drug's names and codes. Each run searches the Entrez dates since the last successful one
    (`searched_through`); what it finds that the trial or drug does not cite goes to the curators' inbox.
    """

    kind = models.CharField(max_length=20, choices=SearchKind.choices)
    term = models.CharField(max_length=500, help_text="The PubMed query, as sent to esearch.")
    trial = models.ForeignKey(
        "trials.Trial", on_delete=models.CASCADE, null=True, blank=True, related_name="literature_searches"
    )
    drug = models.ForeignKey(
        "drugs.Drug", on_delete=models.CASCADE, null=True, blank=True, related_name="literature_searches"
    )
    enabled = models.BooleanField(default=True, help_text="Switch off a search that only finds noise.")
    searched_through = models.DateField(
        null=True, blank=True, help_text="The last Entrez date a successful run covered; the next run starts there."
    )
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    objects = LiteratureSearchQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "term"]
        verbose_name_plural = "literature searches"
        constraints = [
            models.UniqueConstraint(fields=["term", "trial", "drug"], name="literaturesearch_unique_term_subject"),
            models.CheckConstraint(
                condition=(models.Q(trial__isnull=True) & models.Q(drug__isnull=False))
                | (models.Q(trial__isnull=False) & models.Q(drug__isnull=True)),
                name="literaturesearch_one_subject",
                violation_error_message="A literature search is about one trial or one drug.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.term} ({self.trial or self.drug})"

    def get_absolute_url(self) -> str:
        return reverse("admin:references_literaturesearch_change", args=[self.pk])

    @property
    def subject(self) -> models.Model:
        return self.trial or self.drug


class LiteratureWatchRun(WatchRunBase):
    """One run of the PubMed literature watcher: the saved searches it ran and what they found."""

    requested = models.PositiveIntegerField(default=0, help_text="Saved searches run.")
    updated = models.PositiveIntegerField(default=0, help_text="Searches that found publications not yet cited.")
    unchanged = models.PositiveIntegerField(default=0, help_text="Searches that found nothing new.")
    failed = models.PositiveIntegerField(default=0, help_text="Searches that failed; retried next run.")
    found = models.PositiveIntegerField(default=0, help_text="Publications found that the trial or drug does not cite.")
    requests_made = models.PositiveIntegerField(default=0, help_text="HTTP requests to E-utilities, retries included.")
    notes = models.JSONField(default=list, blank=True, help_text="Phrases PubMed does not know, searches cut short.")

    class Meta(WatchRunBase.Meta):
        verbose_name = "PubMed literature watch run"
