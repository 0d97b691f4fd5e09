"""The ticket attachments of registration emails: the QR image and the event's .ics.

Registration writes its emails naming the renderer (`attachments_from=TICKET_ATTACHMENTS`); the
outbox worker calls this one when it sends them, so the QR (costly: qrcode's search for the best
mask) is never drawn inside the sign-up's event lock, and the .ics shows the event as it is then.
"""

from flask import current_app

from eventapp.core.outbox import AttachmentsGone, OutboxMessage, attachment, attachment_renderer
from eventapp.events.ical import registration_calendar
from eventapp.extensions import db
from eventapp.registration.emails import TICKET_ATTACHMENTS
from eventapp.registration.models import Registration
from eventapp.tickets.codes import ticket_code
from eventapp.tickets.qr import qr_png


def _ticket_attachments(registration: Registration, *, key: str, base_url: str) -> list[dict]:
    return [
        attachment("ticket.png", "image/png", qr_png(ticket_code(key, registration.secret_seed))),
        attachment(
            "event.ics",
            "text/calendar; charset=utf-8; method=PUBLISH",
            registration_calendar(registration, lang=registration.language, base_url=base_url),
        ),
    ]


@attachment_renderer(TICKET_ATTACHMENTS)
def render_ticket_attachments(message: OutboxMessage) -> list[dict]:
    """The ticket of the message's registration, at sending time; AttachmentsGone once it was erased."""
    registration = db.session.get(Registration, message.registration_id) if message.registration_id else None
    if registration is None or registration.anonymised_at is not None or not registration.secret_seed:
        raise AttachmentsGone("the registration was erased")
    # The worker runs outside any request: the key and the base URL come from the app it runs in.
    return _ticket_attachments(
        registration, key=current_app.config["SECRET_KEY"], base_url=current_app.config["PUBLIC_BASE_URL"]
    )
