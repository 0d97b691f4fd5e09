"""Recomputing a room's opinion groups (eventapp/participation/opinion_groups.py): CPU time for 1,000
participants x 150 statements, the issue's target being under 1 second of CPU.

    .venv/bin/python bench/opinion_groups.py          # writes bench/results/opinion_groups.md
    RUNS=15 .venv/bin/python bench/opinion_groups.py

Rooms are synthetic, with four planted opinion groups (tests/participation/opinion_rooms.py); the time covers
the whole computation from the (participant, statement, vote) triples to the map, groups, representative and
consensus statements, in one process (as the background worker would run it). CPU time is the process's user
plus system time, all threads included. Peak memory is what tracemalloc sees numpy and Python allocate during
one computation (a separate run: tracing slows it down). Not a test: it measures and records.

The worker's whole pass is measured too (`opinions.recompute_stale_maps` in its own transaction, as
`flask participation opinions-worker` runs it, with OPENBLAS_NUM_THREADS=1 as it sets): read the activity's
reactions from the database, compute, write the map. On SQLite (a file in a temporary directory, WAL, as the
app sets it) and, with BENCH_POSTGRES_URL set to a throwaway database (wiped), on PostgreSQL:

    BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5433/bench .venv/bin/python bench/opinion_groups.py

Each room is measured twice, in a child process each: with OpenBLAS limited to one thread
(OPENBLAS_NUM_THREADS=1, read when numpy loads) and with OpenBLAS's default (one thread per core). On a shared
machine OpenBLAS's threads spin waiting for each other, which costs CPU and gains nothing at this size.
"""

import json
import os
import platform
import re
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

from bench.harness import database_settings, machine  # noqa: E402
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


def arrange_room(url: str, people: int, statements: int, coverage: tuple[float, float]) -> int:
    """A fresh database holding one open opinions activity with the planted room's reactions; its id."""
    import sqlalchemy as sa

    from eventapp.extensions import db
    from eventapp.participation.models import Channel, Participant
    from eventapp.participation.opinion_models import Reaction
    from tests.factories import NOW
    from tests.live_server import app_for
    from tests.participation.factories import make_opinions_room

    room = planted_room(4, people=people, statements=statements, coverage=coverage, noise=0.2, seed=1)
    with app_for(url).test_request_context():
        session, _organiser, activity, seeded = make_opinions_room([f"Statement {j}" for j in range(statements)])
        guests = [Participant(session_id=session.id, created_at=NOW) for _ in range(people)]
        db.session.add_all(guests)
        db.session.flush()
        db.session.execute(
            sa.insert(Reaction),
            [
                {
                    "activity_id": activity.id,
                    "statement_id": seeded[s].id,
                    "participant_id": guests[p].id,
                    "vote": v,
                    "channel": Channel.GUEST,
                    "created_at": NOW,
                    "updated_at": NOW,
                }
                for p, s, v in room.votes
            ],
        )
        db.session.commit()
        activity_id = activity.id
        db.session.remove()
        db.engine.dispose()
    return activity_id


def _backend_cpu(connection) -> float | None:
    """CPU seconds the PostgreSQL backend serving `connection` has used (same machine, /proc); None elsewhere."""
    if connection.dialect.name != "postgresql":
        return None
    pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure_pass(url: str, activity_id: int) -> dict:
    """The worker's pass over a stale map, RUNS times (the stored map deleted before each, outside the timing),
    then the pass when nothing changed (what the worker does every interval), and its pieces."""
    import sqlalchemy as sa

    from eventapp.core.db import transaction
    from eventapp.extensions import db
    from eventapp.participation import opinions
    from eventapp.participation.opinion_models import OpinionMapRecord, Reaction
    from tests.live_server import app_for

    def stale() -> None:
        with transaction():
            db.session.execute(sa.delete(OpinionMapRecord).where(OpinionMapRecord.activity_id == activity_id))
        db.session.remove()

    def one_pass() -> tuple[float, float, float | None, list[int]]:
        with db.engine.connect() as connection:  # the pool hands the pass this same connection (pool of one)
            server_before = _backend_cpu(connection)
        start_cpu, start_wall = time.process_time(), time.perf_counter()
        with transaction():
            done = opinions.recompute_stale_maps()
        cpu, wall = time.process_time() - start_cpu, time.perf_counter() - start_wall
        db.session.remove()
        with db.engine.connect() as connection:
            server_after = _backend_cpu(connection)
        server = None if server_before is None or server_after is None else server_after - server_before
        return cpu, wall, server, done

    app = app_for(url, SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 1, "max_overflow": 0})
    with app.app_context():
        stale()
        assert one_pass()[3] == [activity_id]  # warm-up: imports, caches
        runs = []
        for _ in range(RUNS):
            stale()
            cpu, wall, server, done = one_pass()
            assert done == [activity_id]
            runs.append((cpu, wall, server))
        idle = [one_pass() for _ in range(RUNS)]
        assert not any(done for *_, done in idle)
        # The pieces: reading the reactions as recompute_map does, and numpy's part on those rows.
        table = Reaction.__table__.c
        read = []
        for _ in range(RUNS):
            start = time.process_time()
            rows = db.session.execute(
                sa.select(table.participant_id, table.statement_id, table.vote).where(table.activity_id == activity_id)
            ).all()
            read.append(time.process_time() - start)
            db.session.remove()
        compute = []
        for _ in range(RUNS):
            start = time.process_time()
            compute_opinion_map(rows)
            compute.append(time.process_time() - start)
        map_bytes = len(json.dumps(db.session.get(OpinionMapRecord, activity_id).data))
        db.session.remove()
        db.engine.dispose()
    servers = [s for *_, s in runs if s is not None]
    return {
        "reactions": len(rows),
        "cpu_median": statistics.median(c for c, _, _ in runs),
        "cpu_max": max(c for c, _, _ in runs),
        "wall_median": statistics.median(w for _, w, _ in runs),
        "wall_max": max(w for _, w, _ in runs),
        "server_cpu_median": statistics.median(servers) if servers else None,
        "read_median": statistics.median(read),
        "compute_median": statistics.median(compute),
        "idle_wall_median": statistics.median(w for _, w, _, _ in idle),
        "map_kb": map_bytes / 1024,
        # VmHWM, not getrusage's ru_maxrss: that one survives exec and would count the parent that arranged the room.
        "max_rss_mb": int(re.search(r"VmHWM:\s+(\d+) kB", Path("/proc/self/status").read_text()).group(1)) / 1024,
    }


def measure_pass_in_child(index: int, postgres: str | None) -> dict:
    """A fresh database holding the room (arranged here), measured by a child process that is the worker."""
    import tempfile

    from tests.live_server import fresh_database

    _, people, statements, coverage = SCENARIOS[index]
    if postgres:
        os.environ["TEST_POSTGRES_URL"] = postgres
    with tempfile.TemporaryDirectory() as tmp:
        url = fresh_database("postgresql" if postgres else "sqlite", Path(tmp))
        activity_id = arrange_room(url, people, statements, coverage)
        env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}  # as the worker sets it
        child = subprocess.run(
            [sys.executable, __file__, "--pass", url, str(activity_id)], env=env, capture_output=True, text=True
        )
        if child.returncode:
            raise RuntimeError(child.stderr)
    return {"database": "PostgreSQL" if postgres else "SQLite", **json.loads(child.stdout.strip().splitlines()[-1])}


BLAS_SETTINGS = [("1", "OPENBLAS_NUM_THREADS=1"), (None, f"OpenBLAS default ({os.cpu_count()} threads)")]


def measure_in_child(index: int, threads: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
    if threads:
        env["OPENBLAS_NUM_THREADS"] = threads
    child = subprocess.run(
        [sys.executable, __file__, "--child", str(index)], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(child.stdout)


def database_settings_of(postgres: str | None) -> str:
    """The databases' versions and settings (harness.database_settings), SQLite's from a scratch file."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        described = [database_settings(f"sqlite:///{tmp}/probe.db")]
    if postgres:
        described.append(database_settings(postgres))
    return "; ".join(described)


def main() -> int:
    if sys.argv[1:2] == ["--child"]:
        _, people, statements, coverage = SCENARIOS[int(sys.argv[2])]
        print(json.dumps(measure(people, statements, coverage)))
        return 0
    if sys.argv[1:2] == ["--pass"]:
        print(json.dumps(measure_pass(sys.argv[2], int(sys.argv[3]))))
        return 0
    postgres = os.environ.get("BENCH_POSTGRES_URL")
    load_before = os.getloadavg()
    rows = [
        (label, blas, measure_in_child(i, threads))
        for i, (label, *_) in enumerate(SCENARIOS)
        for threads, blas in BLAS_SETTINGS
    ]
    passes = [
        (label, measure_pass_in_child(i, database))
        for i, (label, *_) in enumerate(SCENARIOS[:2])
        for database in [None] + ([postgres] if postgres else [])
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
        "Reproduce: `.venv/bin/python bench/opinion_groups.py` (env: RUNS, BENCH_POSTGRES_URL).",
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
        "",
        "## The worker's whole pass: read the reactions, compute, write the map",
        "",
        "`recompute_stale_maps()` in one transaction, as `flask participation opinions-worker` runs it",
        "(OPENBLAS_NUM_THREADS=1), over a map made stale before each run. CPU: the worker process (Python, the",
        "database driver, numpy); PostgreSQL's backend CPU is read from /proc. Read CPU: the reactions query",
        "alone; compute CPU: compute_opinion_map on those rows; idle pass: wall time when nothing changed (what",
        "the worker does every interval). Max RSS: the worker process's peak (VmHWM), all runs included.",
        f"Databases: {database_settings_of(postgres)}.",
        "",
        "| room | database | reactions | pass CPU s (median) | pass CPU s (max) | pass wall s (median) "
        "| pass wall s (max) | PostgreSQL CPU s | read CPU s | compute CPU s | idle pass ms | map kB | max RSS MB |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, r in passes:
        server = "-" if r["server_cpu_median"] is None else f"{r['server_cpu_median']:.3f}"
        lines.append(
            f"| {label} | {r['database']} | {r['reactions']:,} | {r['cpu_median']:.3f} | {r['cpu_max']:.3f} "
            f"| {r['wall_median']:.3f} | {r['wall_max']:.3f} | {server} | {r['read_median']:.3f} "
            f"| {r['compute_median']:.3f} | {1000 * r['idle_wall_median']:.1f} | {r['map_kb']:.0f} "
            f"| {r['max_rss_mb']:.0f} |"
        )
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
