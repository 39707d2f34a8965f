"""
`make attack`: the site under gunicorn with production settings and production rates, on the configured
PostgreSQL and Redis (DATABASE_URL, REDIS_URL; the benchmark's helpers start it), tried as an attacker would.
Prints `kind | tried | failed` and exits non-zero when any attempt got through. The faults that need no server
(dripping and gzip-bomb upstreams, hostile dataset files) are the tests that prove them; this script runs them
too, so the table covers every kind of issue 19.

    make attack
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from run_bench import PYTHON, ROOT, manage, serving

PRODUCTION_RATES = {
    "API_THROTTLE_RATE_ANONYMOUS": "60/minute",
    "API_THROTTLE_RATE_TOKEN": "600/minute",
    "API_THROTTLE_RATE_DOWNLOAD": "30/hour",
    "PAGE_RATE_LIMIT_PER_MINUTE": "300",
    "TRUSTED_PROXY_COUNT": "1",  # as behind one proxy: it appends the address it saw to X-Forwarded-For
    "SITE_URL": "https://her2kb.example",
    "CELERY_TASK_ALWAYS_EAGER": "1",  # no worker here: the export builds in a thread beside the request
}


def get(url: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def proxied(address: str, spoofed: str = "") -> dict:
    """Headers as the trusted proxy passes them: whatever the client wrote, then the address the proxy saw."""
    return {"X-Forwarded-For": f"{spoofed}, {address}" if spoofed else address}


def fresh_address() -> str:
    number = uuid.uuid4().int
    return f"10.{number % 250}.{number // 250 % 250}.{number // 62500 % 250}"


def xff_bypass(base: str) -> tuple[int, int]:
    address = fresh_address()
    statuses = [get(f"{base}/api/v1/drugs/", proxied(address, f"203.0.113.{n % 250}"))[0] for n in range(70)]
    return 70, 0 if 429 in statuses[60:] and statuses.count(200) <= 60 else statuses.count(200) - 60


def wrong_tokens(base: str) -> tuple[int, int]:
    address = fresh_address()
    statuses = []
    for n in range(70):
        headers = {**proxied(address), "Authorization": f"Token wrong-{n}"}
        statuses.append(get(f"{base}/api/v1/drugs/", headers)[0])
    return 70, 0 if 429 in statuses else 1


def long_search(base: str) -> tuple[int, int]:
    terms = "+".join("abcdefghijklmnopqrstuvwxyz"[n % 26] for n in range(1900))
    urls = [f"{base}/api/v1/references/?search={terms}", f"{base}/search/?q={terms}"]
    return len(urls), sum(get(url, proxied(fresh_address()))[0] != 400 for url in urls)


def whole_list_downloads(base: str) -> tuple[int, int]:
    address = fresh_address()
    statuses = [get(f"{base}/api/v1/references/?format=bibtex", proxied(address))[0] for _ in range(32)]
    return 32, 0 if statuses.count(200) <= 30 and 429 in statuses else 1


def host_variations(base: str) -> tuple[int, int]:
    hosts = ["127.0.0.1", "localhost", *(f"localhost:{port}" for port in range(8000, 8009))]
    for _ in range(60):  # the first request queues the build; wait for the file
        status, headers, _ = get(f"{base}/api/v1/export/", proxied(fresh_address()))
        if status == 200 and "X-Export-Pending-Version" not in headers:
            break
        time.sleep(2)
    versions, failed = set(), 0
    for host in hosts:
        status, headers, body = get(f"{base}/api/v1/export/", {**proxied(fresh_address()), "Host": host})
        versions.add(headers.get("X-Export-Version"))
        failed += status != 200 or host.split(":")[0].encode() in body
    return len(hosts), failed + (len(versions) - 1)


def random_query_strings(base: str) -> tuple[int, int]:
    import redis
    from run_bench import production_env

    store = redis.Redis.from_url(production_env()["REDIS_URL"])
    before = sum(1 for _ in store.scan_iter("*her2kb:page:*"))
    for n in range(50):
        get(f"{base}/about/?x{uuid.uuid4().hex}={n}", proxied(fresh_address()))
    after = sum(1 for _ in store.scan_iter("*her2kb:page:*"))
    return 50, after - before


def page_rate(base: str) -> tuple[int, int]:
    address = fresh_address()
    statuses = [get(f"{base}/about/", proxied(address))[0] for _ in range(305)]
    return 305, 0 if statuses.count(200) == 300 and statuses[-1] == 429 else 1


def nul_bytes(base: str) -> tuple[int, int]:
    paths = ["/search/?q=a%00b", "/trials/a%00b/", "/api/v1/drugs/%00/", "/api/v1/trials/%00/"]
    return len(paths), sum(get(base + path, proxied(fresh_address()))[0] != 400 for path in paths)


def csv_formula_cells(base: str) -> tuple[int, int]:
    _, _, body = get(f"{base}/api/v1/references/?format=csv", proxied(fresh_address()))
    cells = [cell for line in body.decode().splitlines()[1:] for cell in line.split(",")]
    return len(cells), sum(cell.startswith(("=", "+", "@", "\t", "\r")) for cell in cells)


def pytest_kind(path: str, expression: str) -> tuple[int, int]:
    result = subprocess.run(
        [PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", path, "-k", expression],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr[-200:]
    passed = int(summary.split(" passed")[0].split()[-1]) if " passed" in summary else 0
    failed = int(summary.split(" failed")[0].split()[-1]) if " failed" in summary else (result.returncode != 0)
    return passed + failed, failed


SERVER_KINDS = {
    "X-Forwarded-For throttle bypass": xff_bypass,
    "wrong tokens": wrong_tokens,
    "long search": long_search,
    "whole-list downloads": whole_list_downloads,
    "Host variations": host_variations,
    "random query strings": random_query_strings,
    "page rate": page_rate,
    "NUL bytes": nul_bytes,
    "CSV formula cells": csv_formula_cells,
}
OFFLINE_KINDS = {
    "sign-in guessing": lambda: pytest_kind("her2kb/tests/test_middleware.py", "sign_in or login or lock"),
    "dripping upstream": lambda: pytest_kind("her2kb/tests/test_upstream.py", "dripping"),
    "gzip-bomb upstream": lambda: pytest_kind("her2kb/tests/test_upstream.py", "gzip"),
    "hostile dataset files": lambda: pytest_kind("curation/tests/test_dataset.py", "hostile"),
}


def main() -> None:
    if "REDIS_URL" not in os.environ or "DATABASE_URL" not in os.environ:
        raise SystemExit("make attack runs on PostgreSQL and Redis: set DATABASE_URL and REDIS_URL")
    manage("migrate", "--noinput", "-v0")
    manage("collectstatic", "--noinput", "-v0")
    manage("load_her2kb", "-v0")
    rows = []
    with serving(2, PRODUCTION_RATES) as (base, _server):
        for kind, attack in SERVER_KINDS.items():
            rows.append((kind, *attack(base)))
    for kind, attack in OFFLINE_KINDS.items():
        rows.append((kind, *attack()))
    width = max(len(kind) for kind, *_ in rows)
    print(f"{'kind':<{width}} | tried | failed")
    print(f"{'-' * width} | ----- | ------")
    for kind, tried, failed in rows:
        print(f"{kind:<{width}} | {tried:>5} | {failed:>6}")
    sys.exit(1 if any(failed for *_, failed in rows) else 0)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
