"""One end-to-end run: a real `celery -A her2kb worker` process on the real Redis broker syncs via the fake server."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from celery.result import AsyncResult, EagerResult
from django.conf import settings

from her2kb.celery import app as celery_app
from references.models import Reference, SyncRun
from references.tasks import sync_references
from references.tests.fake_eutils import FakeEutils

pytestmark = [pytest.mark.celery_worker, pytest.mark.services, pytest.mark.django_db(transaction=True)]

BASE_DIR = Path(settings.BASE_DIR)


def worker_database_url() -> str:
    """The test database, as a URL for the worker process (which must see the rows this test commits)."""
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        reason = "the worker process cannot see pytest's in-memory SQLite test database; set DATABASE_URL"
        if os.environ.get("HER2KB_REQUIRE_SERVICES") == "1":
            pytest.fail(f"HER2KB_REQUIRE_SERVICES=1 but {reason}")
        pytest.skip(reason)
    credentials = quote(db["USER"] or "", safe="") + (f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def broker_mode():
    """This test alone sends tasks through the broker instead of running them eagerly."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = previous


def _start_worker(env: dict, queue: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "her2kb", "worker", "--pool=solo", "-Q", queue,
         "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO"],
        cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def _stop(worker: subprocess.Popen) -> str:
    if worker.poll() is None:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
    return (worker.communicate(timeout=20)[0] or "")[-5000:]  # "" when already collected


def test_a_real_worker_syncs_through_the_fake_server(redis_url, broker_mode):
    database_url = worker_database_url()
    queue = f"her2kb-test-{uuid.uuid4().hex[:12]}"  # a private queue: no other test's task can reach this worker
    curated = Reference.objects.create(pmid="800101", title="Provisional", curator_note="Curated note stays.")
    with FakeEutils(synthetic=True) as fake:
        fake.add_fault("429:0")  # the worker's first request is throttled and must be retried
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "SECRET_KEY": "integration-test-only-" + uuid.uuid4().hex,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "NCBI_EUTILS_BASE_URL": fake.base_url,
            "NCBI_EMAIL": "sync-tests@example.org",
            "NCBI_API_KEY": f"test-key-{uuid.uuid4().hex}",
            "PUBMED_REQUESTS_PER_SECOND": "50",
            "PUBMED_RETRY_BACKOFF_SECONDS": "0.01",
            "PUBMED_RETRY_BACKOFF_MAX_SECONDS": "0.05",
            "UPSTREAM_TIMEOUT_SECONDS": "5",
        }
        worker = _start_worker(env, queue)
        try:
            result = sync_references.apply_async(args=[["800101", "800102", "800103"]], queue=queue)
            assert isinstance(result, AsyncResult) and not isinstance(result, EagerResult)  # really queued
            run_id = result.get(timeout=90)
        except Exception:
            print(_stop(worker))
            raise
        finally:
            _stop(worker)
        served = fake.efetch_requests()

    run = SyncRun.objects.get(pk=run_id)
    assert (run.requested, run.created, run.updated, run.failed) == (3, 2, 1, 0)
    assert (run.requests_made, run.retries) == (2, 1)
    assert [r.status for r in served] == [429, 200]
    assert served[-1].method == "POST" and served[-1].params["email"] == "sync-tests@example.org"
    curated.refresh_from_db()
    assert curated.title == "Synthetic test record 800101 for the her2kb sync tests."
    assert curated.curator_note == "Curated note stays."
    assert Reference.objects.filter(pmid__in=["800101", "800102", "800103"]).count() == 3


def test_a_worker_killed_mid_sync_leaves_the_batch_to_another_worker(redis_url, broker_mode):
    """Late acknowledgement: the batch a dead worker held is redelivered and synced once, with no duplicates."""
    import signal
    import time

    database_url = worker_database_url()
    queue = f"her2kb-test-{uuid.uuid4().hex[:12]}"
    pmids = ["800201", "800202", "800203"]
    with FakeEutils(synthetic=True) as fake:
        fake.add_fault("slow:60")  # the first worker hangs inside its first request...
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "SECRET_KEY": "integration-test-only-" + uuid.uuid4().hex,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "CELERY_VISIBILITY_TIMEOUT_SECONDS": "3",
            "NCBI_EUTILS_BASE_URL": fake.base_url,
            "PUBMED_REQUESTS_PER_SECOND": "50",
            "PUBMED_RETRY_BACKOFF_SECONDS": "0.01",
            "UPSTREAM_TIMEOUT_SECONDS": "90",
        }
        first = _start_worker(env, queue)
        second = None
        try:
            result = sync_references.apply_async(args=[pmids], queue=queue)
            deadline = time.monotonic() + 60
            while not fake.efetch_requests() and time.monotonic() < deadline:
                time.sleep(0.1)
            assert fake.efetch_requests(), "the first worker never reached PubMed"
            first.send_signal(signal.SIGKILL)  # ...and is killed there, its task unacknowledged
            first.wait(timeout=20)
            assert not Reference.objects.filter(pmid__in=pmids).exists()  # nothing half-written
            second = _start_worker(env, queue)
            run_id = result.get(timeout=120)
        except Exception:
            print(_stop(first))
            if second is not None:
                print(_stop(second))
            raise
        finally:
            _stop(first)
            if second is not None:
                _stop(second)
        served = fake.efetch_requests()

    assert len(served) == 2, "the batch should be fetched once by each worker"
    run = SyncRun.objects.get(pk=run_id)
    assert (run.requested, run.created, run.failed) == (3, 3, 0)
    assert sorted(Reference.objects.filter(pmid__in=pmids).values_list("pmid", flat=True)) == pmids
