"""Row locks that serialise capacity and waiting-list changes on every backend."""

from typing import Any

import sqlalchemy as sa

from eventapp.core.errors import NotFound
from eventapp.extensions import db


def lock_event(event: Any, *others: object) -> int:
    """Write the event row first in the transaction, reload it (and `others`), return its new version.

    The UPDATE takes PostgreSQL's row lock (concurrent writers of the same event wait until this
    transaction ends, then read the committed counters) and, on SQLite, the database write lock
    (BEGIN IMMEDIATE). `SELECT … FOR UPDATE` alone is silently ignored by SQLite and oversells there.
    The same statement returns the row, so `event` holds the committed values without another round
    trip (the registration rush depends on it); `others` are refreshed after the lock. Relations
    (sessions, venue…) are expired and load on first use. `event` is an Event instance: core does
    not import the events domain, the UPDATE is built on the instance's class.
    Raises NotFound when the event does not exist (any more).
    """
    model = type(event)
    # The id from the identity key: `event.id` on an instance that the transaction's opening commit
    # expired would load the event and its eager relations once more, only to reload them here.
    identity = sa.inspect(event).identity
    event_id = identity[0] if identity else event.id
    db.session.expire(event)
    locked = db.session.scalars(
        sa.update(model)
        .where(model.id == event_id)
        .values(version=model.version + 1)
        .returning(model)
        .execution_options(populate_existing=True, synchronize_session=False)
    ).one_or_none()
    if locked is None:
        raise NotFound()
    for obj in others:
        db.session.refresh(obj)
    version: int = locked.version
    return version
