"""Door scanners (devices, not accounts), admissions at the door and the log of every scan."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventapp.core.db import str_enum
from eventapp.core.time import utcnow
from eventapp.events.models import Event
from eventapp.extensions import Model
from eventapp.registration.models import Registration


class ScannerProfile(enum.StrEnum):
    SCAN_ONLY = "scan_only"
    SCAN_AND_SEARCH = "scan_and_search"  # may also look attendees up by name
    SUPERVISOR = "supervisor"  # may also undo a check-in

    @property
    def can_search(self) -> bool:
        return self != ScannerProfile.SCAN_ONLY

    @property
    def can_undo(self) -> bool:
        return self == ScannerProfile.SUPERVISOR


class ScanResult(enum.StrEnum):
    OK = "ok"
    ALREADY_CHECKED_IN = "already_checked_in"
    WRONG_EVENT = "wrong_event"
    CANCELLED = "cancelled"
    WAITLISTED = "waitlisted"
    INVALID = "invalid"
    NOT_TODAY = "not_today"


class Scanner(Model):
    """A phone or hardware scanner at one gate of one event, holding a revocable device token.

    The database holds only digests: of the device token, and of the one-time pairing token
    whose link gives a phone its device token.
    """

    __tablename__ = "scanners"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(60))  # the gate, e.g. "Door A"
    profile: Mapped[ScannerProfile] = mapped_column(str_enum(ScannerProfile), default=ScannerProfile.SCAN_ONLY)
    token_digest: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    pairing_digest: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    pairing_expires_at: Mapped[datetime | None]
    paired_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime | None]

    event: Mapped[Event] = relationship()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ScanAttempt(Model):
    """Every scan, admitted or not, with its client-made id: a retried scan_id is answered from here."""

    __tablename__ = "scan_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    scanner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("scanners.id", ondelete="SET NULL"))
    gate: Mapped[str] = mapped_column(sa.String(60))
    scan_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # SHA-256 of the normalised code when it looked like a ticket code; never the code itself.
    code_digest: Mapped[str | None] = mapped_column(sa.String(64))
    registration_id: Mapped[int | None] = mapped_column(sa.ForeignKey("registrations.id", ondelete="SET NULL"))
    result: Mapped[ScanResult] = mapped_column(str_enum(ScanResult))
    people: Mapped[int] = mapped_column(default=0)  # admitted by this scan
    scanned_at: Mapped[datetime]  # the device's clock (offline scans are uploaded later)
    received_at: Mapped[datetime]  # the server's clock
    offline: Mapped[bool] = mapped_column(default=False)
    # Set when an offline verdict turned out, on upload, to have let in a ticket already used.
    duplicate_discovered_at: Mapped[datetime | None]

    scanner: Mapped[Scanner | None] = relationship()
    registration: Mapped[Registration | None] = relationship()

    # Every scan writes a row here, at the busiest moment of the event: each index is one more page
    # to write per scan (and on SQLite, one more WAL frame under the write lock). This one serves the
    # per-event lists and the per-scanner counts; scanners and registrations are never deleted (the
    # retention job anonymises them), so their foreign keys need no index of their own.
    __table_args__ = (
        sa.CheckConstraint("people >= 0", name="people_non_negative"),
        sa.Index("ix_scan_attempts_event_scanner", "event_id", "scanner_id"),
    )


class CheckIn(Model):
    """People of one registration admitted by one scan. Undone check-ins stay, marked undone."""

    __tablename__ = "check_ins"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("registrations.id", ondelete="CASCADE"), index=True)
    scanner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("scanners.id", ondelete="SET NULL"))
    # One admission per scan: a retried scan can never count twice.
    attempt_id: Mapped[int] = mapped_column(sa.ForeignKey("scan_attempts.id", ondelete="CASCADE"), unique=True)
    gate: Mapped[str] = mapped_column(sa.String(60))
    people: Mapped[int]
    scanned_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    undone_at: Mapped[datetime | None]
    undone_by: Mapped[str | None] = mapped_column(sa.String(120))

    registration: Mapped[Registration] = relationship()
    attempt: Mapped[ScanAttempt] = relationship()

    __table_args__ = (
        sa.CheckConstraint("people >= 1", name="people_positive"),
        # Also the index for event_id alone (its first column): one index less to write per admission.
        sa.Index("ix_check_ins_event_gate", "event_id", "gate"),
    )
