"""
Profile the benchmark's cold targets in-process: where a request that the cache cannot help spends its time.

For each target (or the ones named), takes `--count` URLs of the cold mix (`manage.py bench_cold_urls`), sends
them through Django's test client with the response caches off, and prints pyinstrument's profile, the number
of queries per request, and the slowest queries — on PostgreSQL with `EXPLAIN ANALYZE`.

    python bench/profile_cold.py                          # every target, 30 URLs each
    python bench/profile_cold.py "API search" --count 100 # one target
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "her2kb.settings")
# Production settings, as the benchmark's cold server runs them: response caches off, no throttle.
os.environ.update(
    DEBUG="0",
    SECRET_KEY=os.environ.get("SECRET_KEY") or "profile-" + os.urandom(24).hex(),
    ALLOWED_HOSTS="testserver",
    HTTPS_ONLY="0",
    LOG_LEVEL="WARNING",
    PAGE_CACHE_SECONDS="0",
    API_CACHE_SECONDS="0",
    API_THROTTLE_RATE_ANONYMOUS="100000000/second",
    PAGE_RATE_LIMIT_PER_MINUTE="0",
)


def main() -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from pyinstrument import Profiler

    from curation.management.commands.bench_cold_urls import cold_urls, read_facts

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("targets", nargs="*", help="Target names as in `make bench` (default: all).")
    parser.add_argument("--count", type=int, default=30)
    parser.add_argument("--slowest", type=int, default=3, help="How many of the slowest queries to explain.")
    options = parser.parse_args()
    mixes = cold_urls(read_facts(), count=options.count)
    client = Client()
    for name, urls in mixes.items():
        if options.targets and name not in options.targets:
            continue
        client.get(urls[0])  # imports and first-use costs out of the profile
        profiler, queries, timings, statuses = Profiler(), [], [], Counter()
        with CaptureQueriesContext(connection) as captured:
            profiler.start()
            for url in urls:
                started, before = time.perf_counter(), len(captured)
                statuses[client.get(url).status_code] += 1
                timings.append((time.perf_counter() - started) * 1000)
                queries.append(len(captured) - before)
            profiler.stop()
        timings.sort()
        print(f"\n=== {name}: {len(urls)} URLs, statuses {dict(statuses)}")
        print(
            f"    ms p50 {timings[len(timings) // 2]:.1f}, p95 {timings[int(len(timings) * 0.95)]:.1f}; "
            f"queries per request {min(queries)}–{max(queries)}"
        )
        print(profiler.output_text(unicode=False, color=False)[:6000])
        slowest = sorted(captured.captured_queries, key=lambda query: float(query["time"]), reverse=True)
        for query in slowest[: options.slowest]:
            print(f"--- {float(query['time']) * 1000:.1f} ms: {query['sql'][:600]}")
            if connection.vendor == "postgresql" and query["sql"].lstrip().upper().startswith("SELECT"):
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                    print("\n".join(f"    {row[0]}" for row in cursor.fetchall()[:40]))


if __name__ == "__main__":
    main()
