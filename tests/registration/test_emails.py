"""Registration emails through the outbox worker to a real SMTP server: the ticket attachments are
rendered by the worker at sending time (not in the sign-up), decode and parse, and are never made
for a registration erased before sending."""

import icalendar
import pytest
import sqlalchemy as sa

from eventapp.core.db import transaction
from eventapp.core.outbox import OutboxMessage, OutboxStatus, send_due
from eventapp.extensions import db
from eventapp.registration import services
from eventapp.registration.models import Registration
from eventapp.tickets.codes import ticket_code
from tests.core import test_outbox
from tests.factories import NOW, make_event
from tests.live_server import app_for, fresh_database
from tests.registration.factories import KEY, sign_up
from tests.tickets.qrdecode import decode_png

pytestmark = [pytest.mark.slow, pytest.mark.no_db_isolation]
smtp = test_outbox.smtp  # the fixture: an SMTP server (aiosmtpd) on loopback


@pytest.fixture
def live(tmp_path, smtp):
    app = app_for(
        fresh_database("sqlite", tmp_path), MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port, MAIL_SUPPRESS_SEND=False
    )
    yield app
    with app.app_context():
        db.engine.dispose()


def _sign_up(app, **values) -> tuple[int, str, str]:
    """(registration id, ticket code, event UUID) of a confirmed sign-up, committed."""
    with app.app_context():
        event = make_event(capacity=5)
        with transaction():
            registration = sign_up(event, **values).registration
        return registration.id, ticket_code(KEY, registration.secret_seed), str(event.uuid)


def _statuses(app) -> list[tuple[OutboxStatus, str | None]]:
    with app.app_context():
        return list(db.session.execute(sa.select(OutboxMessage.status, OutboxMessage.last_error)))


def test_ticket_email_carries_a_decodable_qr_and_the_event_calendar(live, smtp):
    _, code, event_uuid = _sign_up(live, email="ana@example.org", language="nl")
    with live.app_context():
        assert send_due(now=NOW).sent == 1
    [mail] = smtp.handler.messages
    assert mail["To"] == "ana@example.org"
    png, ics = mail.iter_attachments()
    assert (png.get_filename(), png.get_content_type()) == ("ticket.png", "image/png")
    assert decode_png(png.get_content()) == [(code, "QRCode")]
    assert ics.get_filename() == "event.ics" and ics.get_content_type() == "text/calendar"
    calendar = icalendar.Calendar.from_ical(ics.get_content())
    [vevent] = calendar.walk("VEVENT")
    assert event_uuid in str(vevent["UID"]) and str(vevent["SUMMARY"]).startswith("Evenement")
    assert _statuses(live) == [(OutboxStatus.SENT, None)]


def test_erased_before_sending_sends_nothing(live, smtp):
    registration_id, _, _ = _sign_up(live)
    with live.app_context(), transaction():
        services.erase(db.session.get(Registration, registration_id), now=NOW, key=KEY)
    with live.app_context():
        assert send_due(now=NOW).total == 0  # the erasure gave the pending message up
    assert smtp.handler.messages == []
    assert _statuses(live) == [(OutboxStatus.FAILED, "erased at the registrant's request")]


def test_registration_erased_under_a_pending_message_is_given_up_not_sent(live, smtp):
    """The race the erasure's outbox scrub cannot close: the worker read the message before the
    erasure committed. The renderer finds the registration anonymised and the message fails."""
    registration_id, _, _ = _sign_up(live)
    with live.app_context(), transaction():
        registration = db.session.get(Registration, registration_id)
        registration.name = registration.email = registration.secret_seed = ""
        registration.anonymised_at = NOW
    with live.app_context():
        report = send_due(now=NOW)
    assert (report.sent, report.failed) == (0, 1)
    assert smtp.handler.messages == []
    assert _statuses(live) == [(OutboxStatus.FAILED, "attachments gone: the registration was erased")]


def test_dev_mailbox_shows_the_rendered_ticket_until_erasure(live, smtp):
    live.config["MAIL_DEV_MAILBOX"] = True
    registration_id, code, _ = _sign_up(live)
    with live.app_context():
        message_id = db.session.scalar(sa.select(OutboxMessage.id))
    client = live.test_client()
    assert "ticket.png" in client.get(f"/dev/mailbox/{message_id}").get_data(as_text=True)
    png = client.get(f"/dev/mailbox/{message_id}/attachments/0")
    assert png.mimetype == "image/png" and decode_png(png.data) == [(code, "QRCode")]
    with live.app_context(), transaction():
        services.erase(db.session.get(Registration, registration_id), now=NOW, key=KEY)
    assert "ticket.png" not in client.get(f"/dev/mailbox/{message_id}").get_data(as_text=True)
    assert client.get(f"/dev/mailbox/{message_id}/attachments/0").status_code == 404
    assert smtp.handler.messages == []
