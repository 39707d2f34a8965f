"""docker-compose.yml cannot be run here (no Docker engine), so check what it asks of the code."""

from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import get_commands

COMPOSE = yaml.safe_load((Path(settings.BASE_DIR) / "docker-compose.yml").read_text())


def test_compose_runs_the_production_shape_with_health_checks():
    services = COMPOSE["services"]
    assert {"web", "worker", "beat", "db", "redis"} <= set(services)
    for name in ("web", "worker", "db", "redis"):
        assert "healthcheck" in services[name], f"{name} has no health check"
    for name in services:
        assert services[name].get("restart") == "unless-stopped", f"{name} has no restart policy"
    assert "pgdata" in COMPOSE["volumes"]


def test_compose_requires_a_secret_key_and_runs_in_production_mode():
    environment = COMPOSE["services"]["web"]["environment"]
    assert environment["DEBUG"] == "0"
    assert ":?" in environment["SECRET_KEY"], "SECRET_KEY must be required, not defaulted"
    assert environment["DATABASE_URL"].startswith("postgres://")
    assert environment["REDIS_URL"].startswith("redis://")


@pytest.mark.parametrize("command", ["migrate", "load_her2kb", "collectstatic"])
def test_management_commands_the_stack_runs_exist(command):
    assert command in get_commands()


def test_celery_app_the_worker_and_beat_start_is_importable():
    from her2kb.celery import app

    assert app.main == "her2kb"
    assert "celery -A her2kb worker" in COMPOSE["services"]["worker"]["command"]
    assert "celery -A her2kb beat" in COMPOSE["services"]["beat"]["command"]


def test_compose_bounds_redis_memory_evicting_least_recently_used_keys():
    command = COMPOSE["services"]["redis"]["command"].split()
    assert command[command.index("--maxmemory") + 1] == "${REDIS_MAXMEMORY:-256mb}"
    assert (
        command[command.index("--maxmemory-policy") + 1] == "volatile-lru"
    )  # only keys with an expiry: the Celery queue in the same Redis is never evicted
