"""Retention in participation: a participant of an expired event keeps their ideas and votes, loses the
ticket they joined with and the hash of the network a guest joined from."""

from typing import Any

import sqlalchemy as sa

from eventapp.core.db import rows_matched
from eventapp.events.models import Session
from eventapp.extensions import db
from eventapp.participation.models import Participant


def _traceable_participants(events: sa.Select[Any]) -> sa.ColumnElement[bool]:
    """Participants of these events' sessions still linked to a registration or to a network."""
    sessions = sa.select(Session.id).where(Session.event_id.in_(events))
    return sa.and_(
        Participant.session_id.in_(sessions),
        sa.or_(Participant.registration_id.is_not(None), Participant.network.is_not(None)),
    )


def count_linked_participants(events: sa.Select[Any]) -> int:
    """How many participants in these events' sessions can still be traced to someone. Reads only."""
    condition = _traceable_participants(events)
    return db.session.execute(sa.select(sa.func.count()).select_from(Participant).where(condition)).scalar_one()


def unlink_participants(events: sa.Select[Any]) -> int:
    """Unlink the participants of these events from their registrations and networks; returns how many.
    Does not commit."""
    result = db.session.execute(
        sa.update(Participant)
        .where(_traceable_participants(events))
        .values(registration_id=None, network=None)
        .execution_options(synchronize_session=False)
    )
    return rows_matched(result)
