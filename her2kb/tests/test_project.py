"""The project as a whole: migrations match the models, system checks pass, settings behave."""

import secrets
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db


def test_models_and_migrations_agree():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_system_checks_pass():
    call_command("check", fail_level="WARNING")


def test_healthz_answers_without_touching_the_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_home_page_answers():
    response = Client().get("/")
    assert response.status_code == 200
    assert b"HER2-targeted" in response.content


def _import_settings_with(env: dict[str, str]) -> subprocess.CompletedProcess:
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DATABASES['default']['ENGINE'])"
    )
    base_env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "her2kb.settings", "HOME": "/tmp"}
    return subprocess.run(
        [sys.executable, "-c", code], env={**base_env, **env}, capture_output=True, text=True, cwd="/tmp"
    )


def test_production_refuses_the_development_secret_key(settings):
    result = _import_settings_with({"DEBUG": "0", "PYTHONPATH": str(settings.BASE_DIR)})
    assert result.returncode != 0
    assert "SECRET_KEY is the development key" in result.stderr


@pytest.mark.parametrize("weak_key", ["too-short-a-key-for-production", "ab" * 40])
def test_production_refuses_a_short_or_repetitive_secret_key(settings, weak_key):
    result = _import_settings_with({"DEBUG": "0", "SECRET_KEY": weak_key, "PYTHONPATH": str(settings.BASE_DIR)})
    assert result.returncode != 0
    assert "SECRET_KEY is too weak" in result.stderr
    assert weak_key not in result.stderr  # the message never repeats the key


def test_production_starts_with_a_real_secret_key_and_a_postgres_url(settings):
    result = _import_settings_with(
        {
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": "postgres://user@db.example:5432/her2kb",
            "PYTHONPATH": str(settings.BASE_DIR),
        }
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.db.backends.postgresql"


def test_task_limits_run_from_the_soft_limit_through_the_hard_limit_to_the_visibility_timeout():
    from django.conf import settings

    from her2kb.celery import app

    soft, hard = app.conf.task_soft_time_limit, app.conf.task_time_limit
    assert (soft, hard) == (settings.CELERY_TASK_SOFT_TIME_LIMIT, settings.CELERY_TASK_TIME_LIMIT)
    # A task still running must never be handed to a second worker: the visibility timeout outlasts the hard limit.
    assert 0 < soft < hard < app.conf.broker_transport_options["visibility_timeout"] < 3600
    # The sweep for lost runs is scheduled, more often than a run may stay silent.
    entry = settings.CELERY_BEAT_SCHEDULE["fail-stalled-sync-runs"]
    assert entry["task"] == "portal.tasks.fail_stalled_runs"
    assert entry["schedule"] < settings.SYNC_RUN_STALLED_AFTER_SECONDS
