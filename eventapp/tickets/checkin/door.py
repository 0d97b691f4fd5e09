"""The door's one admission rule, for a scanned ticket (`check_in`) and for a name found on the
attendee list (`check_in_by_hand`): both are judged and counted by `_judge_and_admit`.

The edge (view, API, CLI) owns the transaction; nothing here commits.
"""

import secrets
from datetime import datetime

from flask_babel import lazy_gettext as _l

from eventapp.accounts.models import User
from eventapp.accounts.permissions import require_event_access
from eventapp.accounts.services import record_audit
from eventapp.core.errors import InvalidState
from eventapp.core.tokens import digest
from eventapp.events.models import Event
from eventapp.extensions import db
from eventapp.registration.models import Registration
from eventapp.tickets.checkin.admit import admit, people_remaining
from eventapp.tickets.checkin.offline import settle_duplicate
from eventapp.tickets.checkin.scan import CheckInResult, Logged, Scan, claim_scan, correct_log, replay
from eventapp.tickets.checkin.ticket import DoorTicket, find_ticket, read_ticket, verdict
from eventapp.tickets.codes import CODE_RE, normalise_code
from eventapp.tickets.models import Scanner, ScanResult
from eventapp.tickets.scanners import DoorEvent, DoorScanner

BACK_OFFICE_GATE = "Back-office"


def check_in(
    code: str,
    *,
    scanner: Scanner | DoorScanner | None,
    people: int | None = None,
    scan_id: str,
    scanned_at: datetime | None = None,
    key: str,
    now: datetime,
    event: Event | DoorEvent | None = None,
    gate: str | None = None,
) -> CheckInResult:
    """Judge a ticket at the door and admit `people` of it (all remaining by default), exactly once.

    Two gates scanning the same ticket at the same moment admit it once (see checkin.admit). Every
    attempt is logged; a retried `scan_id` is answered as the first time and never counted twice.
    `scanned_at` is the device's time of an offline scan: an offline admission that finds the ticket
    already used is recorded as a duplicate discovered after the fact, unless it was the earliest
    (checkin.offline). `scanner=None` is a manual check-in (`event` and `gate` then say where).
    Flushes, never commits. Raises Conflict if the scan_id belongs to another scanner, InvalidState
    for a bad scan id or people count.

    This is the busiest request at a crowded door, so the usual path is a handful of statements: the
    ticket lookup (with its sessions and latest admission, as plain rows), the log row, the admitting
    UPDATE and the check-in row; a duplicate, the lookup and the log row. Rarer outcomes reload what
    they need.
    """
    if scanner is not None:
        event, gate = scanner.event, scanner.name
    if event is None:
        raise InvalidState(code="no_event")
    scan = Scan.received(
        event_id=event.id,
        scanner_id=scanner.id if scanner else None,
        gate=gate or BACK_OFFICE_GATE,
        scan_id=scan_id,
        scanned_at=scanned_at,
        now=now,
        people=people,
    )
    code = normalise_code(code)
    ticket = find_ticket(code, key)
    return _judge_and_admit(event, scan, ticket, code_digest=digest(code) if CODE_RE.match(code) else None)


def check_in_by_hand(actor: User, registration: Registration, *, now: datetime) -> CheckInResult:
    """Admit all remaining people of a registration without scanning (a forgotten phone, a name on a
    list), judged exactly like a scan at the "Back-office" gate, and audit it; the verdict is returned.

    Flushes, never commits. Raises PermissionDenied unless `actor` manages the event.
    """
    require_event_access(actor, registration.event_id)
    event = registration.event
    scan = Scan.received(
        event_id=event.id,
        scanner_id=None,
        gate=BACK_OFFICE_GATE,
        scan_id=secrets.token_urlsafe(16),
        scanned_at=None,
        now=now,
    )
    # The registration is at hand: read by its id, without rebuilding its code. An erased one has no
    # ticket any more (its code leads nowhere), as at a scanner.
    ticket = read_ticket(registration.id) if registration.anonymised_at is None else None
    result = _judge_and_admit(event, scan, ticket, code_digest=registration.ticket_digest)
    record_audit(
        actor,
        "attendee.checked_in",
        now=now,
        event_id=registration.event_id,
        target=str(registration.uuid),  # the person by uuid, never by email (see backoffice.services)
        details={"result": str(result.status), "people": result.people},
    )
    return result


def _judge_and_admit(
    event: Event | DoorEvent, scan: Scan, ticket: DoorTicket | None, *, code_digest: str | None
) -> CheckInResult:
    """The verdict on `ticket` at `event`'s door, its log row, and the admission when it is valid."""
    status = verdict(ticket, event, scan.time)
    remaining, past_day = people_remaining(ticket, scan.day)
    wanted = 0
    if status == ScanResult.OK:
        assert ticket is not None  # verdict() finds only a ticket valid
        if scan.people is not None and scan.people > ticket.seats:
            raise InvalidState(_l("This ticket admits fewer people."), code="invalid_people")
        wanted = scan.people if scan.people is not None else remaining
        if wanted < 1:
            status = ScanResult.ALREADY_CHECKED_IN
    # The log row gets the verdict expected from what was just read, corrected at the end only if the
    # row changed meanwhile (another gate, a cancellation): usually a single write.
    already_in = status == ScanResult.ALREADY_CHECKED_IN
    claimed = Logged(status, wanted if status == ScanResult.OK else 0, duplicate_discovered=scan.offline and already_in)
    attempt_id = claim_scan(scan, claimed, registration_id=ticket.id if ticket else None, code_digest=code_digest)
    if attempt_id is None:
        return replay(scan)

    result = CheckInResult(status=status, scan_id=scan.scan_id, ticket=ticket)
    if ticket is None:
        return result
    result.seats, result.people_remaining = ticket.seats, remaining
    if status == ScanResult.WRONG_EVENT:
        result.other_event = db.session.get(Event, ticket.event_id)
    if status == ScanResult.OK:
        if admit(result, ticket, scan, wanted, attempt_id=attempt_id, past_day=past_day):
            return result
        # Not admitted: another gate, a cancellation or a waiting-list move got there since our read.
        if not past_day:
            ticket = result.ticket = read_ticket(ticket.id)
            assert ticket is not None  # read just before, and registrations are never deleted (erasure anonymises)
            result.people_remaining = ticket.people_remaining(scan.day)
            status = verdict(ticket, event, scan.time)
        result.status = ScanResult.ALREADY_CHECKED_IN if status == ScanResult.OK else status
    # A duplicate shows the admission read with the count that made it one (or, offline, may be the earliest).
    already_in = result.status == ScanResult.ALREADY_CHECKED_IN
    if already_in and settle_duplicate(result, ticket.latest_admission, scan, attempt_id):
        return result
    correct_log(attempt_id, result, claimed=claimed, now=scan.now)
    return result
