"""
The benchmark behind `make bench`: scale data, the site under gunicorn with production settings, wrk load.

Runs against the configured database (DATABASE_URL, else the embedded SQLite) and cache (REDIS_URL, else
local memory). For each scale it measures every target twice:

- cached: the same URL again and again, as a cache sees it;
- cold: every request a URL the cache has not seen — thousands of distinct filter, ordering, page and search
  combinations drawn from the data with Zipf weights (`manage.py bench_cold_urls`), sent to a server whose
  response caches are off, so each one is rendered from the database.

Then the bulk export, a 32-connection load run over the cold mix, and (once) the PubMed sync. Prints the
tables with the goals of issue 18 and writes bench-results/latest.json and latest.md. Speed goals live
here, never in tests.

    make bench                                   # a tenth, then full scale (200,000 references)
    make bench BENCH_ARGS="--small"              # a quick run: a tenth only, shorter runs
    make bench BENCH_ARGS="--scales tenth"       # a tenth only, full-length runs
    make bench BENCH_ARGS="--huge"               # also ten times full scale (2,000,000 references: hours)
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import goals

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
RESULTS = ROOT / "bench-results"
LUA = ROOT / "bench" / "report.lua"
# The full-scale dataset; each scale is a multiple of it.
FULL_SIZES = {"drugs": 200, "approvals": 5000, "trials": 20000, "outcomes": 60000, "references": 200000}


def manage(*args: str, env: dict | None = None, capture: bool = False) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env or production_env(),
        check=True,
        text=True,
        capture_output=capture,
    )


def timed(*args: str, env: dict | None = None) -> float:
    started = time.perf_counter()
    manage(*args, env=env, capture=True)
    return time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# One throwaway key for the whole run: a fresh clone has no .env, and production settings refuse the dev key.
BENCH_SECRET_KEY = "bench-" + os.urandom(24).hex()


def production_env() -> dict:
    """Production settings (DEBUG off) on loopback: what every command and gunicorn in the benchmark runs with."""
    env = os.environ.copy()
    env.update(
        DEBUG="0",
        SECRET_KEY=env.get("SECRET_KEY") or BENCH_SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        LOG_LEVEL="WARNING",
        HTTPS_ONLY="0",  # plain HTTP on loopback; production sits behind TLS
        # Measure the API, not the throttle (every wrk connection comes from one address).
        API_THROTTLE_RATE_ANONYMOUS="100000000/second",
        API_THROTTLE_RATE_TOKEN="100000000/second",
        API_THROTTLE_RATE_DOWNLOAD="100000000/second",
        PAGE_RATE_LIMIT_PER_MINUTE="0",
    )
    return env


# The cold server: the same site with its response caches off, so every request renders from the database.
COLD_ENV = {"PAGE_CACHE_SECONDS": "0", "API_CACHE_SECONDS": "0"}


def wait_until_up(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer {url} within {timeout:.0f} s")


# Gunicorn's worker timeout in the benchmark, and how long the first (building) export request may take.
EXPORT_TIMEOUT_SECONDS = 600


@contextlib.contextmanager
def serving(workers: int, extra_env: dict | None = None) -> Iterator[tuple[str, subprocess.Popen]]:
    """The site under gunicorn with production settings on a free loopback port, until the block ends."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "her2kb.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--timeout",
            str(EXPORT_TIMEOUT_SECONDS),
        ],
        cwd=ROOT,
        env=production_env() | (extra_env or {}),
        start_new_session=True,
    )
    try:
        wait_until_up(base + "/healthz")
        yield base, server
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def worker_peak_memory_mb(server: subprocess.Popen) -> float | None:
    """The largest peak resident memory (VmHWM) of gunicorn's worker processes, in MB (Linux only)."""
    peaks = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue  # the process ended meanwhile
        if fields.get("PPid", "").strip() == str(server.pid) and "VmHWM" in fields:
            peaks.append(int(fields["VmHWM"].split()[0]) / 1024)
    return max(peaks) if peaks else None


def first_request(url: str, timeout: float = 120) -> float:
    """Milliseconds to fetch `url` once, body included."""
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=timeout) as response:
        while response.read(1 << 20):
            pass
    return (time.perf_counter() - started) * 1000


def fetch_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.load(response)


def pick_targets(base: str) -> dict[str, str]:
    """The pages and API calls to measure, chosen from what the database holds (curated records first)."""
    code = (
        "import json;"
        "from drugs.models import Drug;from trials.models import Trial;from references.models import Reference;"
        "d=Drug.objects.exclude(slug__startswith='bench-').order_by('name').first() or Drug.objects.first();"
        "t=Trial.objects.exclude(slug__startswith='bench-').filter(outcomes__isnull=False).first() "
        "or Trial.objects.first();"
        "r=Reference.objects.exclude(pmid__startswith='9').first() or Reference.objects.first();"
        "print(json.dumps({'drug': d.slug, 'trial': t.nct_id or t.slug, 'pmid': r.pmid}))"
    )
    picked = json.loads(manage("shell", "-c", code, capture=True).stdout.strip().splitlines()[-1])
    targets = {
        "healthz (floor)": "/healthz",
        "home": "/",
        "drug page": f"/drugs/{picked['drug']}/",
        "approvals, filtered": "/approvals/?agency=FDA&tumour_type=breast",
        "trial page": f"/trials/{picked['trial']}/",
        "reference page": f"/references/{picked['pmid']}/",
        "search": "/search/?q=trastuzumab",
        "API search": "/api/v1/search/?q=trastuzumab",
        "API approvals, page 1": "/api/v1/approvals/",
        "API trials, deep page": "/api/v1/trials/?page={last_page}",
        "API references, page 1": "/api/v1/references/",
    }
    first_page = fetch_json(base + "/api/v1/trials/")
    last_page = max(1, -(-first_page["count"] // max(1, len(first_page["results"]))))
    targets["API trials, deep page"] = targets["API trials, deep page"].format(last_page=last_page)
    # Cursor pagination has no page numbers: follow `next` to reach a deep page.
    try:
        url = base + "/api/v1/references/"
        for _ in range(40):
            nxt = fetch_json(url).get("next")
            if not nxt:
                break
            url = nxt
        targets["API references, deep cursor"] = url.replace(base, "")
    except (OSError, ValueError) as error:
        print(f"  (could not follow the references cursor: {error})")
    return targets


def run_wrk(
    base: str, paths: list[str] | Path, connections: int, seconds: int, timeout: int = 10, threads: int = 2
) -> dict:
    """wrk over `paths` (a list, or a file of one path per line), with the summary of report.lua."""
    path_args = ["--file", str(paths)] if isinstance(paths, Path) else list(paths)
    command = [
        "wrk",
        f"-t{min(threads, connections)}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        f"{timeout}s",
        "-s",
        str(LUA),
        base,
        "--",
        *path_args,
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH_JSON "))
    result = json.loads(line.removeprefix("BENCH_JSON "))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def interleaved(mixes: dict[str, list[str]]) -> list[str]:
    """Every target's cold URLs, taken in turn: the load run's mix."""
    longest = max((len(urls) for urls in mixes.values()), default=0)
    return [urls[i] for i in range(longest) for urls in mixes.values() if i < len(urls)]


def cpu_busy_fraction(seconds: float = 2.0) -> float:
    """How busy the machine's CPUs were over the next `seconds` (Linux /proc/stat; 0 elsewhere)."""

    def times() -> tuple[int, int]:
        try:
            fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        except OSError:
            return 0, 0
        return sum(fields), fields[3] + fields[4]  # all, idle + iowait

    total_before, idle_before = times()
    time.sleep(seconds)
    total_after, idle_after = times()
    total = total_after - total_before
    return 1 - (idle_after - idle_before) / total if total else 0.0


def settle(*, timeout: float = 180.0) -> float:
    """
    Wait until the machine is quiet (under a fifth of its CPU busy, the database's checkpoint written) before a
    measurement, so that one target does not pay for work another left behind; the busy fraction it ended at.

    Work a data change leaves: the search vocabulary's rebuild is done here, in the foreground (a production worker
    does it once after each change); Celery tasks queued while no worker ran (the cold server has none) are purged,
    so the next phase's worker does not spend its first minute on them.
    """
    if os.environ.get("REDIS_URL"):
        subprocess.run(
            [PYTHON, "-m", "celery", "-A", "her2kb", "purge", "-f"], cwd=ROOT, env=production_env(), capture_output=True
        )
    manage("shell", "-c", "from portal.vocabulary import vocabulary_rebuild; vocabulary_rebuild()", capture=True)
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        manage(
            "shell", "-c", "from django.db import connection; connection.cursor().execute('CHECKPOINT')", capture=True
        )
    deadline, busy = time.monotonic() + timeout, 1.0
    while time.monotonic() < deadline:
        busy = cpu_busy_fraction()
        if busy < 0.2:
            break
    else:
        print(f"  (the machine stayed busy: {busy:.0%} of its CPU in use when measuring began)")
    return round(busy, 3)


# Pages that touch no data (the about page, a 404): a freshly started worker imports, connects and compiles the base
# templates on its first requests, as a worker that has served for hours has long done.
WARM_UP_PATHS = ["/healthz", "/about/", "/no-such-page-warming-up/"]


def warm_up(base: str, connections: int) -> None:
    """Every worker of a freshly started server past its first requests, with none of the targets' URLs: the cold
    mode measures the cache's absence, not a process starting (without this, the first target measured, the home
    page, paid for every worker's start in its p95)."""
    run_wrk(base, WARM_UP_PATHS, connections, 3)


def measure_scale(scale: str, options: argparse.Namespace, report: dict) -> dict:
    """Generate the data of one scale and measure every target cached and cold, the export and a load run."""
    measured: dict = {"sizes": {name: int(count * goals.SCALES[scale]) for name, count in FULL_SIZES.items()}}
    if not options.skip_generate:
        print(f"[{scale}] Generating the scale dataset (marked bench-, never exported): {measured['sizes']}")
        args = [f"--{name}={count}" for name, count in measured["sizes"].items()]
        measured["generate_seconds"] = round(timed("generate_bench_data", *args), 1)
    seconds, cold_seconds = report["seconds_per_target"], report["cold_seconds_per_target"]
    mixes = json.loads(manage("bench_cold_urls", "--count", str(options.cold_urls), capture=True).stdout)
    results: dict[str, dict] = {}
    measured["busy_before_cached"] = settle()
    with tempfile.TemporaryDirectory() as scratch:
        print(f"[{scale}] Cached: each target's URL again and again ({options.connections} connections, {seconds} s)")
        with celery_worker(), serving(options.workers) as (base, server):
            targets = pick_targets(base)
            for name, path in targets.items():
                first_ms = first_request(base + path)  # renders it once and fails fast on a broken target
                cached = run_wrk(base, [path], options.connections, seconds) | {"path": path, "first_ms": first_ms}
                cached["ratio_to_healthz"] = None
                results[name] = {"cached": cached}
                print(f"  {name:<28} {cached['rps']:>8.1f} req/s, p95 {cached['p95_ms']:.1f} ms")
            floor = results["healthz (floor)"]["cached"]["rps"]
            for result in results.values():
                result["cached"]["ratio_to_healthz"] = round(result["cached"]["rps"] / floor, 3) if floor else None
            measured["export"] = measure_export(base, server, small=options.small)

        measured["busy_before_cold"] = settle()
        print(
            f"[{scale}] Cold: distinct URLs, response caches off ({options.connections} connections, {cold_seconds} s)"
        )
        with serving(options.workers, COLD_ENV) as (base, server):
            warm_up(base, options.connections)
            for number, (name, urls) in enumerate(mixes.items()):
                if name not in results:
                    continue
                path_file = Path(scratch) / f"cold-{number}.txt"
                path_file.write_text("\n".join(urls) + "\n")
                cold = run_wrk(base, path_file, options.connections, cold_seconds) | {"distinct_urls": len(urls)}
                results[name]["cold"] = cold
                print(f"  {name:<28} {cold['rps']:>8.1f} req/s, p95 {cold['p95_ms']:.1f} ms over {len(urls)} URLs")
            load_seconds = 6 if options.small else 30
            print(f"[{scale}] Load run: 32 connections, {load_seconds} s, the cold mix of every target in turn")
            mix_file = Path(scratch) / "cold-mix.txt"
            mix_file.write_text("\n".join(interleaved({n: u for n, u in mixes.items() if n in results})) + "\n")
            measured["load_run"] = run_wrk(base, mix_file, 32, load_seconds) | {"seconds": load_seconds}
    measured["targets"] = results
    return measured


def download(url: str, timeout: float = EXPORT_TIMEOUT_SECONDS) -> tuple[int, str, float]:
    """(status, X-Export-Version, milliseconds) of one whole download of `url`; the version is empty while the
    file served is not the current state's (a newer one is pending)."""
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            while response.read(1 << 20):
                pass
            status, version = response.status, response.headers.get("X-Export-Version", "")
            if response.headers.get("X-Export-Pending-Version"):
                version = ""
    except urllib.error.HTTPError as error:
        status, version = error.code, ""
    return status, version, (time.perf_counter() - started) * 1000


def touch_a_generated_record() -> None:
    """A curator-like edit of one generated record: the dataset's state changes, so the export must be rebuilt."""
    manage(
        "shell",
        "-c",
        "from drugs.models import Drug; Drug.objects.filter(slug__startswith='bench-').order_by('pk').first().save()",
        capture=True,
    )


def wait_for_new_export(url: str, old_version: str, timeout: float) -> tuple[float, float, int]:
    """Download `url` again and again until it serves a version other than `old_version`: (seconds until it
    did, the longest request meanwhile in ms, requests made). The build runs in the background meanwhile."""
    started, longest, requests = time.perf_counter(), 0.0, 0
    while time.perf_counter() - started < timeout:
        status, version, ms = download(url)
        requests += 1
        longest = max(longest, ms)
        if status == 200 and version and version != old_version:  # the current state's file
            return time.perf_counter() - started, longest, requests
        if status not in (200, 503):
            raise SystemExit(f"The export answered {status} during a rebuild")
        time.sleep(0.2)
    raise SystemExit(f"The export was not rebuilt within {timeout:.0f} s")


def measure_export(base: str, server: subprocess.Popen, *, small: bool) -> dict:
    """The bulk export: its first build, downloads by one client, then a rebuild after an edit — the requests
    during the rebuild are served the previous file and must not wait for the build."""
    url = base + "/api/v1/export/"
    first_build_seconds, _, _ = wait_for_new_export(url, "", EXPORT_TIMEOUT_SECONDS)
    downloads = run_wrk(base, ["/api/v1/export/"], 1, 10 if small else 30, timeout=120)
    _, version, _ = download(url)
    touch_a_generated_record()
    build_seconds, longest_ms, requests = wait_for_new_export(url, version, EXPORT_TIMEOUT_SECONDS)
    size_mb = int(urllib.request.urlopen(url, timeout=60).headers.get("Content-Length", 0)) / 1e6
    print(
        f"  export ({size_mb:.0f} MB): first build {first_build_seconds:.1f} s; rebuild after an edit "
        f"{build_seconds:.1f} s, longest of {requests} requests meanwhile {longest_ms:.0f} ms; "
        f"a normal download at most {downloads['max_ms']:.0f} ms"
    )
    return {
        "size_mb": size_mb,
        "first_build_seconds": first_build_seconds,
        "build_seconds": build_seconds,
        "download": downloads,
        "normal_download_max_ms": downloads["max_ms"],
        "longest_request_during_rebuild_ms": longest_ms,
        "requests_during_rebuild": requests,
        "web_worker_peak_mb": worker_peak_memory_mb(server),
    }


@contextlib.contextmanager
def celery_worker() -> Iterator[None]:
    """A Celery worker beside gunicorn when there is a broker (REDIS_URL): it builds the export. Without one,
    tasks run in-process and a thread in the web worker builds it."""
    if not os.environ.get("REDIS_URL"):
        yield
        return
    worker = subprocess.Popen(
        [PYTHON, "-m", "celery", "-A", "her2kb", "worker", "--concurrency", "1", "--loglevel", "WARNING"],
        cwd=ROOT,
        env=production_env(),
        start_new_session=True,
    )
    try:
        yield
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default="tenth,full", help="Comma-separated, of: " + ", ".join(goals.SCALES))
    parser.add_argument("--huge", action="store_true", help="Also ten times full scale (2,000,000 references).")
    parser.add_argument("--small", action="store_true", help="A tenth of the data only, 3 s per target.")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=10, help="Seconds per target, cached.")
    parser.add_argument("--cold-seconds", type=int, default=10, help="Seconds per target, cold.")
    parser.add_argument("--cold-urls", type=int, default=3000, help="Distinct cold URLs per target (at most).")
    parser.add_argument("--skip-generate", action="store_true", help="Reuse the generated data (one scale only).")
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 2) * 2 + 1)
    options = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: `apt-get install wrk` (Debian) or your OS's package.")
    scales = ["tenth"] if options.small else [scale.strip() for scale in options.scales.split(",") if scale.strip()]
    if options.huge and "ten" not in scales:
        scales.append("ten")
    unknown = [scale for scale in scales if scale not in goals.SCALES]
    if unknown:
        raise SystemExit(f"Unknown scale {', '.join(unknown)}: choose from {', '.join(goals.SCALES)}.")
    if options.skip_generate and len(scales) > 1:
        raise SystemExit("--skip-generate reuses one dataset: give a single scale.")
    scales.sort(key=list(goals.SCALES).index)
    report: dict = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "database": os.environ.get("DATABASE_URL", "embedded SQLite").split("@")[-1],
        "cache": "Redis" if os.environ.get("REDIS_URL") else "local memory (one per gunicorn worker)",
        "command": "make bench" + (f" BENCH_ARGS='{' '.join(sys.argv[1:])}'" if sys.argv[1:] else ""),
        "concurrency": options.connections,
        "seconds_per_target": 3 if options.small else options.seconds,
        "cold_seconds_per_target": 4 if options.small else options.cold_seconds,
        "scales": {},
    }

    print("Migrating and timing the curated dataset load")
    manage("migrate", "--noinput", "-v0")
    with tempfile.TemporaryDirectory() as scratch:
        fresh = production_env() | {"DATABASE_URL": f"sqlite:///{scratch}/fresh.sqlite3"}
        manage("migrate", "--noinput", "-v0", env=fresh)
        report["curated_load_seconds_fresh_sqlite"] = round(timed("load_her2kb", env=fresh), 2)
    report["curated_load_seconds_configured_db"] = round(timed("load_her2kb"), 2)
    manage("collectstatic", "--noinput", "-v0")

    for scale in scales:
        report["scales"][scale] = measure_scale(scale, options, report)

    count = 10000 if goals.SCALES[scales[-1]] >= 1 else 1000
    print(f"PubMed sync benchmark of {count} records through the local fake E-utilities")
    try:
        out = manage("bench_pubmed_sync", "--count", str(count), "--json", capture=True).stdout
        report["pubmed_sync"] = json.loads(out.strip().splitlines()[-1])
    except (subprocess.CalledProcessError, ValueError) as error:
        report["pubmed_sync"] = {"error": str(error)}

    print("Watchers (ClinicalTrials.gov, PubMed literature, openFDA) through their local fakes")
    sizes = ["--trials", "300", "--searches", "9", "--fda", "30"] if options.small else []
    try:
        out = manage("bench_watchers", *sizes, "--json", capture=True).stdout
        report["watchers"] = json.loads(out.strip().splitlines()[-1])
    except (subprocess.CalledProcessError, ValueError) as error:
        report["watchers"] = {"error": str(error)}

    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=2))
    table = goals.render(report)
    (RESULTS / "latest.md").write_text(table)
    print()
    print(table)
    print(f"Written to {RESULTS / 'latest.json'}")
    errors = sum(measured["load_run"]["errors"] for measured in report["scales"].values())
    if errors:
        raise SystemExit(f"The load runs had {errors} errors")


if __name__ == "__main__":
    main()
