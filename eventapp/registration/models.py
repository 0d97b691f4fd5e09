"""Registrations (confirmed, waitlisted, cancelled) and the sessions each one chose."""

import enum
from datetime import date, datetime
from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

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


def mailbox_of(email: str) -> str:
    """The mailbox an address reaches: the address without its "+tag" (name+1@… and name+2@… are
    name@…'s, as most mail services deliver them)."""
    local, at, domain = email.rpartition("@")
    return f"{local.split('+', 1)[0]}{at}{domain}"


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
    # The mailbox the address reaches (mailbox_of), kept with it: the per-mailbox limit reads that
    # mailbox's rows through an index instead of every registration of the event.
    mailbox: Mapped[str | None] = mapped_column(sa.String(254))
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
    # When the registrant opened the confirm-address link of an email (and pressed its button): proof
    # that the address is theirs. Participation counts a registered voice only then or once the ticket
    # was let in at the door; a group registration keeps its seats only then (`seats_held_until`).
    email_confirmed_at: Mapped[datetime | None]
    # A registration of more than CONFIRM_ABOVE_SEATS seats from the public form holds its seats until
    # this time unless its address is confirmed; then `release_unconfirmed` gives them back. NULL: not held.
    seats_held_until: Mapped[datetime | None]
    # A keyed digest of the network (/24 or /48) the public form was sent from, kept while the address
    # is unconfirmed (NULL once confirmed, and for registrations made by organisers): the unconfirmed
    # seats of one network are capped per event. Never the address itself.
    network_digest: Mapped[str | None] = mapped_column(sa.String(64))
    # An address change asked on the manage page: `email` becomes this one only once the link sent to
    # it is opened (services.confirm_new_email); lower-cased; NULL when no change waits.
    new_email: Mapped[str | None] = mapped_column(sa.String(254))
    new_email_requested_at: Mapped[datetime | None]
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
        sa.Index("ix_registrations_mailbox", "event_id", "mailbox"),
        # Partial: only registrations waiting for their address to be confirmed are in them.
        sa.Index(
            "ix_registrations_network",
            "event_id",
            "network_digest",
            sqlite_where=sa.text("network_digest IS NOT NULL"),
            postgresql_where=sa.text("network_digest IS NOT NULL"),
        ),
        sa.Index(
            "ix_registrations_held",
            "seats_held_until",
            sqlite_where=sa.text("seats_held_until IS NOT NULL"),
            postgresql_where=sa.text("seats_held_until IS NOT NULL"),
        ),
        # PostgreSQL: room on each page for a row's new version, so that admitting at the door (and
        # any change of columns no index holds) is an update in place, without a new entry in each
        # of the table's eight indexes (measured: a third less WAL per valid scan).
        {"postgresql_with": {"fillfactor": 80}},
    )

    @validates("email")
    def _keep_mailbox(self, key: str, email: str) -> str:
        self.mailbox = mailbox_of(email)
        return email

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
