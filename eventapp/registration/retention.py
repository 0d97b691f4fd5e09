"""Retention of registrations: the dry run's count (`services.anonymise_expired` does the work)."""

from typing import Any

import sqlalchemy as sa

from eventapp.extensions import db
from eventapp.registration.models import Registration


def count_to_anonymise(events: sa.Select[Any]) -> int:
    """How many registrations of these events still hold personal data. Reads only."""
    condition = sa.and_(Registration.event_id.in_(events), Registration.anonymised_at.is_(None))
    return db.session.execute(sa.select(sa.func.count()).select_from(Registration).where(condition)).scalar_one()
