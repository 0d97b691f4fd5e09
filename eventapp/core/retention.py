"""Data retention (GDPR): personal data is anonymised RETENTION_DAYS after an event ends.

What goes: registrants' name, email and accessibility needs, and their manage, ticket and feed
links (the registration domain's anonymisation); the door log's link from each scan to a person
(the scan stays, counted per gate and hour); the link from a participant in a session to their
ticket. What stays: the event's counters, audience and commune figures, door counts, and the
participation content (ideas, questions, votes), without identities.

This is the one place that reaches across domains (registration, tickets, participation), so the
models are imported where they are used. `flask --app wsgi retention apply` runs it (daily cron).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from eventapp.extensions import db


@dataclass
class RetentionReport:
    registrations: int = 0
    scans: int = 0
    participants: int = 0
    audit_entries: int = 0

    def __str__(self) -> str:
        return (
            f"{self.registrations} registrations anonymised, {self.scans} door scans unlinked, "
            f"{self.participants} participants unlinked, {self.audit_entries} audit entries cleared"
        )


# Audit actions whose target names one attendee, and the export filters a person typed freely.
ATTENDEE_AUDIT_ACTIONS = ("attendee.registered", "attendee.cancelled", "attendee.ticket_resent", "attendee.checked_in")
EXPORT_AUDIT_ACTION = "attendees.exported"
FREE_TEXT_FILTERS = ("q",)


def _expired_events(now: datetime, retention_days: int):
    from eventapp.events.models import Event

    return sa.select(Event.id).where(Event.ends_at < now - timedelta(days=retention_days))


def _targets(now: datetime, retention_days: int):
    from eventapp.participation.models import Participant
    from eventapp.registration.models import Registration
    from eventapp.tickets.models import ScanAttempt

    events = _expired_events(now, retention_days)
    registrations = sa.select(Registration.id).where(Registration.event_id.in_(events))
    return {
        "registrations": (
            Registration,
            sa.and_(Registration.event_id.in_(events), Registration.anonymised_at.is_(None)),
        ),
        "scans": (
            ScanAttempt,
            sa.and_(
                ScanAttempt.event_id.in_(events),
                sa.or_(ScanAttempt.registration_id.is_not(None), ScanAttempt.code_digest.is_not(None)),
            ),
        ),
        "participants": (
            Participant,
            sa.and_(Participant.registration_id.is_not(None), Participant.registration_id.in_(registrations)),
        ),
    }


def _expired_audit(now: datetime, retention_days: int):
    """Audit entries of expired events (or, once the event is deleted, of the same age) that may name someone."""
    from eventapp.accounts.models import AuditEntry

    of_expired_event = sa.or_(
        AuditEntry.event_id.in_(_expired_events(now, retention_days)),
        sa.and_(AuditEntry.event_id.is_(None), AuditEntry.created_at < now - timedelta(days=retention_days)),
    )
    return AuditEntry, of_expired_event


def _free_text(details: dict | None) -> bool:
    filters = (details or {}).get("filters") or {}
    return isinstance(filters, dict) and any(filters.get(name) for name in FREE_TEXT_FILTERS)


def _named_attendees(now: datetime, retention_days: int):
    """The condition on attendee entries that still have a target."""
    AuditEntry, of_expired_event = _expired_audit(now, retention_days)
    return sa.and_(of_expired_event, AuditEntry.action.in_(ATTENDEE_AUDIT_ACTIONS), AuditEntry.target != "")


def _searched_exports(now: datetime, retention_days: int) -> list:
    """Export entries that still hold a search text (JSON, queried differently by each database: read here)."""
    AuditEntry, of_expired_event = _expired_audit(now, retention_days)
    entries = db.session.scalars(
        sa.select(AuditEntry).where(of_expired_event, AuditEntry.action == EXPORT_AUDIT_ACTION)
    )
    return [entry for entry in entries if _free_text(entry.details)]


def count_expired(*, now: datetime, retention_days: int) -> RetentionReport:
    """What `apply_retention` would change now (the dry run). Reads only."""
    counts = {
        name: db.session.scalar(sa.select(sa.func.count()).select_from(model).where(condition))
        for name, (model, condition) in _targets(now, retention_days).items()
    }
    from eventapp.accounts.models import AuditEntry

    named = db.session.scalar(
        sa.select(sa.func.count()).select_from(AuditEntry).where(_named_attendees(now, retention_days))
    )
    return RetentionReport(**counts, audit_entries=named + len(_searched_exports(now, retention_days)))


def apply_retention(*, now: datetime, retention_days: int) -> RetentionReport:
    """Anonymise the personal data of events that ended more than `retention_days` ago.

    Idempotent (a second run changes nothing); keeps aggregates. Flushes, never commits.
    """
    from eventapp.participation.models import Participant
    from eventapp.registration.services import anonymise_expired
    from eventapp.tickets.models import ScanAttempt

    if retention_days < 0:
        raise ValueError("retention_days must not be negative")
    targets = _targets(now, retention_days)
    report = RetentionReport()
    # Unlink first: the conditions below find their rows through the registrations' events.
    report.scans = db.session.execute(
        sa.update(ScanAttempt)
        .where(targets["scans"][1])
        .values(registration_id=None, code_digest=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    report.participants = db.session.execute(
        sa.update(Participant)
        .where(targets["participants"][1])
        .values(registration_id=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    report.registrations = anonymise_expired(now=now, retention_days=retention_days)
    report.audit_entries = _clear_audit(now, retention_days)
    db.session.flush()
    return report


def _clear_audit(now: datetime, retention_days: int) -> int:
    from eventapp.accounts.models import AuditEntry

    cleared = db.session.execute(
        sa.update(AuditEntry)
        .where(_named_attendees(now, retention_days))
        .values(target="")
        .execution_options(synchronize_session=False)
    ).rowcount
    exports = _searched_exports(now, retention_days)
    for entry in exports:
        filters = {k: v for k, v in entry.details["filters"].items() if k not in FREE_TEXT_FILTERS}
        entry.details = {**entry.details, "filters": filters}  # a new dict: the JSON column sees the change
    return cleared + len(exports)
