"""Recomputing a room's opinion groups (eventapp/participation/opinion_groups.py): CPU time for 1,000
participants x 150 statements, the issue's target being under 1 second of CPU.

    .venv/bin/python bench/opinion_groups.py          # writes bench/results/opinion_groups.md
    RUNS=15 .venv/bin/python bench/opinion_groups.py

Rooms are synthetic, with four planted opinion groups (tests/participation/opinion_rooms.py); the time covers
the whole computation from the (participant, statement, vote) triples to the map, groups, representative and
consensus statements, in one process (as the background worker would run it). CPU time is the process's user
plus system time, all threads included. Peak memory is what tracemalloc sees numpy and Python allocate during
one computation (a separate run: tracing slows it down). Not a test: it measures and records.

Each room is measured twice, in a child process each: with OpenBLAS limited to one thread
(OPENBLAS_NUM_THREADS=1, read when numpy loads) and with OpenBLAS's default (one thread per core). On a shared
machine OpenBLAS's threads spin waiting for each other, which costs CPU and gains nothing at this size.
"""

import json
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import machine  # noqa: E402
from eventapp.participation.opinion_groups import compute_opinion_map  # noqa: E402
from tests.participation.opinion_rooms import adjusted_rand_index, planted_room  # noqa: E402

RUNS = int(os.environ.get("RUNS", "7"))
RESULTS = ROOT / "bench" / "results" / "opinion_groups.md"
SCENARIOS = [
    # (label, people, statements, coverage: share of the statements each person reacts to)
    ("1,000 x 150, everyone reacts to every statement", 1000, 150, (1.0, 1.0)),
    ("1,000 x 150, each person reacts to 15-60 statements", 1000, 150, (0.1, 0.4)),
    ("300 x 40, each person reacts to 10-40 statements", 300, 40, (0.25, 1.0)),
]


def measure(people: int, statements: int, coverage: tuple[float, float]) -> dict:
    room = planted_room(4, people=people, statements=statements, coverage=coverage, noise=0.2, seed=1)
    compute_opinion_map(room.votes)  # warm-up: imports, BLAS threads, caches
    cpu, wall = [], []
    for _ in range(RUNS):
        start_cpu, start_wall = time.process_time(), time.perf_counter()
        found = compute_opinion_map(room.votes)
        cpu.append(time.process_time() - start_cpu)
        wall.append(time.perf_counter() - start_wall)
    tracemalloc.start()
    compute_opinion_map(room.votes)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    placed = sorted(found.group_of)
    return {
        "reactions": len(room.votes),
        "cpu_median": statistics.median(cpu),
        "cpu_max": max(cpu),
        "wall_median": statistics.median(wall),
        "peak_mb": peak / 2**20,
        "placed": found.placed,
        "groups": len(found.groups),
        "ari": adjusted_rand_index([room.planted[p] for p in placed], [found.group_of[p] for p in placed]),
    }


BLAS_SETTINGS = [("1", "OPENBLAS_NUM_THREADS=1"), (None, f"OpenBLAS default ({os.cpu_count()} threads)")]


def measure_in_child(index: int, threads: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
    if threads:
        env["OPENBLAS_NUM_THREADS"] = threads
    child = subprocess.run(
        [sys.executable, __file__, "--child", str(index)], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(child.stdout)


def main() -> int:
    if sys.argv[1:2] == ["--child"]:
        _, people, statements, coverage = SCENARIOS[int(sys.argv[2])]
        print(json.dumps(measure(people, statements, coverage)))
        return 0
    load_before = os.getloadavg()
    rows = [
        (label, blas, measure_in_child(i, threads))
        for i, (label, *_) in enumerate(SCENARIOS)
        for threads, blas in BLAS_SETTINGS
    ]
    load_after = os.getloadavg()
    lines = [
        "# Opinion groups: recomputing a room's map (numpy, in process)",
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {machine()}; numpy {np.__version__}; {platform.platform()}",
        "- load average (1, 5, 15 min) before / after the run: "
        + " / ".join(", ".join(f"{x:.2f}" for x in load) for load in (load_before, load_after))
        + " — other processes share the cores",
        f"- {RUNS} timed runs per room after one warm-up; target: under 1 s of CPU for 1,000 x 150",
        "",
        "Reproduce: `.venv/bin/python bench/opinion_groups.py` (env: RUNS).",
        "",
        "| room | BLAS | reactions | CPU s (median) | CPU s (max) | wall s (median) | peak MB | placed | groups "
        "| ARI |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, blas, r in rows:
        lines.append(
            f"| {label} | {blas} | {r['reactions']:,} | {r['cpu_median']:.3f} | {r['cpu_max']:.3f} "
            f"| {r['wall_median']:.3f} | {r['peak_mb']:.1f} | {r['placed']} | {r['groups']} | {r['ari']:.3f} |"
        )
    lines += [
        "",
        "Rooms have four planted groups with 20% of reactions replaced by random ones; ARI is the adjusted Rand",
        "index between the groups found and the planted ones (1 = identical).",
    ]
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
