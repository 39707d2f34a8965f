"""The rate limiter holds across workers: request arrival times at the server never exceed the allowed rate."""

from __future__ import annotations

import multiprocessing
import threading
import uuid

import pytest
import requests

from her2kb.ratelimit import LocalRateLimiter, RedisRateLimiter, limiter_from_settings, limiter_key
from her2kb.tests.fake_upstream import FakeUpstream, LoggedRequest, Reply

RATE = 10  # NCBI's limit with an API key


class CountingFake(FakeUpstream):
    """An upstream that answers every request with 200, or 429 above its rate limit."""

    def answer(self, request: LoggedRequest, fault: str) -> Reply:
        return Reply(200, b"ok", "text/plain")


def assert_never_faster_than(arrivals: list[float], rate: int) -> None:
    """In every window of one second at most `rate` requests arrive: request i and i+rate are ≥ 1 s apart."""
    arrivals = sorted(arrivals)
    for earlier, later in zip(arrivals, arrivals[rate:], strict=False):
        assert later - earlier >= 1.0, f"{rate + 1} requests within {later - earlier:.3f} s"


def send_requests(limiter, url: str, worker: str, count: int) -> None:
    for n in range(count):
        limiter.acquire()
        requests.post(url, data={"db": "pubmed", "id": str(700_000 + n), "worker": worker}, timeout=5)


def redis_worker(redis_url: str, key: str, url: str, worker: str, count: int) -> None:
    """A separate process with its own connection to the shared Redis limiter (like a second Celery worker)."""
    send_requests(RedisRateLimiter(redis_url, key, RATE), url, worker, count)


def check_two_workers(fake: FakeUpstream, per_worker: int) -> None:
    served = fake.requests_to("/")
    assert len(served) == 2 * per_worker
    assert all(r.status == 200 for r in served), "the fake server (which enforces the rate) answered 429"
    assert_never_faster_than([r.at for r in served], RATE)
    # Both workers really ran side by side: each had requests served in the first half of the run.
    first_half = {r.params["worker"] for r in sorted(served, key=lambda r: r.at)[:per_worker]}
    assert first_half == {"a", "b"}


def test_local_limiter_holds_for_two_threads():
    limiter = LocalRateLimiter(RATE)
    with CountingFake(rate_limit=RATE) as fake:
        url = fake.base_url
        threads = [threading.Thread(target=send_requests, args=(limiter, url, w, 8)) for w in ("a", "b")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        check_two_workers(fake, 8)


def test_redis_limiter_holds_for_two_worker_processes(redis_url):
    key = f"her2kb:ratelimit:test:{uuid.uuid4().hex}"
    context = multiprocessing.get_context("spawn")  # fresh interpreters, like separate Celery workers
    with CountingFake(rate_limit=RATE) as fake:
        url = fake.base_url
        workers = [context.Process(target=redis_worker, args=(redis_url, key, url, w, 8)) for w in ("a", "b")]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=60)
        assert [w.exitcode for w in workers] == [0, 0]
        check_two_workers(fake, 8)


def test_limiter_without_margin_would_be_caught_by_the_check():
    """The assertion above is not vacuous: unlimited senders do break it."""
    with CountingFake() as fake:
        url = fake.base_url

        class NoLimit:
            def acquire(self) -> float:
                return 0.0

        send_requests(NoLimit(), url, "a", RATE + 1)
        with pytest.raises(AssertionError):
            assert_never_faster_than([r.at for r in fake.requests_to("/")], RATE)


def test_embedded_setup_uses_one_in_process_limiter_per_upstream(settings):
    settings.REDIS_URL = ""
    first, second = limiter_from_settings("eutils", 3.0), limiter_from_settings("eutils", 3.0)
    assert isinstance(first, LocalRateLimiter) and first is second
    assert first.interval == pytest.approx(1.1 / 3)
    assert limiter_from_settings("openfda", 4.0) is not first  # each upstream keeps its own schedule


def test_with_redis_every_process_shares_the_bucket_of_its_api_key(settings, redis_url):
    limiter = limiter_from_settings("eutils", 10.0, "fake-api-key-123")
    assert isinstance(limiter, RedisRateLimiter)
    assert limiter.key == limiter_key("eutils", "fake-api-key-123")
    assert "fake-api-key-123" not in limiter.key  # the key itself never lands in Redis
    assert limiter_key("openfda", "fake-api-key-123") != limiter.key
