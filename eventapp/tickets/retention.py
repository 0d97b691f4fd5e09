"""Retention in the door log: a scan of an expired event keeps its gate and hour, loses its person."""

from typing import Any

import sqlalchemy as sa

from eventapp.core.db import rows_matched
from eventapp.extensions import db
from eventapp.tickets.models import ScanAttempt


def _linked_scans(events: sa.Select[Any]) -> sa.ColumnElement[bool]:
    return sa.and_(
        ScanAttempt.event_id.in_(events),
        sa.or_(ScanAttempt.registration_id.is_not(None), ScanAttempt.code_digest.is_not(None)),
    )


def count_linked_scans(events: sa.Select[Any]) -> int:
    """How many scans of these events still point to a ticket. Reads only."""
    return db.session.execute(
        sa.select(sa.func.count()).select_from(ScanAttempt).where(_linked_scans(events))
    ).scalar_one()


def unlink_scans(events: sa.Select[Any]) -> int:
    """Drop the registration and the code digest from the scans of these events; returns how many. Does not commit."""
    result = db.session.execute(
        sa.update(ScanAttempt)
        .where(_linked_scans(events))
        .values(registration_id=None, code_digest=None)
        .execution_options(synchronize_session=False)
    )
    return rows_matched(result)
