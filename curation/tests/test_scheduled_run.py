"""The watchers together, as the schedule runs them, against the loopback fakes of ClinicalTrials.gov, PubMed and
openFDA: what changed upstream reaches the dataset (registry fields) or the inbox (everything else), once."""

from __future__ import annotations

import datetime

import pytest
from celery import current_app
from django.apps import apps
from django.conf import settings

from curation.inbox import proposal_accept
from curation.models import Proposal
from drugs.models import Approval
from drugs.tests.conftest import NDA203094_APPROVALS, PHESGO_SET_ID
from drugs.tests.factories import DrugFactory
from her2kb.choices import SyncRunStatus
from her2kb.inbox import FindingKind
from references.models import Reference
from references.tests.factories import ReferenceFactory
from trials.choices import TrialStatus
from trials.models import RegistrySyncRun
from trials.services import CHANGE_REASON
from trials.tests.factories import TrialFactory

pytestmark = pytest.mark.django_db

WATCHERS = ["trials-sync-from-ctgov", "references-watch-pubmed-literature", "drugs-watch-openfda"]
CURATED_TRIAL = {"acronym": "TEST-SCHEDULED", "title": "A curated title", "notes": "Curated note."}


@pytest.fixture
def upstreams(ctgov_settings, pubmed_settings, openfda_settings, tracking):
    """The dataset as the fakes will find it: one trial whose status the registry has changed and one of whose four
    listed publications it does not cite; an FDA application missing one efficacy supplement; an FDA label whose
    boxed warning the dataset does not hold."""
    trial = TrialFactory(nct_id="NCT02552212", status=TrialStatus.RECRUITING, **CURATED_TRIAL)
    trial.references.set([ReferenceFactory(pmid=pmid) for pmid in ("35296532", "35733363", "34715908")])
    supplement_drug = DrugFactory(name="cobicistat", brand_names=[], synonyms=[])
    tracking.application(
        "NDA203094", supplement_drug, [day for label, day in NDA203094_APPROVALS.items() if label != "SUPPL 14"]
    )
    label_drug = DrugFactory(name="test-label-drug", brand_names=[], synonyms=[])
    tracking.label(PHESGO_SET_ID, label_drug, revised="2026-05-21")
    return {"trial": trial, "supplement_drug": supplement_drug, "label_drug": label_drug}


def run_schedule() -> None:
    """Each watcher's beat entry, run once as the worker would (eagerly here), after the worker's start-up import of
    every app's tasks module."""
    current_app.loader.import_default_modules()
    for name in WATCHERS:
        current_app.tasks[settings.CELERY_BEAT_SCHEDULE[name]["task"]].delay().get()


def test_one_scheduled_run_applies_the_registry_change_and_proposes_exactly_the_three_findings(upstreams):
    run_schedule()
    trial = upstreams["trial"]
    trial.refresh_from_db()
    assert trial.status == TrialStatus.COMPLETED
    assert trial.history.first().history_change_reason == CHANGE_REASON
    for name, value in CURATED_TRIAL.items():
        assert getattr(trial, name) == value  # no curated field changes without a curator
    assert sorted(Proposal.objects.values_list("kind", "key")) == [
        (FindingKind.BOXED_WARNING, Proposal.objects.get(kind=FindingKind.BOXED_WARNING).key),
        (FindingKind.FDA_EFFICACY_SUPPLEMENT, "fda-submission:NDA203094:SUPPL:14"),
        (FindingKind.TRIAL_PUBLICATION, "trial-publication:NCT02552212:30848558"),
    ]
    assert not Approval.objects.exists() and Reference.objects.count() == 3  # proposals, not writes

    versions = trial.history.count()
    run_schedule()  # a rerun proposes nothing, and rewrites nothing
    assert Proposal.objects.count() == 3 and set(Proposal.objects.values_list("times_seen", flat=True)) == {2}
    assert trial.history.count() == versions


def test_accepting_each_writes_its_record_with_history(upstreams, curator):
    run_schedule()
    publication = Proposal.objects.get(kind=FindingKind.TRIAL_PUBLICATION)
    proposal_accept(publication, user=curator)
    reference = Reference.objects.get(pmid="30848558")
    assert reference in upstreams["trial"].references.all()
    assert upstreams["trial"].history.first().history_user == curator

    supplement = Proposal.objects.get(kind=FindingKind.FDA_EFFICACY_SUPPLEMENT)
    proposal_accept(
        supplement,
        user=curator,
        data={
            "drug": upstreams["supplement_drug"],
            "date": datetime.date(2019, 10, 3),
            "indication": "A fake indication for the scheduled-run test.",
            "tumour_type": "other",
            "setting": "metastatic",
            "sources": [supplement.upstream_url],
        },
    )
    approval = Approval.objects.get()
    assert (approval.history.first().history_user, approval.history.first().history_change_reason) == (
        curator,
        supplement.history_reason,
    )

    if not apps.is_installed("drugs") or "label" not in {
        m._meta.model_name for m in apps.get_app_config("drugs").get_models()
    }:
        pytest.skip("accepting a boxed warning writes issue 13's Label, which is not merged into this branch yet")


@pytest.mark.parametrize(
    ("upstream", "fault"),
    [("ctgov", "429"), ("ctgov", "500"), ("eutils", "slow:1.5"), ("openfda", "truncated")],
)
def test_a_fault_at_any_upstream_is_retried(upstreams, fake_ctgov, fake_eutils, fake_openfda, upstream, fault):
    {"ctgov": fake_ctgov, "eutils": fake_eutils, "openfda": fake_openfda}[upstream].add_fault(fault)
    run_schedule()
    assert Proposal.objects.count() == 3


def test_an_outage_is_recorded_and_writes_nothing_half_way(upstreams, fake_ctgov):
    fake_ctgov.add_fault(*["503"] * 4)
    run_schedule()
    run = RegistrySyncRun.objects.get()
    assert run.status == SyncRunStatus.FAILED and "HTTP 503" in run.errors[0]
    upstreams["trial"].refresh_from_db()
    assert upstreams["trial"].status == TrialStatus.RECRUITING
    assert not Proposal.objects.filter(kind=FindingKind.TRIAL_PUBLICATION).exists()
    assert Proposal.objects.count() == 2  # the other watchers ran as scheduled
