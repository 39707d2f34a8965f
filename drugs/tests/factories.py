import datetime

import factory

from drugs.choices import Agency, ApprovalType, DrugClass, Her2Category, TherapySetting, TumourType
from drugs.models import Approval, Drug, Target


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
