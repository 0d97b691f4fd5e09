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

    def __str__(self) -> str:
        return (
            f"{self.registrations} registrations anonymised, {self.scans} door scans unlinked, "
            f"{self.participants} participants unlinked"
        )


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


def count_expired(*, now: datetime, retention_days: int) -> RetentionReport:
    """What `apply_retention` would change now (the dry run). Reads only."""
    counts = {
        name: db.session.scalar(sa.select(sa.func.count()).select_from(model).where(condition))
        for name, (model, condition) in _targets(now, retention_days).items()
    }
    return RetentionReport(**counts)


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
    db.session.flush()
    return report
