"""
Request spacing for upstream APIs, shared by every worker when it lives in Redis.

Upstreams count requests across all our workers together (NCBI: 3 requests/s per IP without an API key, 10/s
per key; openFDA: 240/minute; ClinicalTrials.gov asks for restraint); Celery's own `rate_limit` is per worker,
so it cannot enforce that. Both limiters below hand out evenly spaced
time slots: each `acquire()` reserves the next free slot (at least `interval` after the previous one) and sleeps
until it. In Redis the reservation is one atomic Lua script using the Redis server's clock, so workers on
different hosts share one schedule and their own clocks do not matter.

The interval carries a safety margin (10% by default, as Biopython spaces its calls 0.37 s apart for 3/s):
NCBI counts requests as they arrive, after network jitter, so exact 1/rate spacing could still tip over.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from typing import Protocol

DEFAULT_MARGIN = 0.10

# KEYS[1]: the slot key; ARGV[1]: interval in microseconds. Returns how long the caller must wait (µs).
RESERVE_SLOT_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local next_free = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(now, next_free)
local interval = tonumber(ARGV[1])
local expires_ms = math.ceil((slot + interval - now) / 1000) + 60000
redis.call('SET', KEYS[1], string.format('%d', slot + interval), 'PX', expires_ms)
return slot - now
"""


class RateLimiter(Protocol):
    def acquire(self) -> float:
        """Block until the caller may send one request; return the seconds waited."""
        ...


def interval_for(rate_per_second: float, margin: float = DEFAULT_MARGIN) -> float:
    if rate_per_second <= 0:
        raise ValueError("the rate must be positive")
    return (1.0 + margin) / rate_per_second


class LocalRateLimiter:
    """In-process limiter for the embedded setup (no Redis): one schedule shared by this process's threads."""

    def __init__(
        self, rate_per_second: float, *, margin: float = DEFAULT_MARGIN, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.interval = interval_for(rate_per_second, margin)
        self._next_free = 0.0
        self._lock = threading.Lock()
        self._sleep = sleep

    def acquire(self) -> float:
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next_free)
            self._next_free = slot + self.interval
        wait = slot - now
        if wait > 0:
            self._sleep(wait)
        return wait


class RedisRateLimiter:
    """Limiter shared by every process that uses the same Redis and key (all Celery workers, the shell command)."""

    def __init__(
        self,
        redis_url: str,
        key: str,
        rate_per_second: float,
        *,
        margin: float = DEFAULT_MARGIN,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        import redis

        self.interval = interval_for(rate_per_second, margin)
        self.key = key
        self._redis = redis.Redis.from_url(redis_url, socket_timeout=5, socket_connect_timeout=5)
        self._reserve = self._redis.register_script(RESERVE_SLOT_LUA)
        self._sleep = sleep

    def acquire(self) -> float:
        wait = int(self._reserve(keys=[self.key], args=[int(self.interval * 1_000_000)])) / 1_000_000
        if wait > 0:
            self._sleep(wait)
        return wait


def limiter_key(service: str, identity: str = "") -> str:
    """The Redis key of one upstream's schedule. Upstreams count per API key (or per IP without one); the key
    itself is hashed, never stored in Redis names."""
    who = hashlib.sha256(identity.encode()).hexdigest()[:16] if identity else "no-key"
    return f"her2kb:ratelimit:{service}:{who}"


_local_limiters: dict[tuple[str, str, float], LocalRateLimiter] = {}
_local_lock = threading.Lock()


def limiter_from_settings(service: str, rate_per_second: float, identity: str = "") -> RateLimiter:
    """The limiter of one upstream (`service`, e.g. "eutils"), for the caller identified by `identity` (its API key,
    if any). Redis-backed when REDIS_URL is set (so the limit holds across workers), in-process otherwise."""
    from django.conf import settings

    if settings.REDIS_URL:
        return RedisRateLimiter(settings.REDIS_URL, limiter_key(service, identity), rate_per_second)
    # One limiter per upstream, identity and rate per process, so consecutive syncs in one process share a schedule.
    with _local_lock:
        return _local_limiters.setdefault((service, identity, rate_per_second), LocalRateLimiter(rate_per_second))


def separate_limiter(rate_per_second: float, *, label: str) -> RateLimiter:
    """A limiter with a schedule of its own (benchmarks), shared by nothing else: in Redis on a fresh key when
    REDIS_URL is set (the production path), in-process otherwise."""
    import uuid

    from django.conf import settings

    if settings.REDIS_URL:
        return RedisRateLimiter(settings.REDIS_URL, f"her2kb:ratelimit:{label}:{uuid.uuid4().hex}", rate_per_second)
    return LocalRateLimiter(rate_per_second)
