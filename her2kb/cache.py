"""
A Redis cache that degrades instead of failing: if Redis is down, reads miss and writes are skipped.

The cache only ever holds copies (rendered pages, API responses, throttle counters), so losing it must not
take the site down: pages and the API keep serving from the database while Redis is away.
"""

import functools
import hashlib
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.db import transaction
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)
T = TypeVar("T")

# After a failure, skip Redis for this long rather than paying a connection timeout on every request.
BACKOFF_SECONDS = 5.0


class CacheUnavailable(Exception):
    """The cache cannot be reached. Raised only to callers that must not fail open (the sign-in limiter)."""


class ReusingRedisCacheClient(RedisCacheClient):
    """
    Django's Redis client with one `redis.Redis` per connection pool, instead of a new one for every operation.

    Building a `redis.Redis` fills its table of some 170 response callbacks: that cost more than the look-up itself
    (about 0.2 ms against 0.07 ms), several times on every page. A `redis.Redis` holds no connection of its own (each
    command borrows one from the pool) and is safe to share between threads.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class TolerantRedisCache(RedisCache):
    # When each Redis server (by LOCATION) may be tried again after a failure; per server, so one that is down
    # does not make another look down too.
    _unavailable_until: dict[str, float] = {}

    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient

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

# The data version read during the current request (`one_data_version_per_request`), or None outside one.
_request_data_version: ContextVar[dict[str, int] | None] = ContextVar("her2kb_request_data_version", default=None)


def data_version() -> int:
    """The current data version. Within a request it is read from the cache once: a page shows several pieces kept
    under it (its content, counts, table rows, the footer), all from the same version, for one look-up."""
    from django.conf import settings
    from django.core.cache import cache

    remembered = _request_data_version.get()
    if remembered is not None and "version" in remembered:
        return remembered["version"]
    version = cache.get(DATA_VERSION_KEY)
    if version is None:
        version = time.time_ns()
        cache.add(DATA_VERSION_KEY, version, timeout=settings.DATA_VERSION_SECONDS)
    if remembered is not None:
        remembered["version"] = version
    return version


def bump_data_version() -> None:
    from django.conf import settings
    from django.core.cache import cache

    # Expiring like every other entry (DATA_VERSION_SECONDS): a version that expires or is evicted is simply replaced
    # by a new one, with what was kept under the old one left to expire.
    cache.set(DATA_VERSION_KEY, time.time_ns(), timeout=settings.DATA_VERSION_SECONDS)
    remembered = _request_data_version.get()
    if remembered is not None:
        remembered.pop("version", None)  # a write in this request: what it reads next is the new version


@contextmanager
def one_data_version_per_request() -> Iterator[None]:
    """Within the block (a request: her2kb.middleware.DataVersionMiddleware), `data_version()` reads the cache once."""
    token = _request_data_version.set({})
    try:
        yield
    finally:
        _request_data_version.reset(token)


def invalidate_public_caches(sender, **kwargs) -> None:
    """Signal receiver: any write to a curated model makes cached pages and API answers stale."""
    if sender._meta.app_label in CURATED_APPS:
        bump_data_version()
        # Again once the write commits: a request served between the signal and the commit read the old rows and
        # may have cached them under the new version.
        transaction.on_commit(bump_data_version)


# How long a value computed from the data is kept when nothing changes (a change drops it at once).
DATA_CACHE_SECONDS = 3600


def cached_for_data_version(
    name: str, compute: Callable[[], T], *, timeout: int = DATA_CACHE_SECONDS, in_process: bool = False
) -> T:
    """
    `compute()`, kept in the cache under the data version: the home page's counts, a filtered list's row count.
    A URL nobody asked for yet still finds what it shares with others (the same counts, the same filter's
    total), and a curator's edit drops all of it at once, as it drops the cached pages.

    `in_process`: a small value many pages read (the footer's facts, a filter's count) is also kept in the worker's
    memory for as long, so that reading it costs no round trip to the cache. The key holds the data version, so the
    copy cannot outlive an edit.
    """
    from django.core.cache import cache

    key = _data_key(data_version(), name)
    if in_process:
        kept = _kept_in_process.get(key)
        if kept is not None and kept[0] > time.monotonic():
            return kept[1]
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout)
    if in_process:
        if len(_kept_in_process) >= KEPT_IN_PROCESS:
            _kept_in_process.clear()  # a worker meets few distinct ones per data version: simply start again
        _kept_in_process[key] = (time.monotonic() + timeout, value)
    return value


# Small values `cached_for_data_version(..., in_process=True)` keeps in this process: key -> (expiry, value).
_kept_in_process: dict[str, tuple[float, object]] = {}
KEPT_IN_PROCESS = 2000


def cached_many_for_data_version(
    names: list[str], compute_missing: Callable[[list[int]], list[T]], *, timeout: int = DATA_CACHE_SECONDS
) -> list[T]:
    """
    `cached_for_data_version` for many values at once, in two round trips to the cache whatever their number: the
    value of each of `names`, in order. `compute_missing(positions)` computes those not in the cache (their
    positions in `names`), in that order, in one go — a table's rows not rendered since the last edit, fetched and
    rendered together in a constant number of queries.
    """
    from django.core.cache import cache

    version = data_version()
    keys = [_data_key(version, name) for name in names]
    found = cache.get_many(keys)
    missing = [position for position, key in enumerate(keys) if key not in found]
    if missing:
        computed = dict(zip((keys[position] for position in missing), compute_missing(missing), strict=True))
        cache.set_many(computed, timeout)
        found.update(computed)
    return [found[key] for key in keys]


def _data_key(version: int, name: str) -> str:
    # The code is part of the key: what is kept was rendered by the code that ran, and after a deploy that changes a
    # template or how a page computes what it shows, pieces rendered by the previous code must not be served.
    return f"her2kb:data:{version}:{hashlib.sha256(f'{site_code_version()}:{name}'.encode()).hexdigest()}"


# What `site_code_version` reads: the site's templates and the Python code of the project package and the apps.
CODE_PACKAGES = ("her2kb", "drugs", "trials", "references", "curation", "portal")


@functools.cache
def site_code_version() -> str:
    """A digest of the site's templates and Python code (tests and migrations aside), read once per process: what
    keys kept pieces and names export and download files, so a deploy never serves what the previous code made."""
    from django.conf import settings

    root = Path(settings.BASE_DIR)
    digest = hashlib.sha256()
    for path in site_code_paths():
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def site_code_paths() -> list[Path]:
    """The files `site_code_version` reads."""
    from django.conf import settings

    root = Path(settings.BASE_DIR)
    paths = sorted((root / "templates").rglob("*.html"))
    for package in CODE_PACKAGES:
        paths += sorted(
            path
            for path in (root / package).rglob("*.py")
            if not {"tests", "migrations"} & set(path.relative_to(root).parts)
        )
    return paths
