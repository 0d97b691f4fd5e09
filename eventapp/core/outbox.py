"""The outbox: emails are rows written in the same transaction as the change that causes them.

A worker (`flask --app wsgi outbox send`) delivers them after commit; nothing is sent from a request.
"""

import base64
import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from eventapp.core.time import utcnow
from eventapp.extensions import db


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up after the last retry


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body_text: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str | None] = mapped_column(sa.Text)
    # [{"filename": ..., "content_type": ..., "data_b64": ...}]
    attachments: Mapped[list | None] = mapped_column(sa.JSON)
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
        sa.Enum(OutboxStatus, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=OutboxStatus.PENDING,
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    __table_args__ = (sa.Index("ix_outbox_messages_due", "status", "next_attempt_at"),)


def enqueue(
    *,
    recipient: str,
    subject: str,
    body_text: str,
    kind: str,
    language: str,
    body_html: str | None = None,
    attachments: list[dict] | None = None,
    dedupe_key: str | None = None,
    event_id: int | None = None,
    registration_id: int | None = None,
    now: datetime | None = None,
) -> OutboxMessage | None:
    """Write one email to the outbox in the caller's transaction (never sends, never commits).

    With a `dedupe_key` already used, nothing is written and None is returned: that makes
    reminders and retried requests idempotent, enforced by the unique index, not by a lookup.
    """
    message = OutboxMessage(
        recipient=recipient,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        attachments=attachments,
        kind=kind,
        language=language,
        dedupe_key=dedupe_key,
        event_id=event_id,
        registration_id=registration_id,
        created_at=now or utcnow(),
        next_attempt_at=now or utcnow(),
    )
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


def attachment(filename: str, content_type: str, data: bytes) -> dict:
    return {"filename": filename, "content_type": content_type, "data_b64": base64.b64encode(data).decode()}
