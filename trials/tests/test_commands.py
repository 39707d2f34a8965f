"""`manage.py sync_ctgov` and the scheduled task against the fake registry."""

from __future__ import annotations

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from her2kb.choices import SyncTrigger
from trials.choices import TrialStatus
from trials.models import RegistrySyncRun
from trials.tasks import sync_trials_from_ctgov

from .factories import TrialFactory

pytestmark = pytest.mark.django_db


def sync(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("sync_ctgov", *args, "--no-progress", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_sync_ctgov_updates_the_named_trials(ctgov_settings):
    asked = TrialFactory(nct_id="NCT02552212", status=TrialStatus.RECRUITING)
    other = TrialFactory(nct_id="NCT03630471", status=TrialStatus.RECRUITING)
    out, _ = sync("nct02552212")
    asked.refresh_from_db(), other.refresh_from_db()
    assert asked.status == TrialStatus.COMPLETED and other.status == TrialStatus.RECRUITING
    assert "updated 1" in out and "ClinicalTrials.gov sync finished." in out
    assert RegistrySyncRun.objects.get().trigger == SyncTrigger.COMMAND


def test_sync_ctgov_all_syncs_every_trial_with_an_nct_number_and_prints_the_notes(ctgov_settings):
    TrialFactory(nct_id="NCT02552212")
    TrialFactory(nct_id="NCT03630471")
    TrialFactory(nct_id=None)
    out, _ = sync("--all")
    assert "requested 2" in out and "Note: NCT03630471: phase NA" in out


def test_sync_ctgov_refuses_unknown_trials_and_no_arguments(ctgov_settings):
    with pytest.raises(CommandError, match="Nothing to sync"):
        sync()
    with pytest.raises(CommandError, match="NCT09999999"):
        sync("NCT09999999")


def test_sync_ctgov_fails_loudly_when_a_batch_fails(ctgov_settings, fake_ctgov):
    TrialFactory(nct_id="NCT02552212")
    fake_ctgov.add_fault(*["503"] * 4)
    with pytest.raises(CommandError, match="1 trial"):
        sync("--all")


def test_the_daily_task_syncs_every_trial_and_is_scheduled(ctgov_settings):
    trial = TrialFactory(nct_id="NCT02552212", status=TrialStatus.RECRUITING)
    run = RegistrySyncRun.objects.get(pk=sync_trials_from_ctgov.delay().get())
    trial.refresh_from_db()
    assert run.trigger == SyncTrigger.NIGHTLY and trial.status == TrialStatus.COMPLETED
    assert settings.CELERY_BEAT_SCHEDULE["trials-sync-from-ctgov"]["task"] == "trials.tasks.sync_trials_from_ctgov"
