"""Run the benchmarks and write bench/results/latest.md (see bench/README.md).

make bench                        # SQLite
BENCH_POSTGRES_URL=postgresql+psycopg://… make bench   # also PostgreSQL (database is wiped)
BENCH_ONLY=scan make bench        # only the scenarios whose name contains "scan"; prints, records nothing
"""

import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import (
    CLIENTS,
    DURATION,
    GUNICORN_WORKERS,
    Gunicorn,
    app_environment,
    database_settings,
    machine,
    wrk,
)
from bench.scenarios import SCENARIOS, SECRET_KEY, prepare_database

RESULTS = Path(__file__).resolve().parent / "results"


def main() -> int:
    backends = [("sqlite", None)]
    if os.environ.get("BENCH_POSTGRES_URL"):
        backends.append(("postgresql", os.environ["BENCH_POSTGRES_URL"]))
    load_before = os.getloadavg()
    floor_server = Gunicorn("bench.hello:app")
    try:
        floor = wrk(floor_server.url + "/")
        floor_rss = floor_server.worker_rss_mb()
    finally:
        floor_server.stop()
    only = os.environ.get("BENCH_ONLY", "")
    scenarios = [scenario for scenario in SCENARIOS if only in scenario.name]
    rows = []
    databases = []
    for backend, url in backends:
        database_url, context = prepare_database(backend, url)
        databases.append(database_settings(database_url))
        server = Gunicorn("wsgi:app", env=app_environment(database_url, SECRET_KEY))
        try:
            for scenario in scenarios:
                result, checks = scenario.run(server.url, context, database_url)
                rows.append((backend, scenario, result, checks))
                print(
                    f"{backend:10} {scenario.name:34} {result.requests_per_s:9.1f} req/s  "
                    f"p99 {result.p99_ms:7.1f} ms  ratio {result.requests_per_s / floor.requests_per_s:.3f} {checks}"
                )
            rss = server.worker_rss_mb()
        finally:
            server.stop()
        rows.append((backend, None, rss, None))
    if only:  # a partial run while working on one scenario: the results file stays whole
        return 0
    write_results(floor, floor_rss, rows, (load_before, os.getloadavg()), databases)
    return 0


def write_results(floor, floor_rss, rows, loads, databases) -> None:
    lines = [
        "# Benchmark results",
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {machine()}",
        "- load average (1, 5, 15 min) before / after the run: "
        + " / ".join(", ".join(f"{x:.2f}" for x in load) for load in loads)
        + " — other processes share the cores, so compare ratios, not absolute figures",
        f"- databases: {'; '.join(databases)}",
        f"- gunicorn: {GUNICORN_WORKERS} sync workers; load: wrk, {CLIENTS} connections, {DURATION} per scenario",
        f"- floor (minimal Flask hello world, same gunicorn settings): **{floor.requests_per_s:.0f} req/s**, "
        f"p50 {floor.p50_ms:.2f} ms, p99 {floor.p99_ms:.2f} ms, "
        f"worker RSS {', '.join(f'{m:.0f}' for m in floor_rss)} MB",
        "",
        "| backend | scenario | req/s | ratio to floor | target | reference system "
        "| p50 ms | p99 ms | errors | checks |",
        "| --- | --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    memory = []
    for backend, scenario, result, checks in rows:
        if scenario is None:
            memory.append(
                f"- {backend}: eventapp worker RSS after the run: {', '.join(f'{m:.0f}' for m in result)} MB"
                " (target < 120 MB each)"
            )
            continue
        ratio = result.requests_per_s / floor.requests_per_s
        lines.append(
            f"| {backend} | {scenario.name} | {result.requests_per_s:.0f} | {ratio:.3f} | {scenario.target} | "
            f"{scenario.reference or '—'} | "
            f"{result.p50_ms:.1f} | {result.p99_ms:.1f} | {result.errors} | {checks} |"
        )
    lines += [
        "",
        "The reference column is the best-known open-source ticketing system, run the same way (2 workers,",
        "8 clients, ratio to its own hello-world floor): about 0.01 for a check-in and 0.006 for its event page.",
        "",
        "## Memory",
        "",
        *memory,
        "",
    ]
    (RESULTS / "latest.md").write_text("\n".join(lines), encoding="utf-8")
    (RESULTS / "latest.json").write_text(
        json.dumps(
            {
                "floor_rps": floor.requests_per_s,
                "rows": [
                    {
                        "backend": b,
                        "scenario": s.name,
                        "rps": r.requests_per_s,
                        "p50_ms": r.p50_ms,
                        "p99_ms": r.p99_ms,
                        "errors": r.errors,
                        "checks": c,
                    }
                    for b, s, r, c in rows
                    if s is not None
                ],
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    print(f"written {RESULTS / 'latest.md'}")


if __name__ == "__main__":
    sys.exit(main())
