"""Fake, fully linked data for page tests: drugs with approvals, trials with outcomes, references citing both.

Every value comes from the factories (obviously fake names, NCT numbers and PMIDs); `make_catalogue(n)`
makes n of everything so the query-count tests can compare a small and a larger database.
"""

from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from drugs.choices import DrugClass, Her2Category, WarningKind
from drugs.models import Approval, Drug
from drugs.tests.factories import (
    ApprovalDesignationFactory,
    ApprovalFactory,
    CompanionDiagnosticFactory,
    DrugFactory,
    LabelFactory,
    LabelWarningFactory,
    ProductFactory,
    RegulatoryEventFactory,
    TargetFactory,
)
from references.models import Reference
from references.tests.factories import ReferenceFactory
from trials.choices import DrugRole
from trials.models import Trial
from trials.tests.factories import OutcomeFactory, OutcomeSourceFactory, TrialDrugFactory, TrialFactory


@dataclass
class Catalogue:
    """The first record of each kind, for detail-page URLs."""

    drug: Drug
    approval: Approval
    trial: Trial
    reference: Reference


def make_catalogue(count: int) -> Catalogue:
    """`count` drugs, each with 2 approvals (one with its product, designations and companion diagnostic), a label
    with a boxed warning and a precaution, a regulatory event, a trial with 2 outcomes (one also citing a conference
    abstract), a comparator drug and 2 references."""
    her2, egfr = TargetFactory(symbol="HER2"), TargetFactory(symbol="EGFR")
    first = None
    for index in range(count):
        drug_class = [DrugClass.ADC, DrugClass.MONOCLONAL_ANTIBODY, DrugClass.TKI][index % 3]
        drug = DrugFactory(drug_class=drug_class)
        drug.targets.set([her2, egfr] if drug_class == DrugClass.TKI else [her2])
        comparator = DrugFactory(drug_class=DrugClass.MONOCLONAL_ANTIBODY)
        trial = TrialFactory()
        TrialDrugFactory(trial=trial, drug=drug)
        TrialDrugFactory(trial=trial, drug=comparator, role=DrugRole.COMPARATOR)
        references = ReferenceFactory.create_batch(2)
        references[1].is_retracted = index == 0
        references[1].save()
        for outcome in OutcomeFactory.create_batch(2, trial=trial):
            outcome.references.set(references[:1])
        OutcomeSourceFactory(outcome=outcome)
        trial.references.set(references)
        drug.references.set(references)
        approvals = [
            ApprovalFactory(drug=drug, her2_category=Her2Category.LOW),
            ApprovalFactory(drug=drug, agency="EMA"),
        ]
        for approval in approvals:
            approval.pivotal_trials.set([trial])
            approval.references.set(references[:1])
        approvals[0].product = ProductFactory(drug=drug)
        approvals[0].save()
        approvals[0].companion_diagnostics.set([CompanionDiagnosticFactory()])
        ApprovalDesignationFactory(approval=approvals[0])
        ApprovalDesignationFactory(approval=approvals[0], designation="breakthrough_therapy")
        label = LabelFactory(drug=drug, product=approvals[0].product)
        LabelWarningFactory(label=label)
        LabelWarningFactory(label=label, kind=WarningKind.WARNING_PRECAUTION)
        RegulatoryEventFactory(drug=drug, product=approvals[0].product)
        if first is None:
            first = Catalogue(drug=drug, approval=approvals[0], trial=trial, reference=references[0])
    assert first is not None
    return first


def count_queries(url: str) -> int:
    """How many SQL queries a GET of `url` runs when rendered (not served from the page cache)."""
    cache.clear()
    client = Client()
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert response.get("X-Cache") != "hit", url
    return len(context.captured_queries)
