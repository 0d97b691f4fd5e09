"""Retention in participation: a participant of an expired event keeps their ideas and votes, loses the ticket."""

from typing import Any

import sqlalchemy as sa

from eventapp.core.db import rows_matched
from eventapp.extensions import db
from eventapp.participation.models import Participant
from eventapp.registration.models import Registration


def _linked_participants(events: sa.Select[Any]) -> sa.ColumnElement[bool]:
    registrations = sa.select(Registration.id).where(Registration.event_id.in_(events))
    return sa.and_(Participant.registration_id.is_not(None), Participant.registration_id.in_(registrations))


def count_linked_participants(events: sa.Select[Any]) -> int:
    """How many participants in these events' sessions are still linked to a registration. Reads only."""
    condition = _linked_participants(events)
    return db.session.execute(sa.select(sa.func.count()).select_from(Participant).where(condition)).scalar_one()


def unlink_participants(events: sa.Select[Any]) -> int:
    """Unlink the participants of these events from their registrations; returns how many. Does not commit."""
    result = db.session.execute(
        sa.update(Participant)
        .where(_linked_participants(events))
        .values(registration_id=None)
        .execution_options(synchronize_session=False)
    )
    return rows_matched(result)
