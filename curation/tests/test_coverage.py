"""The coverage report: each measure counts what it says, and the command prints them against their goals."""

from io import StringIO

import pytest
from django.core.management import call_command

from curation.coverage import approvals_by_agency, coverage_measures
from drugs.choices import Agency, DevelopmentStatus
from drugs.tests.factories import ApprovalFactory, DrugFactory
from trials.tests.factories import OutcomeFactory, TrialFactory

pytestmark = pytest.mark.django_db


def measures_by_name():
    return {measure.name: measure for measure in coverage_measures()}


def test_counts_approvals_per_agency_listing_every_agency():
    ApprovalFactory(agency=Agency.FDA)
    ApprovalFactory(agency=Agency.FDA)
    ApprovalFactory(agency=Agency.PMDA)

    counts = approvals_by_agency()

    assert counts[Agency.FDA] == 2 and counts[Agency.PMDA] == 1
    assert set(counts) == set(Agency.values) and counts[Agency.TGA] == 0


def test_first_source_of_the_agency_is_told_apart_from_press():
    ApprovalFactory(sources=["https://www.fda.gov/drugs/resources-information-approved-drugs/x"])
    ApprovalFactory(sources=["https://www.fiercepharma.com/pharma/x", "https://www.fda.gov/x"])

    measure = measures_by_name()["approvals whose first source is the agency's own"]

    assert (measure.found, measure.total) == (1, 2)
    assert not measure.met  # 50% < 90%


def test_approved_drug_without_an_approval_is_counted():
    DrugFactory(development_status=DevelopmentStatus.APPROVED)
    ApprovalFactory()  # its drug has a record

    measure = measures_by_name()["approved drugs without an approval record"]

    assert measure.found == 1 and not measure.met


def test_pivotal_trials_with_and_without_a_primary_result():
    with_result, without_result = TrialFactory(), TrialFactory()
    OutcomeFactory(trial=with_result, is_primary=True)
    OutcomeFactory(trial=without_result, is_primary=False)
    approval = ApprovalFactory()
    approval.pivotal_trials.set([with_result, without_result])
    TrialFactory()  # not pivotal: not counted

    measure = measures_by_name()["pivotal trials with a structured primary result"]

    assert (measure.found, measure.total) == (1, 2)


def test_the_command_prints_every_measure_and_strict_fails_on_unmet_goals():
    ApprovalFactory(sources=["https://www.fiercepharma.com/pharma/x"])
    out = StringIO()

    call_command("dataset_report", stdout=out)

    report = out.getvalue()
    for measure in coverage_measures():
        assert measure.name in report
    assert "NO" in report
    with pytest.raises(SystemExit, match="Goals not met"):
        call_command("dataset_report", "--strict", stdout=StringIO())
