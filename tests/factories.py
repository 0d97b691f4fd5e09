"""Plain factories: make_* functions that add rows with sensible defaults.

They commit, which in tests only releases a savepoint (see conftest): the rows then survive the
end of a test-client request (whose teardown closes the session) and vanish with the test.
"""

from datetime import UTC, datetime, timedelta
from itertools import count

from eventapp.events.models import Event, EventStatus, Series, Session, SessionKind, Theme, Venue
from eventapp.extensions import db

_seq = count(1)
# A fixed "now" for tests: services take `now=` so nothing depends on the real clock.
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def make_theme(slug: str | None = None, **values) -> Theme:
    n = next(_seq)
    slug = slug or f"theme-{n}"
    theme = db.session.scalar(db.select(Theme).filter_by(slug=slug))
    if theme:
        return theme
    theme = Theme(slug=slug, name_fr=f"Thème {n}", name_nl=f"Thema {n}", name_en=f"Theme {n}")
    for key, value in values.items():
        setattr(theme, key, value)
    db.session.add(theme)
    db.session.commit()  # only a savepoint in tests: the test transaction is rolled back at the end
    return theme


def make_series() -> Series:
    series = db.session.scalar(db.select(Series).filter_by(slug="smart-city-events"))
    if series is None:
        series = Series(
            slug="smart-city-events",
            name_fr="Smart City Events",
            name_nl="Smart City Events",
            name_en="Smart City Events",
        )
        db.session.add(series)
        db.session.commit()  # only a savepoint in tests: the test transaction is rolled back at the end
    return series


def make_venue(**values) -> Venue:
    n = next(_seq)
    venue = Venue(
        slug=f"venue-{n}",
        name=f"Venue {n}",
        street="Rue Royale 2",
        postcode="1000",
        commune_nis="21004",
        city_fr="Bruxelles",
        city_nl="Brussel",
        latitude=50.8443,
        longitude=4.3613,
    )
    for key, value in values.items():
        setattr(venue, key, value)
    db.session.add(venue)
    db.session.commit()  # only a savepoint in tests: the test transaction is rolled back at the end
    return venue


def make_event(*, starts_at: datetime | None = None, hours: int = 3, sessions: int = 0, **values) -> Event:
    """A published event 30 days after NOW with 50 seats, unless told otherwise."""
    n = next(_seq)
    starts_at = starts_at or NOW + timedelta(days=30)
    event = Event(
        slug=values.pop("slug", f"event-{n}"),
        series=make_series(),
        theme=values.pop("theme", None) or make_theme("education"),
        venue=values.pop("venue", None) or make_venue(),
        title_fr=f"Événement {n}",
        title_nl=f"Evenement {n}",
        title_en=f"Event {n}",
        summary_fr="Résumé",
        summary_nl="Samenvatting",
        summary_en="Summary",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=hours),
        status=EventStatus.PUBLISHED,
        capacity=50,
        max_seats_per_registration=4,
        published_at=NOW,
        created_at=NOW,
        updated_at=NOW,
    )
    for key, value in values.items():
        setattr(event, key, value)
    db.session.add(event)
    db.session.commit()  # only a savepoint in tests: the test transaction is rolled back at the end
    for i in range(sessions):
        make_session(event, kind=SessionKind.PARTICIPATORY if i == 0 else SessionKind.WORKSHOP)
    return event


def make_session(event: Event, **values) -> Session:
    n = next(_seq)
    session = Session(
        event=event,
        slug=f"session-{n}",
        kind=SessionKind.PLENARY,
        title_fr=f"Session {n}",
        title_nl=f"Sessie {n}",
        title_en=f"Session {n}",
        starts_at=event.starts_at,
        ends_at=event.starts_at + timedelta(hours=1),
        room="Room A",
        languages="fr nl",
        updated_at=NOW,
    )
    for key, value in values.items():
        setattr(session, key, value)
    db.session.add(session)
    db.session.commit()  # only a savepoint in tests: the test transaction is rolled back at the end
    return session
