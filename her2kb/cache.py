"""
A Redis cache that degrades instead of failing: if Redis is down, reads miss and writes are skipped.

The cache only ever holds copies (rendered pages, API responses, throttle counters), so losing it must not
take the site down: pages and the API keep serving from the database while Redis is away.
"""

import hashlib
import logging
import time
from collections.abc import Callable
from typing import TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from django.db import transaction
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)
T = TypeVar("T")

# After a failure, skip Redis for this long rather than paying a connection timeout on every request.
BACKOFF_SECONDS = 5.0


class CacheUnavailable(Exception):
    """The cache cannot be reached. Raised only to callers that must not fail open (the sign-in limiter)."""


class TolerantRedisCache(RedisCache):
    # When each Redis server (by LOCATION) may be tried again after a failure; per server, so one that is down
    # does not make another look down too.
    _unavailable_until: dict[str, float] = {}

    def _available(self) -> bool:
        return time.monotonic() >= TolerantRedisCache._unavailable_until.get(self._location_key, 0.0)

    @property
    def _location_key(self) -> str:
        return ",".join(self._servers)

    def _failed(self, operation: str, error: Exception) -> None:
        TolerantRedisCache._unavailable_until[self._location_key] = time.monotonic() + BACKOFF_SECONDS
        logger.warning("Cache unavailable (%s failed: %s); serving without it", operation, error)

    def _guard(self, operation: str, default, call, *args, **kwargs):
        if not self._available():
            return default
        try:
            return call(*args, **kwargs)
        except (RedisError, OSError) as error:
            self._failed(operation, error)
            return default

    def count_hit(self, key: str, window_seconds: int) -> int:
        """One more hit on the counter `key`, which expires `window_seconds` after its first hit: the new count.
        One atomic MULTI (create-if-absent, then INCR), so parallel callers each see a different count. Raises
        CacheUnavailable instead of guessing when Redis cannot be reached."""
        if not self._available():
            raise CacheUnavailable("Redis failed moments ago")
        redis_key = self.make_and_validate_key(key)
        try:
            pipeline = self._cache.get_client(redis_key, write=True).pipeline(transaction=True)
            pipeline.set(redis_key, 0, ex=window_seconds, nx=True)
            pipeline.incr(redis_key)
            return int(pipeline.execute()[1])
        except (RedisError, OSError) as error:
            self._failed("count_hit", error)
            raise CacheUnavailable(str(error)) from error

    def get(self, key, default=None, version=None):
        return self._guard("get", default, super().get, key, default, version)

    def get_many(self, keys, version=None):
        return self._guard("get_many", {}, super().get_many, keys, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard("set", None, super().set, key, value, timeout, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard("add", False, super().add, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard("set_many", [], super().set_many, data, timeout, version)

    def delete(self, key, version=None):
        return self._guard("delete", False, super().delete, key, version)

    def incr(self, key, delta=1, version=None):
        return self._guard("incr", delta, super().incr, key, delta, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard("touch", False, super().touch, key, timeout, version)

    def has_key(self, key, version=None):
        return self._guard("has_key", False, super().has_key, key, version)

    def clear(self):
        return self._guard("clear", False, super().clear)


def count_hit(key: str, window_seconds: int) -> int:
    """
    Add one to the counter `key` (created to expire `window_seconds` from its first hit) and return its new value.

    Atomic on Redis; on the local-memory cache (one process, embedded) each step holds the cache's lock. Raises
    CacheUnavailable when Redis cannot be reached: limits that must hold (sign-in) refuse then, others let through.
    """
    from django.core.cache import caches

    cache = caches["default"]  # the backend itself: `django.core.cache.cache` is a proxy to it
    if isinstance(cache, TolerantRedisCache):
        return cache.count_hit(key, window_seconds)
    cache.add(key, 0, window_seconds)
    try:
        return cache.incr(key)
    except ValueError:  # expired between the two steps: this hit starts a new window
        cache.add(key, 1, window_seconds)
        return 1


def uncount_hit(key: str) -> None:
    """Give back one hit of `count_hit` (an attempt that turned out not to count); nothing if the counter expired."""
    from django.core.cache import cache

    try:
        cache.decr(key)
    except ValueError:
        pass


# ---------------------------------------------------------------------------------------------
# The data version: one number that changes whenever a curated record changes. Cache keys include it,
# so a curator's edit makes every cached page stale at once, without tracking which page shows what.
# ---------------------------------------------------------------------------------------------
DATA_VERSION_KEY = "her2kb:data-version"
CURATED_APPS = {"drugs", "trials", "references"}


def data_version() -> int:
    from django.core.cache import cache

    version = cache.get(DATA_VERSION_KEY)
    if version is None:
        version = time.time_ns()
        cache.add(DATA_VERSION_KEY, version, timeout=None)
    return version


def bump_data_version() -> None:
    from django.core.cache import cache

    cache.set(DATA_VERSION_KEY, time.time_ns(), timeout=None)


def invalidate_public_caches(sender, **kwargs) -> None:
    """Signal receiver: any write to a curated model makes cached pages and API answers stale."""
    if sender._meta.app_label in CURATED_APPS:
        bump_data_version()
        # Again once the write commits: a request served between the signal and the commit read the old rows and
        # may have cached them under the new version.
        transaction.on_commit(bump_data_version)


# How long a value computed from the data is kept when nothing changes (a change drops it at once).
DATA_CACHE_SECONDS = 3600


def cached_for_data_version(name: str, compute: Callable[[], T], *, timeout: int = DATA_CACHE_SECONDS) -> T:
    """
    `compute()`, kept in the cache under the data version: the home page's counts, a filtered list's row count.
    A URL nobody asked for yet still finds what it shares with others (the same counts, the same filter's
    total), and a curator's edit drops all of it at once, as it drops the cached pages.
    """
    from django.core.cache import cache

    key = f"her2kb:data:{data_version()}:{hashlib.sha256(name.encode()).hexdigest()}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout)
    return value
