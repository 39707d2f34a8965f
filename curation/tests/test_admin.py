"""The curators' admin: every screen renders for a curator, anonymous users never see it."""

import pytest
from django.test import Client
from django.urls import reverse

from drugs.models import Approval, Drug, Target
from drugs.tests.factories import ApprovalFactory, DrugFactory
from references.tests.factories import ReferenceFactory
from trials.models import Outcome, Trial
from trials.tests.factories import OutcomeFactory, TrialDrugFactory

pytestmark = pytest.mark.django_db

ADMIN_MODELS = [
    "drugs/drug",
    "drugs/approval",
    "drugs/target",
    "trials/trial",
    "trials/outcome",
    "references/reference",
]


def test_curators_group_may_add_and_change_but_not_delete(curator):
    assert curator.has_perm("drugs.add_drug") and curator.has_perm("trials.change_outcome")
    assert curator.has_perm("references.view_reference")
    assert not curator.has_perm("drugs.delete_drug")
    assert not curator.has_perm("references.delete_reference")


@pytest.mark.parametrize("model", ADMIN_MODELS)
def test_anonymous_users_are_sent_to_the_login_page(model):
    response = Client().get(f"/admin/{model}/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize("model", ADMIN_MODELS)
def test_every_list_add_and_change_page_renders_for_a_curator(curator_client, model):
    ApprovalFactory().references.add(ReferenceFactory())
    OutcomeFactory()
    TrialDrugFactory()
    assert curator_client.get(f"/admin/{model}/").status_code == 200
    assert curator_client.get(f"/admin/{model}/add/").status_code == 200
    app_label, model_name = model.split("/")
    from django.apps import apps

    instance = apps.get_model(app_label, model_name).objects.first()
    assert curator_client.get(f"/admin/{model}/{instance.pk}/change/").status_code == 200
    assert curator_client.get(f"/admin/{model}/{instance.pk}/history/").status_code == 200


def test_admin_search_and_filters_answer(curator_client):
    DrugFactory(name="findable mab", synonyms=["FND-1"])
    response = curator_client.get("/admin/drugs/drug/", {"q": "FND-1"})
    assert b"findable mab" in response.content
    assert curator_client.get("/admin/drugs/approval/", {"agency__exact": "FDA"}).status_code == 200


def test_curator_cannot_delete(curator_client):
    drug = DrugFactory()
    response = curator_client.post(f"/admin/drugs/drug/{drug.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Drug.objects.filter(pk=drug.pk).exists()


def _inline_management(prefix: str, total: int = 1) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def test_curator_creates_a_drug_with_an_approval_and_a_trial_with_an_outcome(curator, curator_client):
    her2 = Target.objects.get(symbol="HER2")
    reference = ReferenceFactory()
    response = curator_client.post(
        "/admin/drugs/drug/add/",
        {
            "name": "testuzumab",
            "slug": "testuzumab",
            "brand_names": '["Testra"]',
            "synonyms": '["TST-001"]',
            "drug_class": "monoclonal_antibody",
            "development_status": "approved",
            "targets": [her2.pk],
            "sources": '["https://example.org/label"]',
            "references": [reference.pk],
            **_inline_management("approvals"),
            "approvals-0-agency": "FDA",
            "approvals-0-date": "2020-01-02",
            "approvals-0-approval_type": "regular",
            "approvals-0-indication": "HER2-positive metastatic breast cancer",
            "approvals-0-tumour_type": "breast",
            "approvals-0-her2_category": "positive",
            "approvals-0-setting": "metastatic_first_line",
            "approvals-0-combination_partners": "[]",
            "approvals-0-no_pivotal_trial_reason": "test record",
            "approvals-0-sources": '["https://example.org/announcement"]',
        },
    )
    assert response.status_code == 302, response.context["adminform"].errors if response.context else response
    drug = Drug.objects.get(slug="testuzumab")
    assert drug.targets.get() == her2
    approval = Approval.objects.get(drug=drug)
    assert approval.indication == "HER2-positive metastatic breast cancer"

    response = curator_client.post(
        "/admin/trials/trial/add/",
        {
            "nct_id": "NCT00000099",
            "slug": "test-99",
            "acronym": "TEST-99",
            "phase": "phase_3",
            "status": "completed",
            "conditions": "[]",
            "arms": '["testuzumab", "placebo"]',
            "sources": "[]",
            **_inline_management("trial_drugs"),
            "trial_drugs-0-drug": drug.pk,
            "trial_drugs-0-role": "experimental",
            **_inline_management("outcomes"),
            "outcomes-0-endpoint": "pfs",
            "outcomes-0-is_primary": "on",
            "outcomes-0-experimental_value": "12.0",
            "outcomes-0-control_value": "6.0",
            "outcomes-0-value_unit": "months",
            "outcomes-0-hazard_ratio": "0.5",
            "outcomes-0-ci_lower": "0.4",
            "outcomes-0-ci_upper": "0.6",
            "outcomes-0-references": [reference.pk],
        },
    )
    assert response.status_code == 302
    trial = Trial.objects.get(nct_id="NCT00000099")
    assert list(trial.drugs.all()) == [drug]
    outcome = Outcome.objects.get(trial=trial)
    assert outcome.references.get() == reference
    # History records who made the change.
    assert drug.history.first().history_user == curator
    assert trial.history.first().history_user == curator


def test_admin_form_shows_a_clear_error_for_a_bad_nct_number(curator_client):
    response = curator_client.post(
        "/admin/trials/trial/add/",
        {
            "nct_id": "NCT12",
            "slug": "bad",
            "phase": "phase_3",
            "status": "completed",
            "conditions": "[]",
            "arms": "[]",
            "sources": "[]",
            **_inline_management("trial_drugs", 0),
            **_inline_management("outcomes", 0),
        },
    )
    assert response.status_code == 200
    assert "followed by exactly 8 digits" in response.content.decode()
    assert not Trial.objects.exists()
