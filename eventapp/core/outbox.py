"""The outbox: emails are rows written in the same transaction as the change that causes them.

A worker (`flask --app wsgi outbox send`) delivers them after commit; nothing is sent from a request.
"""

import base64
import enum
import smtplib
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import flask_mail
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Mapped, mapped_column

from eventapp.core.db import str_enum, transaction
from eventapp.core.emails import RenderedEmail
from eventapp.core.time import utcnow
from eventapp.extensions import Model, db


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up after the last retry


class OutboxMessage(Model):
    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body_text: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str | None] = mapped_column(sa.Text)
    # [{"filename": ..., "content_type": ..., "data_b64": ...}]
    attachments: Mapped[list[dict[str, str]] | None] = mapped_column(sa.JSON)
    # The name of the renderer (see `attachment_renderer`) that makes further attachments when the
    # message is sent, e.g. "registration.ticket": the QR image and the .ics are not rendered in the
    # request that writes the message, where they held the event lock for milliseconds.
    attachments_from: Mapped[str | None] = mapped_column(sa.String(60))
    # The name of the renderer (see `content_renderer`) that writes the subject and bodies when the
    # message is sent, with its arguments: a sign-up writes its email inside the event lock, where
    # rendering it was a quarter of the request's CPU (bench/README.md, "Registration rush"). Set back
    # to None once the rendered content is stored (subject and bodies are empty until then).
    render_from: Mapped[str | None] = mapped_column(sa.String(60))
    render_args: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    language: Mapped[str] = mapped_column(sa.String(2), default="fr")
    # What caused it, e.g. "registration.confirmed" — for delivery status pages and tests.
    kind: Mapped[str] = mapped_column(sa.String(60), index=True)
    # Idempotency: a message with the same key is written at most once (e.g. a reminder).
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(200), unique=True)
    event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("events.id", ondelete="SET NULL"), index=True)
    registration_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("registrations.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[OutboxStatus] = mapped_column(
        str_enum(OutboxStatus),
        default=OutboxStatus.PENDING,
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    __table_args__ = (
        sa.Index("ix_outbox_messages_due", "status", "next_attempt_at"),
        # The messages one address received lately (RECIPIENT_HOURLY_LIMIT).
        sa.Index("ix_outbox_messages_recipient", "recipient", "created_at"),
    )


# One address receives at most this many messages an hour from what anyone on the internet can set
# off (a registration, "send my ticket again"…), whoever sends the forms and from wherever: the
# confirmation email must not become a way to mail a stranger. A message beyond it is kept, not
# sent (FAILED, with HELD_BACK as its reason: the delivery figures and the person's data export show
# it); the registrant sees their ticket on the page that answers the registration anyway. Messages
# the organisers or the platform send (notices, reminders, a seat from the waiting list) are never
# held back, but they count.
RECIPIENT_HOURLY_LIMIT = 5
HELD_BACK = "held back: too many messages to this address in the last hour"


def _sent_lately(recipient: str, now: datetime) -> int:
    """Messages written for `recipient` in the hour before `now`, held-back ones left out."""
    count: int = db.session.execute(
        sa.select(sa.func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.recipient == recipient,
            OutboxMessage.created_at > now - timedelta(hours=1),
            sa.or_(OutboxMessage.status != OutboxStatus.FAILED, OutboxMessage.last_error != HELD_BACK),
        )
    ).scalar_one()
    return count


def enqueue(
    *,
    bounded: bool = False,
    recipient: str,
    kind: str,
    language: str,
    subject: str = "",
    body_text: str = "",
    body_html: str | None = None,
    render_from: str | None = None,
    render_args: dict[str, Any] | None = None,
    attachments: list[dict[str, str]] | None = None,
    attachments_from: str | None = None,
    dedupe_key: str | None = None,
    event_id: int | None = None,
    registration_id: int | None = None,
    now: datetime | None = None,
) -> OutboxMessage | None:
    """Write one email to the outbox in the caller's transaction (never sends, never commits).

    `attachments_from` names a renderer registered with `attachment_renderer` that makes the
    message's attachments when it is sent; `render_from` (instead of subject and bodies) one
    registered with `content_renderer` that writes its content then, from `render_args`.
    With a `dedupe_key` already used, nothing is written and None is returned: that makes reminders
    and retried requests idempotent, enforced by the unique index, not by a lookup. A `bounded`
    message (one the public can set off) is written as held back, never sent, once its recipient got
    RECIPIENT_HOURLY_LIMIT messages in the last hour.
    """
    now = now or utcnow()
    message = OutboxMessage(
        recipient=recipient,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        render_from=render_from,
        render_args=render_args,
        attachments=attachments,
        attachments_from=attachments_from,
        kind=kind,
        language=language,
        dedupe_key=dedupe_key,
        event_id=event_id,
        registration_id=registration_id,
        created_at=now,
        next_attempt_at=now,
    )
    if bounded and recipient and _sent_lately(recipient, now) >= RECIPIENT_HOURLY_LIMIT:
        message.status = OutboxStatus.FAILED
        message.last_error = HELD_BACK
    if dedupe_key is None:
        db.session.add(message)
        db.session.flush()
        return message
    try:
        with db.session.begin_nested():
            db.session.add(message)
    except sa.exc.IntegrityError:
        return None
    return message


def attachment(filename: str, content_type: str, data: bytes) -> dict[str, str]:
    return {"filename": filename, "content_type": content_type, "data_b64": base64.b64encode(data).decode()}


class AttachmentsGone(Exception):
    """What a message's content or attachments are made from no longer exists (e.g. the registration
    was erased).

    The message is then never sent: its text was written for what it can no longer carry.
    """


# Renderers by name, registered by the domains at import (core does not import them): each takes
# the message and returns attachment() dicts, or raises AttachmentsGone.
Renderer = Callable[[OutboxMessage], list[dict[str, str]]]
_renderers: dict[str, Renderer] = {}


def attachment_renderer(name: str) -> Callable[[Renderer], Renderer]:
    """Register the decorated function as the renderer `name` of `enqueue(attachments_from=name)`."""

    def register(function: Renderer) -> Renderer:
        _renderers[name] = function
        return function

    return register


# Content renderers by name, registered like attachment renderers: each takes the message (its
# `render_args`) and returns its subject and bodies, or raises AttachmentsGone.
ContentRenderer = Callable[[OutboxMessage], RenderedEmail]
_content_renderers: dict[str, ContentRenderer] = {}


def content_renderer(name: str) -> Callable[[ContentRenderer], ContentRenderer]:
    """Register the decorated function as the renderer `name` of `enqueue(render_from=name)`."""

    def register(function: ContentRenderer) -> ContentRenderer:
        _content_renderers[name] = function
        return function

    return register


def message_content(message: OutboxMessage) -> RenderedEmail:
    """The message's subject and bodies: as stored, or rendered now. Raises AttachmentsGone."""
    if message.render_from:
        return _content_renderers[message.render_from](message)
    return RenderedEmail(message.subject, message.body_text, message.body_html)


def message_attachments(message: OutboxMessage) -> list[dict[str, str]]:
    """The stored attachments followed by those rendered now. Raises AttachmentsGone."""
    items = list(message.attachments or [])
    if message.attachments_from:
        items += _renderers[message.attachments_from](message)
    return items


# -- delivery -------------------------------------------------------------------------------------
#
# Exactly-once as far as a database and an SMTP server allow:
# - a worker *claims* due messages in a short transaction of its own: it bumps `attempts` and moves
#   `next_attempt_at` forward by a lease, so no other worker picks them while it sends. On
#   PostgreSQL the claim reads with `FOR UPDATE SKIP LOCKED`, so concurrent workers take disjoint
#   rows without waiting; on SQLite every transaction starts with BEGIN IMMEDIATE (core/db.py), so
#   claims are serialised by the database write lock and the second worker sees the moved lease.
# - after sending, the row is marked SENT (or rescheduled with exponential backoff, or FAILED after
#   the last attempt) in a second transaction.
# - the only window for a duplicate is a worker dying between the SMTP server's "250 OK" and that
#   second commit: the lease then expires and the message goes again. The Message-ID is stable per
#   row, so mail clients collapse such a duplicate.


MAX_ATTEMPTS = 8  # 1 + 2 + 4 + … + 64 minutes: a bit over two hours of SMTP outage
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=1)
SMTP_TIMEOUT = 20  # seconds per SMTP operation
CLAIM_BATCH = 10
# Longer than a whole batch can take (CLAIM_BATCH x connect + send timeouts), so a lease never
# expires under a worker that is still sending.
LEASE = timedelta(seconds=CLAIM_BATCH * SMTP_TIMEOUT * 3)


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        return self.sent + self.retried + self.failed


def backoff(attempts: int) -> timedelta:
    """Delay before the next try after `attempts` failed ones: 1, 2, 4 … minutes, at most an hour."""
    return min(BACKOFF_BASE * (1 << max(attempts - 1, 0)), BACKOFF_CAP)


def claim_due(*, now: datetime, limit: int = CLAIM_BATCH) -> list[int]:
    """Claim up to `limit` due messages for this worker and commit the claim. Returns their ids."""
    query = (
        sa.select(OutboxMessage.id)
        .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    with transaction():  # on SQLite: BEGIN IMMEDIATE, the write lock serialises claims
        ids = list(db.session.scalars(query))
        if ids:
            db.session.execute(
                sa.update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids), OutboxMessage.status == OutboxStatus.PENDING)
                .values(attempts=OutboxMessage.attempts + 1, next_attempt_at=now + LEASE)
                .execution_options(synchronize_session=False)
            )
    return ids


class _Connection(flask_mail.Connection):
    """Flask-Mail's connection with a socket timeout, so a stuck SMTP server cannot hang a worker."""

    def configure_host(self) -> smtplib.SMTP:
        mail = self.mail
        smtp_class = smtplib.SMTP_SSL if mail.use_ssl else smtplib.SMTP
        host = smtp_class(mail.server, mail.port, timeout=SMTP_TIMEOUT)
        if mail.use_tls:
            host.starttls()
        if mail.username and mail.password:
            host.login(mail.username, mail.password)
        return host


def build_mail(message: OutboxMessage, sender: str, content: RenderedEmail | None = None) -> flask_mail.Message:
    """The email to send (renders deferred content and attachments: raises AttachmentsGone)."""
    content = content or message_content(message)
    mail = flask_mail.Message(
        subject=content.subject,
        recipients=[message.recipient],
        body=content.text,
        html=content.html,
        sender=sender,
    )
    domain = sender.rsplit("@", 1)[-1].strip(">") or "localhost"
    mail.msgId = f"<outbox-{message.id}-{message.created_at:%Y%m%d%H%M%S}@{domain}>"
    for item in message_attachments(message):
        mail.attach(item["filename"], item["content_type"], base64.b64decode(item["data_b64"]))
    return mail


def _finish(
    message_id: int, *, now: datetime, error: str | None, max_attempts: int, rendered: RenderedEmail | None = None
) -> OutboxStatus:
    with transaction():
        message = db.session.get_one(OutboxMessage, message_id)
        if rendered is not None and message.render_from:  # what was sent is what the row keeps
            message.subject, message.body_text, message.body_html = rendered.subject, rendered.text, rendered.html
            message.render_from = message.render_args = None
        if error is None:
            message.status = OutboxStatus.SENT
            message.sent_at = now
            message.last_error = None
        elif message.attempts >= max_attempts:
            message.status = OutboxStatus.FAILED
            message.last_error = error[:500]
        else:
            message.next_attempt_at = now + backoff(message.attempts)
            message.last_error = error[:500]
        return message.status


def send_due(
    *,
    now: datetime | None = None,
    limit: int = CLAIM_BATCH,
    max_attempts: int = MAX_ATTEMPTS,
    dev_mailbox: bool | None = None,
) -> DeliveryReport:
    """Claim and deliver one batch of due messages; commits as it goes.

    Never raises because of one message: SMTP and network errors are retried with backoff; any
    other error while building or sending a message marks that message FAILED at once (logged
    without personal data) and the batch goes on.

    With `dev_mailbox` (default: the MAIL_DEV_MAILBOX setting) nothing goes to SMTP: messages are
    marked delivered and stay readable on the development mailbox page.
    """
    from eventapp.core.time import utcnow

    report = DeliveryReport()
    if dev_mailbox is None:
        dev_mailbox = current_app.config.get("MAIL_DEV_MAILBOX", False)
    claimed = claim_due(now=now or utcnow(), limit=limit)
    if not claimed:
        return report
    state = current_app.extensions["mail"]
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    connection = None
    try:
        for message_id in claimed:
            message = db.session.get_one(OutboxMessage, message_id)
            error = None
            attempts_allowed = max_attempts
            rendered = None
            if not message.recipient:
                error = "no recipient (erased)"
                attempts_allowed = 0  # give up at once: there is nobody to send it to
            else:
                try:
                    # Also for the development mailbox, which shows what the row keeps.
                    rendered = message_content(message) if message.render_from else None
                    if not dev_mailbox and not state.suppress:
                        mail = build_mail(message, sender, rendered)
                        if connection is None:
                            connection = _Connection(state).__enter__()
                        connection.send(mail)
                except AttachmentsGone as exc:
                    error = f"attachments gone: {exc}"
                    attempts_allowed = 0  # it will not come back
                except (smtplib.SMTPException, OSError) as exc:
                    error = f"{type(exc).__name__}: {exc}"
                    if connection is not None:
                        _close_quietly(connection)
                        connection = None
                except Exception as exc:  # one message must not stop the others
                    # Not a delivery problem but one of this message (an address smtplib cannot
                    # encode, a renderer's bug…): retrying would fail the same way, so give up on
                    # it and go on with the batch. The SMTP dialogue may be left half-way: reconnect.
                    error = f"unexpected {type(exc).__name__}"
                    attempts_allowed = 0
                    _log_unexpected(message_id, exc)
                    if connection is not None:
                        _close_quietly(connection)
                        connection = None
            status = _finish(
                message_id, now=now or utcnow(), error=error, max_attempts=attempts_allowed, rendered=rendered
            )
            if status == OutboxStatus.SENT:
                report.sent += 1
            elif status == OutboxStatus.FAILED:
                report.failed += 1
            else:
                report.retried += 1
    finally:
        if connection is not None:
            _close_quietly(connection)
    return report


def _log_unexpected(message_id: int, exc: Exception) -> None:
    """Log where sending a message failed, without the exception's text or the message's content:
    both may hold the recipient's address (e.g. UnicodeEncodeError quotes its characters)."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = " < ".join(f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno} {frame.name}" for frame in frames[::-1][:4])
    current_app.logger.error("outbox message %s failed, not retried: %s at %s", message_id, type(exc).__name__, where)


def _close_quietly(connection: _Connection) -> None:
    try:
        if connection.host is not None:
            connection.host.quit()
    except (smtplib.SMTPException, OSError):
        if connection.host is not None:
            connection.host.close()
