"""Reads for the door: scanners, live counts, the offline snapshot, duplicates found after the fact."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from eventapp.core.errors import NotFound
from eventapp.core.tokens import digest
from eventapp.events.models import Event
from eventapp.extensions import db
from eventapp.registration.models import Registration, RegistrationStatus
from eventapp.tickets.codes import TICKET_CODE_PREFIX, normalise_code
from eventapp.tickets.days import DAY_STARTS, door_day, door_day_bounds
from eventapp.tickets.models import CheckIn, ScanAttempt, Scanner


def find_registration_by_ticket_code(code: str) -> Registration | None:
    """The registration whose QR holds `code` (any case, surrounding blanks ignored), or None."""
    code = normalise_code(code)
    if not code.startswith(TICKET_CODE_PREFIX):
        return None
    return db.session.scalar(sa.select(Registration).where(Registration.ticket_digest == digest(code)))


def get_event_by_slug(slug: str) -> Event:
    event = db.session.scalar(sa.select(Event).where(Event.slug == slug))
    if event is None:
        raise NotFound()
    return event


def get_scanner(scanner_id: int) -> Scanner:
    scanner = db.session.get(Scanner, scanner_id)
    if scanner is None:
        raise NotFound()
    return scanner


def list_scanners(event: Event) -> list[Scanner]:
    return list(
        db.session.scalars(
            sa.select(Scanner).where(Scanner.event_id == event.id).order_by(Scanner.revoked_at.is_not(None), Scanner.id)
        )
    )


@dataclass
class CheckInCounts:
    """People admitted vs expected (confirmed seats), in total and per gate."""

    checked_in: int = 0
    expected: int = 0
    tickets_used: int = 0  # registrations with at least one person in
    tickets: int = 0  # confirmed registrations
    gates: dict[str, int] = field(default_factory=dict)  # people admitted per gate

    def as_dict(self) -> dict[str, Any]:
        return {
            "checked_in": self.checked_in,
            "expected": self.expected,
            "tickets_used": self.tickets_used,
            "tickets": self.tickets,
            "gates": self.gates,
        }


def count_check_ins(event: Event, *, now: datetime) -> CheckInCounts:
    """Live door counts for the scanner page and the back-office dashboard, for the day of `now` in
    Brussels (an event over several days admits its tickets each day; undone admissions excluded)."""
    day = door_day(now)
    admitted = Registration.admitted_on(day)
    row = db.session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(admitted), 0),
            sa.func.coalesce(sa.func.sum(Registration.seats), 0),
            sa.func.count(Registration.id).filter(admitted > 0),
            sa.func.count(Registration.id),
        ).where(Registration.event_id == event.id, Registration.status == RegistrationStatus.CONFIRMED)
    ).one()
    start, end = door_day_bounds(day)
    gates = dict(
        db.session.execute(
            sa.select(CheckIn.gate, sa.func.sum(CheckIn.people))
            .where(
                CheckIn.event_id == event.id,
                CheckIn.undone_at.is_(None),
                CheckIn.scanned_at >= start,
                CheckIn.scanned_at < end,
            )
            .group_by(CheckIn.gate)
            .order_by(CheckIn.gate)
        ).all()
    )
    return CheckInCounts(
        checked_in=int(row[0]),
        expected=int(row[1]),
        tickets_used=int(row[2]),
        tickets=int(row[3]),
        gates={gate: int(n) for gate, n in gates.items()},
    )


def count_people_who_came(event_ids: Iterable[int]) -> dict[int, int]:
    """People of each registration of these events who came at least once, by registration id
    (registrations nobody of came are left out; whatever their status).

    An event over several days admits a ticket once a door day, so a person who came on two days is
    one person: the people of a registration who came are those of its best door day, not the sum
    over days (a group of 3 that brought 2 on Friday and 3 on Saturday came with 3). Door days are a
    Brussels-time notion, so check-ins (undone ones excluded) are grouped in Python, keeping the SQL
    portable. The registration's own count (that of one day, and the only record of admissions
    counted before check-ins were kept) is never more than its best day: it is taken as one more day.
    """
    event_ids = list(event_ids)
    per_day: dict[tuple[int, date], int] = {}
    for registration_id, people, scanned_at in db.session.execute(
        sa.select(CheckIn.registration_id, CheckIn.people, CheckIn.scanned_at).where(
            CheckIn.event_id.in_(event_ids), CheckIn.undone_at.is_(None)
        )
    ):
        key = (registration_id, door_day(scanned_at))
        per_day[key] = per_day.get(key, 0) + people
    came = dict(
        db.session.execute(
            sa.select(Registration.id, Registration.checked_in_people).where(
                Registration.event_id.in_(event_ids), Registration.checked_in_people > 0
            )
        ).all()
    )
    for (registration_id, _day), people in per_day.items():
        came[registration_id] = max(came.get(registration_id, 0), people)
    return came


def came_at_least_once() -> sa.ColumnElement[bool]:
    """SQL: someone of the registration was admitted at the door on some day (an admission undone
    since does not count), in the sense of `count_people_who_came`."""
    admitted = sa.exists().where(CheckIn.registration_id == Registration.id, CheckIn.undone_at.is_(None))
    return sa.or_(Registration.checked_in_people > 0, admitted)


def was_admitted_on(registration: Registration, day: date) -> bool:
    """Was someone of the registration admitted at the door on door `day` (and not undone since)?"""
    if registration.checked_in_on in (None, day):  # the day the registration's own count is kept for
        return registration.checked_in_people > 0
    start, end = door_day_bounds(day)
    on_that_day = sa.and_(CheckIn.scanned_at >= start, CheckIn.scanned_at < end)
    return bool(
        db.session.scalar(
            sa.select(
                sa.exists().where(CheckIn.registration_id == registration.id, CheckIn.undone_at.is_(None), on_that_day)
            )
        )
    )


def count_scans_by_scanner(event: Event) -> dict[int | None, int]:
    """Scan attempts per scanner id (for the organiser's list of scanners)."""
    return dict(
        db.session.execute(
            sa.select(ScanAttempt.scanner_id, sa.func.count(ScanAttempt.id))
            .where(ScanAttempt.event_id == event.id, ScanAttempt.scanner_id.is_not(None))
            .group_by(ScanAttempt.scanner_id)
        ).all()
    )


def count_admissions_by_scanner(event: Event) -> dict[int | None, int]:
    return dict(
        db.session.execute(
            sa.select(CheckIn.scanner_id, sa.func.sum(CheckIn.people))
            .where(CheckIn.event_id == event.id, CheckIn.undone_at.is_(None), CheckIn.scanner_id.is_not(None))
            .group_by(CheckIn.scanner_id)
        ).all()
    )


def list_late_duplicates(event: Event) -> list[ScanAttempt]:
    """Offline admissions that the server found, on upload, to be duplicates: most recent first."""
    return list(
        db.session.scalars(
            sa.select(ScanAttempt)
            .where(ScanAttempt.event_id == event.id, ScanAttempt.duplicate_discovered_at.is_not(None))
            .order_by(ScanAttempt.duplicate_discovered_at.desc(), ScanAttempt.id.desc())
        )
    )


def first_admissions_of_their_day(attempts: list[ScanAttempt]) -> dict[int, CheckIn]:
    """For scans of tickets, by attempt id: the admission that let the ticket in first on the scan's
    door day (an event over several days admits a ticket each day), if one stands. One query."""
    registration_ids = {a.registration_id for a in attempts if a.registration_id is not None}
    if not registration_ids:
        return {}
    first: dict[tuple[int, date], CheckIn] = {}
    for admission in db.session.scalars(
        sa.select(CheckIn)
        .where(CheckIn.registration_id.in_(registration_ids), CheckIn.undone_at.is_(None))
        .order_by(CheckIn.scanned_at, CheckIn.id)
    ):
        first.setdefault((admission.registration_id, door_day(admission.scanned_at)), admission)
    days = {a.id: (a.registration_id, door_day(a.scanned_at)) for a in attempts}
    return {attempt_id: first[key] for attempt_id, key in days.items() if key in first}


def search_registrations(event: Event, query: str, *, limit: int = 20) -> list[Registration]:
    """Confirmed and waitlisted registrations whose name contains `query` (case-insensitive)."""
    query = (query or "").strip()
    if len(query) < 2:
        return []
    pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return list(
        db.session.scalars(
            sa.select(Registration)
            .where(
                Registration.event_id == event.id,
                Registration.name != "",
                sa.func.lower(Registration.name).like(pattern.lower(), escape="\\"),
            )
            .order_by(Registration.name)
            .limit(limit)
        )
    )


def build_snapshot(scanner: Scanner, *, now: datetime) -> dict[str, Any]:
    """What a scanner keeps to judge its event's tickets offline.

    Ticket code digests (SHA-256, as stored), never codes or emails; names only for profiles
    that may search. Sessions are listed once and referenced by index.
    """
    event = scanner.event
    today = door_day(now)  # the counts of an event over several days are today's
    sessions = list(event.sessions)
    index = {s.id: i for i, s in enumerate(sessions)}
    rows = db.session.scalars(
        sa.select(Registration).where(Registration.event_id == event.id).order_by(Registration.id)
    ).all()
    latest = {
        reg_id: (at, gate)
        for reg_id, at, gate in db.session.execute(
            sa.select(CheckIn.registration_id, CheckIn.scanned_at, CheckIn.gate)
            .where(CheckIn.event_id == event.id, CheckIn.undone_at.is_(None))
            .order_by(CheckIn.scanned_at)
        ).all()
    }
    tickets = []
    for reg in rows:
        item = {
            "d": reg.ticket_digest,
            "st": str(reg.status),
            "n": reg.seats,
            "c": reg.admitted_on_day(today),
            "s": [index[c.session_id] for c in reg.session_choices if c.session_id in index],
        }
        if reg.id in latest:
            item["at"] = latest[reg.id][0].isoformat()
            item["g"] = latest[reg.id][1]
        if scanner.profile.can_search and reg.name:
            item["name"] = reg.name
        tickets.append(item)
    return {
        "generated_at": now.isoformat(),
        # The door day the counts ("c") are for, and the hour a door day starts: a phone still offline
        # the next morning must not take yesterday's admissions for today's (scan.js, admittedOn).
        "day": today.isoformat(),
        "day_starts": DAY_STARTS.hour,
        "sessions": sessions,
        "tickets": tickets,
    }
