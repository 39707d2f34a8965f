"""The drug and approval admin: review stamps, provenance warnings, and validation messages a curator understands."""

import datetime

import pytest
from django.utils import timezone

from drugs.choices import ApprovalType
from drugs.models import Approval, Drug
from drugs.tests.factories import ApprovalFactory, DrugFactory
from her2kb.tests.admin_forms import change_form_data

pytestmark = pytest.mark.django_db


def test_mark_reviewed_stamps_the_date_and_curator_with_a_history_entry(curator_client, curator):
    drugs = [DrugFactory(), DrugFactory()]
    before = {drug.pk: drug.updated_at for drug in drugs}
    response = curator_client.post(
        "/admin/drugs/drug/", {"action": "mark_reviewed", "_selected_action": [drug.pk for drug in drugs]}
    )
    assert response.status_code == 302
    for drug in Drug.objects.all():
        assert drug.last_reviewed_by == curator
        assert timezone.now() - drug.last_reviewed_at < datetime.timedelta(minutes=1)
        assert drug.updated_at == before[drug.pk]  # a review confirms the content, it does not change it
        record = drug.history.first()
        assert (record.history_user, record.history_change_reason) == (curator, "Marked reviewed")


def test_review_filter_finds_records_never_reviewed(curator_client, curator):
    reviewed, never = DrugFactory(name="reviewed mab"), DrugFactory(name="never mab")
    reviewed.mark_reviewed(curator)
    listing = curator_client.get("/admin/drugs/drug/", {"reviewed": "never"})
    assert list(listing.context["cl"].result_list) == [never]
    recent = curator_client.get("/admin/drugs/drug/", {"reviewed": "recent"})
    assert list(recent.context["cl"].result_list) == [reviewed]


def test_change_form_asks_for_a_reason_and_shows_the_review(curator_client, curator):
    drug = DrugFactory()
    drug.mark_reviewed(curator)
    html = curator_client.get(f"/admin/drugs/drug/{drug.pk}/change/").content.decode()
    assert 'name="change_reason"' in html
    assert "Last reviewed at" in html and "carla-curator" in html


def test_an_approval_without_sources_is_flagged_in_the_list_and_on_its_page(curator_client):
    sourced = ApprovalFactory()
    # Bypasses clean(), as an import from elsewhere might: exactly what the warning is for.
    unsourced = ApprovalFactory(sources=[])
    listing = curator_client.get("/admin/drugs/approval/", {"provenance": "missing"})
    assert list(listing.context["cl"].result_list) == [unsourced]
    assert sourced not in listing.context["cl"].result_list
    page = curator_client.get(f"/admin/drugs/approval/{unsourced.pk}/change/")
    assert "This approval has no sources" in page.content.decode()
    assert "no sources" not in curator_client.get(f"/admin/drugs/approval/{sourced.pk}/change/").content.decode()
    drug_page = curator_client.get(f"/admin/drugs/drug/{unsourced.drug.pk}/change/")
    assert "This approval has no sources" in drug_page.content.decode()


def test_admin_shows_the_conversion_date_rule_and_saves_nothing(curator_client):
    first = ApprovalFactory(date=datetime.date(2019, 6, 1), approval_type=ApprovalType.ACCELERATED)
    conversion = ApprovalFactory(
        drug=first.drug, date=datetime.date(2020, 6, 1), approval_type=ApprovalType.CONVERSION_TO_REGULAR
    )
    url = f"/admin/drugs/approval/{conversion.pk}/change/"
    data = change_form_data(curator_client.get(url))
    data["date"] = "2018-01-01"
    response = curator_client.post(url, data)
    assert response.status_code == 200
    assert "cannot be dated before the drug&#x27;s first US FDA approval (01 Jun 2019)" in response.content.decode()
    assert Approval.objects.get(pk=conversion.pk).date == datetime.date(2020, 6, 1)


def test_admin_rejects_a_future_date_and_a_source_that_is_not_a_url(curator_client):
    approval = ApprovalFactory()
    url = f"/admin/drugs/approval/{approval.pk}/change/"
    data = change_form_data(curator_client.get(url))
    data["date"] = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    data["sources"] = '["see the label"]'
    html = curator_client.post(url, data).content.decode()
    assert "The approval date cannot be in the future." in html
    approval.refresh_from_db()
    assert approval.date < timezone.localdate()


def test_admin_rejects_a_malformed_drugbank_id_next_to_the_field(curator_client):
    drug = DrugFactory()
    url = f"/admin/drugs/drug/{drug.pk}/change/"
    data = change_form_data(curator_client.get(url))
    data["drugbank_id"] = "DB12"
    response = curator_client.post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["drugbank_id"] == [
        "A DrugBank ID is 'DB' followed by 5 digits (DB#####)."
    ]
