"""Admission: counting people of a ticket in, exactly once, and writing their check-in.

The registration's counter (`checked_in_people`, for the door day `checked_in_on`) is written here and
by the undo (checkin/undo.py) only: the tickets domain is the one writer of admissions.
"""

from datetime import date
from typing import Any

import sqlalchemy as sa

from eventapp.core.db import table_of
from eventapp.extensions import db
from eventapp.registration.models import Registration, RegistrationStatus
from eventapp.tickets.checkin.scan import CheckInResult, Scan, show_previous
from eventapp.tickets.checkin.ticket import DoorTicket, read_admission_before
from eventapp.tickets.days import door_day_bounds
from eventapp.tickets.models import CheckIn

# Admits `people` on `day` unless that would pass the seats: the row's current values decide, not what
# was read. The first admission of a new day starts the count again; a day before the one counted (an
# offline scan uploaded late) never rewrites it (`admit` counts those from their day's check-ins).
_DAY = sa.bindparam("day", type_=sa.Date)
_ADMIT_PEOPLE = sa.bindparam("people", type_=sa.Integer)
_ADMIT = (
    sa.update(table_of(Registration))
    .where(
        Registration.id == sa.bindparam("registration_id"),
        Registration.status == RegistrationStatus.CONFIRMED,
        sa.or_(Registration.checked_in_on.is_(None), Registration.checked_in_on <= _DAY),
        Registration.admitted_on(_DAY) + _ADMIT_PEOPLE <= Registration.seats,
    )
    .values(checked_in_people=Registration.admitted_on(_DAY) + _ADMIT_PEOPLE, checked_in_on=_DAY)
    .returning(Registration.checked_in_people)
)
_check_ins = table_of(CheckIn)
_INSERT_CHECK_IN = sa.insert(_check_ins)


def _admit_and_log() -> sa.Select[int]:
    """PostgreSQL: `_ADMIT` and the check-in it makes, in one statement (data-modifying CTEs). The
    check-in is written only if the UPDATE admitted; the admitted total is returned, or no row.
    The check-in's values are passed as `check_in_<column>`: a parameter named like a column of
    registrations would be added to the UPDATE's SET clause."""
    admitted = _ADMIT.returning(Registration.id).cte("admitted")

    def value(name: str) -> sa.BindParameter[Any]:
        return sa.bindparam(f"check_in_{name}", type_=_check_ins.c[name].type)

    columns = ["event_id", "registration_id", "scanner_id", "attempt_id", "gate", "people", "scanned_at", "created_at"]
    check_in = sa.insert(_check_ins).from_select(
        columns,
        sa.select(
            value("event_id"),
            admitted.c.id,
            value("scanner_id"),
            value("attempt_id"),
            value("gate"),
            _ADMIT_PEOPLE,
            value("scanned_at"),
            value("created_at"),
        ),
    )
    return sa.select(admitted.c.checked_in_people).add_cte(check_in.cte("check_in"))


_ADMIT_AND_LOG = _admit_and_log()


def admit(
    result: CheckInResult,
    ticket: DoorTicket,
    scan: Scan,
    people: int,
    *,
    attempt_id: int,
    past_day: bool,
    remaining: int,
) -> bool:
    """Count `people` of the ticket in on the scan's day and write their check-in, exactly once, and
    fill in what the scanner shows. False when they no longer fit: another gate, a cancellation or a
    waiting-list move got there since the ticket was read with `remaining` people still to come.

    The database decides with one conditional UPDATE of the registration's counter, so two gates
    scanning the same ticket at the same moment admit it once; on PostgreSQL the check-in is written
    by the same statement. A `past_day` (an offline scan of an earlier day of the event, uploaded
    late) is counted from that day's check-ins under the registration's row lock instead. Flushes,
    never commits.
    """
    connection = db.session.connection()
    check_in = {
        "event_id": scan.event_id,
        "registration_id": ticket.id,
        "scanner_id": scan.scanner_id,
        "attempt_id": attempt_id,
        "gate": scan.gate,
        "people": people,
        "scanned_at": scan.time,
        "created_at": scan.now,
    }
    if past_day:  # that day is over: its count comes from its check-ins, never kept on the registration
        remaining = _people_remaining_on_past_day(ticket, scan.day)
        result.people_remaining = remaining
        admitted_total = ticket.seats - remaining + people if people <= remaining else None
        if admitted_total is not None:
            connection.execute(_INSERT_CHECK_IN, check_in)
    elif connection.dialect.name == "postgresql":
        # The one statement that decides admission, and writes the check-in with it.
        values = {f"check_in_{name}": value for name, value in check_in.items()}
        admitted_total = connection.execute(
            _ADMIT_AND_LOG, {**values, "registration_id": ticket.id, "people": people, "day": scan.day}
        ).scalar_one_or_none()
    else:  # SQLite: no data-modifying CTEs; its writers are serialised, so the two are one step anyway
        admitted_total = connection.execute(
            _ADMIT, {"registration_id": ticket.id, "people": people, "day": scan.day}
        ).scalar_one_or_none()
        if admitted_total is not None:
            connection.execute(_INSERT_CHECK_IN, check_in)
    if admitted_total is None:
        return False
    _expire_loaded_count(ticket.id)
    if admitted_total > people:  # a group arriving in parts: show when the first ones came
        # As read with the ticket, unless another gate admitted some of them since.
        came_before = ticket.seats - remaining == admitted_total - people
        show_previous(result, ticket.latest_admission if came_before else read_admission_before(ticket.id, attempt_id))
    result.people, result.people_remaining = people, ticket.seats - admitted_total
    result.sessions = ticket.sessions
    return True


def _admitted_on_past_day(registration_id: int, day: date) -> int:
    """People of a registration admitted on a past `day`, from its check-ins (the count on the
    registration is kept for its latest day only)."""
    start, end = door_day_bounds(day)
    return db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(CheckIn.people), 0)).where(
            CheckIn.registration_id == registration_id,
            CheckIn.undone_at.is_(None),
            CheckIn.scanned_at >= start,
            CheckIn.scanned_at < end,
        )
    ).scalar_one()


def _people_remaining_on_past_day(ticket: DoorTicket, day: date) -> int:
    """The people still to come on a past `day`, read again under the registration's row lock: two
    late uploads of that day's scans (two phones back online at once) must not both find room, and
    no single UPDATE decides for a past day. (SQLite's writers are serialised anyway.)"""
    db.session.execute(sa.select(Registration.id).where(Registration.id == ticket.id).with_for_update())
    return ticket.seats - _admitted_on_past_day(ticket.id, day)


def _expire_loaded_count(registration_id: int) -> None:
    """The admitting UPDATE bypasses the ORM: a Registration the caller loaded in this session (the
    back-office's manual check-in) rereads its count instead of showing the one before the scan."""
    loaded = db.session.identity_map.get(Registration.__mapper__.identity_key_from_primary_key((registration_id,)))
    if loaded is not None:
        db.session.expire(loaded, ["checked_in_people", "checked_in_on"])
