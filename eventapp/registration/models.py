"""Registrations (confirmed, waitlisted, cancelled) and the sessions each one chose."""

import enum
from datetime import date, datetime
from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventapp.core.db import str_enum
from eventapp.core.time import utcnow
from eventapp.events.models import Event, EventStatus, Session
from eventapp.extensions import Model


class RegistrationStatus(enum.StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


class Audience(enum.StrEnum):
    RESIDENT = "resident"
    CIVIL_SOCIETY = "civil_society"
    BUSINESS = "business"
    PROFESSIONAL = "professional"  # education or culture professional
    OTHER = "other"


class Registration(Model):
    __tablename__ = "registrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[UUID] = mapped_column(sa.Uuid, unique=True, default=uuid4)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id"), index=True)
    status: Mapped[RegistrationStatus] = mapped_column(str_enum(RegistrationStatus))

    # Personal data (anonymised by erasure and retention: name and email become empty).
    name: Mapped[str] = mapped_column(sa.String(120))
    # Lower-cased; "" once anonymised.
    email: Mapped[str] = mapped_column(sa.String(254))
    language: Mapped[str] = mapped_column(sa.String(2), default="fr")
    audience: Mapped[Audience | None] = mapped_column(str_enum(Audience))
    # NIS code of a Brussels commune, "outside" for outside Brussels, NULL if not given.
    commune: Mapped[str | None] = mapped_column(sa.String(10))
    accessibility_needs: Mapped[str] = mapped_column(sa.String(500), default="")
    consent_at: Mapped[datetime]
    consent_version: Mapped[str] = mapped_column(sa.String(20))

    seats: Mapped[int] = mapped_column(default=1)
    # People of this registration admitted at the door (partial arrival of groups) on the door day
    # `checked_in_on` (eventapp/tickets/days.py): an event over several days admits a ticket once a
    # day, so the first admission of a new day starts the count again. NULL (no admission yet, or a
    # count set before days were kept): the count holds whatever the day. `admitted_on()` is the
    # count for a given day, in SQL.
    checked_in_people: Mapped[int] = mapped_column(default=0)
    checked_in_on: Mapped[date | None]

    # Random seeds from which manage link, ticket code and ticket page token are derived
    # (eventapp.core.tokens); the digests are what lookups use.
    secret_seed: Mapped[str] = mapped_column(sa.String(64))
    manage_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    ticket_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    feed_seed: Mapped[str | None] = mapped_column(sa.String(64))
    feed_digest: Mapped[str | None] = mapped_column(sa.String(64), unique=True)

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Waiting-list order: the time the registration (re)joined the list.
    waitlisted_at: Mapped[datetime | None]
    confirmed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    anonymised_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    event: Mapped[Event] = relationship()
    session_choices: Mapped[list["RegistrationSession"]] = relationship(
        back_populates="registration", cascade="all, delete-orphan"
    )

    @classmethod
    def admitted_on(cls, day) -> sa.ColumnElement[int]:
        """SQL: the people of the registration admitted on `day` (a date, or a bind parameter)."""
        same_day = sa.or_(cls.checked_in_on.is_(None), cls.checked_in_on == day)
        return sa.case((same_day, cls.checked_in_people), else_=0)

    def admitted_on_day(self, day: date) -> int:
        """`admitted_on` for a registration already loaded."""
        return self.checked_in_people if self.checked_in_on in (None, day) else 0

    __table_args__ = (
        sa.CheckConstraint("seats >= 1", name="seats_positive"),
        sa.CheckConstraint("checked_in_people >= 0 AND checked_in_people <= seats", name="checked_in_within_seats"),
        # One active registration per email and event (cancelled and anonymised ones do not count).
        sa.Index(
            "uq_registrations_active_email",
            "event_id",
            "email",
            unique=True,
            sqlite_where=sa.text("status != 'cancelled' AND email != ''"),
            postgresql_where=sa.text("status != 'cancelled' AND email != ''"),
        ),
        sa.Index("ix_registrations_waitlist", "event_id", "status", "waitlisted_at"),
        # PostgreSQL: room on each page for a row's new version, so that admitting at the door (and
        # any change of columns no index holds) is an update in place, without a new entry in each
        # of the table's eight indexes (measured: a third less WAL per valid scan).
        {"postgresql_with": {"fillfactor": 80}},
    )

    @property
    def has_valid_ticket(self) -> bool:
        """Confirmed for an event that still takes place: what the ticket, calendar and door links need."""
        return self.status == RegistrationStatus.CONFIRMED and self.event.status != EventStatus.CANCELLED

    @property
    def sessions(self) -> list[Session]:
        return [choice.session for choice in self.session_choices]


class RegistrationSession(Model):
    __tablename__ = "registration_sessions"

    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registrations.id", ondelete="CASCADE"), primary_key=True
    )
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True)
    # Whether this choice holds one of the session's own seats (sessions with their own capacity).
    holds_seat: Mapped[bool] = mapped_column(default=False)

    registration: Mapped[Registration] = relationship(back_populates="session_choices")
    session: Mapped[Session] = relationship()
