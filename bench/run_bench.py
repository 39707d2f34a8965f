"""
The benchmark behind `make bench`: scale data, the site under gunicorn with production settings, wrk load.

Runs against the configured database (DATABASE_URL, else the embedded SQLite). Prints a table and writes
bench-results/latest.json. Speed goals live here, never in tests.

    make bench                         # full size: ~200 drugs, 5,000 approvals, 20,000 trials, 200,000 references
    make bench BENCH_ARGS="--small"    # a quick run with a tenth of the data and shorter runs
"""

from __future__ import annotations

import argparse
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
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
RESULTS = ROOT / "bench-results"
LUA = ROOT / "bench" / "report.lua"


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
    )
    return env


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


def run_wrk(base: str, paths: list[str], connections: int, seconds: int, timeout: int = 10) -> dict:
    command = [
        "wrk",
        f"-t{min(2, connections)}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        f"{timeout}s",
        "-s",
        str(LUA),
        base,
        "--",
        *paths,
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH_JSON "))
    result = json.loads(line.removeprefix("BENCH_JSON "))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", action="store_true", help="A tenth of the data, 3 s per target.")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--skip-generate", action="store_true", help="Reuse the generated data already there.")
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 2) * 2 + 1)
    options = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: `apt-get install wrk` (Debian) or your OS's package.")
    scale = 10 if options.small else 1
    seconds = 3 if options.small else options.seconds
    report: dict = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "database": os.environ.get("DATABASE_URL", "embedded SQLite").split("@")[-1],
        "cache": "Redis" if os.environ.get("REDIS_URL") else "local memory (one per gunicorn worker)",
        "scale": "small (a tenth)" if options.small else "full",
        "concurrency": options.connections,
        "seconds_per_target": seconds,
    }

    print("1/6 Migrating and timing the curated dataset load")
    manage("migrate", "--noinput", "-v0")
    with tempfile.TemporaryDirectory() as scratch:
        fresh = production_env() | {"DATABASE_URL": f"sqlite:///{scratch}/fresh.sqlite3"}
        manage("migrate", "--noinput", "-v0", env=fresh)
        report["curated_load_seconds_fresh_sqlite"] = round(timed("load_her2kb", env=fresh), 2)
    report["curated_load_seconds_configured_db"] = round(timed("load_her2kb"), 2)

    if not options.skip_generate:
        print("2/6 Generating the scale dataset (marked bench-, never exported)")
        sizes = {"drugs": 200, "approvals": 5000, "trials": 20000, "outcomes": 60000, "references": 200000}
        args = [f"--{name}={count // scale}" for name, count in sizes.items()]
        report["generate_seconds"] = round(timed("generate_bench_data", *args), 1)
    manage("collectstatic", "--noinput", "-v0")

    print("3/6 Serving with gunicorn (production settings) and driving it with wrk")
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
            str(options.workers),
            "--log-level",
            "warning",
            "--timeout",
            str(EXPORT_TIMEOUT_SECONDS),
        ],
        cwd=ROOT,
        env=production_env(),
        start_new_session=True,
    )
    try:
        wait_until_up(base + "/healthz")
        targets = pick_targets(base)
        # The first request of each target renders it from the database (nothing cached yet): its time is the
        # uncached cost. It also warms the caches and fails fast on a broken target.
        first_request_ms = {name: first_request(base + path) for name, path in targets.items()}
        results = {}
        for name, path in targets.items():
            results[name] = run_wrk(base, [path], options.connections, seconds) | {"path": path}
            results[name]["first_request_ms"] = first_request_ms[name]
            print(f"  {name:<28} {results[name]['rps']:>8.1f} req/s (first request {first_request_ms[name]:.0f} ms)")
        # The bulk export is a large download, not a page: one client at a time, measured last so that its
        # long requests cannot hold the workers while the other targets are measured. Its first request builds
        # the file that later requests stream.
        export_path = "/api/v1/export/"
        export_first_ms = first_request(base + export_path, timeout=EXPORT_TIMEOUT_SECONDS)
        export_seconds = 20 if options.small else 60
        export = run_wrk(base, [export_path], 1, export_seconds, timeout=120)
        name = "API export (bulk, 1 client)"
        results[name] = export | {"path": export_path, "first_request_ms": export_first_ms}
        print(f"  {name:<28} {export['rps']:>8.1f} req/s (first request {export_first_ms:.0f} ms)")
        floor = results["healthz (floor)"]["rps"]
        for result in results.values():
            result["ratio_to_healthz"] = round(result["rps"] / floor, 3) if floor else None
        report["targets"] = results

        print("4/6 Load run: 32 connections, 30 s, every page and API list in rotation")
        load_seconds = 6 if options.small else 30
        time.sleep(2)  # let the last export finish
        report["load_run"] = run_wrk(base, list(targets.values()), 32, load_seconds) | {"seconds": load_seconds}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    print("5/6 PubMed sync benchmark through the local fake E-utilities")
    count = 1000 if options.small else 10000
    try:
        out = manage("bench_pubmed_sync", "--count", str(count), "--json", capture=True).stdout
        report["pubmed_sync"] = json.loads(out.strip().splitlines()[-1])
    except (subprocess.CalledProcessError, ValueError) as error:
        report["pubmed_sync"] = {"error": str(error)}

    print("6/6 Watchers (ClinicalTrials.gov, PubMed literature, openFDA) through their local fakes")
    sizes = ["--trials", "300", "--searches", "9", "--fda", "30"] if options.small else []
    try:
        out = manage("bench_watchers", *sizes, "--json", capture=True).stdout
        report["watchers"] = json.loads(out.strip().splitlines()[-1])
    except (subprocess.CalledProcessError, ValueError) as error:
        report["watchers"] = {"error": str(error)}

    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=2))
    table = render_table(report)
    (RESULTS / "latest.md").write_text(table)
    print()
    print(table)
    print(f"Written to {RESULTS / 'latest.json'}")
    load = report["load_run"]
    if load["errors"]:
        raise SystemExit(f"The load run had {load['errors']} errors")


def render_table(report: dict) -> str:
    lines = [
        f"Benchmark {report['started']} — {report['machine']['cpus']} CPUs, Python {report['machine']['python']}, "
        f"database {report['database']}, cache {report['cache']}, {report['scale']} scale data, "
        f"{report['concurrency']} connections, {report['seconds_per_target']} s each",
        "",
        "| target | req/s | p50 ms | p95 ms | p99 ms | errors | × healthz | first request ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, r in report["targets"].items():
        lines.append(
            f"| {name} | {r['rps']:.1f} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {r['p99_ms']:.1f} | "
            f"{r['errors']} | {r['ratio_to_healthz']:.3f} | {r['first_request_ms']:.0f} |"
        )
    load = report["load_run"]
    lines += [
        "",
        f"Load run: 32 connections for {load['seconds']} s over all targets: {load['requests']} requests, "
        f"{load['rps']:.1f} req/s, p99 {load['p99_ms']:.1f} ms, **{load['errors']} errors**.",
        f"Curated dataset load: {report['curated_load_seconds_fresh_sqlite']} s into a fresh SQLite database, "
        f"{report['curated_load_seconds_configured_db']} s re-load (unchanged) into the configured one.",
    ]
    sync = report.get("pubmed_sync", {})
    if "error" in sync:
        lines.append(f"PubMed sync benchmark failed: {sync['error']}")
    else:
        lines.append("PubMed sync: " + ", ".join(f"{key} {value}" for key, value in sync.items()))
    watchers = report.get("watchers", {})
    if "error" in watchers:
        lines.append(f"Watcher benchmark failed: {watchers['error']}")
    for name, bench in watchers.items() if "error" not in watchers else []:
        lines.append(
            f"{name}: {bench['items']} items, requests {bench['requests_made']} (goal {bench['requests_goal']}), "
            f"429s {bench['rate_limited']}, wall {bench['wall_seconds']:.2f} s (rate-limit floor "
            f"{bench['floor_seconds']:.2f} s at {bench['rate_per_second']:g} requests/s), failed {bench['failed']}"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
