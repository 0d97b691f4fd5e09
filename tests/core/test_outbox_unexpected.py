"""One message that cannot be sent must not stop the worker nor the rest of its batch."""

import logging
from datetime import timedelta

import pytest
import sqlalchemy as sa

from eventapp.core.db import transaction
from eventapp.core.outbox import OutboxMessage, OutboxStatus, attachment_renderer, enqueue, send_due
from eventapp.core.outbox_cli import outbox_cli
from eventapp.core.time import utcnow
from eventapp.extensions import db
from tests.core import test_outbox
from tests.factories import NOW
from tests.live_server import app_for, fresh_database

pytestmark = [pytest.mark.slow, pytest.mark.no_db_isolation]

ACCENTED = "françois@example.be"


server = test_outbox.smtp  # the fixture: an SMTP server (aiosmtpd) on loopback


@pytest.fixture(autouse=True)
def _leave_the_app_logger_as_found():
    # Alembic's env.py runs logging.config.fileConfig(), which disables every logger that exists
    # at that moment: the "eventapp" logger these tests create would stay silent for later tests.
    existed = "eventapp" in logging.Logger.manager.loggerDict
    yield
    if not existed:
        logging.Logger.manager.loggerDict.pop("eventapp", None)


@attachment_renderer("tests.broken")
def _broken_renderer(message):
    raise KeyError("a bug in a renderer")


def _app(tmp_path, port):
    return app_for(
        fresh_database("sqlite", tmp_path), MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_SUPPRESS_SEND=False
    )


def _enqueue(app, recipients, *, broken: set[int] = frozenset(), now=NOW):
    with app.app_context(), transaction():
        for i, recipient in enumerate(recipients):
            enqueue(
                recipient=recipient,
                subject=f"Message {i}",
                body_text=f"Hello {i}",
                attachments_from="tests.broken" if i in broken else None,
                kind="test",
                language="fr",
                now=now,
            )


def _rows(app):
    with app.app_context():
        return list(
            db.session.execute(
                sa.select(OutboxMessage.recipient, OutboxMessage.status, OutboxMessage.last_error).order_by(
                    OutboxMessage.id
                )
            )
        )


class _Records(logging.Handler):
    # Not caplog: the migrations' logging.config.fileConfig() replaces the root logger's handlers.
    def __init__(self):
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


def test_an_address_smtplib_cannot_encode_fails_alone_and_the_batch_goes_on(tmp_path, server):
    # Written before forms refused such addresses (or by a path that skips them).
    app = _app(tmp_path, server.port)
    _enqueue(app, ["anne@example.be", ACCENTED, "zoe@example.be", "yves@example.be"])
    log = _Records()
    app.logger.addHandler(log)
    with app.app_context():
        report = send_due(now=NOW)
    app.logger.removeHandler(log)
    assert (report.sent, report.retried, report.failed) == (3, 0, 1)
    rows = _rows(app)
    assert [status for _, status, _ in rows] == [OutboxStatus.SENT, OutboxStatus.FAILED] + [OutboxStatus.SENT] * 2
    assert rows[1].last_error == "unexpected UnicodeEncodeError"
    # The SMTP dialogue left half-way by the failed message did not spoil the next ones.
    assert sorted(m["To"] for m in server.handler.messages) == ["anne@example.be", "yves@example.be", "zoe@example.be"]
    [logged] = [r.getMessage() for r in log.records]
    assert "outbox message" in logged and "UnicodeEncodeError" in logged
    assert "fran" not in logged and "ç" not in logged
    with app.app_context():
        assert send_due(now=NOW + timedelta(days=365)).total == 0  # failed for good, never re-claimed


def test_a_renderer_bug_fails_that_message_only(tmp_path, server):
    app = _app(tmp_path, server.port)
    _enqueue(app, ["anne@example.be", "bert@example.be"], broken={0})
    with app.app_context():
        report = send_due(now=NOW)
    assert (report.sent, report.failed) == (1, 1)
    assert [(r.status, r.last_error) for r in _rows(app)] == [
        (OutboxStatus.FAILED, "unexpected KeyError"),
        (OutboxStatus.SENT, None),
    ]


def test_the_worker_command_finishes_the_queue(tmp_path, server):
    app = _app(tmp_path, server.port)
    # More than one claimed batch, due now: the command reads the clock.
    _enqueue(app, [ACCENTED] + [f"p{i}@example.be" for i in range(12)], now=utcnow())
    result = app.test_cli_runner().invoke(outbox_cli, ["send"])
    assert result.exit_code == 0, result.output
    assert "12 sent, 0 to retry, 1 failed" in result.output
    assert len(server.handler.messages) == 12
