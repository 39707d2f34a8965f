from decimal import Decimal

import factory

from drugs.tests.factories import DrugFactory
from trials.choices import DrugRole, Endpoint, OutcomeSourceKind, TrialPhase, TrialStatus, ValueUnit
from trials.models import Outcome, OutcomeSource, Trial, TrialDrug


class TrialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Trial

    nct_id = factory.Sequence(lambda n: f"NCT{n:08d}")
    slug = factory.Sequence(lambda n: f"test-trial-{n}")
    acronym = factory.Sequence(lambda n: f"TEST-{n}")
    title = "A randomised trial of a test antibody"
    phase = TrialPhase.PHASE_3
    status = TrialStatus.COMPLETED


class TrialDrugFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrialDrug

    trial = factory.SubFactory(TrialFactory)
    drug = factory.SubFactory(DrugFactory)
    role = DrugRole.EXPERIMENTAL


class OutcomeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Outcome

    trial = factory.SubFactory(TrialFactory)
    endpoint = Endpoint.PFS
    is_primary = True
    population = "ITT"
    analysis = factory.Sequence(lambda n: f"analysis {n}")
    experimental_arm = "test antibody"
    control_arm = "placebo"
    experimental_value = Decimal("12.4")
    control_value = Decimal("6.8")
    value_unit = ValueUnit.MONTHS
    hazard_ratio = Decimal("0.55")
    ci_lower = Decimal("0.45")
    ci_upper = Decimal("0.67")
    p_value = "<0.001"


class OutcomeSourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutcomeSource

    outcome = factory.SubFactory(OutcomeFactory)
    position = factory.Sequence(lambda n: n + 1)
    kind = OutcomeSourceKind.CONFERENCE_ABSTRACT
    url = "https://example.org/abstract"
    meeting = "Test Congress 2020"
    abstract_number = factory.Sequence(lambda n: f"TST{n}")
