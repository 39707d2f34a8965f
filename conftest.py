"""Project-wide pytest configuration: which services the run uses, and shared fixtures."""

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings


def pytest_report_header(config) -> list[str]:
    database = settings.DATABASES["default"]
    where = database["NAME"] if database["ENGINE"].endswith("sqlite3") else f"{database['HOST']}:{database['PORT']}"
    return [
        f"her2kb database: {database['ENGINE'].rsplit('.', 1)[-1]} ({where})",
        f"her2kb Redis: {settings.REDIS_URL or 'not configured (local-memory cache, eager Celery)'}",
    ]


def services_required() -> bool:
    """CI sets HER2KB_REQUIRE_SERVICES=1: a test needing PostgreSQL/Redis must then fail, never skip."""
    return os.environ.get("HER2KB_REQUIRE_SERVICES") == "1"


@pytest.fixture
def postgres():
    """The default connection when it is the real PostgreSQL; skips otherwise locally, fails in CI."""
    from django.db import connection

    if connection.vendor != "postgresql":
        if services_required():
            pytest.fail("DATABASE_URL is not PostgreSQL but HER2KB_REQUIRE_SERVICES=1: this test needs PostgreSQL.")
        pytest.skip("needs PostgreSQL (DATABASE_URL); CI provides one")
    return connection


@pytest.fixture
def redis_url() -> str:
    """The real Redis named by REDIS_URL; skips without one locally, fails without one in CI."""
    import redis

    if not settings.REDIS_URL:
        if services_required():
            pytest.fail("REDIS_URL is not set but HER2KB_REQUIRE_SERVICES=1: this test needs the real Redis.")
        pytest.skip("REDIS_URL is not set: this test needs a real Redis (CI provides one).")
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        pytest.fail(f"Redis at {settings.REDIS_URL} is unreachable: {error}")
    return settings.REDIS_URL


@dataclass
class PrivateRedis:
    """A redis-server of this test's own, which the test may stop (the shared one serves every other test)."""

    url: str
    process: subprocess.Popen

    @property
    def cache_settings(self) -> dict:
        """CACHES for the project's Redis cache on this server, with short timeouts so that its death shows fast."""
        return {
            "default": {
                "BACKEND": "her2kb.cache.TolerantRedisCache",
                "LOCATION": self.url,
                "KEY_PREFIX": "her2kb",
                "OPTIONS": {"socket_connect_timeout": 0.3, "socket_timeout": 0.3},
            }
        }

    def stop(self) -> None:
        """Redis goes away: the process is killed, as when the server or its host dies."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def private_redis(redis_url):
    """A real redis-server on a free loopback port for one fault test; needs the services as `redis_url` does."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed: the Redis fault tests start a private one (CI has it).")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import redis

    url = f"redis://127.0.0.1:{port}/0"
    for _ in range(100):
        try:
            redis.Redis.from_url(url, socket_connect_timeout=0.2).ping()
            break
        except redis.RedisError:
            time.sleep(0.05)
    else:
        process.kill()
        pytest.fail(f"the private redis-server on port {port} did not start")
    server = PrivateRedis(url=url, process=process)
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def fresh_cache():
    """Every test starts with an empty cache: a page cached by one test must not answer in the next,
    whose rolled-back data the cache's data version cannot see."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def exports_dir(settings, tmp_path):
    """Every test writes the bulk export to a folder of its own: never into var/, never one another's file."""
    settings.EXPORTS_DIR = tmp_path / "exports"
    return settings.EXPORTS_DIR


def group_member(username: str, group: str):
    """A staff user in one of the groups the migrations create (Curators, Editors)."""
    from django.contrib.auth.models import Group, User

    user = User.objects.create_user(username, password="a-long-test-password", is_staff=True, first_name=username)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def curator(db):
    return group_member("carla-curator", "Curators")


@pytest.fixture
def editor(db):
    return group_member("eddie-editor", "Editors")


@pytest.fixture
def curator_client(curator):
    from django.test import Client

    client = Client()
    client.force_login(curator)
    return client


# Debian's chromium, never a downloaded browser. Without the background-networking flags it keeps trying to reach
# Google's hosts, which this closed network refuses.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """Headless Chromium through Playwright's sync API. Skips without /usr/bin/chromium, unless
    HER2KB_REQUIRE_BROWSER=1 (CI), where it fails."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium) for browser tests."
        if os.environ.get("HER2KB_REQUIRE_BROWSER") == "1":
            pytest.fail(f"HER2KB_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django would then refuse the test's own
    # ORM calls (factories) as "async-unsafe". They are not concurrent here, so allow them.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous
