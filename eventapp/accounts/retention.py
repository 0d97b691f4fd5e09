"""Retention in the audit log: entries of expired events keep who acted and what, not whom it was about.

Accounts sits below events, so the caller passes the expired events as a subquery of their ids.
"""

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from eventapp.accounts.models import AuditEntry
from eventapp.core.db import rows_matched
from eventapp.extensions import db

# Audit actions whose target names one attendee, and the export filters a person typed freely.
ATTENDEE_AUDIT_ACTIONS = ("attendee.registered", "attendee.cancelled", "attendee.ticket_resent", "attendee.checked_in")
EXPORT_AUDIT_ACTION = "attendees.exported"
FREE_TEXT_FILTERS = ("q",)


def _expired(events: sa.Select[Any], cutoff: datetime) -> sa.ColumnElement[bool]:
    """Entries of expired events or, once the event is deleted, entries older than the cutoff."""
    return sa.or_(
        AuditEntry.event_id.in_(events),
        sa.and_(AuditEntry.event_id.is_(None), AuditEntry.created_at < cutoff),
    )


def _named_attendees(events: sa.Select[Any], cutoff: datetime) -> sa.ColumnElement[bool]:
    """The condition on attendee entries that still have a target."""
    return sa.and_(_expired(events, cutoff), AuditEntry.action.in_(ATTENDEE_AUDIT_ACTIONS), AuditEntry.target != "")


def _free_text(details: dict[str, Any] | None) -> bool:
    filters = (details or {}).get("filters") or {}
    return isinstance(filters, dict) and any(filters.get(name) for name in FREE_TEXT_FILTERS)


def _searched_exports(events: sa.Select[Any], cutoff: datetime) -> list[AuditEntry]:
    """Export entries that still hold a search text (JSON, queried differently by each database: read here)."""
    entries = db.session.scalars(
        sa.select(AuditEntry).where(_expired(events, cutoff), AuditEntry.action == EXPORT_AUDIT_ACTION)
    )
    return [entry for entry in entries if _free_text(entry.details)]


def count_naming_entries(events: sa.Select[Any], *, cutoff: datetime) -> int:
    """How many expired entries still name an attendee or hold a typed search. Reads only."""
    condition = _named_attendees(events, cutoff)
    named = db.session.execute(sa.select(sa.func.count()).select_from(AuditEntry).where(condition)).scalar_one()
    return named + len(_searched_exports(events, cutoff))


def clear_naming_entries(events: sa.Select[Any], *, cutoff: datetime) -> int:
    """Blank the attendee in expired entries and drop typed searches from exports; returns how many. Does not commit."""
    cleared = rows_matched(
        db.session.execute(
            sa.update(AuditEntry)
            .where(_named_attendees(events, cutoff))
            .values(target="")
            .execution_options(synchronize_session=False)
        )
    )
    exports = _searched_exports(events, cutoff)
    for entry in exports:
        details = entry.details or {}
        filters = {k: v for k, v in details["filters"].items() if k not in FREE_TEXT_FILTERS}
        entry.details = {**details, "filters": filters}  # a new dict: the JSON column sees the change
    return cleared + len(exports)
