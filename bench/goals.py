"""
The benchmark's goals (issue 18) and the tables `make bench` prints: one row per target with its cached and
cold numbers, the growth of cold p95 across the scales measured, the goal and whether it was met.

Goals are set for full scale on PostgreSQL + Redis; at other scales or on the embedded default the same
goals are checked, and the table says which scale and database they were measured on.
"""

from __future__ import annotations

from collections.abc import Callable

# The scales a run can measure: a multiple of the full-size dataset (200,000 references).
SCALES = {"tenth": 0.1, "full": 1.0, "ten": 10.0}
GOAL_SCALE = "full"

PAGE_TARGETS = ("home", "drug page", "approvals, filtered", "trial page", "reference page")
SEARCH_TARGETS = ("search", "API search")
COLD_PAGE_MS, COLD_SEARCH_MS = 50.0, 100.0
CACHED_PAGE_RATIO, CACHED_API_RATIO = 0.7, 0.5
GROWTH = 1.5
EXPORT_BUILD_SECONDS = 20.0
WORKER_MEMORY_MB = 250.0
CURATED_LOAD_FRESH_SECONDS, CURATED_LOAD_UNCHANGED_SECONDS = 2.0, 1.0
SYNC_FLOOR_RATIO = 1.2


def is_page(name: str) -> bool:
    return name in PAGE_TARGETS or name == "search"


def target_goals(name: str) -> dict[str, float]:
    """The goals of one target: cold p95 (ms), cached speed as a fraction of /healthz, growth of cold p95."""
    return {
        "cold_p95_ms": COLD_SEARCH_MS if name in SEARCH_TARGETS else COLD_PAGE_MS,
        "cached_ratio": CACHED_PAGE_RATIO if is_page(name) else CACHED_API_RATIO,
        "growth": GROWTH,
    }


def growth(report: dict, name: str) -> float | None:
    """Cold p95 at the largest scale measured ÷ at the smallest (None with one scale)."""
    scales = [scale for scale in SCALES if scale in report["scales"]]
    if len(scales) < 2:
        return None
    first, last = (report["scales"][scale]["targets"].get(name, {}).get("cold") for scale in (scales[0], scales[-1]))
    if not first or not last or not first["p95_ms"]:
        return None
    return last["p95_ms"] / first["p95_ms"]


def goal_scale(report: dict) -> str:
    """The scale the goals are checked at: full when measured, else the largest one measured."""
    measured = [scale for scale in SCALES if scale in report["scales"]]
    return GOAL_SCALE if GOAL_SCALE in measured else measured[-1]


def _check(value: float | None, passes: Callable[[float], bool]) -> str:
    if value is None:
        return "n/a"
    return "pass" if passes(value) else "**fail**"


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def targets_table(report: dict) -> list[str]:
    scale = goal_scale(report)
    measured = report["scales"][scale]
    lines = [
        f"Targets at {scale} scale — cached: the same URL again (served from the cache); cold: every request a URL "
        "the cache has not seen (a Zipf mix of distinct URLs drawn from the data, response caches off). Growth: cold "
        "p95 at the largest scale ÷ at the smallest.",
        "",
        "| target | cached req/s | cached p95 ms | cached × healthz | cold req/s | cold p50 ms | cold p95 ms "
        "| cold p99 ms | cold URLs | errors | growth | goal | result |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for name, result in measured["targets"].items():
        cached, cold = result.get("cached"), result.get("cold")
        errors = (cached or {}).get("errors", 0) + (cold or {}).get("errors", 0)
        if name.startswith("healthz"):
            lines.append(
                f"| {name} | {cached['rps']:.1f} | {cached['p95_ms']:.1f} | 1.000 | | | | | | {errors} | | floor | |"
            )
            continue
        goals = target_goals(name)
        rise = growth(report, name)
        checks = [
            _check(cold and cold["p95_ms"], lambda v, g=goals: v <= g["cold_p95_ms"]),
            _check(cached and cached.get("ratio_to_healthz"), lambda v, g=goals: v >= g["cached_ratio"]),
            _check(rise, lambda v: v <= GROWTH),
        ]
        verdict = "**fail**" if "**fail**" in checks or errors else "pass"
        goal = (
            f"cold p95 ≤ {goals['cold_p95_ms']:.0f} ms ({checks[0]}); cached ≥ {goals['cached_ratio']}× "
            f"({checks[1]}); growth ≤ {GROWTH}× ({checks[2]})"
        )
        lines.append(
            f"| {name} | {cached['rps']:.1f} | {cached['p95_ms']:.1f} | {cached['ratio_to_healthz']:.3f} | "
            f"{cold['rps']:.1f} | {cold['p50_ms']:.1f} | {cold['p95_ms']:.1f} | {cold['p99_ms']:.1f} | "
            f"{cold['distinct_urls']} | {errors} | {'–' if rise is None else f'{rise:.2f}×'} | {goal} | {verdict} |"
        )
    return lines


def growth_table(report: dict) -> list[str]:
    scales = [scale for scale in SCALES if scale in report["scales"]]
    if len(scales) < 2:
        return []
    lines = [
        "Cold p95 (ms) by scale:",
        "",
        "| target | " + " | ".join(scales) + " | growth |",
        "| --- | " + " | ".join("---:" for _ in scales) + " | ---: |",
    ]
    names = report["scales"][scales[0]]["targets"]
    for name in names:
        if name.startswith("healthz"):
            continue
        cells = [
            _ms((report["scales"][scale]["targets"].get(name, {}).get("cold") or {}).get("p95_ms")) for scale in scales
        ]
        rise = growth(report, name)
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {'–' if rise is None else f'{rise:.2f}×'} |")
    return lines


def other_goals(report: dict) -> list[tuple[str, str, str, str]]:
    """(what, measured, goal, result) for the goals that are not per target."""
    scale = goal_scale(report)
    measured = report["scales"][scale]
    rows = []
    export = measured.get("export", {})
    build = export.get("build_seconds")
    rows.append(
        (
            "export: build after a change",
            "–" if build is None else f"{build:.1f} s",
            f"≤ {EXPORT_BUILD_SECONDS:.0f} s",
            _check(build, lambda v: v <= EXPORT_BUILD_SECONDS),
        )
    )
    longest, normal = export.get("longest_request_during_rebuild_ms"), export.get("normal_download_max_ms")
    rows.append(
        (
            "export: longest request during a rebuild",
            "–" if longest is None else f"{longest:.0f} ms (a normal download: at most {normal:.0f} ms)",
            "no longer than a normal download",
            _check(longest, lambda v: normal is not None and v <= normal),
        )
    )
    memory = export.get("web_worker_peak_mb")
    rows.append(
        (
            "peak memory of a web worker (export included)",
            "–" if memory is None else f"{memory:.0f} MB",
            f"≤ {WORKER_MEMORY_MB:.0f} MB",
            _check(memory, lambda v: v <= WORKER_MEMORY_MB),
        )
    )
    load = measured.get("load_run", {})
    rows.append(
        (
            f"load run: 32 connections, {load.get('seconds', '?')} s, cold mix",
            f"{load.get('requests', 0)} requests, {load.get('rps', 0):.1f} req/s, p99 {load.get('p99_ms', 0):.1f} ms, "
            f"{load.get('errors', '?')} errors",
            "0 errors",
            _check(load.get("errors"), lambda v: v == 0),
        )
    )
    fresh, unchanged = report.get("curated_load_seconds_fresh_sqlite"), report.get("curated_load_seconds_configured_db")
    rows.append(
        (
            "curated dataset load: fresh (SQLite) / unchanged (configured database)",
            f"{fresh} s / {unchanged} s",
            f"≤ {CURATED_LOAD_FRESH_SECONDS:.0f} s / ≤ {CURATED_LOAD_UNCHANGED_SECONDS:.0f} s",
            "pass"
            if fresh is not None
            and unchanged is not None
            and fresh <= CURATED_LOAD_FRESH_SECONDS
            and unchanged <= CURATED_LOAD_UNCHANGED_SECONDS
            else "**fail**",
        )
    )
    sync = report.get("pubmed_sync", {})
    if "error" in sync or not sync:
        rows.append(("PubMed sync", f"failed: {sync.get('error', 'not run')}", "", "**fail**"))
    else:
        ratio = sync["wall_seconds"] / sync["floor_seconds"] if sync.get("floor_seconds") else None
        requests_ok = sync.get("requests_made") == sync.get("requests_goal")
        rows.append(
            (
                f"PubMed sync of {sync['count']:,} records",
                f"{sync['wall_seconds']:.1f} s = {ratio:.2f}× the rate-limit floor; {sync['requests_made']} requests "
                f"(ceil(N/200) = {sync['requests_goal']})",
                f"≤ {SYNC_FLOOR_RATIO}× the floor, requests = ceil(N/200)",
                "pass" if ratio is not None and ratio <= SYNC_FLOOR_RATIO and requests_ok else "**fail**",
            )
        )
    return rows


def render(report: dict) -> str:
    scale = goal_scale(report)
    scales = ", ".join(scale for scale in SCALES if scale in report["scales"])
    lines = [
        f"Benchmark {report['started']} — {report['machine']['cpus']} CPUs, Python {report['machine']['python']}, "
        f"database {report['database']}, cache {report['cache']}; scales measured: {scales}; "
        f"{report['concurrency']} connections, {report['seconds_per_target']} s cached and "
        f"{report['cold_seconds_per_target']} s cold per target",
        "",
        *busy_lines(report),
        *targets_table(report),
        "",
    ]
    growth_lines = growth_table(report)
    if growth_lines:
        lines += [*growth_lines, ""]
    lines += [
        f"Other goals (at {scale} scale where the scale matters):",
        "",
        "| goal | measured | target | result |",
        "| --- | --- | --- | --- |",
        *(f"| {what} | {value} | {goal} | {result} |" for what, value, goal, result in other_goals(report)),
    ]
    if scale != GOAL_SCALE:
        lines += ["", f"The goals are set for full scale: this run measured at most the {scale} scale."]
    watcher_lines = watchers_lines(report)
    if watcher_lines:
        lines += ["", *watcher_lines]
    return "\n".join(lines) + "\n"


def busy_lines(report: dict) -> list[str]:
    """How busy the machine was as each phase began (run_bench.settle waits for under 20 %): the numbers of a phase
    that began on a busy machine are not the code's alone."""
    readings = [
        f"{scale} {phase} {measured[key]:.0%}"
        for scale, measured in report["scales"].items()
        for phase, key in (("cached", "busy_before_cached"), ("cold", "busy_before_cold"))
        if measured.get(key) is not None
    ]
    if not readings:
        return []
    return [f"CPU in use as each phase began (waited for under 20 %): {', '.join(readings)}.", ""]


def watchers_lines(report: dict) -> list[str]:
    """Each watcher's requests against the minimum and its wall time against the rate-limit floor."""
    watchers = report.get("watchers", {})
    if "error" in watchers:
        return [f"Watcher benchmark failed: {watchers['error']}"]
    return [
        f"{name}: {bench['items']} items, requests {bench['requests_made']} (goal {bench['requests_goal']}), "
        f"429s {bench['rate_limited']}, wall {bench['wall_seconds']:.2f} s (rate-limit floor "
        f"{bench['floor_seconds']:.2f} s at {bench['rate_per_second']:g} requests/s), failed {bench['failed']}"
        for name, bench in watchers.items()
    ]
