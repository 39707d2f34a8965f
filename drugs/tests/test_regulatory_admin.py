"""The regulatory records in the admin: history with the reason for each change, the companion-diagnostic agency rule,
the missing-diagnostic provenance flag, label warnings inline, and outcomes that must cite a reference or a source."""

import pytest
from django.test import Client

from drugs.models import Approval, CompanionDiagnostic, LabelWarning
from drugs.tests.factories import (
    ApprovalFactory,
    CompanionDiagnosticFactory,
    LabelFactory,
    LabelWarningFactory,
    ProductFactory,
    RegulatoryEventFactory,
)
from her2kb.tests.admin_forms import change_form_data
from references.tests.factories import ReferenceFactory
from trials.models import OutcomeSource
from trials.tests.factories import OutcomeFactory, OutcomeSourceFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["product", "companiondiagnostic", "label", "regulatoryevent", "approval", "target"])
def test_curators_reach_every_regulatory_list_and_form(curator_client, path):
    ProductFactory()
    CompanionDiagnosticFactory()
    LabelWarningFactory()
    RegulatoryEventFactory()
    assert curator_client.get(f"/admin/drugs/{path}/").status_code == 200
    add = curator_client.get(f"/admin/drugs/{path}/add/")
    assert add.status_code == 200 and 'name="change_reason"' in add.content.decode()


def test_a_diagnostic_change_is_kept_in_history_with_its_reason(curator_client, curator):
    diagnostic = CompanionDiagnosticFactory(decision_number="P000001")
    url = f"/admin/drugs/companiondiagnostic/{diagnostic.pk}/change/"
    data = change_form_data(curator_client.get(url))
    data.update(decision_number="P000001/S002", change_reason="Supplement number from the PMA database")
    assert curator_client.post(url, data).status_code == 302
    record = CompanionDiagnostic.objects.get().history.first()
    assert record.decision_number == "P000001/S002"
    assert (record.history_user, record.history_change_reason) == (curator, "Supplement number from the PMA database")


def test_a_malformed_pma_number_is_refused_next_to_the_field(curator_client):
    diagnostic = CompanionDiagnosticFactory()
    url = f"/admin/drugs/companiondiagnostic/{diagnostic.pk}/change/"
    data = change_form_data(curator_client.get(url))
    data["decision_number"] = "PMA 12"
    response = curator_client.post(url, data)
    assert response.status_code == 200
    assert "PMA number P######" in response.context["adminform"].form.errors["decision_number"][0]


def test_linking_another_agencys_diagnostic_to_an_approval_is_refused_and_nothing_saved(curator_client):
    approval = ApprovalFactory(agency="FDA")
    foreign = CompanionDiagnosticFactory(agency="EMA", decision_number="EU-1")
    url = f"/admin/drugs/approval/{approval.pk}/change/"
    data = change_form_data(curator_client.get(url))
    data["companion_diagnostics"] = [str(foreign.pk)]
    response = curator_client.post(url, data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["companion_diagnostics"]
    assert f"{foreign.slug} (EMA) is a decision of another agency than this FDA approval" in errors[0]
    assert not Approval.objects.get().companion_diagnostics.exists()


def test_a_designation_is_added_inline_with_the_approvals_reason(curator_client, curator):
    approval = ApprovalFactory(agency="FDA")
    url = f"/admin/drugs/approval/{approval.pk}/change/"
    data = change_form_data(curator_client.get(url))
    data.update(
        {
            "designations-TOTAL_FORMS": "1",
            "designations-0-designation": "breakthrough_therapy",
            "designations-0-source": "https://example.org/bt",
            "change_reason": "Designation from the FDA notice",
        }
    )
    assert curator_client.post(url, data).status_code == 302
    designation = Approval.objects.get().designations.get()
    record = designation.history.first()
    assert (record.history_user, record.history_change_reason) == (curator, "Designation from the FDA notice")


def test_an_approval_naming_a_test_without_a_diagnostic_is_flagged(curator_client):
    flagged = ApprovalFactory(indication="Test cancer, as determined by an FDA-approved test")
    linked = ApprovalFactory(indication="Other test cancer, as determined by an FDA-approved test")
    linked.companion_diagnostics.add(CompanionDiagnosticFactory())
    listing = curator_client.get("/admin/drugs/approval/", {"provenance": "no_diagnostic"})
    assert list(listing.context["cl"].result_list) == [flagged]
    page = curator_client.get(f"/admin/drugs/approval/{flagged.pk}/change/").content.decode()
    assert "names an approved test but no companion diagnostic is linked" in page
    assert (
        "no companion diagnostic"
        not in curator_client.get(f"/admin/drugs/approval/{linked.pk}/change/").content.decode()
    )
    assert (
        "names an approved test" in curator_client.get(f"/admin/drugs/drug/{flagged.drug.pk}/change/").content.decode()
    )


def test_label_warnings_are_edited_inline_and_their_history_kept(curator_client, curator):
    label = LabelFactory()
    url = f"/admin/drugs/label/{label.pk}/change/"
    data = change_form_data(curator_client.get(url))
    data.update(
        {
            "warnings-TOTAL_FORMS": "1",
            "warnings-0-position": "1",
            "warnings-0-kind": "boxed_warning",
            "warnings-0-topic": "cardiomyopathy",
            "warnings-0-statement": "A test boxed warning.",
            "warnings-0-section": "Boxed Warning",
            "warnings-0-source": "https://example.org/label",
            "change_reason": "Boxed warning added to the label",
        }
    )
    assert curator_client.post(url, data).status_code == 302
    warning = LabelWarning.objects.get()
    assert warning.history.first().history_change_reason == "Boxed warning added to the label"


# ---- outcomes cite a reference or a source -----------------------------------------------------------
def test_an_outcome_without_references_must_keep_a_source(editor):
    # An editor: curators may not delete, so only an editor can remove a source.
    client = Client()
    client.force_login(editor)
    curator_client = client
    outcome = OutcomeFactory()
    source = OutcomeSourceFactory(outcome=outcome)
    url = f"/admin/trials/outcome/{outcome.pk}/change/"
    data = change_form_data(curator_client.get(url))
    assert curator_client.post(url, data).status_code == 302  # a source suffices
    data["sources-0-DELETE"] = "on"
    response = curator_client.post(url, data)
    assert response.status_code == 200
    assert "An outcome cites at least one reference or source" in response.content.decode()
    assert OutcomeSource.objects.filter(pk=source.pk).exists()
    data["references"] = [str(ReferenceFactory().pk)]
    assert curator_client.post(url, data).status_code == 302  # a reference suffices too
    assert not OutcomeSource.objects.filter(pk=source.pk).exists()


def test_an_outcome_edited_in_its_trial_must_cite_a_reference_unless_it_has_a_source(curator_client):
    uncited = OutcomeFactory()
    url = f"/admin/trials/trial/{uncited.trial.pk}/change/"
    response = curator_client.post(url, change_form_data(curator_client.get(url)))
    assert response.status_code == 200
    assert "An outcome cites at least one reference or source" in response.content.decode()
    OutcomeSourceFactory(outcome=uncited)
    assert curator_client.post(url, change_form_data(curator_client.get(url))).status_code == 302
