"""Retention in the audit log: entries of expired events keep who acted and what, not whom it was about.

Accounts sits below events, so the caller passes the expired events as a subquery of their ids.
Exports keep no search text to clear: only that there was a search (backoffice.services).
"""

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from eventapp.accounts.models import AuditEntry
from eventapp.core.db import rows_matched
from eventapp.extensions import db

# Audit actions whose target names one attendee.
ATTENDEE_AUDIT_ACTIONS = ("attendee.registered", "attendee.cancelled", "attendee.ticket_resent", "attendee.checked_in")


def _expired(events: sa.Select[Any], cutoff: datetime) -> sa.ColumnElement[bool]:
    """Entries of expired events or, once the event is deleted, entries older than the cutoff."""
    return sa.or_(
        AuditEntry.event_id.in_(events),
        sa.and_(AuditEntry.event_id.is_(None), AuditEntry.created_at < cutoff),
    )


def _named_attendees(events: sa.Select[Any], cutoff: datetime) -> sa.ColumnElement[bool]:
    """The condition on attendee entries that still have a target."""
    return sa.and_(_expired(events, cutoff), AuditEntry.action.in_(ATTENDEE_AUDIT_ACTIONS), AuditEntry.target != "")


def count_naming_entries(events: sa.Select[Any], *, cutoff: datetime) -> int:
    """How many expired entries still name an attendee. Reads only."""
    condition = _named_attendees(events, cutoff)
    named: int = db.session.execute(sa.select(sa.func.count()).select_from(AuditEntry).where(condition)).scalar_one()
    return named


def clear_naming_entries(events: sa.Select[Any], *, cutoff: datetime) -> int:
    """Blank the attendee in expired entries; returns how many. Does not commit."""
    return rows_matched(
        db.session.execute(
            sa.update(AuditEntry)
            .where(_named_attendees(events, cutoff))
            .values(target="")
            .execution_options(synchronize_session=False)
        )
    )
