"""The outbox worker against a real SMTP server on loopback (aiosmtpd in a thread)."""

import email
import threading
import time
from datetime import timedelta
from email import policy

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from eventapp.core.db import transaction
from eventapp.core.outbox import OutboxMessage, OutboxStatus, attachment, backoff, enqueue, send_due
from eventapp.extensions import db
from tests.factories import NOW
from tests.live_server import app_for, free_port, fresh_database

pytestmark = [pytest.mark.slow, pytest.mark.no_db_isolation]


class Recorder:
    """An SMTP handler that keeps every message it accepted (optionally slowly)."""

    def __init__(self, delay: float = 0.0):
        self.messages: list[email.message.EmailMessage] = []
        self.delay = delay
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            time.sleep(self.delay)  # block the server loop: widens the window for races
        with self.lock:
            self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def message_ids(self) -> list[str]:
        return [m["Message-ID"] for m in self.messages]


class SMTPServer:
    def __init__(self, handler: Recorder, port: int):
        self.handler = handler
        self.port = port
        self.controller = None

    def start(self):
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp():
    server = SMTPServer(Recorder(), free_port())
    server.start()
    yield server
    server.stop()


def _app(url, port):
    return app_for(url, MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_SUPPRESS_SEND=False)


def _enqueue(app, count, *, with_attachment=False):
    with app.app_context(), transaction():
        for i in range(count):
            enqueue(
                recipient=f"person{i}@example.org",
                subject=f"Message {i} · é",
                body_text=f"Hello {i}",
                body_html=f"<p>Hello {i}</p>",
                attachments=[attachment("ticket.png", "image/png", b"\x89PNG fake")] if with_attachment else None,
                kind="test",
                language="fr",
                now=NOW,
            )


def _statuses(app):
    with app.app_context():
        return list(
            db.session.execute(sa.select(OutboxMessage.status, OutboxMessage.attempts).order_by(OutboxMessage.id))
        )


def _send(app, **kwargs):
    with app.app_context():
        return send_due(**kwargs)


def test_delivers_html_text_and_attachments(tmp_path, smtp):
    app = _app(fresh_database("sqlite", tmp_path), smtp.port)
    _enqueue(app, 2, with_attachment=True)
    report = _send(app, now=NOW)
    assert (report.sent, report.retried, report.failed) == (2, 0, 0)
    assert [s for s, _ in _statuses(app)] == [OutboxStatus.SENT, OutboxStatus.SENT]
    first = smtp.handler.messages[0]
    assert first["To"] == "person0@example.org" and first["Subject"] == "Message 0 · é"
    assert first.get_body(("plain",)).get_content().strip() == "Hello 0"
    assert "<p>Hello 0</p>" in first.get_body(("html",)).get_content()
    [png] = list(first.iter_attachments())
    assert png.get_filename() == "ticket.png" and png.get_content() == b"\x89PNG fake"
    assert _send(app, now=NOW).total == 0  # nothing left, nothing sent twice
    assert len(smtp.handler.messages) == 2


def test_smtp_outage_then_recovery_loses_nothing_and_sends_nothing_twice(tmp_path, smtp):
    app = _app(fresh_database("sqlite", tmp_path), smtp.port)
    smtp.stop()
    _enqueue(app, 5)
    report = _send(app, now=NOW)
    assert (report.sent, report.retried) == (0, 5)
    assert _statuses(app) == [(OutboxStatus.PENDING, 1)] * 5
    with app.app_context():
        message = db.session.scalar(sa.select(OutboxMessage))
        assert message.next_attempt_at == NOW + backoff(1) and "Connection" in message.last_error
    assert _send(app, now=NOW + timedelta(seconds=30)).total == 0  # backing off: not due yet
    report = _send(app, now=NOW + timedelta(minutes=1))
    assert report.retried == 5  # still down: second attempt, now waiting 2 minutes
    smtp.start()
    assert _send(app, now=NOW + timedelta(minutes=2)).total == 0
    report = _send(app, now=NOW + timedelta(minutes=3))
    assert report.sent == 5
    assert _send(app, now=NOW + timedelta(hours=5)).total == 0
    assert sorted(m["To"] for m in smtp.handler.messages) == [f"person{i}@example.org" for i in range(5)]
    assert len(set(smtp.handler.message_ids())) == 5


def test_gives_up_after_max_attempts(tmp_path, smtp):
    app = _app(fresh_database("sqlite", tmp_path), smtp.port)
    smtp.stop()
    _enqueue(app, 1)
    now = NOW
    for _ in range(3):
        _send(app, now=now, max_attempts=3)
        now += timedelta(hours=2)
    assert _statuses(app) == [(OutboxStatus.FAILED, 3)]
    smtp.start()
    assert _send(app, now=now + timedelta(days=1), max_attempts=3).total == 0
    assert smtp.handler.messages == []


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_concurrent_workers_send_each_message_exactly_once(tmp_path, database):
    url = fresh_database(database, tmp_path)
    server = SMTPServer(Recorder(delay=0.01), free_port())
    server.start()
    app = _app(url, server.port)
    try:
        _enqueue(app, 40)
        errors = []

        def worker():
            try:
                while _send(app, now=NOW + timedelta(minutes=1), limit=3).total:
                    pass
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert _statuses(app) == [(OutboxStatus.SENT, 1)] * 40
        ids = server.handler.message_ids()
        assert len(ids) == 40 and len(set(ids)) == 40
    finally:
        server.stop()
        with app.app_context():
            db.engine.dispose()


def test_dev_mailbox_mode_marks_delivered_without_smtp(tmp_path, smtp):
    app = _app(fresh_database("sqlite", tmp_path), smtp.port)
    app.config["MAIL_DEV_MAILBOX"] = True
    _enqueue(app, 2, with_attachment=True)
    assert _send(app, now=NOW).sent == 2
    assert smtp.handler.messages == []
    client = app.test_client()
    index = client.get("/dev/mailbox/?lang=en").get_data(as_text=True)
    assert "Message 1" in index and "person0@example.org" in index
    with app.app_context():
        first_id = db.session.scalar(sa.select(sa.func.min(OutboxMessage.id)))
    page = client.get(f"/dev/mailbox/{first_id}")
    assert page.status_code == 200 and "Hello 0" in page.get_data(as_text=True)
    html = client.get(f"/dev/mailbox/{first_id}/html")
    assert html.data == b"<p>Hello 0</p>" and "unsafe-inline" in html.headers["Content-Security-Policy"]
    assert client.get(f"/dev/mailbox/{first_id}/attachments/0").data == b"\x89PNG fake"


def test_dev_mailbox_is_404_unless_enabled(client):
    assert client.get("/dev/mailbox/").status_code == 404
