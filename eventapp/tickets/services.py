"""State changes at the door: scanners, pairing, check-in and its undo.

The edge (view, API, CLI) owns the transaction; nothing here commits.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from eventapp.core.errors import Conflict, InvalidState, NotFound, PermissionDenied
from eventapp.core.time import brussels
from eventapp.core.tokens import digest, random_token, same
from eventapp.events.models import Event, EventStatus, Session
from eventapp.extensions import db
from eventapp.registration.models import Registration, RegistrationStatus
from eventapp.registration.tokens import ticket_code
from eventapp.tickets.models import CheckIn, ScanAttempt, Scanner, ScannerProfile, ScanResult

PAIRING_TTL = timedelta(minutes=10)
# "EA1-" + 26 base32 characters; anything else is not worth a database lookup.
CODE_RE = re.compile(r"^EA1-[A-Z2-7]{26}$")
SCAN_ID_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
BACK_OFFICE_GATE = "Back-office"


@dataclass
class CheckInResult:
    """The verdict at the door, and what the scanner shows with it."""

    status: ScanResult
    scan_id: str
    people: int = 0  # admitted by this scan
    people_remaining: int = 0  # still to come on this ticket after this scan
    seats: int = 0
    registration: Registration | None = None
    sessions: list[Session] = field(default_factory=list)
    previous_at: datetime | None = None  # latest earlier admission of this ticket
    previous_gate: str | None = None
    other_event: Event | None = None  # for wrong_event
    event: Event | None = None  # the event the ticket is for
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
    scanner = db.session.scalar(sa.select(Scanner).where(Scanner.token_digest == digest(device_token)))
    if scanner is None or scanner.revoked_at is not None:
        raise PermissionDenied(_l("This scanner is not paired or has been revoked."), code="scanner_unauthorised")
    # Coarse, so that a busy door does not write the scanner row on every scan.
    if scanner.last_seen_at is None or now - scanner.last_seen_at > timedelta(minutes=1):
        scanner.last_seen_at = now
    return scanner


# --- Check-in -----------------------------------------------------------------------------------


def _latest_check_in(registration_id: int) -> CheckIn | None:
    return db.session.scalar(
        sa.select(CheckIn)
        .where(CheckIn.registration_id == registration_id, CheckIn.undone_at.is_(None))
        .order_by(CheckIn.scanned_at.desc(), CheckIn.id.desc())
        .limit(1)
    )


def _is_event_day(event: Event, when: datetime) -> bool:
    day = brussels(when).date()
    # Calendar days in Brussels: what a volunteer means by "today".
    return brussels(event.starts_at).date() <= day <= brussels(event.ends_at).date()


def _result_from_attempt(attempt: ScanAttempt) -> CheckInResult:
    """The answer to a retried scan_id: the same status and the same number of people."""
    registration = attempt.registration
    result = CheckInResult(
        status=attempt.result,
        scan_id=attempt.scan_id,
        people=attempt.people,
        registration=registration,
        replayed=True,
        duplicate_discovered=attempt.duplicate_discovered_at is not None,
    )
    if registration is not None:
        result.seats = registration.seats
        result.people_remaining = registration.seats - registration.checked_in_people
        result.sessions = registration.sessions
        result.event = registration.event
        if attempt.result == ScanResult.WRONG_EVENT:
            result.other_event = registration.event
        elif attempt.result == ScanResult.ALREADY_CHECKED_IN:
            previous = _latest_check_in(registration.id)
            if previous is not None:
                result.previous_at, result.previous_gate = previous.scanned_at, previous.gate
    return result


def _replay(scan_id: str, scanner: Scanner | None) -> CheckInResult | None:
    attempt = db.session.scalar(sa.select(ScanAttempt).where(ScanAttempt.scan_id == scan_id))
    if attempt is None:
        return None
    if attempt.scanner_id != (scanner.id if scanner else None):
        raise Conflict(_l("This scan id was already used by another scanner."), code="scan_id_reused")
    return _result_from_attempt(attempt)


def check_in(
    code: str,
    *,
    scanner: Scanner | None,
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
    gates scanning the same ticket at the same moment admit it once. Every attempt is logged; a retried
    `scan_id` is answered as the first time and never counted twice. `scanned_at` is the device's time
    of an offline scan: an offline admission that finds the ticket already used is recorded as a
    duplicate discovered after the fact (the earliest scan keeps the admission). `scanner=None` is a
    manual check-in from the back-office (`event` and `gate` then say where). Flushes, never commits.
    Raises Conflict if the scan_id belongs to another scanner, InvalidState for a bad people count.
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

    replay = _replay(scan_id, scanner)
    if replay is not None:
        return replay

    code = normalise_code(code)
    shaped = bool(CODE_RE.match(code))
    attempt = ScanAttempt(
        event_id=event.id,
        scanner_id=scanner.id if scanner else None,
        gate=gate,
        scan_id=scan_id,
        code_digest=digest(code) if shaped else None,
        result=ScanResult.INVALID,
        people=0,
        scanned_at=scan_time,
        received_at=now,
        offline=offline,
    )
    try:
        # Claim the scan_id first: a concurrent retry of the same scan waits here, then replays.
        with db.session.begin_nested():
            db.session.add(attempt)
            db.session.flush()
    except IntegrityError:
        replay = _replay(scan_id, scanner)
        if replay is None:  # pragma: no cover - the unique index is the only constraint here
            raise
        return replay

    result = CheckInResult(status=ScanResult.INVALID, scan_id=scan_id)
    registration = None
    if shaped:
        registration = db.session.scalar(sa.select(Registration).where(Registration.ticket_digest == digest(code)))
        # The digest found it; the code must also be the one this key minted from the seed.
        if registration is not None and not same(ticket_code(key, registration.secret_seed), code):
            registration = None
    if registration is None:
        return _finish(attempt, result)

    attempt.registration_id = registration.id
    result.registration = registration
    result.event = registration.event
    result.seats = registration.seats
    result.sessions = registration.sessions
    result.people_remaining = registration.seats - registration.checked_in_people
    if registration.event_id != event.id:
        result.status, result.other_event = ScanResult.WRONG_EVENT, registration.event
        return _finish(attempt, result)
    if registration.status == RegistrationStatus.CANCELLED or event.status == EventStatus.CANCELLED:
        result.status = ScanResult.CANCELLED
        return _finish(attempt, result)
    if registration.status == RegistrationStatus.WAITLISTED:
        result.status = ScanResult.WAITLISTED
        return _finish(attempt, result)
    if not _is_event_day(event, scan_time):
        result.status = ScanResult.NOT_TODAY
        return _finish(attempt, result)
    if people is not None and people > registration.seats:
        raise InvalidState(_l("This ticket admits fewer people."), code="invalid_people")

    wanted = people if people is not None else registration.seats - registration.checked_in_people
    admitted_total = None
    if wanted >= 1:
        # The one statement that decides admission: the row's current values, not what we read above.
        admitted_total = db.session.execute(
            sa.update(Registration)
            .where(
                Registration.id == registration.id,
                Registration.status == RegistrationStatus.CONFIRMED,
                Registration.checked_in_people + wanted <= Registration.seats,
            )
            .values(checked_in_people=Registration.checked_in_people + wanted)
            .returning(Registration.checked_in_people),
            execution_options={"synchronize_session": False},
        ).scalar_one_or_none()
    db.session.refresh(registration)
    if admitted_total is not None:
        previous = _latest_check_in(registration.id)
        if previous is not None:  # a group arriving in parts: show when the first ones came
            result.previous_at, result.previous_gate = previous.scanned_at, previous.gate
        check = CheckIn(
            event_id=event.id,
            registration_id=registration.id,
            scanner_id=attempt.scanner_id,
            attempt=attempt,
            gate=gate,
            people=wanted,
            scanned_at=scan_time,
            created_at=now,
        )
        db.session.add(check)
        result.status, result.people = ScanResult.OK, wanted
        result.people_remaining = registration.seats - admitted_total
        return _finish(attempt, result)

    # Not admitted: the registration changed under us, or the ticket is (partly) used already.
    result.people_remaining = registration.seats - registration.checked_in_people
    if registration.status == RegistrationStatus.CANCELLED:
        result.status = ScanResult.CANCELLED
        return _finish(attempt, result)
    if registration.status == RegistrationStatus.WAITLISTED:
        result.status = ScanResult.WAITLISTED
        return _finish(attempt, result)
    result.status = ScanResult.ALREADY_CHECKED_IN
    previous = _latest_check_in(registration.id)
    if offline:
        attempt.duplicate_discovered_at = now
        result.duplicate_discovered = True
        if previous is not None and previous.scanned_at > scan_time and previous.people == (people or previous.people):
            # Earliest scan wins: this offline scan let the ticket in first, the later one was the duplicate.
            displaced = previous.attempt
            displaced.result, displaced.people, displaced.duplicate_discovered_at = (
                ScanResult.ALREADY_CHECKED_IN,
                0,
                now,
            )
            previous.attempt, previous.scanner_id, previous.gate = attempt, attempt.scanner_id, gate
            result.previous_at, result.previous_gate = previous.scanned_at, displaced.gate
            previous.scanned_at = scan_time
            result.status, result.people = ScanResult.OK, previous.people
            result.duplicate_discovered = False
            attempt.duplicate_discovered_at = None
            return _finish(attempt, result)
    if previous is not None:
        result.previous_at, result.previous_gate = previous.scanned_at, previous.gate
    return _finish(attempt, result)


def _finish(attempt: ScanAttempt, result: CheckInResult) -> CheckInResult:
    attempt.result = result.status
    attempt.people = result.people
    db.session.flush()
    return result


def record_offline_refusal(
    code: str, *, scanner: Scanner, scan_id: str, scanned_at: datetime, verdict: ScanResult, now: datetime
) -> CheckInResult:
    """Log a scan an offline scanner refused at the door (nobody was let in), once per scan_id.

    Flushes, never commits. Raises Conflict if the scan_id belongs to another scanner.
    """
    if not SCAN_ID_RE.match(scan_id or ""):
        raise InvalidState(_l("The scan id is missing or malformed."), code="invalid_scan_id")
    replay = _replay(scan_id, scanner)
    if replay is not None:
        return replay
    code = normalise_code(code)
    shaped = bool(CODE_RE.match(code))
    registration = None
    if shaped:
        registration = db.session.scalar(sa.select(Registration).where(Registration.ticket_digest == digest(code)))
    attempt = ScanAttempt(
        event_id=scanner.event_id,
        scanner_id=scanner.id,
        gate=scanner.name,
        scan_id=scan_id,
        code_digest=digest(code) if shaped else None,
        registration_id=registration.id if registration else None,
        result=ScanResult(verdict) if verdict != ScanResult.OK else ScanResult.INVALID,
        people=0,
        scanned_at=min(scanned_at, now),
        received_at=now,
        offline=True,
    )
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
            db.session.flush()
    except IntegrityError:
        return _replay(scan_id, scanner)
    return CheckInResult(status=attempt.result, scan_id=scan_id, registration=registration)


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
    db.session.execute(
        sa.update(Registration)
        .where(Registration.id == check.registration_id, Registration.checked_in_people >= check.people)
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
