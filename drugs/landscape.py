"""
The treatment landscape: for one tumour type and HER2 status (and optionally one setting), every approved option as a
row and every agency as a column.

A row is one drug in one setting (agencies word the same indication differently, so the setting — adjuvant,
first-line metastatic … — is what lines their decisions up). A cell holds that agency's approvals of the row (an
accelerated approval and its conversion are two entries of one cell); an empty cell is "no approval on record",
which is not the same as "not approved": it links the agency's list of what is known to be missing, where there is
one. Each row names the pivotal trials of its approvals with their primary results.

    landscape = treatment_landscape(tumour_type="breast", her2_status="low")
    landscape.rows[0].drug, landscape.rows[0].cells[0].approvals, landscape.rows[0].pivotal_trials

The page, its CSV and the API all read this one structure. A constant number of queries, whatever the data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from her2kb.missing import missing_list_url

from .choices import Agency, Her2Category, TherapySetting, TumourType
from .models import Approval, Drug

# The columns, in the order the site lists agencies everywhere.
LANDSCAPE_AGENCIES: list[tuple[str, str]] = list(Agency.choices)


@dataclass
class LandscapeCell:
    """One agency's approvals of one row; `missing_url` is the agency's missing list when there are none."""

    agency: str
    agency_label: str
    approvals: list[Approval] = field(default_factory=list)
    missing_url: str = ""

    @property
    def first_date(self):
        """The earliest approval date in the cell (for sorting), or None."""
        return min((approval.date for approval in self.approvals), default=None)


@dataclass
class LandscapeRow:
    """One drug in one setting, across every agency."""

    drug: Drug
    setting: str
    setting_label: str
    cells: list[LandscapeCell]
    pivotal_trials: list[Any]
    no_pivotal_trial_reasons: list[str]

    @property
    def approvals(self) -> list[Approval]:
        return [approval for cell in self.cells for approval in cell.approvals]

    @property
    def agency_count(self) -> int:
        """How many agencies have an approval of this row on record."""
        return sum(1 for cell in self.cells if cell.approvals)

    @property
    def first_date(self):
        return min((approval.date for approval in self.approvals), default=None)


@dataclass
class Landscape:
    """The table for one tumour type, HER2 status and (optional) setting."""

    tumour_type: str
    her2_status: str
    setting: str
    rows: list[LandscapeRow]
    agencies: list[tuple[str, str]]

    @property
    def tumour_label(self) -> str:
        return dict(TumourType.choices).get(self.tumour_type, self.tumour_type)

    @property
    def her2_label(self) -> str:
        return dict(Her2Category.choices).get(self.her2_status, self.her2_status)

    @property
    def setting_label(self) -> str:
        return dict(TherapySetting.choices).get(self.setting, self.setting)

    @property
    def agencies_without_records(self) -> list[tuple[str, str]]:
        """Agencies with no approval in any row: said once above the table, not only cell by cell."""
        with_records = {cell.agency for row in self.rows for cell in row.cells if cell.approvals}
        return [(code, label) for code, label in self.agencies if code not in with_records]


def landscape_approvals(tumour_type: str, her2_status: str, setting: str = ""):
    """The approvals a landscape shows, with everything its cells and result column read (constant queries)."""
    approvals = Approval.objects.for_list().with_pivotal_results().filter(tumour_type=tumour_type)
    approvals = approvals.for_her2_status(her2_status)
    if setting:
        approvals = approvals.filter(setting=setting)
    return approvals.order_by("drug__name", "date", "agency")


def treatment_landscape(*, tumour_type: str, her2_status: str, setting: str = "") -> Landscape:
    """
    The landscape for `tumour_type` and `her2_status` (TumourType and Her2Category values, as the approvals filter
    takes them: "low" includes approvals for "HER2-low or HER2-ultralow") and optionally one `setting`.

    Rows are ordered by the setting's order in `TherapySetting` (early disease first), then by the first approval
    date, then by drug name. The values are not checked here; the callers validate them with ApprovalFilterSet.
    """
    setting_order = {value: position for position, value in enumerate(TherapySetting.values)}
    setting_labels = dict(TherapySetting.choices)
    missing_urls = {code: missing_list_url(code) for code, _label in LANDSCAPE_AGENCIES}

    grouped: dict[tuple[int, str], list[Approval]] = {}
    drugs: dict[int, Drug] = {}
    for approval in landscape_approvals(tumour_type, her2_status, setting):
        grouped.setdefault((approval.drug_id, approval.setting), []).append(approval)
        drugs[approval.drug_id] = approval.drug

    rows = []
    for (drug_id, row_setting), approvals in grouped.items():
        cells = []
        for code, label in LANDSCAPE_AGENCIES:
            of_agency = [approval for approval in approvals if approval.agency == code]
            cells.append(
                LandscapeCell(
                    agency=code,
                    agency_label=label,
                    approvals=of_agency,
                    missing_url="" if of_agency else missing_urls[code],
                )
            )
        trials: dict[int, Any] = {}
        for approval in approvals:
            for trial in approval.pivotal_trials.all():
                trials.setdefault(trial.pk, trial)
        reasons = sorted(
            {approval.no_pivotal_trial_reason for approval in approvals if approval.no_pivotal_trial_reason}
        )
        rows.append(
            LandscapeRow(
                drug=drugs[drug_id],
                setting=row_setting,
                setting_label=setting_labels.get(row_setting, row_setting),
                cells=cells,
                pivotal_trials=sorted(trials.values(), key=str),
                no_pivotal_trial_reasons=reasons,
            )
        )
    rows.sort(
        key=lambda row: (setting_order.get(row.setting, len(setting_order)), row.first_date, row.drug.name.lower())
    )
    return Landscape(
        tumour_type=tumour_type,
        her2_status=her2_status,
        setting=setting,
        rows=rows,
        agencies=LANDSCAPE_AGENCIES,
    )


def cell_text(cell: LandscapeCell) -> str:
    """A cell as one line of text (CSV): each approval's date, type, designations and companion tests."""
    if not cell.approvals:
        return "no approval on record"
    parts = []
    for approval in cell.approvals:
        text = f"{approval.date:%Y-%m-%d}"
        if approval.approval_type:
            text += f" {approval.get_approval_type_display().lower()}"
        designations = [designation.get_designation_display() for designation in approval.designation_list]
        if designations:
            text += f" ({', '.join(designations)})"
        tests = [diagnostic.name for diagnostic in approval.companion_diagnostics.all()]
        if tests:
            text += f"; test: {', '.join(tests)}"
        parts.append(text)
    return " | ".join(parts)


def result_text(outcome: Any) -> str:
    """A primary result as one line of text (CSV): "PFS (HR-positive): HR 0.51 (95% CI 0.40–0.64)"."""
    text = outcome.endpoint_label or outcome.get_endpoint_display()
    if outcome.population:
        text += f" ({outcome.population})"
    values = []
    if outcome.experimental_value is not None or outcome.control_value is not None:
        # As the pages write them: "51.7% vs 42.0%", "10.1 vs 5.4 months"; a ratio needs no unit.
        percent = "%" if outcome.value_unit == "percent" else ""
        unit = outcome.get_value_unit_display() if outcome.value_unit not in ("", "percent", "ratio") else ""
        experimental = "not reached" if outcome.experimental_value is None else f"{outcome.experimental_value}{percent}"
        control = "" if outcome.control_value is None else f" vs {outcome.control_value}{percent}"
        values.append(f"{experimental}{control} {unit}".strip())
    if outcome.hazard_ratio is not None:
        ci = f" (95% CI {outcome.ci_lower}–{outcome.ci_upper})" if outcome.ci_lower is not None else ""
        values.append(f"HR {outcome.hazard_ratio}{ci}")
    if outcome.p_value:
        values.append(f"p {outcome.p_value}")
    return f"{text}: {'; '.join(values)}" if values else text


def landscape_csv_rows(landscape: Landscape) -> list[list[Any]]:
    """The landscape as CSV rows, a header first: drug, setting, a column per agency, pivotal trials and results."""
    header = ["drug", "setting", *(code for code, _label in landscape.agencies), "pivotal_trials", "primary_results"]
    rows: list[list[Any]] = [header]
    for row in landscape.rows:
        trials = [trial.acronym or trial.nct_id or str(trial) for trial in row.pivotal_trials]
        results = [
            f"{trial.acronym or trial}: {result_text(outcome)}"
            for trial in row.pivotal_trials
            for outcome in trial.primary_outcomes
        ]
        rows.append(
            [
                row.drug.name,
                row.setting_label,
                *(cell_text(cell) for cell in row.cells),
                trials or row.no_pivotal_trial_reasons,
                results,
            ]
        )
    return rows
