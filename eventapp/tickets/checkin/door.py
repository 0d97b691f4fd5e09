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
from eventapp.tickets.checkin.admit import admit
from eventapp.tickets.checkin.offline import settle_duplicate
from eventapp.tickets.checkin.scan import CheckInResult, Scan, claim_judged, correct_log, door_days_of, replay
from eventapp.tickets.checkin.ticket import judge_again, judgement_params, minted_with, read_ticket
from eventapp.tickets.codes import CODE_RE, digest_of_search_handle, normalise_code
from eventapp.tickets.models import Scanner, ScanResult
from eventapp.tickets.scanners import DoorEvent, DoorScanner

BACK_OFFICE_GATE = "Back-office"
# The verdicts on a ticket of this event valid today, whether people of it are left to admit or not.
_VALID_TODAY = (ScanResult.OK, ScanResult.ALREADY_CHECKED_IN)


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
    `code` is the ticket code scanned, or the handle of a person the scanner found by name.

    Two gates scanning the same ticket at the same moment admit it once (see checkin.admit). Every
    attempt is logged; a retried `scan_id` is answered as the first time and never counted twice.
    `scanned_at` is the device's time of an offline scan: an offline admission that finds the ticket
    already used is recorded as a duplicate discovered after the fact, unless it was the earliest
    (checkin.offline). `scanner=None` is a manual check-in (`event` and `gate` then say where).
    Flushes, never commits. Raises Conflict if the scan_id belongs to another scanner, InvalidState
    for a bad scan id or people count.

    This is the busiest request at a crowded door, so the usual path is one or two statements: the
    ticket found, judged and the scan logged in one (checkin.scan.claim_judged), then, for a valid
    ticket, its admission and check-in (one statement on PostgreSQL, two on SQLite). Rarer outcomes
    reload what they need.
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
    if CODE_RE.match(code):
        return _judge_and_admit(event, scan, code_digest=digest(code), minted=(key, code))
    # A person found by name at a scanner allowed to search (api.scanner_search): admitted like by hand.
    found = digest_of_search_handle(key, scanner.id, code) if scanner and scanner.profile.can_search else None
    return _judge_and_admit(event, scan, code_digest=found, minted=None)  # None: not worth a lookup


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
    # The registration is at hand: found by its digest, without rebuilding its code. An erased one has
    # no ticket any more (its code leads nowhere), as at a scanner.
    result = _judge_and_admit(event, scan, code_digest=registration.ticket_digest, minted=None)
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
    event: Event | DoorEvent, scan: Scan, *, code_digest: str | None, minted: tuple[str, str] | None
) -> CheckInResult:
    """The verdict on the ticket `code_digest` names at `event`'s door, its log row, and the admission
    when it is valid. `minted` is the key and the code scanned, to check that this key minted it (None
    by hand: the registration is at hand)."""
    judgement = judgement_params(event, scan.time, scan.people)
    judged = claim_judged(scan, judgement, code_digest=code_digest)
    if judged is None:
        return replay(scan)
    ticket, status, remaining = judged.ticket, judged.logged.result, judged.remaining
    if ticket is not None and minted is not None and not minted_with(*minted, ticket):
        ticket, status = None, ScanResult.INVALID  # minted with another key (SECRET_KEY was rotated)
    result = CheckInResult(status=status, scan_id=scan.scan_id, ticket=ticket)
    if ticket is None:
        correct_log(judged.attempt_id, result, claimed=judged.logged, now=scan.now)
        return result
    if scan.people is not None and scan.people > ticket.seats and status in _VALID_TODAY:
        raise InvalidState(_l("This ticket admits fewer people."), code="invalid_people")
    result.seats, result.people_remaining = ticket.seats, remaining
    if status == ScanResult.WRONG_EVENT:
        result.other_event = db.session.get(Event, ticket.event_id)
    elif status == ScanResult.NOT_TODAY:
        result.door_days = door_days_of(event)  # from the scanner's snapshot of its event: no statement
    if status == ScanResult.OK:
        # An earlier day than the one the registration counts: an offline scan uploaded late.
        past_day = ticket.checked_in_on is not None and scan.day < ticket.checked_in_on
        wanted = judged.logged.people
        if admit(result, ticket, scan, wanted, attempt_id=judged.attempt_id, past_day=past_day, remaining=remaining):
            return result
        # Not admitted: another gate, a cancellation or a waiting-list move got there since our read.
        if not past_day:
            ticket = result.ticket = read_ticket(ticket.id)
            assert ticket is not None  # read just before, and registrations are never deleted (erasure anonymises)
            status, result.people_remaining = judge_again(ticket.id, judgement)
        result.status = ScanResult.ALREADY_CHECKED_IN if status == ScanResult.OK else status
    # A duplicate shows the admission read with the count that made it one (or, offline, may be the earliest).
    already_in = result.status == ScanResult.ALREADY_CHECKED_IN
    if already_in and settle_duplicate(result, ticket.latest_admission, scan, judged.attempt_id):
        return result
    correct_log(judged.attempt_id, result, claimed=judged.logged, now=scan.now)
    return result
