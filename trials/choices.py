"""Controlled vocabularies for trials and outcomes."""

from django.db import models


class TrialPhase(models.TextChoices):
    PHASE_1 = "phase_1", "Phase 1"
    PHASE_1_2 = "phase_1_2", "Phase 1/2"
    PHASE_2 = "phase_2", "Phase 2"
    PHASE_2_3 = "phase_2_3", "Phase 2/3"
    PHASE_3 = "phase_3", "Phase 3"
    PHASE_4 = "phase_4", "Phase 4"


class TrialStatus(models.TextChoices):
    """ClinicalTrials.gov overall recruitment statuses."""

    NOT_YET_RECRUITING = "not_yet_recruiting", "Not yet recruiting"
    RECRUITING = "recruiting", "Recruiting"
    ENROLLING_BY_INVITATION = "enrolling_by_invitation", "Enrolling by invitation"
    ACTIVE_NOT_RECRUITING = "active_not_recruiting", "Active, not recruiting"
    COMPLETED = "completed", "Completed"
    SUSPENDED = "suspended", "Suspended"
    TERMINATED = "terminated", "Terminated"
    WITHDRAWN = "withdrawn", "Withdrawn"
    UNKNOWN = "unknown", "Unknown"


class RegistryValueType(models.TextChoices):
    """Whether a date or enrolment is what happened or what the sponsor expects (ClinicalTrials.gov: ACTUAL or
    ESTIMATED)."""

    ACTUAL = "actual", "Actual"
    ANTICIPATED = "anticipated", "Anticipated"


class DatePrecision(models.TextChoices):
    """How much of a date the source states: ClinicalTrials.gov often gives a month only ("2016-07")."""

    DAY = "day", "Day"
    MONTH = "month", "Month"


class DrugRole(models.TextChoices):
    EXPERIMENTAL = "experimental", "Experimental"
    COMPARATOR = "comparator", "Comparator"
    BACKGROUND = "background", "Background (all arms)"


class Endpoint(models.TextChoices):
    PFS = "pfs", "Progression-free survival"
    OS = "os", "Overall survival"
    DFS = "dfs", "Disease-free survival"
    IDFS = "idfs", "Invasive disease-free survival"
    EFS = "efs", "Event-free survival"
    PCR = "pcr", "Pathological complete response"
    ORR = "orr", "Objective response rate"
    DOR = "dor", "Duration of response"
    RFS = "rfs", "Recurrence-free survival"
    OTHER = "other", "Other"


class ValueUnit(models.TextChoices):
    """The unit the source reports a value in: stored as reported, never converted."""

    MONTHS = "months", "months"
    WEEKS = "weeks", "weeks"
    DAYS = "days", "days"
    YEARS = "years", "years"
    PERCENT = "percent", "%"
    RATIO = "ratio", "ratio"


class OutcomeSourceKind(models.TextChoices):
    """Evidence for a result that is not (only) a PubMed article."""

    LABEL = "label", "Label section"
    ASSESSMENT_REPORT = "assessment_report", "Agency assessment report"
    CONFERENCE_ABSTRACT = "conference_abstract", "Conference abstract"
    REGISTRY_RESULTS = "registry_results", "Registry results"
    JOURNAL = "journal", "Journal article"
