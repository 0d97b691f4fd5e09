"""Real parts for the scale-out and fault tests: Redis, outbox worker processes, SMTP, HTTP helpers,
and the registration invariants that must hold whatever failed."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import sqlalchemy as sa

from eventapp.core.outbox import OutboxMessage
from eventapp.events.models import Event, Session
from eventapp.extensions import db
from eventapp.registration.models import Registration, RegistrationSession, RegistrationStatus
from tests.conftest import require
from tests.live_server import free_port

ROOT = Path(__file__).resolve().parents[2]
WORKER_SECRET = "outbox-worker-" + "s" * 32  # the worker only sends rendered messages: any key will do


class RedisServer:
    """A throwaway redis-server on loopback, no persistence."""

    def __init__(self):
        require(shutil.which("redis-server") is not None, "redis-server is not installed (.ci/run installs it)")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> "RedisServer":
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        import redis

        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                client.ping()
                client.close()
                return self
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


class OutboxWorker:
    """`flask --app wsgi outbox send --loop` as its own process, with the production config."""

    def __init__(self, database_url: str, smtp_port: int, interval: float = 0.2):
        self.env = {
            **os.environ,
            "FLASK_CONFIG": "production",
            "SECRET_KEY": WORKER_SECRET,
            "DATABASE_URL": database_url,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(smtp_port),
            "LOG_FORMAT": "text",
        }
        self.interval = interval
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "OutboxWorker":
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "flask",
                "--app",
                "wsgi",
                "outbox",
                "send",
                "--loop",
                "--interval",
                str(self.interval),
            ],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
        )
        return self

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # the loop stops between messages
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def http(url: str, *, data: dict | bytes | None = None, headers: dict | None = None, timeout: float = 60) -> int:
    """The status of one request (redirects not followed); raises only for connection errors."""
    body = urllib.parse.urlencode(data).encode() if isinstance(data, dict) else data
    request = urllib.request.Request(url, data=body, headers=headers or {})
    try:
        with _opener.open(request, timeout=timeout) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        error.read()
        return error.code


def scan(base_url: str, token: str, code: str, scan_id: str) -> dict:
    request = urllib.request.Request(
        f"{base_url}/api/v1/checkin",
        data=json.dumps({"code": code, "scan_id": scan_id}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


def registration_form(n: int, **extra) -> dict:
    return {
        "name": f"Rusher {n}",
        "email": f"rusher{n}@example.org",
        "language": "fr",
        "seats": "1",
        "consent": "y",
        **extra,
    }


def wait_for(condition, timeout: float = 60, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {condition.__name__}")


def outbox_counts() -> dict[str, int]:
    """Outbox messages by status (needs an app context)."""
    rows = db.session.execute(sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status))
    db.session.rollback()
    return {str(status): n for status, n in rows}


def registration_invariants(event_id: int) -> dict:
    """Check that counters match the rows they summarise; returns the figures (needs an app context).

    Whatever failed mid-request (a killed worker, a restarted database), a registration is either
    wholly there with its counters or not at all.
    """
    db.session.rollback()
    event = db.session.get(Event, event_id, populate_existing=True)
    registrations = db.session.scalars(sa.select(Registration).where(Registration.event_id == event_id)).all()
    confirmed = sum(r.seats for r in registrations if r.status == RegistrationStatus.CONFIRMED)
    waiting = sum(r.seats for r in registrations if r.status == RegistrationStatus.WAITLISTED)
    assert event.seats_taken == confirmed, (event.seats_taken, confirmed)
    assert event.seats_waiting == waiting, (event.seats_waiting, waiting)
    assert event.seats_taken <= event.capacity
    for r in registrations:
        assert r.name and r.email and r.secret_seed, r.id  # nothing half-written
        if r.status == RegistrationStatus.CONFIRMED:
            assert r.confirmed_at is not None and r.cancelled_at is None
        elif r.status == RegistrationStatus.WAITLISTED:
            assert r.waitlisted_at is not None and r.cancelled_at is None
        else:
            assert r.cancelled_at is not None
    for session in db.session.scalars(sa.select(Session).where(Session.event_id == event_id)):
        held = db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(Registration.seats), 0))
            .join(RegistrationSession, RegistrationSession.registration_id == Registration.id)
            .where(
                RegistrationSession.session_id == session.id,
                RegistrationSession.holds_seat.is_(True),
                Registration.status == RegistrationStatus.CONFIRMED,
            )
        )
        assert session.seats_taken == held, (session.id, session.seats_taken, held)
    # Every registration wrote its email in the same transaction.
    emailed = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(OutboxMessage.registration_id))).where(
            OutboxMessage.registration_id.in_([r.id for r in registrations])
        )
    )
    assert emailed == len(registrations), (emailed, len(registrations))
    figures = {"registrations": len(registrations), "confirmed_seats": confirmed, "waiting_seats": waiting}
    db.session.rollback()
    return figures
