import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from drugs.choices import DrugClass, KinaseBinding
from drugs.models import Approval, Drug

from .factories import ApprovalFactory, DrugFactory

pytestmark = pytest.mark.django_db


def test_approved_excludes_drugs_without_approvals():
    approved = ApprovalFactory().drug
    DrugFactory()
    assert list(Drug.objects.approved()) == [approved]


def test_approved_lists_a_drug_once_however_many_approvals():
    approval = ApprovalFactory()
    ApprovalFactory(drug=approval.drug)
    assert Drug.objects.approved().count() == 1


def test_approval_is_unique_on_drug_agency_date_and_indication():
    approval = ApprovalFactory()
    duplicate = Approval(
        drug=approval.drug,
        agency=approval.agency,
        date=approval.date,
        indication=approval.indication,
        tumour_type=approval.tumour_type,
        setting=approval.setting,
        sources=["https://example.org"],
    )
    with pytest.raises(ValidationError, match="already has an approval"):
        duplicate.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_same_drug_may_have_two_indications_approved_the_same_day():
    approval = ApprovalFactory()
    ApprovalFactory(drug=approval.drug, date=approval.date, indication="A second indication")
    assert approval.drug.approvals.count() == 2


def test_approval_date_cannot_be_in_the_future():
    approval = ApprovalFactory.build(drug=DrugFactory(), date=datetime.date.today() + datetime.timedelta(days=1))
    with pytest.raises(ValidationError, match="cannot be in the future"):
        approval.full_clean()


def test_approval_needs_a_source():
    approval = ApprovalFactory.build(drug=DrugFactory(), sources=[])
    with pytest.raises(ValidationError) as error:
        approval.full_clean()
    assert "sources" in error.value.message_dict


def test_kinase_binding_applies_to_tkis_only():
    drug = DrugFactory.build(drug_class=DrugClass.MONOCLONAL_ANTIBODY, kinase_binding=KinaseBinding.IRREVERSIBLE)
    with pytest.raises(ValidationError, match="TKIs only"):
        drug.full_clean()
    tki = DrugFactory.build(drug_class=DrugClass.TKI, kinase_binding=KinaseBinding.IRREVERSIBLE)
    tki.full_clean()


def test_drug_antibody_ratio_must_be_positive_and_for_adcs_only():
    with pytest.raises(ValidationError, match="greater than zero"):
        DrugFactory.build(drug_class=DrugClass.ADC, drug_antibody_ratio=0).full_clean()
    with pytest.raises(ValidationError, match="ADCs only"):
        DrugFactory.build(drug_class=DrugClass.TKI, payload="a toxin").full_clean()


def test_brand_names_must_be_a_list_of_texts():
    with pytest.raises(ValidationError, match="list of non-empty texts"):
        DrugFactory.build(brand_names="Herceptin").full_clean()


def test_display_name_adds_the_first_brand():
    assert DrugFactory.build(name="testuzumab", brand_names=["Testra"]).display_name == "testuzumab (Testra)"
    assert DrugFactory.build(name="testuzumab", brand_names=[]).display_name == "testuzumab"


def test_drug_and_approval_urls():
    approval = ApprovalFactory(drug__slug="testuzumab")
    assert approval.drug.get_absolute_url() == "/drugs/testuzumab/"
    assert approval.get_absolute_url() == f"/drugs/testuzumab/#approval-{approval.pk}"
    assert approval.source_url == "https://example.org/announcement"


def test_querysets_prefetch_more_than_a_thousand_related_trials():
    """SQLite refuses Django 5.2's foreign-key prefetch past ~1000 rows; the querysets join instead."""
    from trials.models import Trial, TrialDrug

    drug = DrugFactory()
    trials = Trial.objects.bulk_create(Trial(slug=f"many-{n}", phase="phase_3") for n in range(1100))
    TrialDrug.objects.bulk_create(TrialDrug(trial=trial, drug=drug) for trial in trials)
    (listed,) = Drug.objects.for_api()
    assert len(listed.trial_roles.all()) == 1100
    (detailed,) = Drug.objects.for_detail()
    assert {role.trial.slug for role in detailed.trial_roles.all()} == {trial.slug for trial in trials}
    assert len(Trial.objects.for_api()) == 1100
