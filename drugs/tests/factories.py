import datetime

import factory

from drugs.choices import (
    Agency,
    ApprovalType,
    Designation,
    DiagnosticTechnology,
    DrugClass,
    EventType,
    Her2Category,
    LabelDocument,
    ScoringRule,
    TherapySetting,
    TumourType,
    WarningKind,
    WarningTopic,
)
from drugs.models import (
    Approval,
    ApprovalDesignation,
    CompanionDiagnostic,
    Drug,
    Label,
    LabelWarning,
    Product,
    RegulatoryEvent,
    Target,
)


class TargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Target
        django_get_or_create = ["symbol"]

    symbol = "HER2"


class DrugFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Drug

    name = factory.Sequence(lambda n: f"testuzumab {n}")
    slug = factory.Sequence(lambda n: f"testuzumab-{n}")
    brand_names = factory.Sequence(lambda n: [f"Testra{n}"])
    synonyms = factory.Sequence(lambda n: [f"TST-{n}"])
    drug_class = DrugClass.MONOCLONAL_ANTIBODY
    mechanism = "Binds the HER2 extracellular domain."
    sources = ["https://example.org/label"]


class ApprovalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Approval

    drug = factory.SubFactory(DrugFactory)
    agency = Agency.FDA
    date = factory.Sequence(lambda n: datetime.date(2010, 1, 1) + datetime.timedelta(days=n))
    approval_type = ApprovalType.REGULAR
    indication = factory.Sequence(lambda n: f"HER2-positive metastatic breast cancer, indication {n}")
    tumour_type = TumourType.BREAST
    her2_category = Her2Category.POSITIVE
    setting = TherapySetting.METASTATIC_FIRST_LINE
    sources = ["https://example.org/announcement"]


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    slug = factory.Sequence(lambda n: f"testra-{n}-us")
    drug = factory.SubFactory(DrugFactory)
    brand_name = factory.Sequence(lambda n: f"Testra{n}")
    agency = Agency.FDA
    holder = "Test Pharma, Inc."
    sources = ["https://example.org/product"]


class CompanionDiagnosticFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CompanionDiagnostic

    slug = factory.Sequence(lambda n: f"test-assay-{n}")
    name = factory.Sequence(lambda n: f"Test HER2 assay {n}")
    manufacturer = "Test Diagnostics"
    technology = DiagnosticTechnology.IHC
    specimen = "Test tissue"
    agency = Agency.FDA
    decision_number = factory.Sequence(lambda n: f"P{n:06d}")
    date = datetime.date(2020, 1, 1)
    scoring_rule = ScoringRule.HER2_LOW
    scoring_rule_text = "HER2-low as the test decision words it"
    sources = ["https://example.org/cdx"]


class ApprovalDesignationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApprovalDesignation

    approval = factory.SubFactory(ApprovalFactory)
    designation = Designation.PRIORITY_REVIEW
    source = "https://example.org/designation"


class LabelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Label

    drug = factory.SubFactory(DrugFactory)
    agency = Agency.FDA
    document = LabelDocument.DAILYMED_SPL
    url = "https://example.org/label"
    revised = "2024-01"
    sources = ["https://example.org/label"]


class LabelWarningFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LabelWarning

    label = factory.SubFactory(LabelFactory)
    position = factory.Sequence(lambda n: n + 1)
    kind = WarningKind.BOXED_WARNING
    topic = WarningTopic.CARDIOMYOPATHY
    statement = factory.Sequence(lambda n: f"Test boxed warning statement {n}.")
    section = "Boxed Warning"
    source = "https://example.org/label"


class RegulatoryEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RegulatoryEvent

    drug = factory.SubFactory(DrugFactory)
    agency = Agency.FDA
    date = factory.Sequence(lambda n: datetime.date(2012, 1, 1) + datetime.timedelta(days=n))
    event_type = EventType.COMPLETE_RESPONSE_LETTER
    description = factory.Sequence(lambda n: f"A test complete response letter {n}.")
    sources = ["https://example.org/event"]
