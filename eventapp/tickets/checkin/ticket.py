"""Finding the ticket a scan names, and what it is worth at this door (the verdict).

A scan reads the ticket as plain values in one statement, with its sessions and its latest admission:
building ORM objects was the largest cost of a scan (bench/README.md, "Door scanning"). The door's
busiest requests run prepared statements: building and compiling a statement for each scan costs 0.1
to 0.5 ms, more than the database takes to run it.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple

import sqlalchemy as sa

from eventapp.core.tokens import digest, same
from eventapp.events.models import Event, EventStatus, Session
from eventapp.extensions import db
from eventapp.registration.models import Registration, RegistrationSession, RegistrationStatus
from eventapp.tickets.codes import CODE_RE, ticket_code
from eventapp.tickets.days import door_day
from eventapp.tickets.models import CheckIn, ScanResult
from eventapp.tickets.scanners import DoorEvent

_registrations, _sessions, _choices = Registration.__table__, Session.__table__, RegistrationSession.__table__
_check_ins = CheckIn.__table__


def _latest_admission_id(registration_id: sa.ColumnElement[Any]) -> sa.ScalarSelect[int]:
    """The id of a ticket's latest admission still standing (not undone)."""
    admissions = _check_ins.alias("admissions")  # not the outer query's check_ins
    return (
        sa.select(admissions.c.id)
        .where(admissions.c.registration_id == registration_id, admissions.c.undone_at.is_(None))
        .order_by(admissions.c.scanned_at.desc(), admissions.c.id.desc())
        .limit(1)
        .correlate_except(admissions)
        .scalar_subquery()
    )


def _ticket_query(condition: sa.ColumnElement[bool]) -> sa.Select[*tuple[Any, ...]]:
    """A registration as the door sees it, with its latest admission and one row per session it chose
    (one row if none): everything a scan shows, in one statement."""
    return (
        sa.select(
            _registrations.c.id,
            _registrations.c.event_id,
            _registrations.c.status,
            _registrations.c.name,
            _registrations.c.seats,
            _registrations.c.checked_in_people,
            _registrations.c.checked_in_on,
            _registrations.c.secret_seed,
            _check_ins.c.id.label("admission_id"),
            _check_ins.c.scanned_at.label("admitted_at"),
            _check_ins.c.gate.label("admitted_gate"),
            _check_ins.c.people.label("admitted_people"),
            _sessions.c.title_fr,
            _sessions.c.title_nl,
            _sessions.c.title_en,
            _sessions.c.starts_at,
            _sessions.c.ends_at,
            _sessions.c.room,
        )
        .select_from(_registrations)
        .outerjoin(_check_ins, _check_ins.c.id == _latest_admission_id(_registrations.c.id))
        .outerjoin(_choices, _choices.c.registration_id == _registrations.c.id)
        .outerjoin(_sessions, _sessions.c.id == _choices.c.session_id)
        .where(condition)
        .order_by(_sessions.c.starts_at, _sessions.c.id)
    )


_TICKET_BY_DIGEST = _ticket_query(_registrations.c.ticket_digest == sa.bindparam("digest"))
# The latest admission of a ticket still standing: which, when and where it came in, for how many.
_LATEST_CHECK_IN = sa.select(
    _check_ins.c.id.label("admission_id"),
    _check_ins.c.scanned_at.label("admitted_at"),
    _check_ins.c.gate.label("admitted_gate"),
    _check_ins.c.people.label("admitted_people"),
).where(_check_ins.c.id == _latest_admission_id(sa.bindparam("registration_id")))


class Admission(NamedTuple):
    """A ticket's latest admission still standing."""

    id: int
    scanned_at: datetime
    gate: str
    people: int

    @classmethod
    def from_row(cls, row: sa.Row[*tuple[Any, ...]] | None) -> "Admission | None":
        if row is None or row.admission_id is None:
            return None
        return cls(row.admission_id, row.admitted_at, row.admitted_gate, row.admitted_people)


class DoorSession(NamedTuple):
    """A session the ticket holder chose, as the scanner shows it."""

    title_fr: str
    title_nl: str
    title_en: str
    starts_at: datetime
    ends_at: datetime
    room: str


@dataclass(frozen=True)
class DoorTicket:
    """A registration as the door sees it: plain values read in one statement with its sessions, since
    building ORM objects was the largest cost of a scan (bench/README.md, "Door scanning")."""

    id: int
    event_id: int
    status: RegistrationStatus
    name: str
    seats: int
    checked_in_people: int
    checked_in_on: date | None  # the day checked_in_people counts (see Registration)
    secret_seed: str = field(repr=False)
    latest_admission: Admission | None
    sessions: tuple[DoorSession, ...]

    @classmethod
    def from_rows(cls, rows: Sequence[sa.Row[*tuple[Any, ...]]]) -> "DoorTicket | None":
        if not rows:
            return None
        first = rows[0]
        return cls(
            id=first.id,
            event_id=first.event_id,
            status=first.status,
            name=first.name,
            seats=first.seats,
            checked_in_people=first.checked_in_people,
            checked_in_on=first.checked_in_on,
            secret_seed=first.secret_seed,
            latest_admission=Admission.from_row(first),
            sessions=tuple(
                DoorSession(row.title_fr, row.title_nl, row.title_en, row.starts_at, row.ends_at, row.room)
                for row in rows
                if row.starts_at is not None
            ),
        )

    def people_remaining(self, day: date) -> int:
        """People of the ticket still to come on `day` (an event over several days admits it each day)."""
        return self.seats - (self.checked_in_people if self.checked_in_on in (None, day) else 0)


def find_ticket(code: str, key: str) -> DoorTicket | None:
    """The ticket this normalised code is, or None for a code this key did not mint."""
    if not CODE_RE.match(code):
        return None  # not worth a database lookup
    connection = db.session.connection()
    ticket = DoorTicket.from_rows(connection.execute(_TICKET_BY_DIGEST, {"digest": digest(code)}).all())
    # The digest found it; the code must also be the one this key minted from the seed.
    if ticket is not None and not same(ticket_code(key, ticket.secret_seed), code):
        return None
    return ticket


def read_ticket(registration_id: int) -> DoorTicket | None:
    return _read_ticket(_registrations.c.id == registration_id)


def read_ticket_by_digest(code_digest: str) -> DoorTicket | None:
    return _read_ticket(_registrations.c.ticket_digest == code_digest)


def _read_ticket(condition: sa.ColumnElement[bool]) -> DoorTicket | None:
    return DoorTicket.from_rows(db.session.connection().execute(_ticket_query(condition)).all())


def read_latest_admission(registration_id: int) -> Admission | None:
    row = db.session.connection().execute(_LATEST_CHECK_IN, {"registration_id": registration_id}).first()
    return Admission.from_row(row)


def verdict(ticket: DoorTicket | None, event: Event | DoorEvent, scan_time: datetime) -> ScanResult:
    """What the ticket is worth at this event's door, before counting the people already in."""
    if ticket is None:
        return ScanResult.INVALID
    if ticket.event_id != event.id:
        return ScanResult.WRONG_EVENT
    if ticket.status == RegistrationStatus.CANCELLED or event.status == EventStatus.CANCELLED:
        return ScanResult.CANCELLED
    if ticket.status == RegistrationStatus.WAITLISTED:
        return ScanResult.WAITLISTED
    if not _is_event_day(event, scan_time):
        return ScanResult.NOT_TODAY
    return ScanResult.OK


def _is_event_day(event: Event | DoorEvent, when: datetime) -> bool:
    # Door days, as the counts: an evening going past midnight is still its event's day.
    return door_day(event.starts_at) <= door_day(when) <= door_day(event.ends_at)
