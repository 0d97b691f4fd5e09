"""Organiser accounts and their assignment to events. Door scanners are not accounts."""

import enum
import hashlib
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column

from eventapp.core.db import str_enum
from eventapp.core.time import utcnow
from eventapp.extensions import Model


class Role(enum.StrEnum):
    ADMIN = "admin"
    ORGANISER = "organiser"


class User(UserMixin, Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[Role] = mapped_column(
        str_enum(Role),
        default=Role.ORGANISER,
    )
    active: Mapped[bool] = mapped_column(default=True)
    language: Mapped[str] = mapped_column(sa.String(2), default="fr")
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    # The 30-second time step of the last code accepted: a code works once, even within its window.
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)
    # Part of the session marker: bumped when the account is deactivated, so a reactivated account's
    # old sessions stay dead (the person logs in again).
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def session_marker(self) -> str:
        """Changes with the password hash and the session epoch, so a password change or reset ends
        every other session, and a deactivation ends them all for good."""
        return hashlib.sha256(f"{self.session_epoch}:{self.password_hash}".encode()).hexdigest()[:16]

    def get_id(self) -> str:  # Flask-Login stores this in the session cookie
        return f"{self.id}:{self.session_marker}"

    def is_locked(self, now: datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now


class EventOrganiser(Model):
    """An organiser may manage only the events they are assigned to."""

    __tablename__ = "event_organisers"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)


class PasswordResetToken(Model):
    """A single-use, expiring password reset link. Only the SHA-256 digest of the token is stored."""

    __tablename__ = "password_reset_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class AuditEntry(Model):
    """Who did what, when: one row per organiser action (kept when the user or event is deleted)."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # A copy, so the log still says who it was after the account is gone.
    actor_email: Mapped[str] = mapped_column(sa.String(254), default="")
    # Dotted verb, e.g. "event.published", "attendees.exported".
    action: Mapped[str] = mapped_column(sa.String(60), index=True)
    event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("events.id", ondelete="SET NULL"), index=True)
    # Human-readable object of the action (an event slug, a venue slug, an email…).
    target: Mapped[str] = mapped_column(sa.String(200), default="")
    details: Mapped[dict | None] = mapped_column(sa.JSON)
