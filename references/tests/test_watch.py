"""The PubMed literature watcher: saved searches from the dataset, date windows since the last run, new PMIDs
proposed once, accepting creates the reference for the PubMed sync to fill; faults retried or recorded."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from curation.inbox import proposal_accept
from curation.models import Proposal
from drugs.tests.factories import DrugFactory
from her2kb.choices import SyncRunStatus, SyncTrigger
from her2kb.inbox import Finding, FindingKind, FindingSource, report_findings, trial_publication_key
from references.choices import SearchKind
from references.models import LiteratureSearch, LiteratureWatchRun, Reference
from references.services import literature_searches_refresh, literature_watch
from references.tasks import watch_pubmed_literature
from trials.choices import DrugRole
from trials.tests.factories import TrialDrugFactory, TrialFactory

from .factories import ReferenceFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 30)


@pytest.fixture
def watch_settings(pubmed_settings):
    pubmed_settings.PUBMED_WATCH_FIRST_WINDOW_DAYS = 30
    pubmed_settings.PUBMED_WATCH_MAX_RESULTS = 200
    pubmed_settings.PUBMED_WATCH_DRUG_FILTER = '"clinical trial"[pt]'
    return pubmed_settings


def test_saved_searches_follow_the_dataset(watch_settings):
    trial = TrialFactory(nct_id="NCT00000101", acronym="FAKE-TRIAL-1")
    drug = DrugFactory(name="testuzumab", brand_names=["Testera"], synonyms=["TST-1", "testuzumab"])
    searches = {(s.kind, s.term) for s in literature_searches_refresh()}
    assert searches == {
        (SearchKind.NCT_NUMBER, "NCT00000101[si]"),
        (SearchKind.ACRONYM, '"FAKE-TRIAL-1"[tiab]'),
        (SearchKind.DRUG_NAME, '"testuzumab"[tiab] AND "clinical trial"[pt]'),
        (SearchKind.DRUG_NAME, '"Testera"[tiab] AND "clinical trial"[pt]'),
        (SearchKind.DRUG_NAME, '"TST-1"[tiab] AND "clinical trial"[pt]'),
    }
    LiteratureSearch.objects.filter(term='"TST-1"[tiab] AND "clinical trial"[pt]').update(enabled=False)
    trial.acronym = "FAKE-TRIAL-RENAMED"
    trial.save()
    terms = {s.term for s in literature_searches_refresh()}
    assert '"FAKE-TRIAL-RENAMED"[tiab]' in terms and '"FAKE-TRIAL-1"[tiab]' not in terms
    assert '"TST-1"[tiab] AND "clinical trial"[pt]' not in terms  # the curator's switch-off holds
    assert LiteratureSearch.objects.filter(drug=drug).count() == 3


def test_new_pmids_become_proposals_and_a_rerun_proposes_nothing(watch_settings, fake_eutils):
    trial = TrialFactory(nct_id="NCT00000101", acronym="FAKE-TRIAL-1")
    drug = DrugFactory(name="testuzumab", brand_names=[], synonyms=[])
    TrialDrugFactory(trial=trial, drug=drug, role=DrugRole.EXPERIMENTAL)
    trial.references.set([ReferenceFactory(pmid="810001")])
    fake_eutils.add_search_hit("NCT00000101[si]", "810001", TODAY)  # already cited
    fake_eutils.add_search_hit("NCT00000101[si]", "810002", TODAY - datetime.timedelta(days=3))
    fake_eutils.add_search_hit('"FAKE-TRIAL-1"[tiab]', "810002", TODAY)  # the same paper, found twice
    fake_eutils.add_search_hit("NCT00000101[si]", "810009", TODAY - datetime.timedelta(days=90))  # before the window

    run = literature_watch(trigger=SyncTrigger.COMMAND, today=TODAY)
    assert (run.status, run.requested, run.found, run.proposed) == (SyncRunStatus.SUCCEEDED, 3, 2, 1)
    assert run.requests_made == 3 == len(fake_eutils.esearch_requests())
    proposal = Proposal.objects.get()
    assert (proposal.source, proposal.kind, proposal.subject) == (
        FindingSource.PUBMED,
        FindingKind.TRIAL_PUBLICATION,
        trial,
    )
    assert proposal.key == "trial-publication:NCT00000101:810002" and proposal.times_seen == 2
    assert proposal.title.startswith("New publication for FAKE-TRIAL-1: PMID 810002")
    assert proposal.drug == drug and proposal.upstream_url == "https://pubmed.ncbi.nlm.nih.gov/810002/"
    first = fake_eutils.esearch_requests()[0].params
    assert (first["mindate"], first["maxdate"], first["datetype"]) == ("2026/10/31", "2026/11/30", "edat")

    again = literature_watch(today=TODAY + datetime.timedelta(days=1))
    assert (again.found, again.proposed) == (1, 0) and Proposal.objects.count() == 1
    second = fake_eutils.esearch_requests()[-1].params
    assert second["mindate"] == "2026/11/30"  # the window starts where the last run ended


def test_the_registry_and_pubmed_finding_one_paper_make_one_proposal(watch_settings, fake_eutils):
    trial = TrialFactory(nct_id="NCT00000101", acronym="")
    report_findings(
        [
            Finding(
                source=FindingSource.CTGOV,
                kind=FindingKind.TRIAL_PUBLICATION,
                key=trial_publication_key("NCT00000101", "810002"),
                title="New publication for NCT00000101: PMID 810002",
                upstream_url="https://clinicaltrials.gov/study/NCT00000101",
                raw_value={"pmid": "810002"},
                subject=trial,
            )
        ]
    )
    fake_eutils.add_search_hit("NCT00000101[si]", "810002", TODAY)
    assert literature_watch(today=TODAY).proposed == 0
    assert Proposal.objects.get().sources == ["ctgov", "pubmed"]


def test_a_drug_search_proposes_a_drug_publication(watch_settings, fake_eutils):
    drug = DrugFactory(name="testuzumab", brand_names=[], synonyms=[])
    fake_eutils.add_search_hit('"testuzumab"[tiab] AND "clinical trial"[pt]', "810003", TODAY)
    literature_watch(today=TODAY)
    proposal = Proposal.objects.get()
    assert (proposal.kind, proposal.subject, proposal.key) == (
        FindingKind.DRUG_PUBLICATION,
        drug,
        f"drug-publication:{drug.slug}:810003",
    )


def test_accepting_creates_the_reference_and_the_pubmed_sync_fills_it(
    watch_settings, fake_eutils, curator, django_capture_on_commit_callbacks
):
    trial = TrialFactory(nct_id="NCT00000101", acronym="")
    fake_eutils.add_search_hit("NCT00000101[si]", "810002", TODAY)
    literature_watch(today=TODAY)
    with django_capture_on_commit_callbacks(execute=True):
        proposal_accept(Proposal.objects.get(), user=curator)
    reference = Reference.objects.get(pmid="810002")
    assert reference.title == "Synthetic test record 810002 for the her2kb sync tests."  # filled by the sync
    assert list(trial.references.all()) == [reference]
    assert reference.history.earliest().history_user == curator
    assert literature_watch(today=TODAY).found == 0  # cited now: nothing to propose


def test_a_phrase_pubmed_does_not_know_matches_nothing_and_is_noted(watch_settings, fake_eutils):
    TrialFactory(nct_id=None, acronym="FAKE-UNKNOWN")
    fake_eutils.unknown_phrases = {"FAKE-UNKNOWN"}
    fake_eutils.add_search_hit('"FAKE-UNKNOWN"[tiab]', "810004", TODAY)  # would be served, but NCBI drops the phrase
    run = literature_watch(today=TODAY)
    assert run.found == 0 and "PubMed does not know FAKE-UNKNOWN" in run.notes[0]


def test_a_search_that_matches_more_than_the_cap_is_cut_and_noted(watch_settings, fake_eutils):
    watch_settings.PUBMED_WATCH_MAX_RESULTS = 2
    TrialFactory(nct_id="NCT00000101", acronym="")
    for n in range(5):
        fake_eutils.add_search_hit("NCT00000101[si]", str(810_010 + n), TODAY)
    run = literature_watch(today=TODAY)
    assert run.found == 2 and "5 matches; only the newest 2 were read" in run.notes[0]


@pytest.mark.parametrize("fault", ["429", "500", "slow:1.5", "truncated", "json200", "reset"])
def test_a_transient_fault_is_retried(watch_settings, fake_eutils, fault):
    TrialFactory(nct_id="NCT00000101", acronym="")
    fake_eutils.add_search_hit("NCT00000101[si]", "810002", TODAY)
    fake_eutils.add_fault(fault)
    run = literature_watch(today=TODAY)
    assert (run.proposed, run.requests_made, run.retries, run.status) == (1, 2, 1, SyncRunStatus.SUCCEEDED)


def test_a_failed_search_proposes_nothing_and_keeps_its_window(watch_settings, fake_eutils):
    TrialFactory(nct_id="NCT00000101", acronym="")
    fake_eutils.add_search_hit("NCT00000101[si]", "810002", TODAY)
    fake_eutils.add_fault(*["503"] * 4)
    run = literature_watch(today=TODAY)
    search = LiteratureSearch.objects.get()
    assert (run.status, run.failed, run.proposed) == (SyncRunStatus.FAILED, 1, 0)
    assert search.searched_through is None and "HTTP 503" in search.last_error
    assert not Proposal.objects.exists()
    assert literature_watch(today=TODAY).proposed == 1  # the next run covers the same window


def test_the_command_and_the_nightly_task(watch_settings, fake_eutils):
    TrialFactory(nct_id="NCT00000101", acronym="")
    fake_eutils.add_search_hit("NCT00000101[si]", "810002", datetime.date.today())
    out = StringIO()
    call_command("watch_pubmed", "--no-progress", stdout=out)
    assert "proposed 1" in out.getvalue() and "PubMed literature watch finished." in out.getvalue()
    run = LiteratureWatchRun.objects.get(pk=watch_pubmed_literature.delay().get())
    assert run.trigger == SyncTrigger.NIGHTLY and run.proposed == 0
    fake_eutils.add_fault(*["500"] * 4)
    with pytest.raises(CommandError, match="1 search"):
        call_command("watch_pubmed", "--no-progress", stdout=StringIO(), stderr=StringIO())
