"""Reads behind the calendar feeds: which events a feed holds, and a cheap fingerprint of them.

A feed is answered in two steps. `*_state()` runs one aggregate query (count, id and sequence
sums, latest change of the events and of their sessions) whose result, with the language and
the window, becomes the strong ETag; only when the client does not already hold that version
does the view load the events (`list_*`) and build the body.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from eventapp.core.errors import NotFound
from eventapp.core.tokens import digest
from eventapp.events.models import Event, EventStatus, Session, Theme
from eventapp.events.queries import PUBLIC_STATUSES
from eventapp.extensions import db
from eventapp.registration.models import Registration, RegistrationSession, RegistrationStatus

DAYS_BACK = 30  # past events, and cancelled ones, stay this long so calendars see the outcome
DAYS_AHEAD = 365


@dataclass(frozen=True)
class Window:
    """The events a public feed holds: ending after `start` (or cancelled after it), starting before `end`.

    Bounds are whole UTC days so that the feed (and its ETag) changes at most once a day by itself.
    """

    day: datetime  # today's UTC midnight
    start: datetime
    end: datetime


def feed_window(now: datetime) -> Window:
    day = datetime.combine(now.astimezone(UTC).date(), time.min, tzinfo=UTC)
    return Window(day=day, start=day - timedelta(days=DAYS_BACK), end=day + timedelta(days=DAYS_AHEAD + 1))


@dataclass(frozen=True)
class FeedState:
    """What the ETag of a feed is computed from; equal states give byte-identical feeds."""

    count: int
    id_sum: int
    sequence_sum: int
    updated_at: datetime | None
    session_count: int
    session_updated_at: datetime | None

    @property
    def last_modified(self) -> datetime | None:
        stamps = [s for s in (self.updated_at, self.session_updated_at) if s is not None]
        return max(stamps) if stamps else None

    def key(self) -> str:
        def iso(dt: datetime | None) -> str:
            return dt.isoformat() if dt else "-"

        return (
            f"{self.count}:{self.id_sum}:{self.sequence_sum}:{iso(self.updated_at)}:"
            f"{self.session_count}:{iso(self.session_updated_at)}"
        )


def _in_feed(window: Window, theme_id: int | None = None) -> sa.ColumnElement[bool]:
    condition = sa.and_(
        Event.status.in_(PUBLIC_STATUSES),
        Event.starts_at < window.end,
        sa.or_(
            Event.ends_at >= window.start,
            sa.and_(Event.status == EventStatus.CANCELLED, Event.cancelled_at >= window.start),
        ),
    )
    if theme_id is not None:
        condition = sa.and_(condition, Event.theme_id == theme_id)
    return condition


def _state(condition: sa.ColumnElement[bool]) -> FeedState:
    count, id_sum, sequence_sum, updated_at = db.session.execute(
        sa.select(
            sa.func.count(Event.id),
            sa.func.coalesce(sa.func.sum(Event.id), 0),
            sa.func.coalesce(sa.func.sum(Event.sequence), 0),
            sa.func.max(Event.updated_at),
        ).where(condition)
    ).one()
    session_count, session_updated_at = db.session.execute(
        sa.select(sa.func.count(Session.id), sa.func.max(Session.updated_at)).join(Session.event).where(condition)
    ).one()
    return FeedState(int(count), int(id_sum), int(sequence_sum), updated_at, int(session_count), session_updated_at)


def _events(condition: sa.ColumnElement[bool]) -> list[Event]:
    return list(
        db.session.scalars(
            sa.select(Event)
            .where(condition)
            .options(selectinload(Event.theme), selectinload(Event.venue), selectinload(Event.sessions))
            .order_by(Event.starts_at, Event.id)
        )
    )


@dataclass(frozen=True)
class FeedTheme:
    """What a theme feed needs of its theme, as plain values that outlive the database session
    (so that the views can keep them between requests)."""

    id: int
    slug: str
    name_fr: str
    name_nl: str
    name_en: str


def get_feed_theme(slug: str) -> FeedTheme:
    row = db.session.execute(
        sa.select(Theme.id, Theme.slug, Theme.name_fr, Theme.name_nl, Theme.name_en).where(Theme.slug == slug)
    ).one_or_none()
    if row is None:
        raise NotFound()
    return FeedTheme(*row)


def public_feed_state(window: Window, theme: FeedTheme | None = None) -> FeedState:
    return _state(_in_feed(window, theme.id if theme else None))


def list_public_feed_events(window: Window, theme: FeedTheme | None = None) -> list[Event]:
    """Published and recently cancelled events of the window (drafts never), soonest first."""
    return _events(_in_feed(window, theme.id if theme else None))


def event_state(event: Event) -> FeedState:
    """The state of a one-event download, from the already loaded event."""
    stamps = [s.updated_at for s in event.sessions]
    return FeedState(1, event.id, event.sequence, event.updated_at, len(stamps), max(stamps, default=None))


# --- Personal feeds ---------------------------------------------------------------------------------


def get_registration_by_feed_token(token: str) -> Registration:
    """The registration whose personal feed this token opens; NotFound if unknown, revoked or erased."""
    registration = db.session.scalar(
        sa.select(Registration)
        .where(Registration.feed_digest == digest(token))
        .options(
            selectinload(Registration.event).selectinload(Event.theme),
            selectinload(Registration.event).selectinload(Event.venue),
            selectinload(Registration.event).selectinload(Event.sessions),
            selectinload(Registration.session_choices).selectinload(RegistrationSession.session),
        )
    )
    if registration is None or registration.anonymised_at is not None:
        raise NotFound()
    return registration


def personal_feed_events(registration: Registration) -> list[Event]:
    """The registration's event while it is confirmed and public; nothing otherwise.

    A cancelled registration empties the feed, so the event leaves the person's calendar; a
    cancelled event stays, marked cancelled.
    """
    event = registration.event
    if registration.status != RegistrationStatus.CONFIRMED or event.status not in PUBLIC_STATUSES:
        return []
    return [event]


def personal_feed_sessions(registration: Registration) -> list[Session]:
    return sorted(registration.sessions, key=lambda s: (s.starts_at, s.id))


def personal_feed_key(registration: Registration) -> tuple[str, datetime]:
    """Fingerprint and Last-Modified of a personal feed (status, event, chosen sessions)."""
    event = registration.event
    sessions = personal_feed_sessions(registration)
    stamps = [registration.updated_at, event.updated_at] + [s.updated_at for s in sessions]
    key = (
        f"{registration.uuid}:{registration.status.value}:{registration.updated_at.isoformat()}:"
        f"{event.status.value}:{event.sequence}:{event.updated_at.isoformat()}:"
        + ",".join(f"{s.uuid}@{s.updated_at.isoformat()}" for s in sessions)
    )
    return key, max(stamps)
