"""A live room of 1,000 phones and one projector (issue 16): everyone joins within 60 s, a poll opens and
1,000 vote within 30 s, 300 send an idea or a question, everyone upvotes, and all the while every phone
polls `…/live` every 1.5 s with its ETag, accepting gzip as a browser does, and sends its vote, supports
and idea as participation/live.js does (JSON, no page reload); the projector polls
`…/projector/live` every second (projector.js). The poll's results are shown live, so every vote changes
what every phone shows: the heaviest case for the live path.

    .venv/bin/python bench/live_room.py                         # SQLite; appends to bench/results/live_room.md
    BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5433/bench .venv/bin/python bench/live_room.py
    PHONES=200 .venv/bin/python bench/live_room.py              # a smaller room

gunicorn with 2 sync workers (tests/live_server.py, testing config: no CSRF round trip, no rate limit),
each worker keeping its copy of a room's version for the production 0.25 s. The phones are asyncio tasks
in this one process on the same machine (one TCP connection per request, as gunicorn's sync workers
close them). Measures errors, votes counted against votes accepted, the time from a vote being accepted
to the projector and to the phones showing it (the k-th accepted vote is shown once a screen shows at
least k answers; counts only grow), and the workers' resident memory. Not a test: it records.
"""

import asyncio
import gzip
import os
import platform
import random
import re
import statistics
import sys
import tempfile
import time
from bisect import bisect_left
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PHONES = int(os.environ.get("PHONES", "1000"))
JOIN_SECONDS = float(os.environ.get("JOIN_SECONDS", "60"))
VOTE_SECONDS = float(os.environ.get("VOTE_SECONDS", "30"))
CONTRIBUTORS = int(os.environ.get("CONTRIBUTORS", str(PHONES * 3 // 10)))
PHONE_POLL = 1.5
PROJECTOR_POLL = 1.0
RESULTS = ROOT / "bench" / "results" / "live_room.md"
COUNT = re.compile(r"(\d+) réponses?")
# What participation/live.js sends with a vote, a support or an idea: the answer is JSON, the page stays.
SCRIPT = {"X-Requested-With": "live", "Accept": "application/json"}


def arrange(url: str) -> dict:
    """A session with a draft poll (results shown live once open), post-moderated idea and question boards."""
    from flask.sessions import SecureCookieSessionInterface

    from eventapp.extensions import db
    from eventapp.participation import queries, services
    from eventapp.participation.models import ActivityKind, Moderation, PollType
    from tests.factories import make_event
    from tests.live_server import app_for
    from tests.participation.factories import make_organiser

    app = app_for(url)
    with app.test_request_context():
        now = datetime.now(UTC)
        event = make_event(sessions=1)
        session = event.sessions[0]
        organiser = make_organiser(event)
        boards = []
        for kind in (ActivityKind.IDEAS, ActivityKind.QUESTIONS):
            board = services.create_activity(
                organiser, session, kind=kind, moderation=Moderation.POST, prompts={"fr": "Vos idées"}, now=now
            )
            services.open_activity(organiser, board, now=now)
            boards.append(board)
        poll = services.create_activity(
            organiser,
            session,
            kind=ActivityKind.POLL,
            poll_type=PollType.SINGLE,
            prompts={"fr": "Quelle priorité ?", "nl": "Welke prioriteit?"},
            options=[{"fr": f"Option {i}", "nl": f"Optie {i}"} for i in range(1, 5)],
            now=now,
        )
        services.reveal_results(organiser, poll)
        db.session.commit()
        signer = SecureCookieSessionInterface().get_signing_serializer(app)
        ctx = {
            "session": str(session.uuid),
            "poll": str(poll.uuid),
            "field": f"a{poll.id}-choice",
            "options": [o.id for o in poll.options],
            "boards": [(str(b.uuid), f"a{b.id}-body") for b in boards],
            "room": queries.get_room(session).code,
            "cookie": "session=" + signer.dumps({"_user_id": str(organiser.id), "_fresh": True}),
        }
        db.engine.dispose()
    return ctx


class Client:
    """HTTP/1.1 over one fresh connection per request (gunicorn's sync workers close them anyway)."""

    def __init__(self, base: str):
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port
        self.times: dict[str, list[float]] = {}
        self.errors: dict[str, int] = {}
        self.samples: dict[str, str] = {}

    async def request(self, kind, method, path, *, headers=None, body=b"", ok=(200,)):
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", "Connection: close"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        if method == "POST":
            lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
        start = time.perf_counter()
        try:
            reader, writer = await asyncio.open_connection(self.host, self.port)
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
            await writer.drain()
            raw = await reader.read()
            writer.close()
        except OSError as error:
            self._record(kind, time.perf_counter() - start, False, repr(error))
            return None, {}, ""
        head, _, content = raw.partition(b"\r\n\r\n")
        header_lines = head.decode("latin-1").split("\r\n")
        status = int(header_lines[0].split()[1]) if header_lines and header_lines[0] else 0
        response_headers = {}
        for line in header_lines[1:]:
            name, _, value = line.partition(":")
            response_headers.setdefault(name.strip().lower(), []).append(value.strip())
        if response_headers.get("content-encoding") == ["gzip"]:
            content = gzip.decompress(content)
        self._record(kind, time.perf_counter() - start, status in ok, f"status {status}")
        return status, response_headers, content.decode("utf-8", "replace")

    def _record(self, kind, seconds, ok, why):
        self.times.setdefault(kind, []).append(seconds * 1000)
        if not ok:
            self.errors[kind] = self.errors.get(kind, 0) + 1
            self.samples.setdefault(kind, why)


class Room:
    def __init__(self, ctx, client):
        self.ctx, self.client = ctx, client
        self.stop = asyncio.Event()
        self.poll_open = asyncio.Event()
        self.accepted: list[float] = []  # when each vote was accepted (200, the script's answer)
        self.ideas_sent = 0
        self.upvotes_sent = 0
        self.projector_seen: list[tuple[float, int]] = []
        self.phones_seen: list[list[tuple[float, int]]] = []
        self.live_statuses = {200: 0, 304: 0}

    @property
    def page(self):
        return f"/participate/{self.ctx['session']}"

    async def phone(self, n: int, join_at: float):
        await asyncio.sleep(max(0.0, join_at - time.monotonic()))
        await self.client.request("join", "GET", f"/join/{self.ctx['room'].lower()}", ok=(303,))
        status, _, html = await self.client.request("page", "GET", f"{self.page}?lang=fr")
        match = re.search(r'data-etag="([^"]*)"', html)
        etag = match.group(1).replace("&#34;", '"') if match else None
        seen: list[tuple[float, int]] = []
        self.phones_seen.append(seen)
        # "Take part": joining is the step that gives the phone its participant cookie.
        _, response_headers, _ = await self.client.request("take part", "POST", f"{self.page}/join", ok=(303,))
        cookie = next(
            (v.split(";")[0] for v in response_headers.get("set-cookie", []) if v.startswith("participant=")), None
        )
        voted = contributed = upvoted = False
        while not self.stop.is_set():
            headers = {"Accept-Encoding": "gzip", **({"If-None-Match": etag} if etag else {})}
            if cookie:
                headers["Cookie"] = cookie
            status, response_headers, body = await self.client.request(
                "live poll (phone)", "GET", f"{self.page}/live?lang=fr&channel=guest", headers=headers, ok=(200, 304)
            )
            if status in self.live_statuses:
                self.live_statuses[status] += 1
            if status == 200:
                etag = response_headers.get("etag", [etag])[0]
                shown = COUNT.search(body)
                seen.append((time.monotonic(), int(shown.group(1)) if shown else 0))
            now = time.monotonic()
            if self.poll_open.is_set() and not voted and now >= self.vote_at[n]:
                voted = True
                cookie = await self.vote(cookie)
            if self.poll_open.is_set() and n < CONTRIBUTORS and not contributed and now >= self.contribute_at[n]:
                contributed = True
                cookie = await self.contribute(n, cookie)
            if self.upvotes_open and not upvoted and now >= self.upvote_at[n]:
                upvoted = True
                await self.upvote(n, cookie)
            await asyncio.sleep(PHONE_POLL)

    @staticmethod
    def _participant_cookie(response_headers, cookie):
        for value in response_headers.get("set-cookie", []):
            if value.startswith("participant="):
                cookie = value.split(";")[0]
        return cookie

    async def vote(self, cookie):
        body = f"{self.ctx['field']}={random.choice(self.ctx['options'])}".encode()
        headers = {**SCRIPT, "Cookie": cookie} if cookie else dict(SCRIPT)
        status, response_headers, _ = await self.client.request(
            "vote", "POST", f"{self.page}/a/{self.ctx['poll']}/vote", headers=headers, body=body
        )
        if status == 200:
            self.accepted.append(time.monotonic())
        return self._participant_cookie(response_headers, cookie)

    async def contribute(self, n, cookie):
        board, field = self.ctx["boards"][n % 2]
        body = f"{field}=Proposition+{n}+pour+le+quartier".encode()
        status, response_headers, _ = await self.client.request(
            "idea or question",
            "POST",
            f"{self.page}/a/{board}/contribute",
            headers={**SCRIPT, "Cookie": cookie or ""},
            body=body,
        )
        if status == 200:
            self.ideas_sent += 1
        return self._participant_cookie(response_headers, cookie)

    async def upvote(self, n, cookie):
        # The page offers no support button on one's own contribution (the app refuses it with 403).
        others = [uuid for uuid, author in self.idea_uuids if author != n]
        for uuid in random.sample(others, min(2, len(others))):
            status, _, _ = await self.client.request(
                "upvote", "POST", f"{self.page}/c/{uuid}/upvote", headers={**SCRIPT, "Cookie": cookie or ""}
            )
            if status == 200:
                self.upvotes_sent += 1

    async def projector(self):
        etag = None
        while not self.stop.is_set():
            headers = {"Cookie": self.ctx["cookie"]}
            if etag:
                headers["If-None-Match"] = etag
            status, response_headers, body = await self.client.request(
                "live poll (projector)", "GET", f"{self.page}/projector/live", headers=headers, ok=(200, 304)
            )
            if status == 200:
                etag = response_headers.get("etag", [etag])[0]
                shown = COUNT.search(body)
                self.projector_seen.append((time.monotonic(), int(shown.group(1)) if shown else 0))
            await asyncio.sleep(PROJECTOR_POLL)

    async def organiser(self, path, body=b""):
        await self.client.request(
            "organiser",
            "POST",
            f"{self.page}/manage/{path}",
            headers={"Cookie": self.ctx["cookie"]},
            body=body,
            ok=(303,),
        )

    async def run(self):
        begin, cpu_before = time.monotonic(), time.process_time()
        joins = [begin + random.uniform(0, JOIN_SECONDS) for _ in range(PHONES)]
        open_at = begin + JOIN_SECONDS + 2
        self.vote_at = [open_at + random.uniform(0.5, VOTE_SECONDS) for _ in range(PHONES)]
        self.contribute_at = [open_at + VOTE_SECONDS + random.uniform(0, 30) for _ in range(PHONES)]
        upvotes_from = open_at + VOTE_SECONDS + 30
        self.upvote_at = [upvotes_from + random.uniform(0, 30) for _ in range(PHONES)]
        self.upvotes_open = False
        self.idea_uuids: list[tuple[str, int]] = []  # (uuid, the phone that sent it)
        tasks = [asyncio.create_task(self.phone(n, joins[n])) for n in range(PHONES)]
        projector = asyncio.create_task(self.projector())
        await self.organiser("screen", f"screen=poll&activity={self.ctx['poll']}".encode())
        await asyncio.sleep(max(0.0, open_at - time.monotonic()))
        await self.organiser(f"a/{self.ctx['poll']}/open")
        self.poll_open.set()
        await asyncio.sleep(max(0.0, upvotes_from - time.monotonic()))
        self.idea_uuids = self.read_ideas()
        self.upvotes_open = True
        await asyncio.sleep(max(0.0, upvotes_from + 35 - time.monotonic()))
        self.workers = worker_usage(self.server_pid)
        self.phones_cpu = time.process_time() - cpu_before
        self.stop.set()
        await asyncio.gather(*tasks, projector)
        return time.monotonic() - begin

    def read_ideas(self) -> list[tuple[str, int]]:
        """Each contribution's uuid and the phone that sent it (its body says "Proposition <n> ...")."""
        from eventapp.extensions import db
        from eventapp.participation.models import Contribution

        with self.app.app_context():
            rows = db.session.execute(db.select(Contribution.uuid, Contribution.body)).all()
            db.session.remove()
        return [(str(uuid), int(body.split()[1])) for uuid, body in rows]


def worker_usage(master_pid: int) -> list[tuple[float, float]]:
    """Resident MB and CPU seconds so far of each gunicorn worker (the master's children)."""
    ticks = os.sysconf("SC_CLK_TCK")
    usage = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(stat[1]) != master_pid:
                continue
            cpu = (int(stat[11]) + int(stat[12])) / ticks  # utime + stime
            for line in (entry / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    usage.append((int(line.split()[1]) / 1024, cpu))
        except (OSError, IndexError, ValueError):
            continue
    return sorted(usage)


def delays(accepted: list[float], seen: list[tuple[float, int]]) -> list[float]:
    """For the k-th accepted vote, the time until a screen first showed at least k answers."""
    times = [t for t, _ in seen]
    counts = [c for _, c in seen]
    out = []
    for k, at in enumerate(sorted(accepted), start=1):
        index = bisect_left(counts, k)
        if index < len(counts):
            # A screen may show k answers a moment before the k-th response reaches its phone: 0 then.
            out.append(max(0.0, times[index] - at))
    return out


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, round(q / 100 * (len(values) - 1)))] if values else float("nan")


def main() -> int:
    from eventapp.extensions import db
    from eventapp.participation.models import Contribution, Upvote, Vote
    from tests.live_server import LiveServer, app_for, fresh_database

    postgres = os.environ.get("BENCH_POSTGRES_URL")
    kind = "postgresql" if postgres else "sqlite"
    if postgres:
        os.environ["TEST_POSTGRES_URL"] = postgres
    with tempfile.TemporaryDirectory() as tmp:
        url = fresh_database(kind, Path(tmp))
        ctx = arrange(url)
        app = app_for(url)
        load_before = os.getloadavg()
        with LiveServer(url, workers=2, env={"TEST_LIVE_VERSION_TTL": "0.25"}, start_timeout=180) as server:
            client = Client(server.url)
            room = Room(ctx, client)
            room.app, room.server_pid = app, server.process.pid
            elapsed = asyncio.run(room.run())
        load_after = os.getloadavg()
        with app.app_context():
            votes = db.session.scalar(db.select(db.func.count()).select_from(Vote))
            contributions = db.session.scalar(db.select(db.func.count()).select_from(Contribution))
            upvotes = db.session.scalar(db.select(db.func.count()).select_from(Upvote))
            counted = db.session.scalar(db.select(db.func.sum(Contribution.upvotes)))
            db.session.remove()
            db.engine.dispose()

    to_projector = delays(room.accepted, room.projector_seen)
    to_phones = [d for seen in room.phones_seen for d in delays(room.accepted, seen)]
    errors = sum(client.errors.values())
    polls = room.live_statuses[200] + room.live_statuses[304]
    lines = [
        f"## {kind}, {PHONES} phones — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"Machine: {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.platform()}; load average {load_before[0]:.1f} before, {load_after[0]:.1f} after "
        "(the machine is shared). gunicorn 2 sync workers; the phones and the projector are asyncio tasks of "
        f"the bench process on the same cores. Wall time {elapsed:.0f} s.",
        "",
        "| request | count | errors | p50 ms | p95 ms | p99 ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, values in client.times.items():
        lines.append(
            f"| {name} | {len(values)} | {client.errors.get(name, 0)} | {statistics.median(values):.1f} | "
            f"{pct(values, 95):.1f} | {pct(values, 99):.1f} |"
        )
    lines += [
        "",
        f"- errors: **{errors}**" + (f" ({client.samples})" if errors else ""),
        f"- votes accepted {len(room.accepted)}, counted in the database {votes}",
        f"- ideas and questions accepted {room.ideas_sent}, stored {contributions}; upvotes accepted "
        f"{room.upvotes_sent}, stored {upvotes}, counted on the contributions {counted}",
        f"- phone live polls: {polls} ({polls / elapsed:.0f}/s), {room.live_statuses[304]} answered 304",
        f"- vote accepted → projector shows it: p50 {pct(to_projector, 50):.2f} s, p95 {pct(to_projector, 95):.2f} s, "
        f"p99 {pct(to_projector, 99):.2f} s, max {max(to_projector, default=float('nan')):.2f} s "
        f"({len(to_projector)} votes)",
        f"- vote accepted → a phone shows it: p50 {pct(to_phones, 50):.2f} s, p95 {pct(to_phones, 95):.2f} s, "
        f"p99 {pct(to_phones, 99):.2f} s, max {max(to_phones, default=float('nan')):.2f} s "
        f"({len(to_phones)} pairs of vote and phone)",
        f"- worker resident memory at the end: {', '.join(f'{m:.0f} MB' for m, _ in room.workers)}",
        # Who used the two cores: the app's workers, or the simulated phones sharing the machine with them.
        f"- CPU over the run: gunicorn workers {' + '.join(f'{c:.0f} s' for _, c in room.workers)}, "
        f"the bench process (1,000 phones and the projector) {room.phones_cpu:.0f} s, "
        f"of {2 * elapsed:.0f} core-seconds on 2 cores",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if os.environ.get("WRITE", "1") == "1":
        with RESULTS.open("a", encoding="utf-8") as out:
            out.write(text + "\n")
    return 0 if not errors and votes == len(room.accepted) else 1


if __name__ == "__main__":
    raise SystemExit(main())
