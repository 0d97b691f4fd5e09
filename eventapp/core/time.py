"""The only clock. Services take `now` as an argument and fall back to this."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

BRUSSELS = ZoneInfo("Europe/Brussels")


def utcnow() -> datetime:
    return datetime.now(UTC)


def brussels(dt: datetime) -> datetime:
    return dt.astimezone(BRUSSELS)
