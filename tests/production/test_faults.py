"""When parts fail: Redis down, PostgreSQL restarted under load, SMTP down in a rush, a worker killed.

Each test checks that people get clean answers (never a 500), that the app recovers by itself, and
that nothing is half-written (the registration invariants in tests/production/infra.py).
"""

import os
import signal
import subprocess
import threading
import time
from datetime import timedelta
from http.client import HTTPException
from pathlib import Path

import pytest
import sqlalchemy as sa

from eventapp.core.db import transaction
from eventapp.core.outbox import OutboxMessage
from eventapp.core.time import utcnow
from eventapp.extensions import db
from tests.conftest import require
from tests.core.test_outbox import Recorder, SMTPServer
from tests.factories import make_event
from tests.live_server import LiveServer, app_for, free_port, fresh_database
from tests.production.infra import (
    OutboxWorker,
    RedisServer,
    http,
    outbox_counts,
    registration_form,
    registration_invariants,
    wait_for,
)
from tests.registration.factories import sign_up

pytestmark = [pytest.mark.slow, pytest.mark.no_db_isolation]

CONNECTION_ERRORS = (ConnectionError, HTTPException, TimeoutError, OSError)


def _rush_event(url: str, *, capacity: int = 1000, prefilled: int = 0) -> tuple:
    app = app_for(url)
    with app.test_request_context():
        event = make_event(starts_at=utcnow() + timedelta(days=20), capacity=capacity, max_seats_per_registration=2)
        for _ in range(prefilled):
            sign_up(event, now=utcnow())
        db.session.commit()
        ids = event.id, event.slug
        db.session.remove()
        db.engine.dispose()
    return app, *ids


def test_redis_down_degrades_rate_limits_to_memory_and_keeps_serving(tmp_path):
    url = fresh_database("sqlite", tmp_path)
    redis = RedisServer().start()
    env = {"TEST_RATELIMIT_ENABLED": "true", "TEST_REDIS_URL": redis.url, "PROXY_COUNT": "1"}
    try:
        with LiveServer(url, workers=1, env=env) as server:
            register = f"{server.url}/events/no-such-event/register"
            client = {"X-Forwarded-For": "203.0.113.1"}
            assert [http(register, data={}, headers=client) for _ in range(10)] == [404] * 10
            assert http(register, data={}, headers=client) == 429  # counted in Redis
            redis.stop()
            # Pages keep working; limits are now counted in the process's memory, from zero.
            assert http(f"{server.url}/") == 200
            assert http(f"{server.url}/healthz") == 200
            other = {"X-Forwarded-For": "203.0.113.2"}
            answers = [http(register, data={}, headers=other) for _ in range(10)]
            assert answers == [404] * 10, answers
            assert http(register, data={}, headers=other) == 429  # the in-memory fallback refuses
    finally:
        redis.stop()


def _hammer(stop: threading.Event, target, statuses: list, failures: list) -> None:
    n = 0
    while not stop.is_set():
        n += 1
        try:
            statuses.append(target(n))
        except CONNECTION_ERRORS as error:
            failures.append(error)


def test_postgresql_restart_under_load_answers_503_then_recovers(tmp_path):
    pg_data, pg_bin = os.environ.get("PG_DATA"), os.environ.get("PG_BIN")
    require(bool(pg_data and pg_bin), "set PG_DATA and PG_BIN to the CI PostgreSQL cluster (.ci/run does)")
    url = fresh_database("postgresql", tmp_path)
    app, event_id, slug = _rush_event(url)
    statuses: list[int] = []
    failures: list[BaseException] = []
    stop = threading.Event()
    counter = iter(range(1_000_000))

    def read(n):
        return http(f"{server.url}/events/{slug}", timeout=30)

    def write(n):
        i = next(counter)
        answer = http(
            f"{server.url}/events/{slug}/register",
            data=registration_form(i),
            headers={"X-Forwarded-For": f"10.0.{i // 250}.{i % 250 + 1}"},
            timeout=30,
        )
        return answer

    with LiveServer(url, workers=2) as server:
        threads = [
            threading.Thread(target=_hammer, args=(stop, target, statuses, failures)) for target in (read, write) * 3
        ]
        for thread in threads:
            thread.start()
        time.sleep(1)
        # With its own log file: a postmaster left holding our stdout pipe would make run() wait forever.
        log = Path(pg_data).parent / "log"
        subprocess.run(
            ["su", "postgres", "-s", "/bin/bash", "-c", f"{pg_bin}/pg_ctl -D {pg_data} -l {log} restart -m fast -w"],
            check=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=60,
        )
        time.sleep(2)
        stop.set()
        for thread in threads:
            thread.join()
        # It recovers by itself (the pool replaces the connections the restart closed): no restart of the app.
        wait_for(lambda: http(f"{server.url}/events/{slug}") == 200, timeout=20)
        assert http(f"{server.url}/readyz") == 200
        assert http(f"{server.url}/events/{slug}/register", data=registration_form(999_999)) == 303

    assert failures == []
    assert 503 in statuses, "the restart went unnoticed: the test did not test anything"
    assert set(statuses) <= {200, 303, 503}, sorted(set(statuses))  # never a 500
    with app.app_context():
        registration_invariants(event_id)
        db.session.remove()
        db.engine.dispose()


def test_smtp_down_during_a_rush_registrations_succeed_and_mail_goes_out_later(tmp_path):
    url = fresh_database("sqlite", tmp_path)
    app, event_id, slug = _rush_event(url, capacity=15)
    smtp_port = free_port()  # nothing listens there yet
    with LiveServer(url, workers=2) as server, OutboxWorker(url, smtp_port):
        register = f"{server.url}/events/{slug}/register"
        answers = []
        threads = [
            threading.Thread(target=lambda i=i: answers.append(http(f"{register}", data=registration_form(i))))
            for i in range(20)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert answers == [303] * 20  # 15 confirmed, 5 waitlisted: none refused because mail is down

        def all_tried():
            db.session.rollback()  # a fresh snapshot each time
            return db.session.scalar(sa.select(sa.func.min(OutboxMessage.attempts))) >= 1

        with app.app_context():
            wait_for(all_tried, timeout=60)
            assert set(outbox_counts()) == {"pending"}  # waiting to retry, not lost, not failed
            smtp = SMTPServer(Recorder(), smtp_port)
            smtp.start()
            try:
                # The retry is due in a minute (backoff): let that minute pass. A write transaction of
                # its own: upgrading the read snapshot above fails at once if the worker wrote since.
                with transaction():
                    db.session.execute(sa.update(OutboxMessage).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
                wait_for(lambda: set(outbox_counts()) == {"sent"}, timeout=60)
            finally:
                smtp.stop()
            registration_invariants(event_id)
            db.session.remove()
            db.engine.dispose()
    ids = smtp.handler.message_ids()
    assert len(ids) == 20 and len(set(ids)) == 20


def _worker_pids(server: LiveServer) -> list[int]:
    master = server.process.pid
    return [int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()]


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_worker_killed_mid_registration_leaves_no_partial_rows(tmp_path, kind):
    url = fresh_database(kind, tmp_path)
    app, event_id, slug = _rush_event(url, capacity=30, prefilled=10)
    statuses: list[int] = []
    failures: list[BaseException] = []
    killed: list[int] = []

    with LiveServer(url, workers=2) as server:

        def burst(thread_no: int) -> None:
            for i in range(6):
                n = thread_no * 100 + i
                try:
                    statuses.append(
                        http(
                            f"{server.url}/events/{slug}/register",
                            data=registration_form(n),
                            timeout=60,
                        )
                    )
                except CONNECTION_ERRORS as error:  # the request the killed worker was serving
                    failures.append(error)
                if thread_no == 0 and i == 1 and not killed:
                    victim = _worker_pids(server)[0]
                    os.kill(victim, signal.SIGKILL)
                    killed.append(victim)

        threads = [threading.Thread(target=burst, args=(t,)) for t in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        # gunicorn replaced the worker: the instance serves again.
        assert http(f"{server.url}/events/{slug}") == 200

    assert killed
    assert set(statuses) <= {303}, sorted(set(statuses))
    assert len(statuses) + len(failures) == 72
    with app.app_context():
        figures = registration_invariants(event_id)
        # Every answered sign-up is there; an unanswered one is there wholly or not at all.
        assert 10 + len(statuses) <= figures["registrations"] <= 10 + 72
        assert figures["confirmed_seats"] == 30
        db.session.remove()
        db.engine.dispose()
