"""Door days: an event over several days admits each ticket once a day.

A door day runs from 05:00 to 05:00 in Brussels rather than from midnight, so that an evening going on
past midnight stays one day at the door (a ticket admitted at 23:00 is not new again at 00:30).
"""

from datetime import date, datetime, time, timedelta

from eventapp.core.time import BRUSSELS, brussels

DAY_STARTS = time(5)


def door_day(when: datetime) -> date:
    """The door day `when` belongs to."""
    return (brussels(when) - timedelta(hours=DAY_STARTS.hour)).date()


def door_day_bounds(day: date) -> tuple[datetime, datetime]:
    """The instants a door day starts and ends (the end excluded)."""
    start = datetime.combine(day, DAY_STARTS, tzinfo=BRUSSELS)
    return start, datetime.combine(day + timedelta(days=1), DAY_STARTS, tzinfo=BRUSSELS)
