"""Finding the ticket a scan names, and what it is worth at this door (the verdict).

The verdict is worked out in SQL (`judgement`), by the statement that logs the scan (checkin.scan):
the ticket is found, judged and its scan logged in one statement, as plain values, since building
ORM objects was the largest cost of a scan (bench/README.md, "Door scanning"). The door's statements
are built once: building and compiling a statement for each scan costs 0.1 to 0.5 ms, more than the
database takes to run it.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.visitors import InternalTraversal

from eventapp.core.tokens import same
from eventapp.events.models import Event, EventStatus, Session
from eventapp.extensions import db
from eventapp.registration.models import Registration, RegistrationSession, RegistrationStatus
from eventapp.tickets.codes import ticket_code
from eventapp.tickets.days import door_day, door_day_bounds
from eventapp.tickets.models import CheckIn, ScanResult
from eventapp.tickets.scanners import DoorEvent

_registrations, _sessions, _choices = Registration.__table__, Session.__table__, RegistrationSession.__table__
_check_ins = CheckIn.__table__


def _latest_admission_id(
    registration_id: sa.ColumnElement[Any], *, other_than_attempt: sa.ColumnElement[Any] | None = None
) -> sa.ScalarSelect[int]:
    """The id of a ticket's latest admission still standing (not undone), if given not the one made by
    the scan `other_than_attempt`."""
    admissions = _check_ins.alias("admissions")  # not the outer query's check_ins
    also = [] if other_than_attempt is None else [admissions.c.attempt_id != other_than_attempt]
    return (
        sa.select(admissions.c.id)
        .where(admissions.c.registration_id == registration_id, admissions.c.undone_at.is_(None), *also)
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


def _admission_query(admission_id: sa.ScalarSelect[int]) -> sa.Select[*tuple[Any, ...]]:
    """An admission: which, when and where it came in, for how many."""
    return sa.select(
        _check_ins.c.id.label("admission_id"),
        _check_ins.c.scanned_at.label("admitted_at"),
        _check_ins.c.gate.label("admitted_gate"),
        _check_ins.c.people.label("admitted_people"),
    ).where(_check_ins.c.id == admission_id)


_LATEST_CHECK_IN = _admission_query(_latest_admission_id(sa.bindparam("registration_id")))
_ADMISSION_BEFORE = _admission_query(
    _latest_admission_id(sa.bindparam("registration_id"), other_than_attempt=sa.bindparam("attempt_id"))
)


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
    def from_claim(cls, row: sa.Row[*tuple[Any, ...]], sessions: tuple[DoorSession, ...]) -> "DoorTicket | None":
        """The ticket as the statement that logged its scan read it (checkin.scan)."""
        if row.registration_id is None:
            return None
        return cls(
            id=row.registration_id,
            event_id=row.event_id,
            status=RegistrationStatus(row.status),
            name=row.name,
            seats=row.seats,
            checked_in_people=row.checked_in_people,
            checked_in_on=row.checked_in_on,
            secret_seed=row.secret_seed,
            latest_admission=Admission.from_row(row),
            sessions=sessions,
        )

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


# The registration's columns the statement that logs a scan returns, beside its people still to come
# on the scan's day and whether it chose sessions (read again only then, for their titles).
TICKET_COLUMNS = ("event_id", "status", "name", "seats", "checked_in_people", "checked_in_on", "secret_seed")


class _Qualified(sa.ColumnElement[Any]):
    """A subquery inside RETURNING with its columns named by their tables: SQLite's compiler leaves
    them bare there (right for the returned table's own columns), which would make `id` in a
    subquery on registrations ambiguous with the logged scan's."""

    # Part of the statement's cache key: without one, SQLAlchemy compiles the statement on every scan.
    _traverse_internals = [("subquery", InternalTraversal.dp_clauseelement)]

    def __init__(self, subquery: sa.ColumnElement[Any]):
        self.subquery = subquery
        self.type = subquery.type


@compiles(_Qualified)
def _compile_qualified(element: _Qualified, compiler: Any, **kw: Any) -> str:
    kw.pop("include_table", None)
    return str(compiler.process(element.subquery, **kw))


def _returned(query: sa.Select[Any], name: str) -> sa.Label[Any]:
    return _Qualified(query.scalar_subquery()).label(name)


def ticket_column(registration_id: sa.ColumnElement[Any], name: str) -> sa.Label[Any]:
    """A column of the registration `registration_id` names, as a scalar subquery (for RETURNING)."""
    if name == "remaining":
        column: sa.ColumnElement[Any] = _people_remaining()
    elif name == "has_sessions":
        return _Qualified(sa.exists().where(_choices.c.registration_id == registration_id)).label(name)
    else:
        column = _registrations.c[name]
    return _returned(sa.select(column).where(_registrations.c.id == registration_id), name)


def latest_admission_of(registration_id: sa.ColumnElement[Any]) -> list[sa.Label[Any]]:
    """The columns Admission.from_row reads, of the registration's latest admission (for RETURNING)."""
    latest = _latest_admission_id(registration_id)
    return [
        _returned(sa.select(_check_ins.c[column]).where(_check_ins.c.id == latest), label)
        for column, label in (
            ("id", "admission_id"),
            ("scanned_at", "admitted_at"),
            ("gate", "admitted_gate"),
            ("people", "admitted_people"),
        )
    ]


def minted_with(key: str, code: str, ticket: DoorTicket) -> bool:
    """Whether `code` is the one `key` mints from the ticket's seed: the digest found the ticket, but a
    code minted with an earlier key (before SECRET_KEY was rotated) no longer opens the door. SQL
    cannot compute this HMAC, so it is checked once the ticket is read."""
    return same(ticket_code(key, ticket.secret_seed), code)


def read_ticket(registration_id: int) -> DoorTicket | None:
    return _read_ticket(_registrations.c.id == registration_id)


def read_ticket_by_digest(code_digest: str) -> DoorTicket | None:
    return _read_ticket(_registrations.c.ticket_digest == code_digest)


def _read_ticket(condition: sa.ColumnElement[bool]) -> DoorTicket | None:
    return DoorTicket.from_rows(db.session.connection().execute(_ticket_query(condition)).all())


def read_latest_admission(registration_id: int) -> Admission | None:
    row = db.session.connection().execute(_LATEST_CHECK_IN, {"registration_id": registration_id}).first()
    return Admission.from_row(row)


def read_admission_before(registration_id: int, attempt_id: int) -> Admission | None:
    """The latest admission of a ticket still standing other than the one scan `attempt_id` made."""
    row = (
        db.session.connection()
        .execute(_ADMISSION_BEFORE, {"registration_id": registration_id, "attempt_id": attempt_id})
        .first()
    )
    return Admission.from_row(row)


# What a scan is judged by, beside the ticket's row: the event (from the scanner's snapshot) and the
# scan's door day, with its bounds for counting a past day's people from its check-ins.
_DAY = sa.bindparam("day", type_=sa.Date)
_EVENT_ID = sa.bindparam("event_id", type_=sa.Integer)
_EVENT_CANCELLED = sa.bindparam("event_cancelled", type_=sa.Boolean)
_EVENT_DAY = sa.bindparam("event_day", type_=sa.Boolean)
_PEOPLE = sa.bindparam("people", type_=sa.Integer)  # asked for; NULL admits all the people still to come
_DAY_START = sa.bindparam("day_start", type_=_check_ins.c.scanned_at.type)
_DAY_END = sa.bindparam("day_end", type_=_check_ins.c.scanned_at.type)


def judgement_params(event: Event | DoorEvent, scan_time: datetime, people: int | None) -> dict[str, Any]:
    """The values `judgement` takes for a scan at `event`'s door at `scan_time`."""
    day = door_day(scan_time)
    start, end = door_day_bounds(day)
    return {
        "event_id": event.id,
        "event_cancelled": event.status == EventStatus.CANCELLED,
        "event_day": door_day(event.starts_at) <= day <= door_day(event.ends_at),
        "day": day,
        "day_start": start,
        "day_end": end,
        "people": people,
    }


def _people_remaining() -> sa.ColumnElement[int]:
    """People of the ticket still to come on the scan's day. The registration counts its latest day
    only: an earlier day (an offline scan uploaded late) is counted from that day's check-ins."""
    past = _check_ins.alias("past")
    on_past_day = (
        sa.select(sa.func.coalesce(sa.func.sum(past.c.people), 0))
        .where(
            past.c.registration_id == _registrations.c.id,
            past.c.undone_at.is_(None),
            past.c.scanned_at >= _DAY_START,
            past.c.scanned_at < _DAY_END,
        )
        .scalar_subquery()
    )
    counted_on = _registrations.c.checked_in_on
    admitted = sa.case(
        (sa.or_(counted_on.is_(None), counted_on == _DAY), _registrations.c.checked_in_people),
        (counted_on < _DAY, 0),
        else_=on_past_day,
    )
    return _registrations.c.seats - admitted


def judgement(lookup: sa.ColumnElement[bool]) -> sa.Select[*tuple[Any, ...]]:
    """One row for the ticket `lookup` finds among registrations, or for none: its id (NULL: no
    ticket), the verdict at this door, the people a valid scan admits, and the people still to come.

    The verdict, in this order: no ticket is invalid; a ticket of another event is wrong_event; a
    cancelled ticket or event, cancelled; a waitlisted ticket, waitlisted; a day the event does not
    run, not_today; a ticket with fewer people left than asked (or none), already_checked_in; else ok.
    The admission itself is decided later by the conditional UPDATE (checkin.admit), on the row's
    values then.
    """
    remaining = _people_remaining()
    verdict = sa.case(
        (_registrations.c.id.is_(None), ScanResult.INVALID.value),
        (_registrations.c.event_id != _EVENT_ID, ScanResult.WRONG_EVENT.value),
        (sa.or_(_registrations.c.status == RegistrationStatus.CANCELLED, _EVENT_CANCELLED), ScanResult.CANCELLED.value),
        (_registrations.c.status == RegistrationStatus.WAITLISTED, ScanResult.WAITLISTED.value),
        (sa.not_(_EVENT_DAY), ScanResult.NOT_TODAY.value),
        (remaining < sa.func.coalesce(_PEOPLE, 1), ScanResult.ALREADY_CHECKED_IN.value),
        else_=ScanResult.OK.value,
    )
    scan = sa.select(sa.literal(1, sa.Integer).label("one")).subquery("scan")
    return sa.select(
        _registrations.c.id.label("registration_id"),
        verdict.label("verdict"),
        sa.func.coalesce(_PEOPLE, remaining).label("wanted"),
        remaining.label("remaining"),
    ).select_from(scan.outerjoin(_registrations, lookup))


# The ticket a scan names by its digest; an erased registration has no ticket any more.
_BY_DIGEST = sa.and_(
    _registrations.c.ticket_digest == sa.bindparam("code_digest", type_=sa.String),
    _registrations.c.anonymised_at.is_(None),
)
JUDGEMENT_BY_DIGEST = judgement(_BY_DIGEST)
_JUDGEMENT_BY_ID = judgement(_registrations.c.id == sa.bindparam("registration_id"))


def judge_again(registration_id: int, params: dict[str, Any]) -> tuple[ScanResult, int]:
    """The verdict on a ticket, and its people still to come, as its row says now (after an
    admission that did not happen: another gate, a cancellation or a waiting-list move got there)."""
    row = db.session.connection().execute(_JUDGEMENT_BY_ID, {**params, "registration_id": registration_id}).one()
    return ScanResult(row.verdict), row.remaining
