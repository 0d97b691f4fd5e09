"""A scan as the door received it, the answer it gets, and the log of scans that makes it count once.

Every scan is logged under the scanner's `scan_id`: a retried scan (a phone that lost the answer) is
answered from the log as the first time, never counted twice.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from eventapp.core.db import table_of
from eventapp.core.errors import Conflict, InvalidState
from eventapp.events.models import Event
from eventapp.extensions import db
from eventapp.tickets.checkin.ticket import (
    JUDGEMENT_BY_DIGEST,
    TICKET_COLUMNS,
    Admission,
    DoorSession,
    DoorTicket,
    latest_admission_of,
    read_ticket,
    ticket_column,
)
from eventapp.tickets.days import door_day
from eventapp.tickets.models import ScanAttempt, ScanResult
from eventapp.tickets.scanners import DoorEvent

SCAN_ID_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")

_INSERTS = (("postgresql", postgresql_insert), ("sqlite", sqlite_insert))
_attempts = table_of(ScanAttempt)
_CLAIM_SCAN = {
    dialect: insert(_attempts).on_conflict_do_nothing(index_elements=[ScanAttempt.scan_id]).returning(ScanAttempt.id)
    for dialect, insert in _INSERTS
}


def _judged_scan() -> sa.Select[*tuple[Any, ...]]:
    """The log row of a scan, judged in SQL (ticket.judgement): the values `_CLAIM_JUDGED` inserts."""
    judged = JUDGEMENT_BY_DIGEST.subquery("judged")

    def value(name: str) -> sa.BindParameter[Any]:
        return sa.bindparam(name, type_=_attempts.c[name].type)

    already_in = judged.c.verdict == ScanResult.ALREADY_CHECKED_IN.value
    return sa.select(
        value("event_id"),
        value("scanner_id"),
        value("gate"),
        value("scan_id"),
        value("code_digest"),
        judged.c.registration_id,
        judged.c.verdict,
        sa.case((judged.c.verdict == ScanResult.OK.value, judged.c.wanted), else_=0),
        value("scanned_at"),
        value("received_at"),
        value("offline"),
        # An offline admission of a ticket already used: a duplicate discovered after the fact.
        sa.case((sa.and_(value("offline"), already_in), value("received_at"))),
    ).where(sa.true())  # SQLite: tells "ON CONFLICT" from a join's "ON"


# The ticket of the row just logged, in its RETURNING clause's subqueries. Named as text: a column of
# the table would add that table to each subquery's FROM.
_LOGGED_TICKET = sa.literal_column("scan_attempts.registration_id", sa.Integer)

# Finds the ticket, judges it and logs the scan under its scan_id, in one statement; returns the log
# row and the ticket as read by the same statement, or nothing for a retried scan_id.
_JUDGED_COLUMNS = ["event_id", "scanner_id", "gate", "scan_id", "code_digest", "registration_id", "result", "people"]
_CLAIM_JUDGED = {
    dialect: insert(_attempts)
    .from_select([*_JUDGED_COLUMNS, "scanned_at", "received_at", "offline", "duplicate_discovered_at"], _judged_scan())
    .on_conflict_do_nothing(index_elements=[ScanAttempt.scan_id])
    .returning(
        _attempts.c.id,
        _attempts.c.result,
        _attempts.c.people,
        _attempts.c.duplicate_discovered_at,
        _attempts.c.registration_id,
        *(ticket_column(_LOGGED_TICKET, name) for name in (*TICKET_COLUMNS, "remaining", "has_sessions")),
        *latest_admission_of(_LOGGED_TICKET),
    )
    for dialect, insert in _INSERTS
}


@dataclass(frozen=True)
class Scan:
    """One scan: at which event and gate, by which scanner (None: by hand in the back-office), when."""

    event_id: int
    scanner_id: int | None
    gate: str
    scan_id: str
    people: int | None  # asked for; None admits all the people still to come
    time: datetime  # when it was scanned: the device's clock offline, never after the server's
    now: datetime  # when the server received it
    offline: bool

    @classmethod
    def received(
        cls,
        *,
        event_id: int,
        scanner_id: int | None,
        gate: str,
        scan_id: str,
        scanned_at: datetime | None,
        now: datetime,
        people: int | None = None,
    ) -> "Scan":
        """The scan, once its shape is right. Raises InvalidState for a bad scan id or people count."""
        if not SCAN_ID_RE.match(scan_id or ""):
            raise InvalidState(_l("The scan id is missing or malformed."), code="invalid_scan_id")
        if people is not None and (not isinstance(people, int) or isinstance(people, bool) or people < 1):
            raise InvalidState(_l("The number of people must be at least 1."), code="invalid_people")
        # A device clock running ahead must not push a scan after the server's present.
        time = min(scanned_at, now) if scanned_at is not None else now
        return cls(event_id, scanner_id, gate, scan_id, people, time, now, offline=scanned_at is not None)

    @property
    def day(self) -> date:
        """The door day it counts for: an event over several days admits a ticket once a day."""
        return door_day(self.time)


@dataclass
class CheckInResult:
    """The verdict at the door, and what the scanner shows with it."""

    status: ScanResult
    scan_id: str
    people: int = 0  # admitted by this scan
    people_remaining: int = 0  # still to come on this ticket after this scan
    seats: int = 0
    ticket: DoorTicket | None = None
    sessions: tuple[DoorSession, ...] = ()
    previous_at: datetime | None = None  # latest earlier admission of this ticket
    previous_gate: str | None = None
    other_event: Event | None = None  # for wrong_event
    door_days: tuple[date, date] | None = None  # for not_today: the event's first and last door days
    replayed: bool = False  # a retried scan_id, answered from the log
    duplicate_discovered: bool = False  # an offline admission that was in fact a duplicate

    @property
    def ok(self) -> bool:
        return self.status == ScanResult.OK


class Logged(NamedTuple):
    """What a scan's log row says: the verdict, the people it let in, a duplicate found after the fact,
    the ticket it named."""

    result: ScanResult
    people: int = 0
    duplicate_discovered: bool = False
    registration_id: int | None = None

    @classmethod
    def of(cls, result: CheckInResult) -> "Logged":
        ticket_id = result.ticket.id if result.ticket is not None else None
        return cls(result.status, result.people, result.duplicate_discovered, ticket_id)


class JudgedScan(NamedTuple):
    """A scan logged and judged in one statement (`claim_judged`): its log row, and the ticket with
    its people still to come on the scan's day, as that statement read them."""

    attempt_id: int
    logged: Logged
    ticket: DoorTicket | None
    remaining: int


def door_days_of(event: Event | DoorEvent) -> tuple[date, date]:
    """The first and last door days of an event: what a ticket scanned on another day is valid for."""
    return door_day(event.starts_at), door_day(event.ends_at)


def show_previous(result: CheckInResult, previous: Admission | None) -> None:
    if previous is not None:
        result.previous_at, result.previous_gate = previous.scanned_at, previous.gate


def claim_scan(scan: Scan, logged: Logged, *, registration_id: int | None, code_digest: str | None) -> int | None:
    """Log a scan under its scan_id unless that id is taken; the new row's id, or None for a retry.

    The unique index on scan_id decides, in one statement: a concurrent retry of the same scan waits
    for the first one's transaction, then finds the id taken and replays its answer.
    """
    connection = db.session.connection()
    values = {
        "event_id": scan.event_id,
        "scanner_id": scan.scanner_id,
        "gate": scan.gate,
        "scan_id": scan.scan_id,
        "code_digest": code_digest,
        "registration_id": registration_id,
        "result": logged.result,
        "people": logged.people,
        "scanned_at": scan.time,
        "received_at": scan.now,
        "offline": scan.offline,
        "duplicate_discovered_at": scan.now if logged.duplicate_discovered else None,
    }
    return connection.execute(_CLAIM_SCAN[connection.dialect.name], values).scalar_one_or_none()


def claim_judged(scan: Scan, judgement: dict[str, Any], *, code_digest: str | None) -> JudgedScan | None:
    """Find the ticket `code_digest` names, judge it at this door (ticket.judgement, with the values of
    ticket.judgement_params) and log the scan under its scan_id with that verdict, in one statement.
    None for a retried scan_id (claim_scan says why one statement decides).

    A ticket that chose sessions and is valid has them read in a second statement, for the answer.
    """
    connection = db.session.connection()
    values = {
        **judgement,
        "scanner_id": scan.scanner_id,
        "gate": scan.gate,
        "scan_id": scan.scan_id,
        "code_digest": code_digest,
        "scanned_at": scan.time,
        "received_at": scan.now,
        "offline": scan.offline,
    }
    row = connection.execute(_CLAIM_JUDGED[connection.dialect.name], values).first()
    if row is None:
        return None
    result = ScanResult(row.result)
    sessions: tuple[DoorSession, ...] = ()
    if row.has_sessions and result == ScanResult.OK:
        sessions = read_ticket(row.registration_id).sessions  # type: ignore[union-attr] # just logged: it exists
    logged = Logged(result, row.people, row.duplicate_discovered_at is not None, row.registration_id)
    return JudgedScan(row.id, logged, DoorTicket.from_claim(row, sessions), row.remaining or 0)


def correct_log(attempt_id: int, result: CheckInResult, *, claimed: Logged, now: datetime) -> None:
    """Make the log row say what the scan came to, when that is not what it was claimed with."""
    if Logged.of(result) == claimed:
        return
    db.session.execute(
        sa.update(ScanAttempt)
        .where(ScanAttempt.id == attempt_id)
        .values(
            result=result.status,
            people=result.people,
            duplicate_discovered_at=now if result.duplicate_discovered else None,
            registration_id=result.ticket.id if result.ticket is not None else None,
        ),
        execution_options={"synchronize_session": False},
    )


def replay(scan: Scan) -> CheckInResult:
    """The answer already given to this scan_id, which claim_scan found taken (so its row exists).
    Raises Conflict if another scanner used it."""
    attempt = db.session.scalars(sa.select(ScanAttempt).where(ScanAttempt.scan_id == scan.scan_id)).one()
    if attempt.scanner_id != scan.scanner_id:
        raise Conflict(_l("This scan id was already used by another scanner."), code="scan_id_reused")
    return _result_from_attempt(attempt)


def _result_from_attempt(attempt: ScanAttempt) -> CheckInResult:
    """The answer to a retried scan_id: the same status and the same number of people."""
    result = CheckInResult(
        status=attempt.result,
        scan_id=attempt.scan_id,
        people=attempt.people,
        replayed=True,
        duplicate_discovered=attempt.duplicate_discovered_at is not None,
    )
    if attempt.registration_id is None:
        return result
    ticket = result.ticket = read_ticket(attempt.registration_id)
    # Registrations are never deleted (erasure anonymises them) and the log's foreign key would be
    # set to NULL if one were: the ticket it names is there.
    assert ticket is not None
    result.seats, result.sessions = ticket.seats, ticket.sessions
    result.people_remaining = ticket.people_remaining(door_day(attempt.scanned_at))
    if attempt.result == ScanResult.WRONG_EVENT:
        result.other_event = db.session.get(Event, ticket.event_id)
    elif attempt.result == ScanResult.NOT_TODAY:
        result.door_days = door_days_of(db.session.get_one(Event, attempt.event_id))
    elif attempt.result == ScanResult.ALREADY_CHECKED_IN:
        show_previous(result, ticket.latest_admission)
    return result
