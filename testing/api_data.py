"""Factory-built, fully linked test data for the API tests (obviously fake names, PMIDs and NCT numbers)."""

from dataclasses import dataclass, field

from drugs.choices import DrugClass
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
from trials.models import Outcome, Trial
from trials.tests.factories import OutcomeFactory, OutcomeSourceFactory, TrialDrugFactory, TrialFactory


@dataclass
class Dataset:
    drugs: list[Drug] = field(default_factory=list)
    approvals: list[Approval] = field(default_factory=list)
    trials: list[Trial] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)


def make_linked_dataset(size: int = 1) -> Dataset:
    """`size` groups of: an ADC with a target, two references, a trial studying it with an outcome (also citing a
    conference abstract), an approval with the trial as pivotal, its product, a designation and a companion
    diagnostic, a label with a boxed warning and a regulatory event — every relation the serializers show is
    populated."""
    data = Dataset()
    her2 = TargetFactory(symbol="HER2")
    for _ in range(size):
        drug_refs = ReferenceFactory.create_batch(2)
        drug = DrugFactory(drug_class=DrugClass.ADC, payload="test payload")
        drug.targets.set([her2])
        drug.references.set(drug_refs[:1])
        trial = TrialFactory()
        trial.references.set(drug_refs)
        TrialDrugFactory(trial=trial, drug=drug)
        outcome = OutcomeFactory(trial=trial)
        outcome.references.set(drug_refs[1:])
        OutcomeSourceFactory(outcome=outcome)
        product = ProductFactory(drug=drug)
        approval = ApprovalFactory(drug=drug, product=product)
        approval.pivotal_trials.set([trial])
        approval.references.set(drug_refs[1:])
        approval.companion_diagnostics.set([CompanionDiagnosticFactory()])
        ApprovalDesignationFactory(approval=approval)
        LabelWarningFactory(label=LabelFactory(drug=drug, product=product))
        RegulatoryEventFactory(drug=drug, product=product)
        data.drugs.append(drug)
        data.trials.append(trial)
        data.outcomes.append(outcome)
        data.approvals.append(approval)
        data.references += drug_refs
    return data
