"""Mail to registrants about their event: notices of its changes and the organisers' messages.

The one path by which organisers' actions write to registrants. Events announces its changes
through `eventapp.events.hooks` (it imports nothing of registration); the subscribers here write
the notices, in the registrant's language and with their manage link, as outbox rows in the same
transaction as the change (a worker sends them after the commit). Nothing here commits.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from eventapp.accounts.models import AuditEntry, User
from eventapp.accounts.permissions import require_event_access
from eventapp.accounts.services import record_audit
from eventapp.core.emails import render_email
from eventapp.core.errors import Conflict, InvalidState
from eventapp.core.i18n import LANGUAGES, localized
from eventapp.core.outbox import enqueue
from eventapp.events import hooks
from eventapp.events.models import Event, EventStatus, Session
from eventapp.extensions import db
from eventapp.registration import emails, links
from eventapp.registration.models import Registration, RegistrationSession, RegistrationStatus

ACTIVE = (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED)


@dataclass(frozen=True)
class Mailing:
    """What emails to registrants need besides the change: the key for their manage links, and the site."""

    key: str
    base_url: str


def _choosers(session: Session) -> sa.Select[Registration]:
    """The confirmed or waitlisted registrations (with an email) that chose the session."""
    return (
        sa.select(Registration)
        .join(RegistrationSession)
        .where(
            RegistrationSession.session_id == session.id,
            Registration.status.in_(ACTIVE),
            Registration.email != "",
        )
    )


def count_session_choosers(session: Session) -> int:
    """How many confirmed or waitlisted registrations (with an email) chose the session."""
    return db.session.execute(sa.select(sa.func.count()).select_from(_choosers(session).subquery())).scalar_one()


def _notify(
    event: Event,
    registrations: list[Registration],
    *,
    template: str,
    kind: str,
    dedupe: str,
    mailing: Mailing,
    now: datetime,
    **context: Any,
) -> int:
    """One outbox row per registrant, in their language, with their manage link. Returns how many."""
    count = 0
    for registration in registrations:
        language = registration.language if registration.language in LANGUAGES else "fr"
        email = render_email(
            template,
            language,
            event=event,
            registration=registration,
            event_url=links.event_url(event, mailing.base_url, lang=language),
            manage_url=links.manage_url(registration, mailing.key, mailing.base_url, lang=language),
            **context,
        )
        written = enqueue(
            recipient=registration.email,
            subject=email.subject,
            body_text=email.text,
            body_html=email.html,
            kind=kind,
            language=language,
            dedupe_key=f"{dedupe}:{registration.id}",
            event_id=event.id,
            registration_id=registration.id,
            now=now,
        )
        count += written is not None
    return count


def notify_registrants(event: Event, kind: str, *, now: datetime, key: str) -> int:
    """Tell every active registrant that the event changed (`kind="changed"`) or was cancelled
    (`kind="cancelled"`), with their ticket; idempotent per event `sequence`.

    Does not commit and changes no registration. Returns the number of emails written.
    """
    if kind not in ("changed", "cancelled"):
        raise ValueError(kind)
    registrations = db.session.scalars(
        sa.select(Registration)
        .where(
            Registration.event_id == event.id,
            Registration.status != RegistrationStatus.CANCELLED,
            Registration.email != "",
        )
        .order_by(Registration.id)
    ).all()
    written = 0
    for registration in registrations:
        if emails.enqueue_event_notice(registration, kind, key=key, now=now) is not None:
            written += 1
    return written


def _notify_choosers(session: Session, change: str, *, dedupe: str, mailing: Mailing, now: datetime) -> int:
    """Email those who chose the session that it `change`d ("changed", "cancelled"): only once the
    event is published. Returns how many were emailed."""
    event = session.event
    if event.status != EventStatus.PUBLISHED:
        return 0
    db.session.flush()
    return _notify(
        event,
        list(db.session.scalars(_choosers(session).order_by(Registration.id))),
        template=f"events/session_{change}",
        kind=f"events.session_{change}",
        dedupe=dedupe,
        mailing=mailing,
        now=now,
        session=session,
    )


# ---------------------------------------------------------------- the changes events announces


@hooks.event_moved.subscribe
def _tell_event_moved(event: Event, *, now: datetime, mailing: Mailing) -> int:
    return notify_registrants(event, "changed", now=now, key=mailing.key)


@hooks.event_cancelled.subscribe
def _tell_event_cancelled(event: Event, *, now: datetime, mailing: Mailing) -> int:
    return notify_registrants(event, "cancelled", now=now, key=mailing.key)


@hooks.session_moved.subscribe
def _tell_session_moved(session: Session, *, now: datetime, mailing: Mailing) -> int:
    # One notice per change: the event's sequence moved with the session's time or room.
    dedupe = f"session-changed:{session.id}:{session.event.sequence}"
    return _notify_choosers(session, "changed", dedupe=dedupe, mailing=mailing, now=now)


@hooks.session_cancelling.subscribe
def _tell_session_cancelled(session: Session, *, now: datetime, mailing: Mailing) -> int:
    dedupe = f"session-cancelled:{session.id}"
    return _notify_choosers(session, "cancelled", dedupe=dedupe, mailing=mailing, now=now)


# ---------------------------------------------------------------- messages to attendees


def message_attendees(
    actor: User,
    event: Event,
    *,
    message_id: str,
    subjects: dict[str, str],
    bodies: dict[str, str],
    confirmed: bool,
    waitlisted: bool,
    now: datetime,
    mailing: Mailing,
) -> int:
    """Email a message to the event's confirmed and/or waitlisted people, each in their language
    (falling back FR → NL → EN when their language was left empty). Returns how many were written.

    `message_id` is chosen when the message is composed: sending twice (a double click, a retried
    request) writes nothing more (outbox dedupe keys) and raises Conflict. The audit log keeps the
    message (its id, texts and audience); its delivery status comes from the outbox rows.
    """
    require_event_access(actor, event.id)
    statuses = [
        s
        for s, wanted in ((RegistrationStatus.CONFIRMED, confirmed), (RegistrationStatus.WAITLISTED, waitlisted))
        if wanted
    ]
    if not statuses:
        raise InvalidState(_l("Choose who receives the message."), code="no_audience", field="confirmed")
    if not any(subjects.get(lang) for lang in LANGUAGES) or not any(bodies.get(lang) for lang in LANGUAGES):
        raise InvalidState(_l("Write a subject and a text in at least one language."), code="empty_message")
    sent_before = sa.select(AuditEntry.id).where(
        AuditEntry.action == "event.message_sent", AuditEntry.target == message_id
    )
    if db.session.scalar(sent_before) is not None:
        raise Conflict(_l("This message has already been sent."), code="message_already_sent")
    registrations = list(
        db.session.scalars(
            sa.select(Registration)
            .where(Registration.event_id == event.id, Registration.status.in_(statuses), Registration.email != "")
            .order_by(Registration.id)
        )
    )
    texts = {f"subject_{lang}": subjects.get(lang, "") for lang in LANGUAGES} | {
        f"body_{lang}": bodies.get(lang, "") for lang in LANGUAGES
    }
    holder = type("Texts", (), texts)
    written = 0
    for registration in registrations:
        language = registration.language if registration.language in LANGUAGES else "fr"
        subject = localized(holder, "subject", language).text
        body = localized(holder, "body", language).text
        written += _notify(
            event,
            [registration],
            template="events/message",
            kind="events.message",
            dedupe=f"event-message:{message_id}",
            mailing=mailing,
            now=now,
            subject=subject,
            paragraphs=[p.split("\n") for p in body.replace("\r\n", "\n").split("\n\n") if p.strip()],
            body=body,
        )
    if registrations and not written:
        raise Conflict(_l("This message has already been sent."), code="message_already_sent")
    record_audit(
        actor,
        "event.message_sent",
        now=now,
        event_id=event.id,
        target=message_id,
        details={
            "subjects": subjects,
            "bodies": bodies,
            "confirmed": confirmed,
            "waitlisted": waitlisted,
            "recipients": written,
        },
    )
    return written
