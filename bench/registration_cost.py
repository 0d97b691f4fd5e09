"""Where a sign-up's time goes, measured in-process (Flask's test client, no network), so the figures hold
on a shared, busy machine where the wall-clock rush (bench/scenarios.py) does not.

    .venv/bin/python bench/registration_cost.py                 # SQLite
    BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5433/bench \\
        .venv/bin/python bench/registration_cost.py              # and PostgreSQL (the database is wiped)

The request is the rush's (bench/lua/register.lua): the registration form POSTed with a new address, one
seat, for an event of 500 seats. Prints per sign-up: CPU seconds of this process, the statements sent
(SQLAlchemy's before_cursor_execute), and a cProfile of 100 sign-ups: the cumulative time of the parts
of a sign-up, then self time grouped by package.
"""

import cProfile
import os
import pstats
import sys
import tempfile
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ROUNDS = 200
PROFILED = 100
# Functions whose cumulative time tells what a sign-up is made of (file suffix, function name).
PARTS = [
    ("registration/views.py", "register", "the view, in all"),
    ("registration/forms.py", "setup", "building the form"),
    ("wtforms/form.py", "validate", "validating the form"),
    ("registration/services.py", "register", "services.register"),
    ("core/locks.py", "lock_event", "  lock_event (UPDATE … RETURNING the event)"),
    ("registration/tokens.py", "assign_secrets", "  secrets (HMACs)"),
    ("registration/services.py", "_check_public_limits", "  network and mailbox limits"),
    ("registration/services.py", "_move_event_seats", "  the seat counter's UPDATE"),
    ("registration/emails.py", "_write", "  the email: render and enqueue"),
    ("core/emails.py", "render_email", "    rendering it"),
    ("core/outbox.py", "enqueue", "    writing the outbox row"),
    ("sqlalchemy/orm/session.py", "commit", "  commit (flush included)"),
    ("sqlalchemy/engine/base.py", "_execute_context", "every statement, SQLAlchemy and driver"),
]


def _parts(stats: pstats.Stats, count: int) -> list[tuple[str, float]]:
    rows = []
    for suffix, name, label in PARTS:
        total = 0.0
        for (filename, _, function), (_, _, _, cumulative, _) in stats.stats.items():  # type: ignore[attr-defined]
            if function == name and filename.endswith(suffix):
                total = max(total, cumulative)  # one function may appear once per code object
        rows.append((label, total / count * 1000))
    return rows


def _packages(stats: pstats.Stats, count: int) -> list[tuple[str, float]]:
    by_package: dict[str, float] = defaultdict(float)
    for (filename, _, _), (_, _, self_time, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        if "/site-packages/" in filename:
            package = filename.split("/site-packages/", 1)[1].split("/", 1)[0]
        elif "/eventapp/" in filename:
            package = "eventapp (ours)"
        elif filename.startswith("~") or filename.startswith("<"):
            package = "built-ins (C: sqlite3, hmac, …)"
        else:
            package = "standard library"
        by_package[package] += self_time
    total = sum(by_package.values())
    return [(name, value / count * 1000) for name, value in sorted(by_package.items(), key=lambda kv: -kv[1])] + [
        ("total", total / count * 1000)
    ]


def measure(kind: str, tmp: Path) -> None:
    import sqlalchemy as sa

    from eventapp.core.time import utcnow
    from eventapp.extensions import db
    from tests.factories import make_event
    from tests.live_server import app_for, fresh_database

    if kind == "postgresql":
        os.environ["TEST_POSTGRES_URL"] = os.environ["BENCH_POSTGRES_URL"]
    url = fresh_database(kind, tmp)
    app = app_for(url, REGISTRATION_NETWORK_SEATS=0)  # one address for every sign-up, as in the bench
    with app.app_context():
        make_event(starts_at=utcnow() + timedelta(days=30), capacity=10_000, slug="rush")
        db.session.commit()
        engine = db.engine
    client = app.test_client()
    counter = iter(range(10**9))

    def sign_up() -> None:
        n = next(counter)
        response = client.post(
            "/events/rush/register",
            data={
                "language": "fr",
                "seats": "1",
                "consent": "y",
                "email": f"rush-{n}@example.org",
                "name": f"Rush {n}",
            },
        )
        assert response.status_code == 303, response.status_code

    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    for _ in range(20):  # warm: templates compiled, statements cached
        sign_up()
    sa.event.listen(engine, "before_cursor_execute", record)
    sign_up()
    sa.event.remove(engine, "before_cursor_execute", record)

    start_cpu, start_wall = time.process_time(), time.perf_counter()
    for _ in range(ROUNDS):
        sign_up()
    cpu = (time.process_time() - start_cpu) / ROUNDS * 1000
    wall = (time.perf_counter() - start_wall) / ROUNDS * 1000

    profiler = cProfile.Profile(time.process_time)  # CPU time: the machine may be shared
    profiler.enable()
    for _ in range(PROFILED):
        sign_up()
    profiler.disable()
    stats = pstats.Stats(profiler)

    print(f"\n## {kind}: {cpu:.2f} ms CPU, {wall:.2f} ms wall per sign-up ({ROUNDS} sign-ups, in-process)\n")
    print(f"{len(statements)} statements per sign-up:")
    for statement in statements:
        print("   ", " ".join(statement.split())[:110])
    print("\nParts of a sign-up (cumulative CPU, ms per sign-up, under cProfile: slower than unprofiled):")
    for label, value in _parts(stats, PROFILED):
        print(f"    {label:<48} {value:6.2f}")
    print("\nSelf CPU time by package (ms per sign-up, under cProfile):")
    for label, value in _packages(stats, PROFILED):
        print(f"    {label:<48} {value:6.2f}")
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def main() -> int:
    kinds = ["sqlite"] + (["postgresql"] if os.environ.get("BENCH_POSTGRES_URL") else [])
    for kind in kinds:
        with tempfile.TemporaryDirectory() as tmp:
            measure(kind, Path(tmp))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
