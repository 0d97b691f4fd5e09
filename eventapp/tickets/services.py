"""State changes at the door: scanners, pairing, check-in and its undo.

The edge (view, API, CLI) owns the transaction; nothing here commits.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import NamedTuple

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import joinedload

from eventapp.core.cache import TTLCache
from eventapp.core.errors import Conflict, InvalidState, NotFound, PermissionDenied
from eventapp.core.tokens import digest, random_token, same
from eventapp.events.models import Event, EventStatus, Session
from eventapp.extensions import db
from eventapp.registration.models import Registration, RegistrationSession, RegistrationStatus
from eventapp.registration.tokens import ticket_code
from eventapp.tickets.days import door_day, door_day_bounds
from eventapp.tickets.models import CheckIn, ScanAttempt, Scanner, ScannerProfile, ScanResult

PAIRING_TTL = timedelta(minutes=10)
# "EA1-" + 26 base32 characters; anything else is not worth a database lookup.
CODE_RE = re.compile(r"^EA1-[A-Z2-7]{26}$")
SCAN_ID_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
BACK_OFFICE_GATE = "Back-office"

# The door's busiest requests run prepared statements: building and compiling a statement for each
# scan costs 0.1 to 0.5 ms, more than the database takes to run it (bench/README.md, "Door scanning").
_SCANNER_BY_TOKEN = (
    sa.select(Scanner)
    .where(Scanner.token_digest == sa.bindparam("digest"))
    .options(joinedload(Scanner.event, innerjoin=True))
)
_registrations, _sessions, _choices = Registration.__table__, Session.__table__, RegistrationSession.__table__
_check_ins = CheckIn.__table__


def _latest_admission_id(registration_id) -> sa.ScalarSelect:
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


def _ticket_query(condition) -> sa.Select:
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
# Admits `people` on `day` unless that would pass the seats: the row's current values decide, not what
# was read. The first admission of a new day starts the count again; a day before the one counted (an
# offline scan uploaded late) never rewrites it (check_in handles those).
_DAY = sa.bindparam("day", type_=sa.Date)
_ADMIT = (
    sa.update(Registration.__table__)
    .where(
        Registration.id == sa.bindparam("registration_id"),
        Registration.status == RegistrationStatus.CONFIRMED,
        sa.or_(Registration.checked_in_on.is_(None), Registration.checked_in_on <= _DAY),
        Registration.admitted_on(_DAY) + sa.bindparam("people") <= Registration.seats,
    )
    .values(checked_in_people=Registration.admitted_on(_DAY) + sa.bindparam("people"), checked_in_on=_DAY)
    .returning(Registration.checked_in_people)
)
_INSERT_CHECK_IN = sa.insert(CheckIn.__table__)
_CLAIM_SCAN = {
    dialect: insert(ScanAttempt.__table__)
    .on_conflict_do_nothing(index_elements=[ScanAttempt.scan_id])
    .returning(ScanAttempt.id)
    for dialect, insert in (("postgresql", postgresql_insert), ("sqlite", sqlite_insert))
}


@dataclass(frozen=True)
class DoorEvent:
    """What a scan needs to know about the event: whether it is on, and which days."""

    id: int
    status: EventStatus
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class DoorScanner:
    """A paired scanner as the check-in path sees it (the attributes of Scanner that check_in and the
    door API read), kept per process for a few seconds so that a busy door does not load the scanner
    and its event on every scan (see authenticate_door)."""

    id: int
    name: str
    profile: ScannerProfile
    event_id: int
    event: DoorEvent


_doors = TTLCache(max_entries=512)


class Admission(NamedTuple):
    """A ticket's latest admission still standing."""

    id: int
    scanned_at: datetime
    gate: str
    people: int

    @classmethod
    def from_row(cls, row: sa.Row | None) -> "Admission | None":
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
    def from_rows(cls, rows: list[sa.Row]) -> "DoorTicket | None":
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
    replayed: bool = False  # a retried scan_id, answered from the log
    duplicate_discovered: bool = False  # an offline admission that was in fact a duplicate

    @property
    def ok(self) -> bool:
        return self.status == ScanResult.OK


def normalise_code(code: str) -> str:
    # Hardware scanners add blanks or newlines; some keyboards layouts type lower case.
    return (code or "").strip().upper()


# --- Scanners -----------------------------------------------------------------------------------


def create_scanner(
    event: Event, *, name: str, profile: ScannerProfile = ScannerProfile.SCAN_ONLY, direct_token: bool = False, now
) -> tuple[Scanner, str]:
    """A scanner for one gate of `event`, and its one-time secret: a pairing token valid for 10 minutes,
    or (direct_token) the device token itself, for scripts and hardware scanners. Flushes, never commits.
    """
    name = (name or "").strip()
    if not name or len(name) > 60 or any(ord(c) < 32 for c in name):
        raise InvalidState(_l("Give the gate a name of at most 60 characters."), code="invalid_gate_name")
    scanner = Scanner(event=event, name=name, profile=ScannerProfile(profile), created_at=now)
    secret = random_token()
    if direct_token:
        scanner.token_digest = digest(secret)
        scanner.paired_at = now
    else:
        scanner.pairing_digest = digest(secret)
        scanner.pairing_expires_at = now + PAIRING_TTL
    db.session.add(scanner)
    db.session.flush()
    return scanner, secret


def renew_pairing(scanner: Scanner, *, now) -> str:
    """A fresh pairing token for a scanner (a new phone for the same gate). The old device token stops working."""
    if scanner.revoked_at is not None:
        raise InvalidState(_l("This scanner has been revoked."), code="scanner_revoked")
    secret = random_token()
    scanner.pairing_digest = digest(secret)
    scanner.pairing_expires_at = now + PAIRING_TTL
    _forget_door(scanner)
    scanner.token_digest = None
    db.session.flush()
    return secret


def pair_scanner(pairing_token: str, *, now) -> tuple[Scanner, str]:
    """Exchange a pairing token (usable once, before it expires) for a new device token.

    Raises NotFound for an unknown, used, expired or revoked pairing link.
    """
    pairing = digest(pairing_token or "")
    # Clearing the pairing digest in the same statement makes the link single-use, even when two
    # phones open it at the same moment: only one UPDATE matches.
    device_token = random_token()
    scanner_id = db.session.execute(
        sa.update(Scanner)
        .where(
            Scanner.pairing_digest == pairing,
            Scanner.pairing_expires_at > now,
            Scanner.revoked_at.is_(None),
        )
        .values(pairing_digest=None, pairing_expires_at=None, token_digest=digest(device_token), paired_at=now)
        .returning(Scanner.id),
        execution_options={"synchronize_session": False},
    ).scalar_one_or_none()
    if scanner_id is None:
        raise NotFound(_l("This pairing link is unknown, used or expired. Ask for a new one."), code="pairing_invalid")
    scanner = db.session.get(Scanner, scanner_id, populate_existing=True)
    return scanner, device_token


def revoke_scanner(scanner: Scanner, *, now) -> None:
    """Stop the scanner's device token and pairing link at once (a lost phone). Idempotent."""
    _forget_door(scanner)
    if scanner.revoked_at is None:
        scanner.revoked_at = now
    scanner.token_digest = None
    scanner.pairing_digest = None
    scanner.pairing_expires_at = None
    db.session.flush()


def authenticate_scanner(device_token: str, *, now) -> Scanner:
    """The active scanner holding `device_token`; raises PermissionDenied otherwise."""
    if not device_token:
        raise PermissionDenied(_l("This scanner is not paired."), code="scanner_unauthorised")
    scanner = db.session.scalar(_SCANNER_BY_TOKEN, {"digest": digest(device_token)})
    if scanner is None or scanner.revoked_at is not None:
        raise PermissionDenied(_l("This scanner is not paired or has been revoked."), code="scanner_unauthorised")
    # Coarse, so that a busy door does not write the scanner row on every scan.
    if scanner.last_seen_at is None or now - scanner.last_seen_at > timedelta(minutes=1):
        scanner.last_seen_at = now
    return scanner


def authenticate_door(device_token: str, *, now, ttl: float) -> DoorScanner:
    """authenticate_scanner for the check-in path, answered from a snapshot at most `ttl` seconds old.

    The cost: a scanner revoked or re-paired in another worker process keeps scanning for up to `ttl`
    seconds (this process forgets it at once), and a cancelled event says so at the door that much
    later. Admission itself never comes from the snapshot: the ticket's row decides every scan.
    Raises PermissionDenied like authenticate_scanner.
    """
    if not device_token:
        raise PermissionDenied(_l("This scanner is not paired."), code="scanner_unauthorised")

    def snapshot() -> DoorScanner:
        scanner = authenticate_scanner(device_token, now=now)
        event = scanner.event
        return DoorScanner(
            id=scanner.id,
            name=scanner.name,
            profile=scanner.profile,
            event_id=scanner.event_id,
            event=DoorEvent(id=event.id, status=event.status, starts_at=event.starts_at, ends_at=event.ends_at),
        )

    # Refreshed at least every `ttl` seconds of use, so authenticate_scanner still notes when the
    # scanner was last seen (it does so at most once a minute).
    return _doors.get_or_compute(digest(device_token), ttl, snapshot)


def _forget_door(scanner: Scanner) -> None:
    if scanner.token_digest:
        _doors.discard(scanner.token_digest)


# --- Check-in -----------------------------------------------------------------------------------


def _latest_check_in(registration_id: int) -> Admission | None:
    row = db.session.connection().execute(_LATEST_CHECK_IN, {"registration_id": registration_id}).first()
    return Admission.from_row(row)


def _admitted_on_past_day(registration_id: int, day: date) -> int:
    """People of a registration admitted on a past `day`, from its check-ins (the count on the
    registration is kept for its latest day only)."""
    start, end = door_day_bounds(day)
    return db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(CheckIn.people), 0)).where(
            CheckIn.registration_id == registration_id,
            CheckIn.undone_at.is_(None),
            CheckIn.scanned_at >= start,
            CheckIn.scanned_at < end,
        )
    )


def _people_remaining_on_past_day(ticket: DoorTicket, day: date) -> int:
    """The people still to come on a past `day`, read again under the registration's row lock: two
    late uploads of that day's scans (two phones back online at once) must not both find room, and
    no single UPDATE decides for a past day. (SQLite's writers are serialised anyway.)"""
    db.session.execute(sa.select(Registration.id).where(Registration.id == ticket.id).with_for_update())
    return ticket.seats - _admitted_on_past_day(ticket.id, day)


def _people_remaining(ticket: DoorTicket | None, day: date) -> tuple[int, bool]:
    """People of the ticket still to come on `day`, and whether `day` is before the one the ticket's
    count is kept for: an offline scan uploaded late, whose day's people come from its check-ins (the
    count of the later day is left alone)."""
    if ticket is None:
        return 0, False
    if ticket.checked_in_on is not None and day < ticket.checked_in_on:
        return ticket.seats - _admitted_on_past_day(ticket.id, day), True
    return ticket.people_remaining(day), False


def _is_event_day(event: Event | DoorEvent, when: datetime) -> bool:
    # Door days, as the counts: an evening going past midnight is still its event's day.
    return door_day(event.starts_at) <= door_day(when) <= door_day(event.ends_at)


def _read_ticket(condition) -> DoorTicket | None:
    return DoorTicket.from_rows(db.session.connection().execute(_ticket_query(condition)).all())


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
    ticket = result.ticket = _read_ticket(_registrations.c.id == attempt.registration_id)
    result.seats, result.sessions = ticket.seats, ticket.sessions
    result.people_remaining = ticket.people_remaining(door_day(attempt.scanned_at))
    if attempt.result == ScanResult.WRONG_EVENT:
        result.other_event = db.session.get(Event, ticket.event_id)
    elif attempt.result == ScanResult.ALREADY_CHECKED_IN:
        _show_previous(result, ticket.latest_admission)
    return result


def _replay(scan_id: str, scanner: Scanner | DoorScanner | None) -> CheckInResult | None:
    attempt = db.session.scalar(sa.select(ScanAttempt).where(ScanAttempt.scan_id == scan_id))
    if attempt is None:
        return None
    if attempt.scanner_id != (scanner.id if scanner else None):
        raise Conflict(_l("This scan id was already used by another scanner."), code="scan_id_reused")
    return _result_from_attempt(attempt)


def _expire_loaded_count(registration_id: int) -> None:
    """The admitting UPDATE bypasses the ORM: a Registration the caller loaded in this session (the
    back-office's manual check-in) rereads its count instead of showing the one before the scan."""
    loaded = db.session.identity_map.get(Registration.__mapper__.identity_key_from_primary_key((registration_id,)))
    if loaded is not None:
        db.session.expire(loaded, ["checked_in_people", "checked_in_on"])


def _find_ticket(code: str, key: str) -> DoorTicket | None:
    """The ticket this normalised code is, or None for a code this key did not mint."""
    if not CODE_RE.match(code):
        return None  # not worth a database lookup
    connection = db.session.connection()
    ticket = DoorTicket.from_rows(connection.execute(_TICKET_BY_DIGEST, {"digest": digest(code)}).all())
    # The digest found it; the code must also be the one this key minted from the seed.
    if ticket is not None and not same(ticket_code(key, ticket.secret_seed), code):
        return None
    return ticket


def _verdict(ticket: DoorTicket | None, event: Event | DoorEvent, scan_time: datetime) -> ScanResult:
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


def _claim_scan(**values) -> int | None:
    """Log a scan under its scan_id unless that id is taken; the new row's id, or None for a retry.

    The unique index on scan_id decides, in one statement: a concurrent retry of the same scan waits
    for the first one's transaction, then finds the id taken and replays its answer.
    """
    connection = db.session.connection()
    return connection.execute(_CLAIM_SCAN[connection.dialect.name], values).scalar_one_or_none()


def check_in(
    code: str,
    *,
    scanner: Scanner | DoorScanner | None,
    people: int | None = None,
    scan_id: str,
    scanned_at: datetime | None = None,
    key: str,
    now: datetime,
    event: Event | None = None,
    gate: str | None = None,
) -> CheckInResult:
    """Judge a ticket at the door and admit `people` of it (all remaining by default), exactly once.

    The database decides admission with one conditional UPDATE of the registration's counter, so two
    gates scanning the same ticket at the same moment admit it once (an event over several days keeps
    the counter for the ticket's latest door day: an offline scan of an earlier day, uploaded late, is
    counted from that day's check-ins under the registration's row lock instead). Every attempt is logged; a retried
    `scan_id` is answered as the first time and never counted twice. `scanned_at` is the device's time
    of an offline scan: an offline admission that finds the ticket already used is recorded as a
    duplicate discovered after the fact (the earliest scan keeps the admission). `scanner=None` is a
    manual check-in from the back-office (`event` and `gate` then say where). Flushes, never commits.
    Raises Conflict if the scan_id belongs to another scanner, InvalidState for a bad people count.

    This is the busiest request at a crowded door, so the usual path is a handful of statements: the
    ticket lookup (with its sessions and latest admission, as plain rows), the log row, the admitting
    UPDATE and the check-in row; a duplicate, the lookup and the log row. Rarer outcomes reload what
    they need.
    """
    if scanner is not None:
        event = scanner.event
        gate = scanner.name
    if event is None:
        raise InvalidState(code="no_event")
    gate = gate or BACK_OFFICE_GATE
    if not SCAN_ID_RE.match(scan_id or ""):
        raise InvalidState(_l("The scan id is missing or malformed."), code="invalid_scan_id")
    if people is not None and (not isinstance(people, int) or isinstance(people, bool) or people < 1):
        raise InvalidState(_l("The number of people must be at least 1."), code="invalid_people")
    offline = scanned_at is not None
    # A device clock running ahead must not push a scan after the server's present.
    scan_time = min(scanned_at, now) if scanned_at is not None else now

    code = normalise_code(code)
    ticket = _find_ticket(code, key)
    status = _verdict(ticket, event, scan_time)
    day = door_day(scan_time)  # an event over several days admits a ticket once a day
    remaining, past_day = _people_remaining(ticket, day)
    wanted = 0
    if status == ScanResult.OK:
        if people is not None and people > ticket.seats:
            raise InvalidState(_l("This ticket admits fewer people."), code="invalid_people")
        wanted = people if people is not None else remaining
        if wanted < 1:
            status = ScanResult.ALREADY_CHECKED_IN
    # The log row gets the verdict expected from what was just read, corrected at the end only if the
    # row changed meanwhile (another gate, a cancellation): usually a single write.
    claimed = (status, wanted if status == ScanResult.OK else 0, offline and status == ScanResult.ALREADY_CHECKED_IN)
    attempt_id = _claim_scan(
        event_id=event.id,
        scanner_id=scanner.id if scanner else None,
        gate=gate,
        scan_id=scan_id,
        code_digest=digest(code) if CODE_RE.match(code) else None,
        registration_id=ticket.id if ticket else None,
        result=claimed[0],
        people=claimed[1],
        scanned_at=scan_time,
        received_at=now,
        offline=offline,
        duplicate_discovered_at=now if claimed[2] else None,
    )
    if attempt_id is None:
        return _replay(scan_id, scanner)

    result = CheckInResult(status=status, scan_id=scan_id, ticket=ticket)
    if ticket is None:
        return result
    result.seats, result.people_remaining = ticket.seats, remaining
    if status == ScanResult.WRONG_EVENT:
        result.other_event = db.session.get(Event, ticket.event_id)

    if status == ScanResult.OK:
        connection = db.session.connection()
        if not past_day:
            # The one statement that decides admission.
            admitted_total = connection.execute(
                _ADMIT, {"registration_id": ticket.id, "people": wanted, "day": day}
            ).scalar_one_or_none()
        else:  # that day is over: its count comes from its check-ins, never kept on the registration
            remaining = _people_remaining_on_past_day(ticket, day)
            result.people_remaining = remaining
            admitted_total = ticket.seats - remaining + wanted if wanted <= remaining else None
        if admitted_total is not None:
            _expire_loaded_count(ticket.id)
            if admitted_total > wanted:  # a group arriving in parts: show when the first ones came
                _show_previous(result, _latest_check_in(ticket.id))
            connection.execute(
                _INSERT_CHECK_IN,
                {
                    "event_id": event.id,
                    "registration_id": ticket.id,
                    "scanner_id": scanner.id if scanner else None,
                    "attempt_id": attempt_id,
                    "gate": gate,
                    "people": wanted,
                    "scanned_at": scan_time,
                    "created_at": now,
                },
            )
            result.people, result.people_remaining = wanted, ticket.seats - admitted_total
            result.sessions = ticket.sessions
            return result
        # Not admitted: another gate, a cancellation or a waiting-list move got there since our read.
        if not past_day:
            ticket = result.ticket = _read_ticket(_registrations.c.id == ticket.id)
            result.people_remaining = ticket.people_remaining(day)
            status = _verdict(ticket, event, scan_time)
        result.status = ScanResult.ALREADY_CHECKED_IN if status == ScanResult.OK else status

    if result.status == ScanResult.ALREADY_CHECKED_IN:
        previous = ticket.latest_admission  # read with the count that made this a duplicate
        if offline:
            attempt = db.session.get(ScanAttempt, attempt_id)
            if _earliest_scan_wins(attempt, previous, result, people=people, gate=gate, scan_time=scan_time, now=now):
                return result
            result.duplicate_discovered = True
        _show_previous(result, previous)
    if (result.status, result.people, result.duplicate_discovered) != claimed:
        db.session.execute(
            sa.update(ScanAttempt)
            .where(ScanAttempt.id == attempt_id)
            .values(
                result=result.status,
                people=result.people,
                duplicate_discovered_at=now if result.duplicate_discovered else None,
            ),
            execution_options={"synchronize_session": False},
        )
    return result


def _show_previous(result: CheckInResult, previous: Admission | None) -> None:
    if previous is not None:
        result.previous_at, result.previous_gate = previous.scanned_at, previous.gate


def _earliest_scan_wins(
    attempt: ScanAttempt, latest: Admission | None, result: CheckInResult, *, people, gate, scan_time, now
) -> bool:
    """An offline scan uploaded late that in fact let the ticket in before `previous` did takes over the
    admission; the later scan becomes the duplicate. Returns whether it did (and flushes then)."""
    if latest is None or latest.scanned_at <= scan_time or latest.people != (people or latest.people):
        return False
    if door_day(latest.scanned_at) != door_day(scan_time):
        return False  # an admission of another day: each day admits the ticket once
    previous = db.session.get(CheckIn, latest.id)
    attempt.result, attempt.people, attempt.duplicate_discovered_at = ScanResult.OK, previous.people, None
    displaced = previous.attempt
    displaced.result, displaced.people, displaced.duplicate_discovered_at = ScanResult.ALREADY_CHECKED_IN, 0, now
    previous.attempt, previous.scanner_id, previous.gate = attempt, attempt.scanner_id, gate
    result.previous_at, result.previous_gate = previous.scanned_at, displaced.gate
    previous.scanned_at = scan_time
    result.status, result.people, result.duplicate_discovered = ScanResult.OK, previous.people, False
    db.session.flush()
    return True


def record_offline_refusal(
    code: str, *, scanner: Scanner | DoorScanner, scan_id: str, scanned_at: datetime, verdict: ScanResult, now: datetime
) -> CheckInResult:
    """Log a scan an offline scanner refused at the door (nobody was let in), once per scan_id.

    Flushes, never commits. Raises Conflict if the scan_id belongs to another scanner.
    """
    if not SCAN_ID_RE.match(scan_id or ""):
        raise InvalidState(_l("The scan id is missing or malformed."), code="invalid_scan_id")
    code = normalise_code(code)
    shaped = bool(CODE_RE.match(code))
    ticket = _read_ticket(_registrations.c.ticket_digest == digest(code)) if shaped else None
    refused = ScanResult(verdict) if verdict != ScanResult.OK else ScanResult.INVALID
    attempt_id = _claim_scan(
        event_id=scanner.event_id,
        scanner_id=scanner.id,
        gate=scanner.name,
        scan_id=scan_id,
        code_digest=digest(code) if shaped else None,
        registration_id=ticket.id if ticket else None,
        result=refused,
        people=0,
        scanned_at=min(scanned_at, now),
        received_at=now,
        offline=True,
    )
    if attempt_id is None:
        return _replay(scan_id, scanner)
    return CheckInResult(status=refused, scan_id=scan_id, ticket=ticket)


def undo_check_in(check: CheckIn, *, by: str, now: datetime) -> None:
    """Take back an admission (a supervisor's or organiser's correction): the people may be admitted again.

    Flushes, never commits. Raises InvalidState if it was already undone.
    """
    marked = db.session.execute(
        sa.update(CheckIn)
        .where(CheckIn.id == check.id, CheckIn.undone_at.is_(None))
        .values(undone_at=now, undone_by=by[:120])
        .returning(CheckIn.id),
        execution_options={"synchronize_session": False},
    ).scalar_one_or_none()
    if marked is None:
        raise InvalidState(_l("This check-in has already been undone."), code="already_undone")
    # The registration counts the people of its latest door day only: an admission of an earlier day
    # (an event over several days) is marked undone and leaves that count alone.
    same_day = sa.or_(Registration.checked_in_on.is_(None), Registration.checked_in_on == door_day(check.scanned_at))
    db.session.execute(
        sa.update(Registration)
        .where(Registration.id == check.registration_id, Registration.checked_in_people >= check.people, same_day)
        .values(checked_in_people=Registration.checked_in_people - check.people),
        execution_options={"synchronize_session": False},
    )
    db.session.refresh(check)
    db.session.refresh(check.registration)


def undo_scan(scan_id: str, *, scanner: Scanner, now: datetime) -> CheckIn:
    """A supervisor scanner undoes one of its event's admissions by the scan that made it.

    Raises PermissionDenied for other profiles, NotFound if no admission has this scan id.
    """
    if not scanner.profile.can_undo:
        raise PermissionDenied(_l("Only a supervisor scanner can undo a check-in."), code="profile_forbids")
    check = db.session.scalar(
        sa.select(CheckIn)
        .join(ScanAttempt, CheckIn.attempt_id == ScanAttempt.id)
        .where(ScanAttempt.scan_id == scan_id, CheckIn.event_id == scanner.event_id)
    )
    if check is None:
        raise NotFound(_l("No admission was made by this scan."), code="check_in_not_found")
    undo_check_in(check, by=f"scanner:{scanner.name}", now=now)
    return check
