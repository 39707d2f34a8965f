"""
How complete the dataset is, measured: the numbers `manage.py dataset_report` prints against the coverage goals.

Each measure is a (found, total) pair read from the database with a few aggregate queries, so the report is the
same whether the data came from `load_her2kb` or from curators' edits in the admin.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q

from drugs.choices import Agency, DevelopmentStatus
from drugs.models import Approval, Drug
from her2kb.sources import SourceKind, classify_source_url
from trials.models import Outcome, Trial

# A source that is the agency's own document: its announcement or decision page, or the label it publishes.
AGENCY_OWN_KINDS = frozenset({SourceKind.AGENCY, SourceKind.LABEL})
IDENTIFIER_FIELDS = ("drugbank_id", "chembl_id", "unii", "ncit_code", "atc_code", "rxnorm_cui")
APPROVALS_GOAL = 120
AGENCIES_GOAL = 7


@dataclass(frozen=True)
class Measure:
    """One line of the report: what is counted, how many of how many, and the goal (a share or a count)."""

    name: str
    found: int
    total: int | None = None
    goal_share: float | None = None  # e.g. 0.9 for "at least 90% of total"
    goal_count: int | None = None  # e.g. 120 for "at least 120"; 0 with `at_most` for "none"
    at_most: bool = False

    @property
    def met(self) -> bool:
        if self.goal_share is not None:
            return bool(self.total) and self.found / self.total >= self.goal_share
        if self.at_most:
            return self.found <= (self.goal_count or 0)
        return self.found >= (self.goal_count or 0)

    @property
    def value(self) -> str:
        if self.total is None:
            return str(self.found)
        share = f" ({self.found / self.total:.0%})" if self.total else ""
        return f"{self.found} of {self.total}{share}"

    @property
    def goal(self) -> str:
        if self.goal_share is not None:
            return f">= {self.goal_share:.0%}"
        return f"{'<=' if self.at_most else '>='} {self.goal_count}"


def approvals_by_agency() -> dict[str, int]:
    """Approval records per agency, every agency listed (0 where there are none)."""
    counts = dict(Approval.objects.order_by().values_list("agency").annotate(n=Count("pk")))
    return {agency: counts.get(agency, 0) for agency in Agency.values}


def coverage_measures() -> list[Measure]:
    """Every coverage measure of the dataset, with its goal."""
    by_agency = approvals_by_agency()
    approvals = list(Approval.objects.only("sources", "indication", "agency").prefetch_related("companion_diagnostics"))
    sourced = [approval for approval in approvals if approval.sources]
    agency_first = [a for a in sourced if classify_source_url(a.sources[0]) in AGENCY_OWN_KINDS]
    needing_test = [approval for approval in approvals if approval.names_a_test]
    with_test = [approval for approval in needing_test if not approval.lacks_companion_diagnostic]

    approved_without_record = (
        Drug.objects.filter(development_status=DevelopmentStatus.APPROVED)
        .exclude(Exists(Approval.objects.filter(drug=OuterRef("pk"))))
        .count()
    )
    pivotal = Trial.objects.filter(Exists(Approval.pivotal_trials.through.objects.filter(trial=OuterRef("pk"))))
    primary_result = Exists(Outcome.objects.filter(trial=OuterRef("pk"), is_primary=True))
    registered = Trial.objects.exclude(nct_id__isnull=True).exclude(nct_id="")
    has_identifier = Q()
    for name in IDENTIFIER_FIELDS:
        has_identifier |= ~Q(**{name: ""})

    return [
        Measure("approval records", len(approvals), goal_count=APPROVALS_GOAL),
        Measure("agencies with approval records", sum(1 for n in by_agency.values() if n), goal_count=AGENCIES_GOAL),
        Measure("approvals with at least one source", len(sourced), len(approvals), goal_share=1.0),
        Measure("approvals whose first source is the agency's own", len(agency_first), len(sourced), goal_share=0.9),
        Measure("approved drugs without an approval record", approved_without_record, goal_count=0, at_most=True),
        Measure(
            "pivotal trials with a structured primary result",
            pivotal.filter(primary_result).count(),
            pivotal.count(),
            goal_share=0.9,
        ),
        Measure(
            "registered trials with a registry status",
            registered.exclude(status__in=("", "unknown")).count(),
            registered.count(),
            goal_share=1.0,
        ),
        Measure(
            "drugs with an external identifier",
            Drug.objects.filter(has_identifier).count(),
            Drug.objects.count(),
            goal_share=1.0,
        ),
        Measure(
            "approvals naming a test that link a companion diagnostic",
            len(with_test),
            len(needing_test),
            goal_share=1.0,
        ),
    ]
