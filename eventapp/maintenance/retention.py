"""Data retention (GDPR): personal data is anonymised RETENTION_DAYS after an event ends.

What goes: registrants' name, email and accessibility needs, and their manage, ticket and feed
links (the registration domain's anonymisation); the door log's link from each scan to a person
(the scan stays, counted per gate and hour); the link from a participant in a session to their
ticket; the attendee named in the organisers' audit log. What stays: the event's counters, audience
and commune figures, door counts, and the participation content (ideas, questions, votes), without
identities.

Each domain forgets its own data (its `retention` module); this job only picks the events and runs
them in order. `flask --app wsgi retention apply` runs it (daily cron).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from eventapp.accounts.retention import clear_naming_entries, count_naming_entries
from eventapp.events.retention import ended_before
from eventapp.extensions import db
from eventapp.participation.retention import count_linked_participants, unlink_participants
from eventapp.registration.retention import count_to_anonymise
from eventapp.registration.services import anonymise_expired
from eventapp.tickets.retention import count_linked_scans, unlink_scans


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


def count_expired(*, now: datetime, retention_days: int) -> RetentionReport:
    """What `apply_retention` would change now (the dry run). Reads only."""
    cutoff = now - timedelta(days=retention_days)
    events = ended_before(cutoff)
    return RetentionReport(
        registrations=count_to_anonymise(events),
        scans=count_linked_scans(events),
        participants=count_linked_participants(events),
        audit_entries=count_naming_entries(events, cutoff=cutoff),
    )


def apply_retention(*, now: datetime, retention_days: int) -> RetentionReport:
    """Anonymise the personal data of events that ended more than `retention_days` ago.

    Idempotent (a second run changes nothing); keeps aggregates. Flushes, never commits.
    """
    if retention_days < 0:
        raise ValueError("retention_days must not be negative")
    cutoff = now - timedelta(days=retention_days)
    events = ended_before(cutoff)
    report = RetentionReport()
    # Unlink first, while the scans and participants still lead to their registrations.
    report.scans = unlink_scans(events)
    report.participants = unlink_participants(events)
    report.registrations = anonymise_expired(now=now, retention_days=retention_days)
    report.audit_entries = clear_naming_entries(events, cutoff=cutoff)
    db.session.flush()
    return report
