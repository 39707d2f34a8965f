"""The shared upstream client: retries with backoff, Retry-After, refusals, answers other than 200, counting."""

from __future__ import annotations

import gzip
import time
import tracemalloc

import pytest

from her2kb.tests.fake_upstream import FakeUpstream, LoggedRequest, Reply, fast_client_options, gzip_bomb
from her2kb.upstream import (
    MalformedResponse,
    UpstreamBodyTooLarge,
    UpstreamClient,
    UpstreamError,
    UpstreamRejected,
    json_body,
)


class RecordingSleep:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


class JsonFake(FakeUpstream):
    """Answers /items with a JSON list, /missing with a 404 JSON error body, /refused with a 403 naming the key."""

    def answer(self, request: LoggedRequest, fault: str) -> Reply:
        if request.path == "/items":
            return Reply.json({"items": [1, 2, 3]})
        if request.path == "/missing":
            return Reply.json({"error": {"code": "NOT_FOUND", "message": "No matches found!"}}, status=404)
        if request.path == "/refused":
            return Reply.json({"error": "An invalid api_key was supplied: secret-key-1"}, status=403)
        return super().answer(request, fault)


@pytest.fixture
def fake():
    with JsonFake() as server:
        yield server


def make_client(fake: FakeUpstream, **overrides) -> UpstreamClient:
    return UpstreamClient(**fast_client_options(fake, secret="secret-key-1", sleep=RecordingSleep(), **overrides))


def get_items(client: UpstreamClient, path: str = "items", **options):
    return client.call(
        "GET", client.base_url + path, parse=lambda r: json_body(r, service="fake"), what="items", **options
    )


@pytest.mark.parametrize("fault", ["429", "500", "502", "503", "slow:1.5", "truncated", "reset"])
def test_each_transient_fault_is_retried_and_counted(fake, fault):
    fake.add_fault(fault)
    client = make_client(fake)
    value, attempts = get_items(client)
    assert value == {"items": [1, 2, 3]} and attempts == 2
    assert (client.requests_made, client.retries) == (2, 1)
    assert len(client.sleep.calls) == 1


def test_retry_after_is_honoured(fake):
    fake.add_fault("429:4")
    client = make_client(fake)
    get_items(client)
    assert client.sleep.calls[0] >= 4


def test_an_answer_status_other_than_200_goes_to_the_parser(fake):
    client = make_client(fake)
    value, attempts = get_items(client, "missing", answer_statuses=(200, 404))
    assert value["error"]["code"] == "NOT_FOUND" and attempts == 1


def test_a_refusal_is_not_retried_and_the_secret_is_redacted(fake):
    client = make_client(fake)
    with pytest.raises(UpstreamRejected) as caught:
        get_items(client, "refused")
    assert "HTTP 403" in str(caught.value) and "secret-key-1" not in str(caught.value)
    assert caught.value.requests_made == 1 and client.requests_made == 1


def test_a_404_that_is_not_an_answer_is_a_refusal(fake):
    with pytest.raises(UpstreamRejected, match="HTTP 404"):
        get_items(make_client(fake), "missing")


def test_persistent_faults_give_up_with_the_attempts_made(fake):
    fake.add_fault("500", "truncated", "503")
    client = make_client(fake)
    with pytest.raises(UpstreamError, match="items failed after 3 attempts: HTTP 503") as caught:
        get_items(client)
    assert caught.value.requests_made == 3 == len(fake.requests_to("/items"))
    assert (client.requests_made, client.retries) == (3, 2)


def test_a_body_that_is_not_json_is_malformed():
    class Html:
        content = b"<html>Service Unavailable</html>"
        headers = {"Content-Type": "text/html"}

    with pytest.raises(MalformedResponse, match="not JSON"):
        json_body(Html(), service="fake")


def test_a_dripping_server_fails_at_the_deadline_not_after_every_byte(fake):
    # One byte every 0.4 s never trips the 1 s read timeout; the answer (~25 bytes) would take 10 s per attempt.
    fake.add_fault("drip:0.4", "drip:0.4")
    client = make_client(fake, timeout=1.0, deadline=1.5, max_attempts=2)
    started = time.monotonic()
    with pytest.raises(UpstreamError, match="no complete answer within the 1.5 s deadline") as caught:
        get_items(client)
    elapsed = time.monotonic() - started
    assert elapsed < 2 * (1.5 + 0.4) + 0.5, "each attempt stops within one byte's gap of its deadline"
    assert caught.value.requests_made == 2


def test_a_dripping_server_is_retried_and_a_normal_answer_then_read(fake):
    fake.add_fault("drip:0.4")
    client = make_client(fake, timeout=1.0, deadline=1.0)
    assert get_items(client) == ({"items": [1, 2, 3]}, 2)


def test_a_gzip_bomb_is_refused_without_inflating_it(fake):
    gzip_bomb(64)  # made (and kept) before the clock runs: 64 MB of zeros in about 64 KB
    fake.add_fault("gzip-bomb:64")
    client = make_client(fake, max_body_bytes=1024 * 1024, timeout=5.0)
    tracemalloc.start()
    try:
        with pytest.raises(UpstreamBodyTooLarge, match="larger than 1,048,576 bytes") as caught:
            get_items(client)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * 1024 * 1024, f"memory stays bounded (peak {peak:,} bytes)"
    assert not caught.value.retryable and caught.value.requests_made == 1
    assert len(fake.requests_to("/items")) == 1, "the same body would come again: not retried"


def test_a_compressed_answer_under_the_cap_is_read_decompressed(fake):
    class GzipFake(JsonFake):
        def answer(self, request, fault):
            reply = super().answer(request, fault)
            reply.body, reply.headers["Content-Encoding"] = gzip.compress(reply.body), "gzip"
            return reply

    with GzipFake() as server:
        assert get_items(make_client(server)) == ({"items": [1, 2, 3]}, 1)
