"""Offline scans uploaded late: reconciling them with what the door decided meanwhile.

A phone without network judges tickets from its snapshot and uploads its scans when it is back. An
admission it made may turn out to be a duplicate (another gate let the ticket in), or to be the
earliest scan of all (the earliest scan keeps the admission); a refusal it made is only logged.
"""

from datetime import datetime

from eventapp.core.tokens import digest
from eventapp.extensions import db
from eventapp.tickets.checkin.scan import (
    CheckInResult,
    Logged,
    Scan,
    claim_scan,
    door_days_of,
    replay,
    show_previous,
)
from eventapp.tickets.checkin.ticket import Admission, read_ticket_by_digest
from eventapp.tickets.codes import CODE_RE, normalise_code
from eventapp.tickets.days import door_day
from eventapp.tickets.models import CheckIn, ScanAttempt, Scanner, ScanResult
from eventapp.tickets.scanners import DoorScanner


def settle_duplicate(result: CheckInResult, previous: Admission | None, scan: Scan, attempt_id: int) -> bool:
    """A ticket found already used: show the admission `previous` that used it. An offline scan is a
    duplicate discovered after the fact, unless it in fact let the ticket in before `previous` did: it
    then takes that admission over (and this returns True, flushed)."""
    if scan.offline:
        if _earliest_scan_wins(db.session.get_one(ScanAttempt, attempt_id), previous, result, scan):
            return True
        result.duplicate_discovered = True
    show_previous(result, previous)
    return False


def _earliest_scan_wins(attempt: ScanAttempt, latest: Admission | None, result: CheckInResult, scan: Scan) -> bool:
    """An offline scan uploaded late that in fact let the ticket in before `latest` did takes over the
    admission; the later scan becomes the duplicate. Returns whether it did (and flushes then)."""
    if latest is None or latest.scanned_at <= scan.time or latest.people != (scan.people or latest.people):
        return False
    if door_day(latest.scanned_at) != scan.day:
        return False  # an admission of another day: each day admits the ticket once
    previous = db.session.get_one(CheckIn, latest.id)
    attempt.result, attempt.people, attempt.duplicate_discovered_at = ScanResult.OK, previous.people, None
    displaced = previous.attempt
    displaced.result, displaced.people, displaced.duplicate_discovered_at = ScanResult.ALREADY_CHECKED_IN, 0, scan.now
    previous.attempt, previous.scanner_id, previous.gate = attempt, attempt.scanner_id, scan.gate
    result.previous_at, result.previous_gate = previous.scanned_at, displaced.gate
    previous.scanned_at = scan.time
    result.status, result.people, result.duplicate_discovered = ScanResult.OK, previous.people, False
    db.session.flush()
    return True


def record_offline_refusal(
    code: str, *, scanner: Scanner | DoorScanner, scan_id: str, scanned_at: datetime, verdict: ScanResult, now: datetime
) -> CheckInResult:
    """Log a scan an offline scanner refused at the door (nobody was let in), once per scan_id.

    Flushes, never commits. Raises Conflict if the scan_id belongs to another scanner.
    """
    scan = Scan.received(
        event_id=scanner.event_id,
        scanner_id=scanner.id,
        gate=scanner.name,
        scan_id=scan_id,
        scanned_at=scanned_at,
        now=now,
    )
    code = normalise_code(code)
    shaped = bool(CODE_RE.match(code))
    ticket = read_ticket_by_digest(digest(code)) if shaped else None
    refused = ScanResult(verdict) if verdict != ScanResult.OK else ScanResult.INVALID
    attempt_id = claim_scan(
        scan,
        Logged(refused),
        registration_id=ticket.id if ticket else None,
        code_digest=digest(code) if shaped else None,
    )
    if attempt_id is None:
        return replay(scan)
    days = door_days_of(scanner.event) if refused == ScanResult.NOT_TODAY else None
    return CheckInResult(status=refused, scan_id=scan_id, ticket=ticket, door_days=days)
