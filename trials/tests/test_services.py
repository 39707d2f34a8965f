"""trials_sync_from_ctgov: registry-owned fields kept true with history, curated fields untouched, the registry's
publications proposed once, and whole under faults."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from curation.models import Proposal
from her2kb.choices import SyncRunStatus, SyncTrigger
from her2kb.inbox import FindingKind, FindingSource
from references.tests.factories import ReferenceFactory
from trials.choices import DatePrecision, RegistryValueType, TrialPhase, TrialStatus
from trials.models import RegistrySyncRun, Trial
from trials.services import CHANGE_REASON, trials_sync_from_ctgov

from .factories import TrialFactory

pytestmark = pytest.mark.django_db

CURATED = {
    "acronym": "TEST-CURATED",
    "title": "A curator's title",
    "conditions": ["Curated condition"],
    "design": "Randomized, curated",
    "arms": ["Arm A", "Arm B"],
    "primary_endpoint": "A curated endpoint",
    "notes": "Keep me.",
    "sources": ["https://example.org/curated-source"],
}


def recorded_trial(**fields) -> Trial:
    """The trial whose registry record is the recorded NCT02552212, as a curator first entered it."""
    values = {"status": TrialStatus.RECRUITING, "phase": TrialPhase.PHASE_3, **CURATED, **fields}
    return TrialFactory(nct_id="NCT02552212", slug="recorded-trial", **values)


def assert_accounted_for(run: RegistrySyncRun) -> None:
    assert run.updated + run.unchanged + run.missing + run.failed == run.requested


def test_a_status_change_is_applied_to_the_registry_fields_with_history(ctgov_settings, fake_ctgov):
    trial = recorded_trial()
    run = trials_sync_from_ctgov(trigger=SyncTrigger.COMMAND)
    trial.refresh_from_db()
    assert (run.status, run.requested, run.found, run.updated) == (SyncRunStatus.SUCCEEDED, 1, 1, 1)
    assert (run.requests_made, run.retries) == (1, 0)
    assert trial.status == TrialStatus.COMPLETED
    assert (trial.start_date, trial.start_date_precision) == (datetime.date(2015, 9, 1), DatePrecision.MONTH)
    assert trial.primary_completion_date_type == RegistryValueType.ACTUAL
    assert (trial.enrollment, trial.enrollment_type, trial.sponsor) == (317, "actual", "UCB BIOSCIENCES GmbH")
    assert (trial.registry_last_updated, trial.has_results) == (datetime.date(2022, 8, 18), True)
    assert trial.registry_pmids == ["30848558", "34715908", "35296532", "35733363"]
    assert trial.registry_checked_at is not None and trial.registry_sync_error == ""
    record = trial.history.first()
    assert record.history_change_reason == CHANGE_REASON and record.history_user is None
    assert record.prev_record.status == TrialStatus.RECRUITING
    for name, value in CURATED.items():
        assert getattr(trial, name) == value, name  # curated fields never change
    assert_accounted_for(run)


def test_the_publications_the_registry_lists_become_proposals_once(ctgov_settings, fake_ctgov):
    trial = recorded_trial()
    trial.references.set([ReferenceFactory(pmid="35296532"), ReferenceFactory(pmid="35733363")])
    run = trials_sync_from_ctgov()
    assert run.proposed == 2
    proposals = Proposal.objects.order_by("key")
    assert [p.raw_value["pmid"] for p in proposals] == ["30848558", "34715908"]
    first = proposals[0]
    assert (first.source, first.kind, first.subject) == (FindingSource.CTGOV, FindingKind.TRIAL_PUBLICATION, trial)
    assert first.upstream_url == "https://clinicaltrials.gov/study/NCT02552212"
    assert first.key == "trial-publication:NCT02552212:30848558" and "derived" in first.title

    history_rows = trial.history.count()
    again = trials_sync_from_ctgov()  # idempotent: nothing new, nothing rewritten
    assert (again.updated, again.unchanged, again.proposed) == (0, 1, 0)
    assert Proposal.objects.count() == 2 and trial.history.count() == history_rows


def test_a_registry_change_after_the_first_run_is_applied(ctgov_settings, fake_ctgov):
    trial = recorded_trial()
    trials_sync_from_ctgov()
    fake_ctgov.set_status("NCT02552212", overallStatus="TERMINATED", whyStopped="Synthetic test reason")
    run = trials_sync_from_ctgov()
    trial.refresh_from_db()
    assert run.updated == 1 and trial.status == TrialStatus.TERMINATED


def test_unmappable_values_leave_the_field_alone_with_a_note(ctgov_settings, fake_ctgov):
    trial = TrialFactory(nct_id="NCT03630471", phase=TrialPhase.PHASE_2)  # the registry says phase NA
    run = trials_sync_from_ctgov()
    trial.refresh_from_db()
    assert trial.phase == TrialPhase.PHASE_2 and run.updated == 1
    assert run.notes == ["NCT03630471: phase NA is not one this knowledge base records"]


def test_nct_numbers_the_registry_does_not_know_are_counted_missing(ctgov_settings, fake_ctgov):
    unknown = TrialFactory(nct_id="NCT09999991")
    run = trials_sync_from_ctgov()
    unknown.refresh_from_db()
    assert (run.missing, run.missing_nct_ids, run.status) == (1, ["NCT09999991"], SyncRunStatus.SUCCEEDED)
    assert "does not know" in unknown.registry_sync_error and unknown.registry_checked_at is None


def test_trials_are_synced_in_batches(ctgov_settings, fake_ctgov):
    for n in range(5):
        fake_ctgov.add_study(f"NCT0999100{n}", overallStatus="ACTIVE_NOT_RECRUITING")
        TrialFactory(nct_id=f"NCT0999100{n}")
    run = trials_sync_from_ctgov(batch_size=2)
    assert [len(r.listed("filter.ids")) for r in fake_ctgov.studies_requests()] == [2, 2, 1]
    assert (run.updated, run.requests_made) == (5, 3)
    assert set(Trial.objects.values_list("status", flat=True)) == {TrialStatus.ACTIVE_NOT_RECRUITING}


@pytest.mark.parametrize("fault", ["429", "500", "slow:1.5", "truncated", "reset"])
def test_a_transient_fault_is_retried_and_recorded(ctgov_settings, fake_ctgov, fault):
    recorded_trial()
    fake_ctgov.add_fault(fault)
    run = trials_sync_from_ctgov()
    assert (run.updated, run.requests_made, run.retries, run.status) == (1, 2, 1, SyncRunStatus.SUCCEEDED)


def test_a_failed_batch_writes_nothing_and_is_recorded(ctgov_settings, fake_ctgov):
    trial = recorded_trial()
    fake_ctgov.add_fault("500", "500", "500", "500")
    run = trials_sync_from_ctgov()
    trial.refresh_from_db()
    assert (run.status, run.failed, run.failed_nct_ids, run.requests_made) == (
        SyncRunStatus.FAILED,
        1,
        ["NCT02552212"],
        4,
    )
    assert "HTTP 500" in run.errors[0] and "HTTP 500" in trial.registry_sync_error
    assert trial.status == TrialStatus.RECRUITING and trial.history.count() == 1
    assert not Proposal.objects.exists()
    assert_accounted_for(run)


def test_registry_values_the_model_refuses_fail_that_trial_only(ctgov_settings, fake_ctgov):
    bad = fake_ctgov.add_study("NCT09992001", startDateStruct={"date": "2021-05-01", "type": "ACTUAL"})
    bad["protocolSection"]["statusModule"]["primaryCompletionDateStruct"] = {"date": "2020-01-01", "type": "ACTUAL"}
    refused, fine = TrialFactory(nct_id="NCT09992001"), recorded_trial()
    run = trials_sync_from_ctgov()
    refused.refresh_from_db()
    assert (run.updated, run.failed, run.status) == (1, 1, SyncRunStatus.PARTIAL)
    assert "Primary completion cannot precede the start" in run.errors[0]
    assert refused.start_date is None and "do not fit" in refused.registry_sync_error
    fine.refresh_from_db()
    assert fine.status == TrialStatus.COMPLETED


def test_a_failure_in_the_inbox_rolls_the_batch_back(ctgov_settings, fake_ctgov, monkeypatch):
    trial = recorded_trial()

    def broken(findings):
        raise RuntimeError("the inbox is down")

    monkeypatch.setattr("trials.services.report_findings", broken)
    with pytest.raises(RuntimeError):
        trials_sync_from_ctgov()
    trial.refresh_from_db()
    assert trial.status == TrialStatus.RECRUITING  # the batch's registry writes went with it
    run = RegistrySyncRun.objects.get()
    assert run.status == SyncRunStatus.FAILED and "the inbox is down" in run.errors[-1]


def test_only_trials_in_the_dataset_can_be_asked_for(ctgov_settings):
    with pytest.raises(ValidationError, match="NCT09999999"):
        trials_sync_from_ctgov(nct_ids=["NCT09999999"])
    assert not RegistrySyncRun.objects.exists()
