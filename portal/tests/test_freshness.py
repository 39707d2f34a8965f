"""Freshness on the pages: when each upstream last looked at a record, "never checked" where that is the truth, and
no date that is only when the dataset was loaded."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from drugs.tests.factories import DrugFactory
from her2kb.choices import SyncRunStatus
from references.models import LiteratureSearch, LiteratureWatchRun, SyncRun
from references.tests.factories import ReferenceFactory
from testing.catalogue import count_queries, make_catalogue
from trials.choices import DatePrecision, RegistryValueType
from trials.models import RegistrySyncRun
from trials.tests.factories import TrialFactory

pytestmark = pytest.mark.django_db

CHECKED = datetime.datetime(2026, 11, 20, 15, 0, tzinfo=datetime.UTC)


def page(url: str) -> str:
    response = Client().get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_embedded_default_says_never_checked_and_no_load_date():
    trial, drug, reference = TrialFactory(), DrugFactory(), ReferenceFactory()
    for url in (trial.get_absolute_url(), drug.get_absolute_url(), reference.get_absolute_url()):
        html = page(url)
        assert "PubMed never checked" in html and "record updated" not in html
    assert "Registry never checked" in page(trial.get_absolute_url())
    assert "Registry never checked" in page("/") and "PubMed never checked" in page("/")


def test_a_trial_page_shows_when_the_registry_and_pubmed_last_looked():
    trial = TrialFactory(registry_checked_at=CHECKED)
    LiteratureSearch.objects.create(kind="nct_number", term=f"{trial.nct_id}[si]", trial=trial, last_run_at=CHECKED)
    LiteratureSearch.objects.create(kind="acronym", term="x", trial=trial, last_run_at=CHECKED, enabled=False)
    html = page(trial.get_absolute_url())
    assert "Registry checked on <time" in html and "20 November 2026" in html
    assert "PubMed checked on" in html


def test_pubmed_is_checked_only_once_every_search_has_run():
    trial = TrialFactory(nct_id=None)
    LiteratureSearch.objects.create(kind="acronym", term="a", trial=trial, last_run_at=CHECKED)
    LiteratureSearch.objects.create(kind="acronym", term="b", trial=trial)  # never ran
    html = page(trial.get_absolute_url())
    assert "PubMed never checked" in html and "Registry" not in html.split("record-dates")[1][:300]


def test_a_reference_page_shows_its_pubmed_sync():
    reference = ReferenceFactory(last_synced_at=CHECKED)
    assert "PubMed checked on <time" in page(reference.get_absolute_url())


def test_the_home_page_shows_the_latest_runs_that_reached_each_upstream():
    RegistrySyncRun.objects.create(status=SyncRunStatus.FAILED, finished_at=timezone.now())  # never reached it
    assert "Registry never checked" in page("/")
    RegistrySyncRun.objects.create(status=SyncRunStatus.PARTIAL, finished_at=CHECKED)
    SyncRun.objects.create(status=SyncRunStatus.SUCCEEDED, finished_at=CHECKED - datetime.timedelta(days=3))
    LiteratureWatchRun.objects.create(status=SyncRunStatus.SUCCEEDED, finished_at=CHECKED)
    html = page("/")
    assert "Registry checked on" in html and "PubMed checked on" in html and 'href="/changes.atom"' in html


def test_month_only_and_anticipated_dates_are_shown_as_stated():
    trial = TrialFactory(
        start_date=datetime.date(2015, 9, 1),
        start_date_precision=DatePrecision.MONTH,
        start_date_type=RegistryValueType.ACTUAL,
        primary_completion_date=datetime.date(2027, 3, 31),
        primary_completion_date_type=RegistryValueType.ANTICIPATED,
    )
    html = page(trial.get_absolute_url())
    assert '<time datetime="2015-09">Sep 2015</time> (actual)' in html
    assert '<time datetime="2027-03-31">31 Mar 2027</time> (anticipated)' in html
    assert "1 Sep 2015" not in html


def test_freshness_adds_no_queries_per_record():
    catalogue = make_catalogue(1)
    urls = [catalogue.trial.get_absolute_url(), catalogue.drug.get_absolute_url(), "/"]
    small = [count_queries(url) for url in urls]
    make_catalogue(6)
    for search_trial in TrialFactory.create_batch(3):
        LiteratureSearch.objects.create(kind="acronym", term=search_trial.slug, trial=catalogue.trial)
    assert [count_queries(url) for url in urls] == small
