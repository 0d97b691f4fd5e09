"""CPU time of the benchmark's requests and the workers' memory, so that two commits can be compared on a
shared, busy machine where the wrk benchmark (bench/run.py) cannot.

    .venv/bin/python bench/request_cost.py              # SQLite
    BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5433/bench \\
        .venv/bin/python bench/request_cost.py          # and PostgreSQL (the database is wiped)
    BENCH_PROFILE="event page" .venv/bin/python bench/request_cost.py   # and a cProfile of that request
    BENCH_PROFILE="event page" BENCH_PROFILE_DUMP=/tmp/event.prof …        # also saved for pstats

The app runs as `make bench` serves it (the production config with bench/run.py's environment,
harness.app_environment) on the benchmark's data (scenarios.prepare_database and the door of
scenarios._prepare_door). The requests: the catalogue, an event page, a valid and a duplicate
`POST /api/v1/checkin` with the scanner's Bearer token, and a public registration (the rush's form),
each without cookies, as wrk sends them. Each is measured twice:

- in-process (Flask's test client): CPU ms of the process per request (time.process_time, robust to
  other processes' load), the Python function calls (cProfile's count: the same however busy the
  machine, so the steadiest figure to compare), and the statements sent (before_cursor_execute);
- served by gunicorn (2 sync workers, the benchmark's server), one request at a time from this process:
  CPU ms of the workers per request, read from /proc (HTTP parsing, gunicorn and the connection
  included, the client excluded), and the workers' resident memory at the end.

Then the import time of `wsgi` (`python -X importtime`) by package.

To measure an older commit: check it out in a throwaway worktree with its own .venv (`make install-test`),
copy this file and bench/harness.py into its bench/, and run it there (scenarios.py stays that commit's
own, which knows its own API).
"""

import cProfile
import json
import os
import pstats
import re
import subprocess
import sys
import time
import urllib.request
import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# scenarios._prepare_door mints 1,500 tickets per second of BENCH_DURATION: 2 s gives enough valid scans.
os.environ.setdefault("BENCH_DURATION", "2s")

from bench import scenarios  # noqa: E402
from bench.harness import Gunicorn, app_environment, machine  # noqa: E402

ROUNDS = {"catalogue page": 400, "event page": 400, "scan: valid": 600, "scan: duplicate": 600, "registration": 300}
WARM = 20
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def prepare(backend: str, url: str | None) -> tuple[dict, dict]:
    """The benchmark's database and door; returns the app's environment and what the requests need."""
    database_url, context = scenarios.prepare_database(backend, url)
    scenarios._prepare_door(context, database_url)
    # In this process: the factories number what they make from 1 in each process (unique slugs).
    from eventapp.core.time import utcnow
    from eventapp.extensions import db
    from tests.factories import make_event

    with scenarios._app(database_url).app_context():
        make_event(starts_at=utcnow() + timedelta(days=30), capacity=100_000, slug="cost-signup")
        db.engine.dispose()
    codes = (scenarios._TMP / "codes.txt").read_text().split()
    facts = {
        "backend": backend,
        "event_slug": context["event_slug"],
        "door_token": context["door_token"],
        "duplicate": codes[-1],
        "codes": codes[:-1],
    }
    return app_environment(database_url, scenarios.SECRET_KEY), facts


def requests(facts: dict, send: Callable, run: str) -> dict[str, Callable[[], None]]:
    """The requests measured, sent by `send(method, path, body, content_type, headers) -> status`;
    `run` tells the two runs' ticket codes and addresses apart."""
    half = len(facts["codes"]) // 2
    valid = iter(facts["codes"][:half] if run == "in-process" else facts["codes"][half:])
    signups = iter(range(10**9))
    scanner = {"Authorization": f"Bearer {facts['door_token']}"}

    def expect(status: int, method: str, path: str, body: bytes = b"", content_type: str = "", headers=None):
        answer = send(method, path, body, content_type, headers or {})
        assert answer == status, (path, answer)

    def scan(code: str) -> None:
        body = json.dumps({"code": code, "scan_id": uuid.uuid4().hex}).encode()
        expect(200, "POST", "/api/v1/checkin", body, "application/json", scanner)

    def register() -> None:
        n = next(signups)
        body = f"language=fr&seats=1&consent=y&email=cost-{run}-{n}%40example.org&name=Cost+{n}".encode()
        expect(303, "POST", "/events/cost-signup/register", body, "application/x-www-form-urlencoded")

    return {
        "catalogue page": lambda: expect(200, "GET", "/"),
        "event page": lambda: expect(200, "GET", f"/events/{facts['event_slug']}"),
        "scan: valid": lambda: scan(next(valid)),
        "scan: duplicate": lambda: scan(facts["duplicate"]),
        "registration": register,
    }


def in_process(facts: dict) -> None:
    """In a process started with the app's environment, as a gunicorn worker is (config.py reads it at
    import). Prints a Markdown table."""
    import sqlalchemy as sa

    from eventapp import create_app
    from eventapp.extensions import db

    app = create_app()
    with app.app_context():
        engine = db.engine
    client = app.test_client(use_cookies=False)  # wrk sends none: each visitor is new

    def send(method, path, body, content_type, headers):
        answer = client.open(path, method=method, data=body, content_type=content_type or None, headers=headers)
        return answer.status_code

    paths = requests(facts, send, "in-process")
    paths["scan: duplicate"]()  # admitted here (it was not among the valid codes)
    profiled = os.environ.get("BENCH_PROFILE", "")
    when = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    print(f"\n## {facts['backend']}, {when} UTC, load average {os.getloadavg()[0]:.1f}\n")
    print("| request | in-process CPU ms | Python calls | statements |")
    print("| --- | ---: | ---: | ---: |")
    for name, request in paths.items():
        for _ in range(WARM):  # templates compiled, statements cached, the scanner snapshot loaded
            request()
        statements: list[str] = []

        def record(conn, cursor, statement, *args, statements=statements):
            statements.append(statement)

        sa.event.listen(engine, "before_cursor_execute", record)
        request()
        sa.event.remove(engine, "before_cursor_execute", record)
        rounds = ROUNDS[name]
        start = time.process_time()
        for _ in range(rounds):
            request()
        cpu = (time.process_time() - start) / rounds * 1000
        print(f"| {name} | {cpu:.2f} | {python_calls(request):.0f} | {len(statements)} |")
        if profiled and profiled in name:
            profile(request, rounds)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def python_calls(request: Callable[[], None], rounds: int = 50) -> float:
    """Function calls per request, counted by cProfile: no clock in it, so the same on a busy machine."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(rounds):
        request()
    profiler.disable()
    return pstats.Stats(profiler).total_calls / rounds  # type: ignore[attr-defined]


def served(env: dict, facts: dict) -> None:
    """The same requests through gunicorn, one at a time; the workers' CPU per request and memory."""
    server = Gunicorn("wsgi:app", env=env)

    def send(method, path, body, content_type, headers):
        if content_type:
            headers = {**headers, "Content-Type": content_type}
        request = urllib.request.Request(server.url + path, data=body or None, method=method, headers=headers)
        opener = urllib.request.build_opener(NoRedirect)
        try:
            with opener.open(request, timeout=30) as response:
                response.read()
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def workers_cpu() -> float:
        children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children").read_text().split()
        ticks = 0
        for pid in children:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / CLOCK_TICKS

    try:
        print("\n| request | gunicorn workers' CPU ms |")
        print("| --- | ---: |")
        for name, request in requests(facts, send, "served").items():
            for _ in range(WARM):  # both workers warm
                request()
            rounds = ROUNDS[name]
            start = workers_cpu()
            for _ in range(rounds):
                request()
            print(f"| {name} | {(workers_cpu() - start) / rounds * 1000:.2f} |")
        rss = server.worker_rss_mb()
    finally:
        server.stop()
    print(f"\ngunicorn workers' resident memory after these requests: {', '.join(f'{mb:.0f}' for mb in rss)} MB")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the 303 after a sign-up is the answer measured


def importtime(env: dict) -> tuple[float, list[tuple[str, float]]]:
    """Seconds to import wsgi (the app built), and the packages that took longest: the self time of
    all their modules, wherever they were imported from."""
    output = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import wsgi"],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    packages: dict[str, float] = defaultdict(float)
    total = 0.0
    for own, cumulative, name in re.findall(r"^import time:\s+(\d+) \|\s+(\d+) \| +(\S+)$", output, re.M):
        if name == "wsgi":
            total = int(cumulative) / 1e6
        else:
            packages[name.split(".")[0]] += int(own) / 1e6
    return total, sorted(packages.items(), key=lambda kv: -kv[1])[:12]


def profile(request: Callable[[], None], rounds: int) -> None:
    # CPU time by default (the machine may be shared); BENCH_PROFILE_CLOCK=wall shows waits too (locks, disk).
    clock = time.perf_counter if os.environ.get("BENCH_PROFILE_CLOCK") == "wall" else time.process_time
    profiler = cProfile.Profile(clock)
    profiler.enable()
    for _ in range(rounds):
        request()
    profiler.disable()
    stats = pstats.Stats(profiler, stream=sys.stdout)
    if dump := os.environ.get("BENCH_PROFILE_DUMP"):  # for pstats or snakeviz, e.g. to compare two commits
        stats.dump_stats(dump)
    stats.sort_stats("cumulative").print_stats(40)
    stats.sort_stats("tottime").print_stats(25)


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--in-process":  # the child process started below
        in_process(json.loads(Path(sys.argv[2]).read_text()))
        return 0
    print(f"{machine()}; commit {commit()}", flush=True)
    backends = [("sqlite", None)]
    if os.environ.get("BENCH_POSTGRES_URL"):
        backends.append(("postgresql", os.environ["BENCH_POSTGRES_URL"]))
    for backend, url in backends:
        env, facts = prepare(backend, url)
        path = scenarios._TMP / "facts.json"
        path.write_text(json.dumps(facts))
        subprocess.run([sys.executable, __file__, "--in-process", str(path)], env={**os.environ, **env}, check=True)
        served(env, facts)
    seconds, slowest = importtime(env)
    print(f"\nimport wsgi: {seconds:.2f} s; by package (self time of its modules, s):")
    print("    " + ", ".join(f"{name} {s:.2f}" for name, s in slowest))
    return 0


def commit() -> str:
    return subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.strip()


if __name__ == "__main__":
    raise SystemExit(main())
