"""The treatment landscape (drugs/landscape.py): rows per drug and setting, a cell per agency, gaps that say so, the
pivotal results, its CSV rows and a constant number of queries."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from drugs.choices import Agency, ApprovalType, Her2Category, TherapySetting, TumourType
from drugs.landscape import cell_text, landscape_csv_rows, result_text, treatment_landscape
from drugs.tests.factories import (
    ApprovalDesignationFactory,
    ApprovalFactory,
    CompanionDiagnosticFactory,
    DrugFactory,
)
from trials.tests.factories import OutcomeFactory, TrialFactory

pytestmark = pytest.mark.django_db

LOW_BREAST = {"tumour_type": TumourType.BREAST, "her2_category": Her2Category.LOW}


def _approval(drug, agency="FDA", **fields):
    return ApprovalFactory(drug=drug, agency=agency, **{**LOW_BREAST, **fields})


def test_a_row_per_drug_and_setting_with_a_cell_per_agency_in_agency_order():
    drug = DrugFactory(name="fakeximab")
    _approval(drug, "FDA", setting=TherapySetting.METASTATIC_LATER_LINE)
    _approval(drug, "EMA", setting=TherapySetting.METASTATIC_LATER_LINE)
    _approval(drug, "FDA", setting=TherapySetting.ADJUVANT)

    landscape = treatment_landscape(tumour_type="breast", her2_status="low")

    assert [(row.drug.name, row.setting) for row in landscape.rows] == [
        ("fakeximab", TherapySetting.ADJUVANT),  # early disease first, in the order of the settings
        ("fakeximab", TherapySetting.METASTATIC_LATER_LINE),
    ]
    later = landscape.rows[1]
    assert [cell.agency for cell in later.cells] == list(Agency.values)
    assert [cell.agency for cell in later.cells if cell.approvals] == ["FDA", "EMA"]
    assert later.agency_count == 2


def test_her2_low_includes_approvals_for_low_or_ultralow_and_leaves_out_other_tumours_and_statuses():
    low_or_ultralow = _approval(DrugFactory(), her2_category=Her2Category.LOW_OR_ULTRALOW)
    _approval(DrugFactory(), her2_category=Her2Category.POSITIVE)
    _approval(DrugFactory(), tumour_type=TumourType.GASTRIC_GEJ)

    landscape = treatment_landscape(tumour_type="breast", her2_status="low")

    assert [row.approvals for row in landscape.rows] == [[low_or_ultralow]]


def test_the_setting_narrows_the_rows():
    drug = DrugFactory()
    _approval(drug, setting=TherapySetting.ADJUVANT)
    later = _approval(drug, setting=TherapySetting.METASTATIC_LATER_LINE)

    landscape = treatment_landscape(
        tumour_type="breast", her2_status="low", setting=TherapySetting.METASTATIC_LATER_LINE
    )

    assert [row.approvals for row in landscape.rows] == [[later]]


def test_an_accelerated_approval_and_its_conversion_share_one_cell_oldest_first():
    drug = DrugFactory()
    accelerated = _approval(drug, date=datetime.date(2019, 12, 20), approval_type=ApprovalType.ACCELERATED)
    converted = _approval(drug, date=datetime.date(2021, 5, 4), approval_type=ApprovalType.CONVERSION_TO_REGULAR)

    (row,) = treatment_landscape(tumour_type="breast", her2_status="low").rows

    assert row.cells[0].approvals == [accelerated, converted]
    assert cell_text(row.cells[0]) == "2019-12-20 accelerated | 2021-05-04 conversion to regular"


def test_empty_cells_link_the_agencys_missing_list_where_the_dataset_has_one():
    _approval(DrugFactory(), "FDA")

    (row,) = treatment_landscape(tumour_type="breast", her2_status="low").rows
    cells = {cell.agency: cell for cell in row.cells}

    assert cells["FDA"].missing_url == ""  # it has an approval
    assert cells["EMA"].approvals == [] and cells["EMA"].missing_url == "/missing/ema/"
    assert cell_text(cells["EMA"]) == "no approval on record"


def test_agencies_without_any_record_are_named_once():
    drug = DrugFactory()
    _approval(drug, "FDA")
    _approval(drug, "PMDA")

    landscape = treatment_landscape(tumour_type="breast", her2_status="low")

    assert [code for code, _label in landscape.agencies_without_records] == ["EMA", "NMPA", "MHRA", "HC", "TGA"]


def test_cells_name_designations_and_companion_tests_and_rows_their_pivotal_results():
    drug = DrugFactory()
    approval = _approval(drug, date=datetime.date(2022, 8, 5))
    ApprovalDesignationFactory(approval=approval, designation="breakthrough_therapy")
    approval.companion_diagnostics.set([CompanionDiagnosticFactory(name="Fake HER2-low assay")])
    trial = TrialFactory(acronym="FAKE-04")
    approval.pivotal_trials.set([trial])
    OutcomeFactory(
        trial=trial,
        endpoint="pfs",
        endpoint_label="PFS",
        population="fake cohort",
        is_primary=True,
        experimental_value=Decimal("10.10"),
        control_value=Decimal("5.40"),
        value_unit="months",
        hazard_ratio=Decimal("0.510"),
        ci_lower=Decimal("0.400"),
        ci_upper=Decimal("0.640"),
        p_value="<0.001",
    )
    OutcomeFactory(trial=trial, endpoint="os", is_primary=False)

    landscape = treatment_landscape(tumour_type="breast", her2_status="low")
    (row,) = landscape.rows

    assert cell_text(row.cells[0]) == "2022-08-05 regular (Breakthrough therapy); test: Fake HER2-low assay"
    assert row.pivotal_trials == [trial]
    (primary,) = trial.primary_outcomes
    assert result_text(primary) == "PFS (fake cohort): 10.10 vs 5.40 months; HR 0.510 (95% CI 0.400–0.640); p <0.001"
    header, line = landscape_csv_rows(landscape)
    assert header[:2] == ["drug", "setting"] and header[2:9] == list(Agency.values)
    assert line[-2] == ["FAKE-04"]
    assert line[-1] == [f"FAKE-04: {result_text(primary)}"]


def test_a_row_without_pivotal_trial_gives_the_recorded_reason():
    _approval(DrugFactory(), no_pivotal_trial_reason="Biosimilar pathway")

    (row,) = treatment_landscape(tumour_type="breast", her2_status="low").rows

    assert row.pivotal_trials == [] and row.no_pivotal_trial_reasons == ["Biosimilar pathway"]


def _queries_of_landscape() -> int:
    with CaptureQueriesContext(connection) as context:
        landscape = treatment_landscape(tumour_type="breast", her2_status="low")
        landscape_csv_rows(landscape)
    return len(context.captured_queries)


def _grow(count: int) -> None:
    for _ in range(count):
        drug = DrugFactory()
        trial = TrialFactory()
        OutcomeFactory(trial=trial, is_primary=True)
        for agency in ("FDA", "EMA", "PMDA"):
            approval = _approval(drug, agency)
            approval.pivotal_trials.set([trial])
            approval.companion_diagnostics.set([CompanionDiagnosticFactory(agency=agency)])
            ApprovalDesignationFactory(approval=approval, designation="orphan")


def test_the_landscape_runs_the_same_number_of_queries_whatever_the_data():
    _grow(1)
    small = _queries_of_landscape()
    _grow(6)
    assert _queries_of_landscape() == small
