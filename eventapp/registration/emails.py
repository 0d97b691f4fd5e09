"""Registration emails, written to the outbox in the caller's transaction (never sent from here).

Each email is rendered in the registrant's language, in HTML and plain text, from
templates/emails/registration/<name>.{txt,html}. Links are absolute (PUBLIC_BASE_URL).

The ticket attachments (QR image and .ics) are rendered by the outbox worker when it sends the
email, by the tickets domain's renderer (TICKET_ATTACHMENTS), not here: writing the email happens
inside the event lock, and the QR code alone (qrcode's search for the best mask) cost more than the
rest of a sign-up. The .ics then shows the event as it is at sending time; an event change after
that sends its own notice with a fresh one.

For the same reason the emails the public sets off (sign-up, waiting list, promotion, change,
cancellation) are written as a template name and its arguments, and rendered by the worker too
(RENDERED_WHEN_SENT): rendering one was a quarter of a sign-up's CPU, inside the lock (bench/README.md,
"Registration rush"). They then show the registration as it is when sent. The organisers' notices,
the reminders and the release of held seats are rendered at once: written in batches off the hot
path, each tells of a change at the moment it happened.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from flask import current_app

from eventapp.core.emails import RenderedEmail, render_email
from eventapp.core.i18n import localized
from eventapp.core.outbox import AttachmentsGone, OutboxMessage, content_renderer, enqueue
from eventapp.events.models import Session
from eventapp.extensions import db
from eventapp.registration import links
from eventapp.registration.models import Registration


def _context(registration: Registration, *, key: str) -> dict[str, Any]:
    event = registration.event
    lang = registration.language
    return {
        "registration": registration,
        "event": event,
        "title": localized(event, "title", lang).text,
        "venue_line": event.venue.full_address(lang),
        "sessions": [localized(s, "title", lang).text for s in registration.sessions],
        "manage_url": links.manage_url(registration, key, lang=lang),
        "ticket_url": links.ticket_url(registration, key, lang=lang),
        "event_url": links.event_url(event, lang=lang),
        # Until the registrant proves the address is theirs (registration.services.confirm_address).
        "confirm_url": (
            links.confirm_url(registration, key, lang=lang)
            if registration.email_confirmed_at is None and registration.status != "cancelled"
            else None
        ),
    }


# The ticket attachments (the QR image and the event's .ics) of a confirmation, rendered at sending
# time by the renderer the tickets domain registers under this name (eventapp.tickets.emails). The
# name is stored in outbox rows: it outlives code moves.
TICKET_ATTACHMENTS = "registration.ticket"
# The renderer of the emails written with `when_sent` (stored in outbox rows, like the name above).
RENDERED_WHEN_SENT = "registration.email"


def _render(registration: Registration, template: str, *, key: str, **extra: Any) -> RenderedEmail:
    return render_email(f"registration/{template}", registration.language, **_context(registration, key=key), **extra)


@content_renderer(RENDERED_WHEN_SENT)
def render_when_sent(message: OutboxMessage) -> RenderedEmail:
    """The email of the message's registration, at sending time; AttachmentsGone once it was erased."""
    registration = db.session.get(Registration, message.registration_id) if message.registration_id else None
    if registration is None or registration.anonymised_at is not None:
        raise AttachmentsGone("the registration was erased")
    args = dict(message.render_args or {})
    # The worker runs outside any request: the key comes from the app it runs in.
    return _render(registration, args.pop("template"), key=current_app.config["SECRET_KEY"], **args)


def _write(
    registration: Registration,
    template: str,
    kind: str,
    *,
    key: str,
    now: datetime,
    with_ticket: bool = False,
    dedupe_key: str | None = None,
    bounded: bool = False,
    when_sent: bool = False,
    recipient: str | None = None,
    **extra: Any,
) -> OutboxMessage | None:
    """`bounded`: the public sets this email off (see core.outbox.RECIPIENT_HOURLY_LIMIT).
    `when_sent`: rendered by the outbox worker (module docstring); `extra` must then be JSON.
    `recipient`: another address than the registration's."""
    if when_sent:
        content: dict[str, Any] = {"render_from": RENDERED_WHEN_SENT, "render_args": {"template": template, **extra}}
    else:
        rendered = _render(registration, template, key=key, **extra)
        content = {"subject": rendered.subject, "body_text": rendered.text, "body_html": rendered.html}
    return enqueue(
        recipient=recipient or registration.email,
        **content,
        attachments_from=TICKET_ATTACHMENTS if with_ticket else None,
        bounded=bounded,
        kind=kind,
        language=registration.language,
        dedupe_key=dedupe_key,
        event_id=registration.event_id,
        registration_id=registration.id,
        now=now,
    )


def enqueue_confirmation(
    registration: Registration, *, key: str, now: datetime, resent: bool = False, dedupe_key: str | None = None
) -> OutboxMessage | None:
    return _write(
        registration,
        "confirmed",
        "registration.resent" if resent else "registration.confirmed",
        key=key,
        now=now,
        with_ticket=True,
        dedupe_key=dedupe_key,
        bounded=True,
        when_sent=True,
        resent=resent,
    )


def enqueue_waitlisted(
    registration: Registration, *, key: str, now: datetime, position: int | None, dedupe_key: str | None = None
) -> OutboxMessage | None:
    return _write(
        registration,
        "waitlisted",
        "registration.waitlisted",
        key=key,
        now=now,
        dedupe_key=dedupe_key,
        bounded=True,
        when_sent=True,
        position=position,
    )


def enqueue_promoted(
    registration: Registration, *, key: str, now: datetime, dropped_sessions: Iterable[Session] = ()
) -> OutboxMessage | None:
    dropped = [localized(s, "title", registration.language).text for s in dropped_sessions]
    return _write(
        registration,
        "promoted",
        "registration.promoted",
        key=key,
        now=now,
        with_ticket=True,
        when_sent=True,
        dropped_sessions=dropped,
    )


def enqueue_cancelled(registration: Registration, *, key: str, now: datetime) -> OutboxMessage | None:
    return _write(registration, "cancelled", "registration.cancelled", key=key, now=now, bounded=True, when_sent=True)


def enqueue_updated(registration: Registration, *, key: str, now: datetime) -> OutboxMessage | None:
    return _write(registration, "updated", "registration.updated", key=key, now=now, bounded=True, when_sent=True)


def enqueue_email_change(registration: Registration, *, key: str, now: datetime) -> OutboxMessage | None:
    """To the new address asked for: the link that makes it the registration's. Rendered now: the
    link names this address, and a later request for another one must not change what this says."""
    return _write(
        registration,
        "email_change",
        "registration.email_change",
        key=key,
        now=now,
        bounded=True,
        recipient=registration.new_email,
        change_url=links.email_change_url(registration, key, lang=registration.language),
    )


def enqueue_email_changed(
    registration: Registration, *, old_email: str, key: str, now: datetime
) -> OutboxMessage | None:
    """To the address the registration had: it no longer receives its emails, and where they go."""
    return _write(registration, "email_changed", "registration.email_changed", key=key, now=now, recipient=old_email)


def enqueue_released(registration: Registration, *, key: str, now: datetime) -> OutboxMessage | None:
    """The seats of a group went back: its address was not confirmed in time."""
    return _write(registration, "released", "registration.released", key=key, now=now)


def enqueue_reminder(registration: Registration, *, key: str, now: datetime) -> OutboxMessage | None:
    return _write(
        registration,
        "reminder",
        "registration.reminder",
        key=key,
        now=now,
        with_ticket=True,
        dedupe_key=f"registration.reminder:{registration.id}:{registration.event.starts_at.isoformat()}",
    )


def enqueue_event_notice(registration: Registration, kind: str, *, key: str, now: datetime) -> OutboxMessage | None:
    event = registration.event
    return _write(
        registration,
        f"event_{kind}",
        f"registration.event_{kind}",
        key=key,
        now=now,
        with_ticket=kind == "changed" and registration.status == "confirmed",
        dedupe_key=f"registration.event_{kind}:{registration.id}:{event.sequence}",
    )
