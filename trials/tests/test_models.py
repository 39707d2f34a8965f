from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from trials.models import Outcome, Trial

from .factories import OutcomeFactory, TrialFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("bad", ["NCT1234567", "NCT123456789", "nct0123456x", "12345678", "NCT-01234567"])
def test_nct_number_must_be_nct_and_eight_digits(bad):
    trial = TrialFactory.build(nct_id=bad)
    with pytest.raises(ValidationError, match="NCT"):
        trial.full_clean()


def test_database_refuses_a_malformed_nct_number_even_without_validation():
    with pytest.raises(IntegrityError), transaction.atomic():
        Trial.objects.bulk_create([TrialFactory.build(nct_id="NCT123")])


def test_many_trials_may_lack_an_nct_number():
    TrialFactory(nct_id=None)
    TrialFactory(nct_id="")
    assert Trial.objects.filter(nct_id__isnull=True).count() == 2


def test_nct_number_is_unique():
    TrialFactory(nct_id="NCT00000042")
    with pytest.raises(IntegrityError), transaction.atomic():
        TrialFactory(nct_id="NCT00000042")


def test_trial_is_found_by_nct_number_in_any_case_or_by_slug():
    trial = TrialFactory(nct_id="NCT00000042", slug="test-trial")
    assert Trial.objects.get_by_identifier("nct00000042") == trial
    assert Trial.objects.get_by_identifier("test-trial") == trial
    assert trial.get_absolute_url() == "/trials/NCT00000042/"
    assert TrialFactory(nct_id=None, slug="no-nct").get_absolute_url() == "/trials/no-nct/"


def test_hazard_ratio_must_lie_inside_its_confidence_interval():
    outcome = OutcomeFactory.build(trial=TrialFactory(), hazard_ratio=Decimal("0.9"))
    with pytest.raises(ValidationError, match="outside its 95% CI"):
        outcome.full_clean()


def test_confidence_interval_lower_bound_must_be_below_upper():
    outcome = OutcomeFactory.build(
        trial=TrialFactory(), hazard_ratio=None, ci_lower=Decimal("0.8"), ci_upper=Decimal("0.5")
    )
    with pytest.raises(ValidationError):
        outcome.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        Outcome.objects.bulk_create([OutcomeFactory.build(trial=TrialFactory(), ci_lower=0.8, ci_upper=0.5)])


def test_a_hazard_ratio_confidence_interval_needs_both_bounds():
    outcome = OutcomeFactory.build(trial=TrialFactory(), ci_upper=None)
    with pytest.raises(ValidationError, match="both bounds"):
        outcome.full_clean()


def test_single_arm_value_ci_may_be_open_ended():
    outcome = OutcomeFactory.build(
        trial=TrialFactory(),
        hazard_ratio=None,
        ci_lower=None,
        ci_upper=None,
        control_value=None,
        value_ci_lower=Decimal("6.9"),
        value_ci_upper=None,
    )
    outcome.full_clean()


def test_values_need_a_unit():
    with pytest.raises(ValidationError, match="Give the unit the source reports"):
        OutcomeFactory.build(trial=TrialFactory(), value_unit="").full_clean()


def test_with_hazard_ratio_keeps_only_plottable_outcomes():
    plotted = OutcomeFactory()
    OutcomeFactory(trial=plotted.trial, hazard_ratio=None, ci_lower=None, ci_upper=None)
    assert list(Outcome.objects.with_hazard_ratio()) == [plotted]
