"""Row locks that serialise capacity and waiting-list changes on every backend."""

import sqlalchemy as sa

from eventapp.core.errors import NotFound
from eventapp.extensions import db


def lock_event(event_id: int) -> int:
    """Write the event row first in the transaction and return its new version.

    The UPDATE takes PostgreSQL's row lock (concurrent writers of the same event wait until this
    transaction ends, then read the committed counters) and, on SQLite, the database write lock
    (BEGIN IMMEDIATE). `SELECT … FOR UPDATE` alone is silently ignored by SQLite and oversells there.
    Raises NotFound when the event does not exist.
    """
    version = db.session.execute(
        sa.text("UPDATE events SET version = version + 1 WHERE id = :id RETURNING version"), {"id": event_id}
    ).scalar_one_or_none()
    if version is None:
        raise NotFound()
    return version
