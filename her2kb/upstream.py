"""
The HTTP part every upstream client shares (E-utilities, ClinicalTrials.gov, openFDA): one request, done politely.

`UpstreamClient.call` takes a slot from the upstream's rate limiter before every attempt (retries included), gives
up on each attempt when one read waits longer than the timeout or the whole answer takes longer than the deadline
(a server dripping a byte at a time never trips a per-read timeout), refuses a body that inflates beyond the size
cap (a gzip bomb: the body is read and decompressed piece by piece, so memory stays bounded), retries
429/5xx/timeouts/connection errors/malformed bodies with exponential backoff and jitter (never sooner than a
Retry-After header says), refuses other 4xx at once, and counts every attempt, so a sync can report what it
cost. What a good answer looks like is the caller's `parse`: it turns
the response into a value or raises MalformedResponse (a truncated body, an error page served with 200 ...).
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Collection, Mapping
from typing import Any, TypeVar

import requests
import urllib3.exceptions

from .ratelimit import RateLimiter

logger = logging.getLogger(__name__)

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
T = TypeVar("T")


class UpstreamError(Exception):
    """The upstream could not give a usable answer. `requests_made` counts every HTTP attempt, retries included."""

    retryable = True

    def __init__(self, message: str, *, requests_made: int = 0) -> None:
        super().__init__(message)
        self.requests_made = requests_made


class UpstreamRejected(UpstreamError):
    """A 4xx other than 429 (an invalid API key, a bad parameter): retrying the same request will not help."""

    retryable = False


class UpstreamBodyTooLarge(UpstreamError):
    """The body grew past the size cap once decompressed: asking again gets the same body, so no retry."""

    retryable = False


class DeadlineExceeded(Exception):
    """One attempt's answer did not arrive in full within the deadline (a dripping or stalled server)."""


# The body is read this much (decompressed) at a time: one socket read at most, so the deadline is checked often.
READ_CHUNK_BYTES = 64 * 1024


class MalformedResponse(ValueError):
    """The body is not what the endpoint serves (truncated, an HTML error page, a JSON error body ...)."""


def redact(text: str, secret: str) -> str:
    """Upstreams echo API keys in error bodies: never let one reach a log or a sync record."""
    return text.replace(secret, "<redacted>") if secret else text


def retry_after_seconds(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None  # an HTTP-date: rare for these upstreams; our own backoff applies


def json_body(response: requests.Response, *, service: str) -> Any:
    """The response's JSON, or MalformedResponse when it is not JSON (an HTML error page, a cut-off body)."""
    body = response.content
    if body.lstrip()[:1] not in (b"{", b"["):
        kind = response.headers.get("Content-Type", "no content type")
        raise MalformedResponse(f"{service} answered {kind}, not JSON: {body[:80]!r}")
    try:
        return json.loads(body)
    except ValueError as error:
        raise MalformedResponse(f"{service} answered malformed JSON ({error})") from error


class UpstreamClient:
    """A small, synchronous HTTP client for one upstream. Subclasses add the endpoints and the parsing.

    Every HTTP attempt first takes a slot from `limiter`, which all workers share when it lives in Redis. `sleep` is
    injectable so tests can observe backoff without waiting. `requests_made` and `retries` count every attempt made
    through this client.
    """

    service = "the upstream"  # how messages name it, e.g. "E-utilities"

    def __init__(
        self,
        *,
        base_url: str,
        timeout: float,
        limiter: RateLimiter,
        deadline: float | None = None,
        max_body_bytes: int = 50 * 1024 * 1024,
        max_attempts: int = 5,
        backoff_seconds: float = 1.0,
        backoff_max_seconds: float = 60.0,
        secret: str = "",
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.timeout = timeout
        # The whole of one attempt, from sending to the body's last byte; at least one read's timeout.
        self.deadline = max(deadline or 3 * timeout, timeout)
        self.max_body_bytes = max_body_bytes
        self.limiter = limiter
        self.max_attempts = max(1, max_attempts)
        self.backoff_seconds = backoff_seconds
        self.backoff_max_seconds = backoff_max_seconds
        self.secret = secret
        self.session = session or requests.Session()
        self.sleep = sleep
        self.requests_made = 0
        self.retries = 0

    def backoff_delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Exponential backoff with 'equal jitter' (half fixed, half random), never shorter than Retry-After."""
        delay = min(self.backoff_max_seconds, self.backoff_seconds * 2 ** (attempt - 1))
        delay = delay / 2 + random.uniform(0, delay / 2)
        if retry_after is not None:
            # Honour the server; the cap only guards against an absurd header keeping a worker asleep for hours.
            delay = max(delay, min(retry_after, max(self.backoff_max_seconds, 300.0)))
        return delay

    def _read_body(self, response: requests.Response, *, until: float) -> None:
        """Read the (decompressed) body into `response.content` a piece at a time, giving up at `until` (monotonic
        time) or past `max_body_bytes`. Each piece is at most one socket read, decompressed no further than the
        piece's size, so neither a dripping server nor a gzip bomb holds a worker or fills its memory."""
        pieces, size = [], 0
        try:
            while True:
                if time.monotonic() > until:
                    raise DeadlineExceeded()
                piece = response.raw.read1(READ_CHUNK_BYTES, decode_content=True)
                if not piece:
                    break
                size += len(piece)
                if size > self.max_body_bytes:
                    raise UpstreamBodyTooLarge(
                        f"{self.service} sent a body larger than {self.max_body_bytes:,} bytes once decompressed "
                        "(UPSTREAM_MAX_BODY_BYTES): refused"
                    )
                pieces.append(piece)
        except urllib3.exceptions.ReadTimeoutError as error:
            response.close()
            raise requests.ReadTimeout(str(error)) from error
        except BaseException:
            response.close()  # the connection is in an unknown state: never back into the pool
            raise
        response._content = b"".join(pieces)  # what `response.content` / `.text` / `.json()` read from now on
        response._content_consumed = True

    def call(
        self,
        method: str,
        url: str,
        *,
        parse: Callable[[requests.Response], T],
        what: str,
        params: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
        answer_statuses: Collection[int] = (200,),
    ) -> tuple[T, int]:
        """One request with retries; returns (parse(response), attempts). `what` names it in messages ("efetch of 3
        PMIDs"). Statuses in `answer_statuses` are answers for `parse` (openFDA's 404 means "no match"); other
        retryable statuses are retried; any other status raises UpstreamRejected. Raises UpstreamError once the
        attempts are used up."""
        send = getattr(self.session, method.lower())
        last_problem = ""
        for attempt in range(1, self.max_attempts + 1):
            self.limiter.acquire()
            self.requests_made += 1
            if attempt > 1:
                self.retries += 1
            retry_after = None
            started = time.monotonic()
            try:
                response = send(url, params=params, data=data, timeout=self.timeout, stream=True)
                self._read_body(response, until=started + self.deadline)
            except requests.Timeout:
                last_problem = f"no answer within {self.timeout:g} s"
            except DeadlineExceeded:
                last_problem = f"no complete answer within the {self.deadline:g} s deadline"
            except UpstreamBodyTooLarge as error:
                error.requests_made = attempt
                raise
            except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as error:
                last_problem = f"connection failed ({type(error).__name__})"
            else:
                status = response.status_code
                if status in answer_statuses:
                    try:
                        return parse(response), attempt
                    except MalformedResponse as error:
                        last_problem = redact(str(error), self.secret)
                elif status in RETRYABLE_STATUS:
                    retry_after = retry_after_seconds(response)
                    last_problem = f"HTTP {status}: {redact(response.text[:200], self.secret).strip()}"
                else:
                    raise UpstreamRejected(
                        f"{self.service} refused the request: HTTP {status}: "
                        f"{redact(response.text[:300], self.secret).strip()}",
                        requests_made=attempt,
                    )
            if attempt < self.max_attempts:
                delay = self.backoff_delay(attempt, retry_after)
                logger.warning(
                    "%s, attempt %d/%d: %s; retrying in %.2f s", what, attempt, self.max_attempts, last_problem, delay
                )
                self.sleep(delay)
        raise UpstreamError(
            f"{what} failed after {self.max_attempts} attempts: {last_problem}", requests_made=self.max_attempts
        )


def retry_options_from_settings(prefix: str) -> dict[str, Any]:
    """Timeout and retry settings of one upstream: `<PREFIX>_RETRY_ATTEMPTS`, `_RETRY_BACKOFF_SECONDS` and
    `_RETRY_BACKOFF_MAX_SECONDS`, and the shared UPSTREAM_TIMEOUT_SECONDS, UPSTREAM_DEADLINE_SECONDS and
    UPSTREAM_MAX_BODY_BYTES."""
    from django.conf import settings

    return {
        "timeout": settings.UPSTREAM_TIMEOUT_SECONDS,
        "deadline": settings.UPSTREAM_DEADLINE_SECONDS,
        "max_body_bytes": settings.UPSTREAM_MAX_BODY_BYTES,
        "max_attempts": getattr(settings, f"{prefix}_RETRY_ATTEMPTS"),
        "backoff_seconds": getattr(settings, f"{prefix}_RETRY_BACKOFF_SECONDS"),
        "backoff_max_seconds": getattr(settings, f"{prefix}_RETRY_BACKOFF_MAX_SECONDS"),
    }
