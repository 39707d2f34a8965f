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


class TolerantRedisCache(RedisCache):
    _unavailable_until = 0.0

    def _guard(self, operation: str, default, call, *args, **kwargs):
        if time.monotonic() < TolerantRedisCache._unavailable_until:
            return default
        try:
            return call(*args, **kwargs)
        except (RedisError, OSError) as error:
            TolerantRedisCache._unavailable_until = time.monotonic() + BACKOFF_SECONDS
            logger.warning("Cache unavailable (%s failed: %s); serving without it", operation, error)
            return default

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
