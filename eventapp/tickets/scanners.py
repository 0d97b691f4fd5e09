"""Door scanners: their creation and pairing, renewal and revocation, and how a scan proves which
scanner it comes from. The organiser's actions are audited (who, what, when; never a secret).

The edge (view, API, CLI) owns the transaction; nothing here commits.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from eventapp.accounts.models import User
from eventapp.accounts.services import record_audit
from eventapp.core.cache import TTLCache
from eventapp.core.errors import Conflict, InvalidState, NotFound, PermissionDenied
from eventapp.core.tokens import digest, random_token
from eventapp.events.models import Event, EventStatus
from eventapp.extensions import db
from eventapp.tickets.models import Scanner, ScannerProfile

PAIRING_TTL = timedelta(minutes=10)

# Prepared once: building and compiling a statement on each scan costs more than running it.
_SCANNER_BY_TOKEN = (
    sa.select(Scanner)
    .where(Scanner.token_digest == sa.bindparam("digest"))
    .options(joinedload(Scanner.event, innerjoin=True))
)


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


_doors: TTLCache[DoorScanner] = TTLCache(max_entries=512)


def create_scanner(
    actor: User | None,
    event: Event,
    *,
    name: str,
    profile: ScannerProfile = ScannerProfile.SCAN_ONLY,
    direct_token: bool = False,
    same_name: bool = False,
    now: datetime,
) -> tuple[Scanner, str]:
    """A scanner for one gate of `event`, and its one-time secret: a pairing token valid for 10 minutes,
    or (direct_token) the device token itself, for scripts and hardware scanners. `actor` is the
    organiser (None: an operator at the command line). Flushes, never commits. Raises InvalidState for
    a bad gate name, Conflict when a scanner of the event not revoked has that name, unless `same_name`
    asks for a second phone at that gate.
    """
    name = (name or "").strip()
    if not name or len(name) > 60 or any(ord(c) < 32 for c in name):
        raise InvalidState(_l("Give the gate a name of at most 60 characters."), code="invalid_gate_name")
    # Counts, duplicates and the check-in log name gates: two phones with one name are counted as one
    # gate, which an organiser may want (a second phone at a busy door) but should not get by mistake.
    # A check, not a unique index, since asking for it is allowed; two organisers racing to create the
    # same gate at the same moment only get the outcome one of them could have asked for.
    if not same_name and _gate_name_taken(event, name):
        raise Conflict(
            _l(
                "A scanner named “%(name)s” already exists for this event. To pair a new phone for that "
                "gate, renew its pairing; otherwise give this gate another name.",
                name=name,
            ),
            code="gate_name_taken",
            field="name",
        )
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
    _audit(actor, "scanner.created", scanner, now, profile=str(scanner.profile), direct_token=direct_token)
    return scanner, secret


def _gate_name_taken(event: Event, name: str) -> bool:
    """Whether a scanner of `event` still in use (not revoked) is named `name`, ignoring case."""
    return db.session.execute(
        sa.select(
            sa.exists().where(
                Scanner.event_id == event.id,
                Scanner.revoked_at.is_(None),
                sa.func.lower(Scanner.name) == name.lower(),
            )
        )
    ).scalar_one()


def renew_pairing(actor: User | None, scanner: Scanner, *, now: datetime) -> str:
    """A fresh pairing token for a scanner (a new phone for the same gate). The old device token stops working.

    Flushes, never commits. Raises InvalidState for a revoked scanner.
    """
    if scanner.revoked_at is not None:
        raise InvalidState(_l("This scanner has been revoked."), code="scanner_revoked")
    secret = random_token()
    scanner.pairing_digest = digest(secret)
    scanner.pairing_expires_at = now + PAIRING_TTL
    _forget_door(scanner)
    scanner.token_digest = None
    db.session.flush()
    _audit(actor, "scanner.pairing_renewed", scanner, now)
    return secret


def pair_scanner(pairing_token: str, *, now: datetime) -> tuple[Scanner, str]:
    """Exchange a pairing token (usable once, before it expires) for a new device token.

    The phone that opens the link needs no account: the audit entry names no user, only the gate.
    Flushes, never commits. Raises NotFound for an unknown, used, expired or revoked pairing link.
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
    scanner = db.session.get_one(Scanner, scanner_id, populate_existing=True)  # just updated: it exists
    _audit(None, "scanner.paired", scanner, now)
    return scanner, device_token


def revoke_scanner(actor: User | None, scanner: Scanner, *, now: datetime) -> None:
    """Stop the scanner's device token and pairing link at once (a lost phone). Idempotent (audited
    once). `actor` is the organiser (None: an operator at the command line). Flushes, never commits."""
    _forget_door(scanner)
    if scanner.revoked_at is None:
        scanner.revoked_at = now
        _audit(actor, "scanner.revoked", scanner, now)
    scanner.token_digest = None
    scanner.pairing_digest = None
    scanner.pairing_expires_at = None
    db.session.flush()


def authenticate_scanner(device_token: str, *, now: datetime) -> Scanner:
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


def authenticate_door(device_token: str, *, now: datetime, ttl: float) -> DoorScanner:
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


def _audit(actor: User | None, action: str, scanner: Scanner, now: datetime, **details: object) -> None:
    """An audit entry naming the gate and the scanner's id, never one of its secrets."""
    details = {"scanner": scanner.id, **details}
    record_audit(actor, action, now=now, event_id=scanner.event_id, target=scanner.name, details=details)
