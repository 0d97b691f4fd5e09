"""Reads of the public catalogue."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from eventapp.core.errors import NotFound
from eventapp.core.time import BRUSSELS
from eventapp.events.models import Event, EventStatus, Session, Theme
from eventapp.extensions import db

PUBLIC_STATUSES = (EventStatus.PUBLISHED, EventStatus.CANCELLED)


@dataclass(frozen=True)
class CatalogueFilter:
    theme: str | None = None  # theme slug
    date_from: date | None = None  # Brussels calendar dates, inclusive
    date_to: date | None = None
    include_past: bool = False


@dataclass(frozen=True)
class Page:
    items: list[Any]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max((self.total + self.per_page - 1) // self.per_page, 1)


def _brussels_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=BRUSSELS)


def _public_events_query(flt: CatalogueFilter, now: datetime) -> sa.Select[Event]:
    query = sa.select(Event).where(Event.status.in_(PUBLIC_STATUSES))
    if flt.theme:
        query = query.join(Event.theme).where(Theme.slug == flt.theme)
    if flt.date_from:
        query = query.where(Event.ends_at >= _brussels_midnight(flt.date_from))
    elif not flt.include_past:
        query = query.where(Event.ends_at >= now)
    if flt.date_to:
        query = query.where(Event.starts_at < _brussels_midnight(flt.date_to + timedelta(days=1)))
    return query


MAX_PAGE = 100_000


def list_public_events(
    flt: CatalogueFilter, *, now: datetime, page: int = 1, per_page: int = 12, with_sessions: bool = False
) -> Page:
    """Published (and cancelled, so people learn of it) events matching the filter, soonest first."""
    query = _public_events_query(flt, now)
    total = db.session.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar_one()
    # Bounded: a huge ?page= would overflow the database's integer OFFSET (a 500 found by fuzzing).
    page = min(max(page, 1), MAX_PAGE)
    options = [selectinload(Event.theme), selectinload(Event.venue)]
    if with_sessions:
        options.append(selectinload(Event.sessions))
    items = db.session.scalars(
        query.options(*options).order_by(Event.starts_at, Event.id).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return Page(list(items), page, per_page, total)


def get_public_event(slug: str, *, for_page: bool = True) -> Event:
    """The published or cancelled event with this slug; drafts do not exist for the public.

    With its sessions, and (for_page) the theme and venue a page shows; a form handler that only
    renders the page when the input is wrong leaves those to load then.
    """
    options = [selectinload(Event.sessions)]
    if for_page:
        options += [selectinload(Event.theme), selectinload(Event.venue)]
    event = db.session.scalar(
        sa.select(Event).where(Event.slug == slug, Event.status.in_(PUBLIC_STATUSES)).options(*options)
    )
    if event is None:
        raise NotFound()
    return event


# Built once, like the event page's below: constructing these statements cost more than running them.
_CATALOGUE_STATE = sa.select(
    sa.func.count(Event.id),
    sa.func.coalesce(sa.func.sum(Event.id), 0),
    sa.func.max(Event.updated_at),
    sa.func.coalesce(sa.func.sum(Event.seats_taken), 0),
    sa.func.coalesce(sa.func.sum(Event.capacity), 0),
).where(Event.status.in_(PUBLIC_STATUSES))


def catalogue_state() -> str:
    """A cheap fingerprint of everything the catalogue shows of public events.

    Services bump `updated_at` on any visible change (see eventapp.events.ical); seat counters are
    included because they change without it.
    """
    row = db.session.execute(_CATALOGUE_STATE).one()
    return ":".join(str(value) for value in row)


_EVENT_PAGE_STATE = (
    sa.select(
        Event.id,
        Event.version,
        Event.sequence,
        Event.updated_at,
        Event.status,
        Event.capacity,
        Event.seats_taken,
        Event.seats_waiting,
        Session.id,
        Session.seats_taken,
        Session.capacity,
        Session.updated_at,
    )
    .outerjoin(Session, Session.event_id == Event.id)
    .where(Event.slug == sa.bindparam("slug"), Event.status.in_(PUBLIC_STATUSES))
    .order_by(Session.id)
)


def get_event_page_state(slug: str) -> str:
    """What the public event page shows that can change, in one query and without loading the event:
    the event row's stamps and counters, its sessions'. NotFound like get_public_event().

    Services move `updated_at` on every visible change of the event, its sessions, its venue or its
    theme (see event_changes, session_changes and places); seat counters and `version` (bumped by
    every capacity or waiting-list change) are read because they change without it.
    """
    rows = db.session.execute(_EVENT_PAGE_STATE, {"slug": slug}).all()
    if not rows:
        raise NotFound()
    first = rows[0]
    event = ":".join(str(value) for value in first[:8])
    sessions = ",".join(f"{row[8]}:{row[9]}:{row[10]}:{row[11]}" for row in rows if row[8] is not None)
    return f"{event}|{sessions}"


def list_themes() -> list[Theme]:
    return list(db.session.scalars(sa.select(Theme).order_by(Theme.slug)))


def get_public_events_dates() -> tuple[datetime, datetime] | None:
    """When the public events were first published and last changed (None: there are none)."""
    first, last = db.session.execute(
        sa.select(
            sa.func.min(sa.func.coalesce(Event.published_at, Event.created_at)), sa.func.max(Event.updated_at)
        ).where(Event.status.in_(PUBLIC_STATUSES))
    ).one()
    return None if first is None else (first, last)
