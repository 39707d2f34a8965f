"""fda_watch: what openFDA knows that the dataset lacks becomes proposals, once; nothing else is written; faults
are retried or recorded."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from curation.inbox import proposal_accept
from curation.models import Proposal
from drugs.models import Approval, Drug, FdaWatchRun
from drugs.services import fda_watch, tracked_fda_applications, tracked_fda_labels
from drugs.tasks import watch_openfda
from her2kb.choices import SyncRunStatus, SyncTrigger
from her2kb.inbox import FindingKind, FindingSource

from .conftest import HERCEPTIN_SET_ID, NDA203094_APPROVALS, PHESGO_SET_ID
from .factories import ApprovalFactory, DrugFactory, LabelFactory

pytestmark = pytest.mark.django_db


def track_tybost_without_suppl_14(tracking) -> Drug:
    drug = DrugFactory(name="cobicistat", brand_names=[], synonyms=[])
    known = [date for label, date in NDA203094_APPROVALS.items() if label != "SUPPL 14"]
    tracking.application("NDA203094", drug, known)
    return drug


def test_a_new_efficacy_supplement_is_proposed_once_and_nothing_else(openfda_settings, fake_openfda, tracking):
    drug = track_tybost_without_suppl_14(tracking)
    run = fda_watch(trigger=SyncTrigger.COMMAND)
    assert (run.status, run.found, run.proposed, run.failed) == (SyncRunStatus.SUCCEEDED, 1, 1, 0)
    proposal = Proposal.objects.get()
    assert (proposal.source, proposal.kind, proposal.subject, proposal.drug) == (
        FindingSource.OPENFDA,
        FindingKind.FDA_EFFICACY_SUPPLEMENT,
        drug,
        drug,
    )
    assert proposal.key == "fda-submission:NDA203094:SUPPL:14"
    assert proposal.title == "FDA efficacy supplement for cobicistat: NDA203094 SUPPL 14 approved 2019-10-03"
    assert proposal.upstream_url.endswith("ApplNo=203094")
    assert proposal.raw_value["submission"]["submission_status_date"] == "20191003"
    # One request each: the tracked application, the substance, the class.
    assert [r.params["search"] for r in fake_openfda.drugsfda_requests()] == [
        'application_number:"NDA203094"',
        'openfda.substance_name:"COBICISTAT" openfda.generic_name:"COBICISTAT"',
        'openfda.pharm_class_moa:"HER2/Neu/cerbB2 Antagonists [MoA]"',
    ]
    assert run.requests_made == 3
    drug.refresh_from_db()
    assert drug.fda_checked_at is not None
    assert not Approval.objects.exists()  # a proposal, never a direct write

    again = fda_watch()
    assert (again.found, again.proposed) == (1, 0) and Proposal.objects.count() == 1


def test_accepting_the_supplement_records_it_and_the_next_run_finds_nothing(
    openfda_settings, fake_openfda, tracking, curator
):
    drug = track_tybost_without_suppl_14(tracking)
    fda_watch()
    proposal = Proposal.objects.get()
    proposal_accept(
        proposal,
        user=curator,
        data={
            "drug": drug,
            "date": datetime.date(2019, 10, 3),
            "indication": "A fake indication for the watcher tests.",
            "tumour_type": "other",
            "setting": "metastatic",
            "sources": [
                "https://www.accessdata.fda.gov/scripts/cder/daf/index.cfm?event=overview.process&ApplNo=203094"
            ],
        },
    )
    approval = Approval.objects.get()
    assert approval.history.first().history_user == curator
    tracking.applications[0] = tracking.applications[0].__class__(
        "NDA203094", drug.pk, drug.name, frozenset(NDA203094_APPROVALS.values())
    )  # the dataset now records it
    assert fda_watch().found == 0


def test_new_applications_of_a_tracked_substance_are_proposed(openfda_settings, fake_openfda, tracking, monkeypatch):
    monkeypatch.setattr("drugs.openfda.PAGE_LIMIT", 2)  # the recorded search_after paging
    drug = DrugFactory(name="semaglutide", brand_names=[], synonyms=[])
    tracking.application("NDA209637", drug, [datetime.date(2017, 12, 5)])
    fda_watch()
    # (OZEMPIC's own efficacy supplements, which this test does not track, are proposed too.)
    proposals = Proposal.objects.filter(kind=FindingKind.FDA_NEW_APPLICATION).order_by("key")
    assert [p.key for p in proposals] == ["fda-application:NDA213051", "fda-application:NDA215256"]
    assert all(p.subject == drug for p in proposals) and "RYBELSUS" in proposals[0].title
    assert proposals[0].raw_value["submission"]["submission_status_date"] == "20190920"


def test_a_new_boxed_warning_and_a_label_revision_are_proposed(openfda_settings, fake_openfda, tracking):
    drug = DrugFactory(name="test-fda-label-drug", brand_names=[], synonyms=[])
    tracking.label(PHESGO_SET_ID, drug, revised="2026-05-21")  # no boxed warning recorded
    tracking.label(HERCEPTIN_SET_ID, drug, revised="2025-11")  # an older revision, no boxed warning on the label
    run = fda_watch()
    by_kind = {p.kind: p for p in Proposal.objects.all()}
    assert set(by_kind) == {FindingKind.BOXED_WARNING, FindingKind.LABEL_REVISION}
    boxed = by_kind[FindingKind.BOXED_WARNING]
    assert boxed.title == "Boxed warning added on the FDA label of test-fda-label-drug"
    assert boxed.raw_value["boxed_warning"].startswith("WARNING: CARDIOMYOPATHY")
    assert boxed.upstream_url == f"https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid={PHESGO_SET_ID}"
    revision = by_kind[FindingKind.LABEL_REVISION]
    assert revision.diff == {"revised": {"current": "2025-11", "proposed": "2026-05-29"}}
    assert len(fake_openfda.label_requests()) == 1 and run.proposed == 2


def test_a_changed_boxed_warning_is_a_new_proposal_even_after_a_dismissal(
    openfda_settings, fake_openfda, tracking, curator
):
    from curation.inbox import proposals_dismiss

    drug = DrugFactory(name="test-fda-label-drug", brand_names=[], synonyms=[])
    tracking.label(PHESGO_SET_ID, drug, revised="2026-05-21")
    fda_watch()
    proposals_dismiss(Proposal.objects.all(), user=curator, reason="Already being curated elsewhere.")
    assert fda_watch().proposed == 0  # dismissed stays dismissed
    fake_openfda.labels[PHESGO_SET_ID]["boxed_warning"] = ["WARNING: SYNTHETIC TEST WORDING FOR A CHANGED WARNING"]
    assert fda_watch().proposed == 1  # new words, new proposal


def test_accepting_a_new_boxed_warning_writes_it_on_the_label_with_history(openfda_settings, fake_openfda, curator):
    # The dataset's own FDA label (no boxed warning recorded yet) is what the watcher tracks and the acceptance writes.
    label = LabelFactory(
        drug=DrugFactory(name="test-fda-label-drug", brand_names=[], synonyms=[]),
        set_id=PHESGO_SET_ID,
        revised="2026-05-21",
    )
    fda_watch()
    proposal = Proposal.objects.get(kind=FindingKind.BOXED_WARNING)

    proposal_accept(
        proposal,
        user=curator,
        data={"statement": "Synthetic quoted words.", "topic": "other", "section": "Boxed Warning"},
    )

    warning = label.warnings.get()
    assert (warning.kind, warning.statement, warning.source) == (
        "boxed_warning",
        "Synthetic quoted words.",
        proposal.upstream_url,
    )
    assert warning.history.get().history_user == curator
    proposal.refresh_from_db()
    assert not proposal.is_open


def test_a_tracked_label_openfda_does_not_know_is_noted(openfda_settings, fake_openfda, tracking):
    drug = DrugFactory(name="test-fda-label-drug", brand_names=[], synonyms=[])
    tracking.label("00000000-0000-0000-0000-000000000000", drug, revised="2026-01")
    run = fda_watch()
    assert run.notes == ["openFDA has no label with set id 00000000-0000-0000-0000-000000000000 (test-fda-label-drug)"]


@pytest.mark.parametrize("fault", ["429", "500", "slow:1.5", "truncated", "reset"])
def test_a_transient_fault_is_retried(openfda_settings, fake_openfda, tracking, fault):
    track_tybost_without_suppl_14(tracking)
    fake_openfda.add_fault(fault)
    run = fda_watch()
    assert (run.proposed, run.retries, run.status) == (1, 1, SyncRunStatus.SUCCEEDED)


def test_a_failed_batch_proposes_nothing_and_leaves_the_drug_unchecked(openfda_settings, fake_openfda, tracking):
    drug = track_tybost_without_suppl_14(tracking)
    fake_openfda.add_fault(*["500"] * 4)  # the tracked-application batch fails after its retries
    run = fda_watch()
    drug.refresh_from_db()
    assert (run.status, run.failed, run.proposed) == (SyncRunStatus.PARTIAL, 1, 0)
    assert "applications NDA203094…NDA203094" in run.errors[0] and "SERVER_ERROR" in run.errors[0]
    assert drug.fda_checked_at is None and not Proposal.objects.exists()
    assert fda_watch().proposed == 1  # asked again next run


def test_a_malformed_record_fails_its_batch_only(openfda_settings, fake_openfda, tracking):
    track_tybost_without_suppl_14(tracking)
    fake_openfda.applications["NDA203094"] = {**fake_openfda.applications["NDA203094"], "application_number": "?"}
    run = fda_watch()
    assert run.failed >= 1 and "without an application number" in run.errors[0]
    assert run.status == SyncRunStatus.PARTIAL


def test_the_dataset_tracks_its_fda_application_numbers_and_labels():
    drug = DrugFactory(name="test-tracked-drug", brand_names=[], synonyms=[])
    ApprovalFactory(drug=drug, agency="FDA", application_number="BLA 761139")
    ApprovalFactory(drug=drug, agency="EMA", application_number="EMEA/H/C/005124")  # not an FDA application
    LabelFactory(drug=drug, set_id=PHESGO_SET_ID)
    LabelFactory(set_id="")  # another drug's label without a set id: nothing to ask openFDA about

    assert [tracked.number for tracked in tracked_fda_applications()] == ["BLA761139"]
    assert [tracked.set_id for tracked in tracked_fda_labels()] == [PHESGO_SET_ID]


def test_the_command_the_task_and_the_schedule(openfda_settings, fake_openfda, tracking):
    track_tybost_without_suppl_14(tracking)
    out = StringIO()
    call_command("watch_openfda", stdout=out)
    assert "proposed 1" in out.getvalue() and "openFDA watch finished." in out.getvalue()
    run = FdaWatchRun.objects.get(pk=watch_openfda.delay().get())
    assert run.trigger == SyncTrigger.NIGHTLY and run.proposed == 0
    assert settings.CELERY_BEAT_SCHEDULE["drugs-watch-openfda"]["task"] == "drugs.tasks.watch_openfda"
    fake_openfda.add_fault(*["503"] * 4)
    with pytest.raises(CommandError, match="failed"):
        call_command("watch_openfda", stdout=StringIO(), stderr=StringIO())
