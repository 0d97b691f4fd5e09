"""The benchmark scenarios. Each prepares what it needs and returns (WrkResult, checks).

Scenarios run in order against one server and one database: each adds its own data just before
it runs (the catalogue is measured before the 1,000 feed events exist).
"""

import atexit
import re
import shutil
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bench.harness import DURATION, wrk

_TMP = Path(tempfile.mkdtemp(prefix="eventapp-bench-"))  # databases and ticket codes of one run
atexit.register(shutil.rmtree, _TMP, ignore_errors=True)
# The bench server's SECRET_KEY: ticket codes made here must be the ones the server derives.
SECRET_KEY = "bench-" + "x" * 40
FEED_EVENTS = 1000


def _seconds(duration: str) -> int:
    value, unit = re.fullmatch(r"(\d+)([smh]?)", duration).groups()
    return int(value) * {"": 1, "s": 1, "m": 60, "h": 3600}[unit]


def _app(database_url: str):
    from eventapp import create_app

    return create_app("testing", SQLALCHEMY_DATABASE_URI=database_url, SECRET_KEY=SECRET_KEY)


def prepare_database(backend: str, url: str | None) -> tuple[str, dict]:
    """A migrated database with the demo events; returns its URL and facts the scenarios use."""
    from flask_migrate import upgrade

    from eventapp.core.db import transaction
    from eventapp.core.time import brussels, utcnow
    from eventapp.events.demo import load_demo
    from eventapp.extensions import db

    database_url = url or f"sqlite:///{_TMP}/bench-{backend}.db"
    if url:
        from tests.conftest import reset_database

        reset_database(url)
    app = _app(database_url)
    context = {"backend": backend}
    with app.app_context():
        upgrade()
        now = utcnow()
        with transaction():
            events = load_demo(brussels(now).date(), now)
        context["event_slug"] = events[0].slug
        db.engine.dispose()
    return database_url, context


@dataclass
class Scenario:
    name: str
    target: str
    runner: Callable
    # The same measurement of the best-known open-source ticketing system, as a ratio to its floor.
    reference: str = ""

    def run(self, base_url: str, context: dict, database_url: str):
        return self.runner(base_url, context, database_url)


def _get(path_of: Callable[[dict], str]):
    def run(base_url, context, database_url):
        return wrk(base_url + path_of(context)), ""

    return run


# --- Door scanning ------------------------------------------------------------------------------


def _prepare_door(context: dict, database_url: str) -> None:
    """An event happening today, a paired scanner and enough tickets never to scan one twice."""
    if "door_token" in context:
        return
    from eventapp.core.time import utcnow
    from eventapp.extensions import db
    from eventapp.registration.models import Registration, RegistrationStatus
    from eventapp.registration.tokens import assign_secrets
    from eventapp.tickets.codes import ticket_code
    from eventapp.tickets.scanners import create_scanner
    from tests.factories import make_event

    count = 1500 * _seconds(DURATION)
    app = _app(database_url)
    with app.app_context():
        now = utcnow()
        event = make_event(starts_at=now - timedelta(minutes=30), hours=6, capacity=count + 10, slug="bench-door")
        codes = []
        for start in range(0, count, 2000):
            batch = []
            for n in range(start, min(start + 2000, count)):
                registration = Registration(
                    event=event,
                    status=RegistrationStatus.CONFIRMED,
                    name=f"Door {n}",
                    email=f"door{n}@example.org",
                    language="fr",
                    consent_at=now,
                    consent_version="2026-11",
                    seats=1,
                    checked_in_people=0,
                    confirmed_at=now,
                )
                assign_secrets(registration, SECRET_KEY)
                codes.append(ticket_code(SECRET_KEY, registration.secret_seed))
                batch.append(registration)
            db.session.add_all(batch)
            db.session.commit()
        event.seats_taken = count
        _, token = create_scanner(None, event, name="Bench gate", direct_token=True, now=now)
        db.session.commit()
        context["door_event_id"] = event.id
        db.engine.dispose()
    (_TMP / "codes.txt").write_text("\n".join(codes) + "\n")
    (_TMP / "duplicate.txt").write_text(codes[-1] + "\n")
    context["door_token"] = token
    context["door_codes"] = len(codes)


def _door_counts(context: dict, database_url: str) -> tuple[int, int, int]:
    """(admissions, tickets admitted more than once, scans logged) at the bench door."""
    import sqlalchemy as sa

    from eventapp.extensions import db
    from eventapp.tickets.models import CheckIn, ScanAttempt

    with _app(database_url).app_context():
        event_id = context["door_event_id"]
        admissions = db.session.scalar(sa.select(sa.func.count(CheckIn.id)).where(CheckIn.event_id == event_id))
        twice = db.session.scalar(
            sa.select(sa.func.count()).select_from(
                sa.select(CheckIn.registration_id)
                .where(CheckIn.event_id == event_id, CheckIn.undone_at.is_(None))
                .group_by(CheckIn.registration_id)
                .having(sa.func.count() > 1)
                .subquery()
            )
        )
        scans = db.session.scalar(sa.select(sa.func.count(ScanAttempt.id)).where(ScanAttempt.event_id == event_id))
        db.engine.dispose()
    return admissions, twice, scans


def _scan(mode: str):
    def run(base_url, context, database_url):
        _prepare_door(context, database_url)
        before = _door_counts(context, database_url)
        if mode == "duplicate" and before[0] == 0:
            raise RuntimeError("the duplicate scenario needs the valid one first (its last ticket admitted)")
        codes = _TMP / ("codes.txt" if mode == "valid" else "duplicate.txt")
        env = {"BENCH_CODES": str(codes), "BENCH_TOKEN": context["door_token"], "BENCH_MODE": mode}
        if mode == "valid":
            # The duplicate scenario replays the last code: make sure it is admitted first.
            _post_scan(base_url, context["door_token"], (_TMP / "duplicate.txt").read_text().strip())
        result = wrk(base_url + "/api/v1/checkin", script="checkin.lua", env=env)
        time.sleep(1)  # requests in flight when wrk stopped still land
        admissions, twice, scans = _door_counts(context, database_url)
        new_admissions, new_scans = admissions - before[0], scans - before[2]
        checks = f"{new_scans} scans logged, {new_admissions} admitted, {twice} tickets admitted twice"
        if mode == "valid" and result.requests > context["door_codes"]:
            checks += " (codes wrapped round: later scans were duplicates)"
        return result, checks

    return run


def _post_scan(base_url: str, token: str, code: str) -> None:
    import json
    import uuid

    request = urllib.request.Request(
        base_url + "/api/v1/checkin",
        data=json.dumps({"code": code, "scan_id": uuid.uuid4().hex}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    urllib.request.urlopen(request, timeout=10).close()


# --- Calendar feeds -----------------------------------------------------------------------------


def _prepare_feed(context: dict, database_url: str) -> None:
    if "feed_path" in context:
        return
    from eventapp.core.time import utcnow
    from eventapp.extensions import db
    from tests.factories import make_event, make_theme

    app = _app(database_url)
    with app.app_context():
        now = utcnow()
        theme = make_theme("bench-feed")
        for n in range(FEED_EVENTS):
            make_event(starts_at=now + timedelta(days=1, hours=6 * n), theme=theme, slug=f"bench-feed-{n}")
        db.session.commit()
        db.engine.dispose()
    context["feed_path"] = "/feeds/themes/bench-feed.ics"


def _feed(conditional: bool):
    def run(base_url, context, database_url):
        _prepare_feed(context, database_url)
        with urllib.request.urlopen(base_url + context["feed_path"], timeout=30) as response:
            etag = response.headers["ETag"]
            events = response.read().count(b"BEGIN:VEVENT")
        headers = {"If-None-Match": etag} if conditional else None
        result = wrk(base_url + context["feed_path"], headers=headers)
        if conditional and result.errors == 0:
            # wrk counts 304 as success; make sure it really was 304 and not a full body.
            request = urllib.request.Request(base_url + context["feed_path"], headers={"If-None-Match": etag})
            try:
                urllib.request.urlopen(request, timeout=10).close()
                status = 200
            except urllib.error.HTTPError as error:
                status = error.code
            return result, f"{events} events; answer {status}"
        return result, f"{events} events in the feed"

    return run


# --- Registration rush -------------------------------------------------------------------------

RUSH_REGISTRATIONS = 2000
RUSH_SEATS = 500


def _rush_counts(event_id: int) -> tuple:
    """(version, capacity, seats_taken, seats_waiting, confirmed seats, waitlisted seats) in one
    statement, so in one snapshot: counters and rows read apart could straddle a sign-up's commit."""
    import sqlalchemy as sa

    from eventapp.events.models import Event
    from eventapp.extensions import db
    from eventapp.registration.models import Registration, RegistrationStatus

    def seats(status):
        return (
            sa.select(sa.func.coalesce(sa.func.sum(Registration.seats), 0))
            .where(Registration.event_id == Event.id, Registration.status == status)
            .scalar_subquery()
        )

    counts = tuple(
        db.session.execute(
            sa.select(
                Event.version,
                Event.capacity,
                Event.seats_taken,
                Event.seats_waiting,
                seats(RegistrationStatus.CONFIRMED),
                seats(RegistrationStatus.WAITLISTED),
            ).where(Event.id == event_id)
        ).one()
    )
    db.session.rollback()  # end the read transaction: a SQLite snapshot would never see later commits
    return counts


def _rush(clients: int):
    """Sign-ups from `clients` concurrent clients for 500 seats (with 50 clients about 2,000 on a quiet
    machine with the default duration); then count the seats in the database."""

    def run(base_url, context, database_url):
        from eventapp.core.time import utcnow
        from eventapp.extensions import db
        from tests.factories import make_event

        app = _app(database_url)
        with app.app_context():
            event = make_event(
                starts_at=utcnow() + timedelta(days=30), capacity=RUSH_SEATS, slug=f"bench-rush-{clients}"
            )
            event_id, slug = event.id, event.slug
            db.engine.dispose()
        env = {
            "BENCH_PATH": f"/events/{slug}/register",
            "BENCH_FIELDS": "language=fr&seats=1&consent=y",
            # wrk keeps the connections open for the whole duration even when its threads stop early, which
            # would understate throughput: run for a time that gives about RUSH_REGISTRATIONS sign-ups instead.
            "BENCH_LIMIT": "0",
            "BENCH_RUN": f"{context['backend']}-{clients}",  # unique emails in every scenario
        }
        result = wrk(base_url + env["BENCH_PATH"], script="register.lua", clients=clients, env=env)
        with app.app_context():
            # Sign-ups in flight when wrk stopped still land (gunicorn works through the requests queued
            # in its listen backlog): wait until the event row stops changing before counting, and before
            # the next scenario writes (on SQLite its first write would fail while they still commit).
            counts, deadline = _rush_counts(event_id), time.monotonic() + 30
            while time.monotonic() < deadline:
                time.sleep(0.5)
                counts, previous = _rush_counts(event_id), counts
                if counts == previous:
                    break
            _, capacity, taken, waiting, confirmed, waitlisted = counts
            overbooked = max(confirmed - capacity, 0) + abs(taken - confirmed)
            checks = (
                f"{result.requests} sign-ups by {clients} clients: {confirmed} confirmed for {capacity} "
                f"seats, {waitlisted} waitlisted; overbooked: {overbooked}"
            )
            if waiting != waitlisted:
                checks += f"; waiting counter {waiting} for {waitlisted} waitlisted seats"
            db.engine.dispose()
        return result, checks

    return run


SCENARIOS = [
    Scenario("catalogue page", "≥ 0.10", _get(lambda c: "/"), reference="—"),
    Scenario("event page", "≥ 0.10", _get(lambda c: f"/events/{c['event_slug']}"), reference="0.006"),
    Scenario("scan: valid tickets", "≥ 0.20, p99 < 25 ms", _scan("valid"), reference="0.01"),
    Scenario("scan: duplicates", "≥ 0.20, p99 < 25 ms", _scan("duplicate"), reference="0.01"),
    Scenario("feed, 1,000 events: full (200)", "—", _feed(conditional=False)),
    Scenario("feed, 1,000 events: ETag (304)", "≥ 0.40", _feed(conditional=True)),
    Scenario("registration rush (50 clients)", "p99 < 250 ms, 0 overbooked", _rush(50)),
    # The target conditions (8 concurrent clients, like every other scenario).
    Scenario("registration rush (8 clients)", "p99 < 250 ms, 0 overbooked", _rush(8)),
]
