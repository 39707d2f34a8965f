"""The curators' inbox: findings become proposals once, accepting writes attributed history, dismissing sticks."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from curation.choices import ProposalStatus
from curation.inbox import proposal_accept, proposals_dismiss, receive_findings
from curation.models import Proposal
from drugs.choices import Agency, TherapySetting, TumourType
from drugs.models import Approval
from drugs.tests.factories import DrugFactory
from her2kb.inbox import Finding, FindingKind, FindingSource, findings_reported, report_findings
from references.models import Reference
from references.tests.factories import ReferenceFactory
from testing.catalogue import count_queries
from trials.tests.factories import TrialFactory

from .factories import TrialPublicationProposalFactory

pytestmark = pytest.mark.django_db


def publication_finding(trial, pmid: str, source: str = FindingSource.CTGOV) -> Finding:
    return Finding(
        source=source,
        kind=FindingKind.TRIAL_PUBLICATION,
        key=f"trial-publication:{trial.nct_id}:{pmid}",
        title=f"New publication for {trial.acronym}: PMID {pmid}",
        upstream_url=f"https://clinicaltrials.gov/study/{trial.nct_id}",
        raw_value={"pmid": pmid, "type": "RESULT", "citation": "A fake citation."},
        diff={"references": {"current": "", "proposed": f"PMID {pmid}"}},
        subject=trial,
    )


def submission_finding(drug) -> Finding:
    """An FDA efficacy supplement as the openFDA watcher reports it (values from the recorded NDA203094 sample)."""
    submission = {
        "submission_type": "SUPPL",
        "submission_number": "14",
        "submission_status": "AP",
        "submission_status_date": "20191003",
        "submission_class_code": "EFFICACY",
        "application_docs": [
            {"id": "1", "url": "http://www.accessdata.fda.gov/appletter/2019/203094s014ltr.pdf", "type": "Letter"}
        ],
    }
    return Finding(
        source=FindingSource.OPENFDA,
        kind=FindingKind.FDA_EFFICACY_SUPPLEMENT,
        key="fda-submission:NDA203094:SUPPL:14",
        title=f"FDA efficacy supplement for {drug.name}: NDA203094 SUPPL 14 approved 2019-10-03",
        upstream_url="https://api.fda.gov/drug/drugsfda.json?search=application_number:NDA203094",
        raw_value={"application_number": "NDA203094", "submission": submission},
        subject=drug,
        drug_id=drug.pk,
    )


# ---- findings → proposals -------------------------------------------------------------------
def test_a_new_finding_becomes_one_proposal_and_a_rerun_proposes_nothing():
    trial = TrialFactory()
    assert report_findings([publication_finding(trial, "810001")]) == 1
    proposal = Proposal.objects.get()
    assert (proposal.status, proposal.subject, proposal.subject_label) == (ProposalStatus.PROPOSED, trial, str(trial))
    assert proposal.raw_value["pmid"] == "810001" and proposal.upstream_url.endswith(trial.nct_id)

    assert report_findings([publication_finding(trial, "810001")]) == 0
    proposal.refresh_from_db()
    assert proposal.times_seen == 2 and Proposal.objects.count() == 1


def test_the_same_fact_from_two_watchers_is_merged_by_its_key():
    trial = TrialFactory()
    report_findings([publication_finding(trial, "810001", FindingSource.CTGOV)])
    assert report_findings([publication_finding(trial, "810001", FindingSource.PUBMED)]) == 0
    proposal = Proposal.objects.get()
    assert proposal.source == FindingSource.CTGOV and proposal.sources == ["ctgov", "pubmed"]


def test_duplicates_within_one_report_are_one_proposal():
    trial = TrialFactory()
    finding = publication_finding(trial, "810001")
    assert report_findings([finding, finding]) == 1


def test_a_dismissed_proposal_is_not_raised_again(curator):
    trial = TrialFactory()
    report_findings([publication_finding(trial, "810001")])
    proposals_dismiss(Proposal.objects.all(), user=curator, reason="Not a publication of this trial.")
    assert report_findings([publication_finding(trial, "810001")]) == 0
    proposal = Proposal.objects.get()
    assert (proposal.status, proposal.reason) == (ProposalStatus.DISMISSED, "Not a publication of this trial.")
    assert proposal.decided_by == curator and proposal.times_seen == 2


def test_without_an_inbox_findings_are_refused_not_lost():
    trial = TrialFactory()
    findings_reported.disconnect(dispatch_uid="curation.inbox.receive_findings")
    try:
        with pytest.raises(ImproperlyConfigured):
            report_findings([publication_finding(trial, "810001")])
    finally:
        findings_reported.connect(receive_findings, dispatch_uid="curation.inbox.receive_findings")


# ---- accept --------------------------------------------------------------------------------
def test_accepting_a_publication_creates_the_reference_and_cites_it_with_the_curator_and_reason(
    curator, django_capture_on_commit_callbacks, monkeypatch
):
    proposal = TrialPublicationProposalFactory(pmid="810001")
    queued = []
    monkeypatch.setattr("references.tasks.sync_references.delay", lambda pmids, trigger: queued.append(pmids))
    with django_capture_on_commit_callbacks(execute=True):
        proposal_accept(proposal, user=curator, note="Results paper.")

    trial = proposal.subject
    reference = Reference.objects.get(pmid="810001")
    assert list(trial.references.all()) == [reference]
    created = reference.history.first()
    assert (created.history_user, created.history_change_reason) == (curator, proposal.history_reason)
    linked = trial.history.first()
    assert (linked.history_user, linked.history_change_reason) == (curator, proposal.history_reason)
    assert queued == [["810001"]]  # the PubMed sync fills the new reference in
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by, proposal.reason) == (
        ProposalStatus.ACCEPTED,
        curator,
        "Results paper.",
    )
    assert proposal.result_url == trial.get_absolute_url() and "PMID 810001" in proposal.result_label


def test_accepting_reuses_an_existing_reference(curator):
    reference = ReferenceFactory(pmid="810001")
    proposal = TrialPublicationProposalFactory(pmid="810001")
    proposal_accept(proposal, user=curator)
    assert list(proposal.subject.references.all()) == [reference] and Reference.objects.count() == 1


def test_a_proposal_is_accepted_once(curator):
    proposal = TrialPublicationProposalFactory()
    proposal_accept(proposal, user=curator)
    with pytest.raises(ValidationError, match="already accepted"):
        proposal_accept(proposal, user=curator)


def test_accepting_a_proposal_whose_record_is_gone_writes_nothing(curator):
    proposal = TrialPublicationProposalFactory(pmid="810001")
    proposal.subject.delete()
    with pytest.raises(ValidationError, match="no longer exists"):
        proposal_accept(proposal, user=curator)
    assert not Reference.objects.exists()
    proposal.refresh_from_db()
    assert proposal.is_open


def fda_approval_data(drug, **changes) -> dict:
    data = {
        "drug": drug,
        "date": datetime.date(2019, 10, 3),
        "approval_type": "",
        "indication": "A fake indication for the inbox tests.",
        "tumour_type": TumourType.BREAST,
        "her2_category": "",
        "setting": TherapySetting.METASTATIC,
        "line_of_therapy": "",
        "combination_partners": [],
        "sources": ["https://www.accessdata.fda.gov/appletter/2019/203094s014ltr.pdf"],
        "notes": "",
    }
    return {**data, **changes}


def test_accepting_an_fda_submission_records_the_approval_with_history(curator):
    drug = DrugFactory()
    report_findings([submission_finding(drug)])
    proposal = Proposal.objects.get()
    proposal_accept(proposal, user=curator, data=fda_approval_data(drug))
    approval = Approval.objects.get()
    assert (approval.drug, approval.agency, approval.date) == (drug, Agency.FDA, datetime.date(2019, 10, 3))
    record = approval.history.first()
    assert (record.history_user, record.history_change_reason) == (curator, proposal.history_reason)


def test_an_invalid_approval_is_refused_whole(curator):
    drug = DrugFactory()
    report_findings([submission_finding(drug)])
    proposal = Proposal.objects.get()
    future = timezone.localdate() + datetime.timedelta(days=30)
    with pytest.raises(ValidationError) as caught:
        proposal_accept(proposal, user=curator, data=fda_approval_data(drug, date=future))
    assert "date" in caught.value.message_dict
    assert not Approval.objects.exists()
    proposal.refresh_from_db()
    assert proposal.is_open


# ---- dismiss -------------------------------------------------------------------------------
def test_dismissing_needs_a_reason(curator):
    proposal = TrialPublicationProposalFactory()
    with pytest.raises(ValidationError):
        proposals_dismiss([proposal], user=curator, reason="  ")
    proposal.refresh_from_db()
    assert proposal.is_open


def test_dismissing_leaves_decided_proposals_alone(curator):
    accepted, open_one = TrialPublicationProposalFactory(), TrialPublicationProposalFactory()
    proposal_accept(accepted, user=curator)
    assert proposals_dismiss([accepted, open_one], user=curator, reason="Duplicate.") == 1
    accepted.refresh_from_db()
    assert accepted.status == ProposalStatus.ACCEPTED


# ---- admin ---------------------------------------------------------------------------------
def test_admin_index_counts_the_open_proposals(curator_client, curator):
    TrialPublicationProposalFactory.create_batch(3)
    proposals_dismiss([TrialPublicationProposalFactory()], user=curator, reason="Not relevant.")
    html = curator_client.get("/admin/").content.decode()
    assert "<strong>3</strong> proposals from the watchers wait for a decision" in html


@pytest.mark.parametrize(
    "query", ["", "?status__exact=proposed", "?source__exact=ctgov", "?kind__exact=trial_publication", "?age=week"]
)
def test_the_inbox_list_and_its_filters_render(curator_client, query):
    proposal = TrialPublicationProposalFactory()
    response = curator_client.get(f"/admin/curation/proposal/{query}")
    assert response.status_code == 200
    assert proposal.title in response.content.decode()


def test_the_age_and_drug_filters_select(curator_client):
    old = TrialPublicationProposalFactory(found_at=timezone.now() - datetime.timedelta(days=40))
    new = TrialPublicationProposalFactory(drug=DrugFactory())
    older = curator_client.get("/admin/curation/proposal/?age=older").content.decode()
    assert old.title in older and new.title not in older
    by_drug = curator_client.get(f"/admin/curation/proposal/?drug__id__exact={new.drug_id}").content.decode()
    assert new.title in by_drug and old.title not in by_drug


def test_a_curator_accepts_in_the_admin(curator_client, curator):
    proposal = TrialPublicationProposalFactory(pmid="810001")
    page = curator_client.get(f"/admin/curation/proposal/{proposal.pk}/change/").content.decode()
    assert "Accept…" in page and proposal.upstream_url in page
    accept_url = reverse("admin:curation_proposal_accept", args=[proposal.pk])
    assert curator_client.get(accept_url).status_code == 200
    response = curator_client.post(accept_url, {"note": ""})
    assert response.status_code == 302
    assert Reference.objects.filter(pmid="810001", trials=proposal.subject).exists()


def test_an_fda_proposal_is_completed_in_the_admin_and_errors_come_back_on_the_form(curator_client):
    drug = DrugFactory()
    report_findings([submission_finding(drug)])
    proposal = Proposal.objects.get()
    accept_url = reverse("admin:curation_proposal_accept", args=[proposal.pk])
    form = curator_client.get(accept_url).content.decode()
    assert "2019-10-03" in form and "https://www.accessdata.fda.gov/appletter/2019/203094s014ltr.pdf" in form
    fields = {
        "drug": drug.pk,
        "date": "2019-10-03",
        "indication": "",  # required: comes back as an error
        "tumour_type": TumourType.BREAST,
        "setting": TherapySetting.METASTATIC,
        "combination_partners": "[]",
        "sources": '["https://www.accessdata.fda.gov/appletter/2019/203094s014ltr.pdf"]',
    }
    response = curator_client.post(accept_url, fields)
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    assert not Approval.objects.exists()
    response = curator_client.post(accept_url, {**fields, "indication": "A fake indication."})
    assert response.status_code == 302 and Approval.objects.get().indication == "A fake indication."


def test_a_curator_dismisses_in_the_admin_with_a_reason(curator_client):
    proposal = TrialPublicationProposalFactory()
    url = reverse("admin:curation_proposal_dismiss", args=[proposal.pk])
    assert curator_client.post(url, {"reason": ""}).status_code == 200  # the form asks again
    assert curator_client.post(url, {"reason": "A conference abstract, not the trial's paper."}).status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.DISMISSED


def test_bulk_dismiss_asks_for_one_reason(curator_client):
    proposals = TrialPublicationProposalFactory.create_batch(2)
    selected = {"action": "dismiss_selected", "_selected_action": [p.pk for p in proposals]}
    page = curator_client.post("/admin/curation/proposal/", selected)
    assert page.status_code == 200 and "Why dismiss it" in page.content.decode()
    curator_client.post("/admin/curation/proposal/", {**selected, "reason": "Not HER2 trials."})
    assert set(Proposal.objects.values_list("status", flat=True)) == {ProposalStatus.DISMISSED}


def test_proposals_cannot_be_added_or_deleted_by_hand(editor):
    client = Client()
    client.force_login(editor)
    proposal = TrialPublicationProposalFactory()
    assert client.get("/admin/curation/proposal/add/").status_code == 403
    assert client.get(f"/admin/curation/proposal/{proposal.pk}/delete/").status_code == 403


# ---- the public feed -----------------------------------------------------------------------
def test_the_feed_lists_accepted_changes_only_and_names_no_curator(curator):
    accepted, waiting = TrialPublicationProposalFactory(), TrialPublicationProposalFactory()
    proposal_accept(accepted, user=curator)
    response = Client().get("/changes.atom")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/atom+xml")
    feed = response.content.decode()
    assert accepted.title in feed and waiting.title not in feed
    assert accepted.upstream_url in feed and f"urn:her2kb:change:{accepted.pk}" in feed
    assert "carla-curator" not in feed


def test_the_feed_query_count_does_not_grow(curator):
    proposal_accept(TrialPublicationProposalFactory(), user=curator)
    small = count_queries("/changes.atom")
    for proposal in TrialPublicationProposalFactory.create_batch(5):
        proposal_accept(proposal, user=curator)
    assert count_queries("/changes.atom") == small
