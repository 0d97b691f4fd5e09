"""What the retention job asks of events: which events ended long enough ago to forget their people."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from eventapp.events.models import Event


def ended_before(cutoff: datetime) -> sa.Select[Any]:
    """The ids of events that ended before `cutoff`, as a subquery for the other domains' retention."""
    return sa.select(Event.id).where(Event.ends_at < cutoff)
