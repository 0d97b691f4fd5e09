"""A full room votes: 300 phones join as guests through the room code and answer one live poll within
about a minute, while the projector polls its JSON every 2 seconds and each phone's page polls the
small state endpoint every 5 seconds (what participant.js does). Measures p50/p99 and errors.

    .venv/bin/python bench/participation_votes.py            # writes bench/results/participation_votes.md
    PHONES=300 SPREAD=60 WORKERS=3 .venv/bin/python bench/participation_votes.py

Runs gunicorn (sync workers, tests/live_server.py) on a fresh, migrated SQLite database: the
embedded default. Not a test: it measures and records; it asserts only that every vote was stored once.
"""

import http.client
import os
import platform
import random
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PHONES = int(os.environ.get("PHONES", "300"))
SPREAD = float(os.environ.get("SPREAD", "60"))  # seconds over which phones arrive
WORKERS = int(os.environ.get("WORKERS", "3"))
STATE_POLLING = os.environ.get("STATE_POLLING", "1") == "1"
RESULTS = ROOT / "bench" / "results" / "participation_votes.md"


def arrange(url: str) -> dict:
    """An event with a participatory session, an organiser and an open single-choice poll."""
    from tests.participation.factories import arrange_live_poll

    ctx = arrange_live_poll(url, [{"fr": f"Option {i}", "nl": f"Optie {i}"} for i in range(1, 5)])
    ctx["organiser_cookie"] = f"session={ctx['organiser_cookie']}"
    return ctx


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = {}
        self.errors: dict[str, int] = {}

    def add(self, kind: str, seconds: float, ok: bool):
        with self.lock:
            self.times.setdefault(kind, []).append(seconds * 1000)
            if not ok:
                self.errors[kind] = self.errors.get(kind, 0) + 1


def request(base, method, path, *, body=None, headers=None):
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    start = time.perf_counter()
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        response.read()
        return response, time.perf_counter() - start
    finally:
        conn.close()


def phone(base, ctx, rec: Recorder, start_at: float, stop_at: float):
    time.sleep(max(0.0, start_at - time.monotonic()))
    response, took = request(base, "GET", f"/join/{ctx['room'].lower()}")
    rec.add("join (GET /join/<code>)", took, response.status == 303)
    page = f"/participate/{ctx['session_uuid']}"
    response, took = request(base, "GET", page, headers={"Accept-Language": "fr"})
    rec.add("page (GET /participate/<uuid>)", took, response.status == 200)
    response, took = request(base, "POST", f"{page}/join")
    rec.add("take part (POST …/join)", took, response.status == 303)
    cookie = (response.getheader("Set-Cookie") or "").split(";")[0]
    time.sleep(random.uniform(2, 8))  # reading the question
    body = f"{ctx['field']}={random.choice(ctx['options'])}"
    response, took = request(
        base,
        "POST",
        f"{page}/a/{ctx['poll_uuid']}/vote",
        body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    rec.add("vote (POST …/vote)", took, response.status == 303)
    response, took = request(base, "GET", page, headers={"Cookie": cookie, "Accept-Language": "fr"})
    rec.add("page after vote", took, response.status == 200)
    etag = None
    while STATE_POLLING and time.monotonic() < stop_at:
        time.sleep(5)
        headers = {"If-None-Match": etag} if etag else {}
        response, took = request(base, "GET", f"{page}/state.json", headers=headers)
        rec.add("phone state.json (ETag)", took, response.status in (200, 304))
        etag = response.getheader("ETag") or etag


def projector(base, ctx, rec: Recorder, stop_at: float):
    etag = None
    while time.monotonic() < stop_at:
        headers = {"Cookie": ctx["organiser_cookie"]}
        if etag:
            headers["If-None-Match"] = etag
        response, took = request(base, "GET", f"/participate/{ctx['session_uuid']}/projector.json", headers=headers)
        rec.add("projector.json (ETag)", took, response.status in (200, 304))
        etag = response.getheader("ETag") or etag
        time.sleep(2)


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, round(q / 100 * (len(values) - 1)))]


def main() -> int:
    from tests.live_server import LiveServer, fresh_database

    with tempfile.TemporaryDirectory() as tmp:
        url = fresh_database("sqlite", Path(tmp))
        ctx = arrange(url)
        rec = Recorder()
        with LiveServer(url, workers=WORKERS) as server:
            begin = time.monotonic()
            stop_at = begin + SPREAD + 15
            starts = sorted(begin + random.uniform(0, SPREAD) for _ in range(PHONES))
            threading.Thread(target=projector, args=(server.url, ctx, rec, stop_at), daemon=True).start()
            with ThreadPoolExecutor(max_workers=PHONES) as pool:
                futures = [pool.submit(phone, server.url, ctx, rec, s, stop_at) for s in starts]
                crashed = sum(1 for f in futures if f.exception() is not None)
            elapsed = time.monotonic() - begin
        from eventapp.extensions import db
        from eventapp.participation.models import Participant, Vote
        from tests.live_server import app_for

        app = app_for(url)
        with app.app_context():
            votes = db.session.scalar(db.select(db.func.count()).select_from(Vote))
            guests = db.session.scalar(db.select(db.func.count()).select_from(Participant))
            db.engine.dispose()

    lines = [
        "# Participation: a full room votes (SQLite, gunicorn)",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} — {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {platform.platform()}.",
        "",
        f"{PHONES} phones arrive uniformly over {SPREAD:.0f} s; each joins as a guest through the room code "
        f"(`GET /join/<code>`), loads the page, reads 2 to 8 s, votes once (`POST`, no JavaScript), reloads the page"
        + (", then polls `state.json` every 5 s with ETag" if STATE_POLLING else "")
        + f". The projector polls `projector.json` every 2 s. gunicorn {WORKERS} sync workers, testing config "
        "(no CSRF token round trip, no rate limit), fresh migrated SQLite file (WAL). Client threads run on the "
        "same machine.",
        "",
        "Reproduce: `.venv/bin/python bench/participation_votes.py` (env: PHONES, SPREAD, WORKERS, STATE_POLLING=0|1).",
        "",
        "| request | count | errors | p50 ms | p99 ms | max ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for kind, values in rec.times.items():
        lines.append(
            f"| {kind} | {len(values)} | {rec.errors.get(kind, 0)} | {statistics.median(values):.1f} | "
            f"{pct(values, 99):.1f} | {max(values):.1f} |"
        )
    lines += [
        "",
        f"Votes stored: {votes} (expected {PHONES}); guest participants: {guests}; crashed phone threads: {crashed}; "
        f"wall time {elapsed:.0f} s.",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if os.environ.get("WRITE", "1") == "1":
        RESULTS.write_text(text, encoding="utf-8")
    return 0 if votes == PHONES and not rec.errors and not crashed else 1


if __name__ == "__main__":
    raise SystemExit(main())
