"""The trial and outcome admin: NCT quick entry, review stamps, provenance warnings and clear result checks."""

import pytest

from her2kb.tests.admin_forms import change_form_data
from references.tests.factories import ReferenceFactory
from trials.models import Outcome, Trial
from trials.tests.factories import OutcomeFactory, TrialFactory

pytestmark = pytest.mark.django_db


def test_trial_list_offers_quick_entry_by_nct_number(curator_client):
    html = curator_client.get("/admin/trials/trial/").content.decode()
    assert 'href="/admin/trials/trial/quick-entry/"' in html
    assert curator_client.get("/admin/trials/trial/quick-entry/").status_code == 200


def test_mark_reviewed_on_trials(curator_client, curator):
    trial = TrialFactory()
    curator_client.post("/admin/trials/trial/", {"action": "mark_reviewed", "_selected_action": [trial.pk]})
    trial.refresh_from_db()
    assert trial.last_reviewed_by == curator and trial.last_reviewed_at is not None


def test_outcomes_without_references_are_flagged(curator_client):
    cited = OutcomeFactory()
    cited.references.add(ReferenceFactory())
    uncited = OutcomeFactory()
    listing = curator_client.get("/admin/trials/outcome/", {"provenance": "missing"})
    assert list(listing.context["cl"].result_list) == [uncited]
    assert (
        "This outcome cites no reference"
        in curator_client.get(f"/admin/trials/outcome/{uncited.pk}/change/").content.decode()
    )
    trial_page = curator_client.get(f"/admin/trials/trial/{uncited.trial.pk}/change/").content.decode()
    assert "This outcome cites no reference" in trial_page
    assert "cites no reference" not in curator_client.get(f"/admin/trials/outcome/{cited.pk}/change/").content.decode()


def test_outcome_form_explains_a_hazard_ratio_outside_its_ci(curator_client):
    outcome = OutcomeFactory()
    url = f"/admin/trials/outcome/{outcome.pk}/change/"
    data = change_form_data(curator_client.get(url))
    data["hazard_ratio"] = "0.90"
    response = curator_client.post(url, data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "lies outside its 95% CI (0.450–0.670)" in errors["hazard_ratio"][0]
    assert Outcome.objects.get(pk=outcome.pk).hazard_ratio != 0.9


def test_outcome_inline_explains_swapped_ci_bounds(curator_client):
    outcome = OutcomeFactory()
    url = f"/admin/trials/trial/{outcome.trial.pk}/change/"
    data = change_form_data(curator_client.get(url))
    data.update({"outcomes-0-ci_lower": "0.80", "outcomes-0-ci_upper": "0.40", "outcomes-0-hazard_ratio": "0.5"})
    response = curator_client.post(url, data)
    assert response.status_code == 200
    assert "must be below the upper bound (0.40)" in response.content.decode()
    outcome.refresh_from_db()
    assert str(outcome.ci_lower) == "0.450"


def test_trial_form_rejects_completion_before_primary_completion(curator_client):
    trial = TrialFactory()
    url = f"/admin/trials/trial/{trial.pk}/change/"
    data = change_form_data(curator_client.get(url))
    data.update({"primary_completion_date": "2022-01-01", "completion_date": "2021-01-01"})
    response = curator_client.post(url, data)
    assert "Study completion cannot precede primary completion." in response.content.decode()
    assert Trial.objects.get(pk=trial.pk).completion_date is None
