"""Series, themes, venues, events and the sessions inside them."""

import enum
from datetime import datetime
from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventapp.core.db import str_enum
from eventapp.core.time import utcnow
from eventapp.extensions import Model


class EventStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class SessionKind(enum.StrEnum):
    PLENARY = "plenary"
    WORKSHOP = "workshop"
    PARTICIPATORY = "participatory"


class Series(Model):
    __tablename__ = "series"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    name_fr: Mapped[str] = mapped_column(sa.String(200))
    name_nl: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200))


class Theme(Model):
    __tablename__ = "themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    name_fr: Mapped[str] = mapped_column(sa.String(120))
    name_nl: Mapped[str] = mapped_column(sa.String(120))
    name_en: Mapped[str] = mapped_column(sa.String(120))


class Venue(Model):
    __tablename__ = "venues"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    street: Mapped[str] = mapped_column(sa.String(200))
    postcode: Mapped[str] = mapped_column(sa.String(10))
    # NIS code of the Brussels commune (see eventapp/data/brussels-communes.csv).
    commune_nis: Mapped[str] = mapped_column(sa.String(5))
    city_fr: Mapped[str] = mapped_column(sa.String(100))
    city_nl: Mapped[str] = mapped_column(sa.String(100))
    latitude: Mapped[float] = mapped_column(sa.Float)
    longitude: Mapped[float] = mapped_column(sa.Float)
    # The venue's id as a place in UiTdatabank (publiq's event database), set by an organiser:
    # the UiTdatabank export refers to the place by it. NULL: not known there, no export.
    uitdatabank_place_id: Mapped[UUID | None] = mapped_column(sa.Uuid)

    def city(self, lang: str) -> str:
        """The city's name in Dutch on Dutch pages, in French otherwise (Brussels is bilingual)."""
        return self.city_nl if lang == "nl" else self.city_fr

    def full_address(self, lang: str) -> str:
        """Name, street, postcode and city: how a page or an email gives the place."""
        return f"{self.name}, {self.street}, {self.postcode} {self.city(lang)}"

    __table_args__ = (
        sa.CheckConstraint("latitude BETWEEN -90 AND 90", name="latitude_range"),
        sa.CheckConstraint("longitude BETWEEN -180 AND 180", name="longitude_range"),
    )


class Event(Model):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Public identifiers: the slug for URLs, the UUID for calendar UIDs. Never the id.
    uuid: Mapped[UUID] = mapped_column(sa.Uuid, unique=True, default=uuid4)
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    series_id: Mapped[int] = mapped_column(sa.ForeignKey("series.id"))
    theme_id: Mapped[int] = mapped_column(sa.ForeignKey("themes.id"), index=True)
    venue_id: Mapped[int] = mapped_column(sa.ForeignKey("venues.id"))

    title_fr: Mapped[str] = mapped_column(sa.String(200), default="")
    title_nl: Mapped[str] = mapped_column(sa.String(200), default="")
    title_en: Mapped[str] = mapped_column(sa.String(200), default="")
    summary_fr: Mapped[str] = mapped_column(sa.String(500), default="")
    summary_nl: Mapped[str] = mapped_column(sa.String(500), default="")
    summary_en: Mapped[str] = mapped_column(sa.String(500), default="")
    description_fr: Mapped[str] = mapped_column(sa.Text, default="")
    description_nl: Mapped[str] = mapped_column(sa.Text, default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="")

    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    status: Mapped[EventStatus] = mapped_column(
        str_enum(EventStatus),
        default=EventStatus.DRAFT,
        index=True,
    )
    registration_opens_at: Mapped[datetime | None]
    registration_closes_at: Mapped[datetime | None]

    capacity: Mapped[int] = mapped_column(default=0)
    # Seats held by confirmed registrations. Only changed by UPDATE statements that also check
    # capacity, so the database refuses an overbooking even if a service got it wrong.
    seats_taken: Mapped[int] = mapped_column(default=0)
    # People waiting (sum of seats of waitlisted registrations), kept in step with the list.
    seats_waiting: Mapped[int] = mapped_column(default=0)
    max_seats_per_registration: Mapped[int] = mapped_column(default=4)
    # Accessibility facilities offered: space-separated UiTdatabank term ids (see events.facilities).
    facilities: Mapped[str] = mapped_column(sa.String(200), default="")
    # The stored image's key (events.images: its files and sizes), empty without one. Its alternative
    # text is required in FR and NL (the Region's two languages), EN falls back like other texts.
    image_key: Mapped[str] = mapped_column(sa.String(80), default="")
    image_alt_fr: Mapped[str] = mapped_column(sa.String(300), default="")
    image_alt_nl: Mapped[str] = mapped_column(sa.String(300), default="")
    image_alt_en: Mapped[str] = mapped_column(sa.String(300), default="")

    # Bumped by lock_event() before every capacity or waiting-list change: writing the row
    # serialises those changes on PostgreSQL and SQLite alike.
    version: Mapped[int] = mapped_column(default=0)
    # iCalendar SEQUENCE: bumped when time, place or status change in a way subscribers must see.
    sequence: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]

    series: Mapped[Series] = relationship()
    theme: Mapped[Theme] = relationship()
    venue: Mapped[Venue] = relationship()
    sessions: Mapped[list["Session"]] = relationship(
        back_populates="event", order_by="Session.starts_at, Session.id", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.CheckConstraint("capacity >= 0", name="capacity_non_negative"),
        sa.CheckConstraint("seats_taken >= 0 AND seats_taken <= capacity", name="seats_within_capacity"),
        sa.CheckConstraint("seats_waiting >= 0", name="seats_waiting_non_negative"),
        sa.CheckConstraint("max_seats_per_registration >= 1", name="max_seats_positive"),
        sa.CheckConstraint("image_key = '' OR (image_alt_fr <> '' AND image_alt_nl <> '')", name="image_has_alt"),
        sa.CheckConstraint(
            "registration_closes_at IS NULL OR registration_opens_at IS NULL "
            "OR registration_closes_at > registration_opens_at",
            name="registration_window_order",
        ),
    )

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.seats_taken, 0)

    @property
    def is_published(self) -> bool:
        return self.status == EventStatus.PUBLISHED

    def registration_is_open(self, now: datetime) -> bool:
        if self.status != EventStatus.PUBLISHED or now >= self.ends_at:
            return False
        if self.registration_opens_at and now < self.registration_opens_at:
            return False
        return not (self.registration_closes_at and now >= self.registration_closes_at)


class Session(Model):
    """A part of an event with its own time and room: plenary, workshop or participatory session."""

    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[UUID] = mapped_column(sa.Uuid, unique=True, default=uuid4)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(sa.String(120))
    kind: Mapped[SessionKind] = mapped_column(str_enum(SessionKind))
    title_fr: Mapped[str] = mapped_column(sa.String(200), default="")
    title_nl: Mapped[str] = mapped_column(sa.String(200), default="")
    title_en: Mapped[str] = mapped_column(sa.String(200), default="")
    description_fr: Mapped[str] = mapped_column(sa.Text, default="")
    description_nl: Mapped[str] = mapped_column(sa.Text, default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    room: Mapped[str] = mapped_column(sa.String(120), default="")
    # Space-separated language codes spoken in the session, e.g. "fr nl".
    languages: Mapped[str] = mapped_column(sa.String(20), default="fr nl")
    # NULL: the session shares the event's seats; otherwise it has its own limit.
    capacity: Mapped[int | None]
    seats_taken: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    event: Mapped[Event] = relationship(back_populates="sessions")

    __table_args__ = (
        sa.UniqueConstraint("event_id", "slug", name="uq_sessions_event_slug"),
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_non_negative"),
        sa.CheckConstraint(
            "seats_taken >= 0 AND (capacity IS NULL OR seats_taken <= capacity)", name="seats_within_capacity"
        ),
    )

    @property
    def language_codes(self) -> list[str]:
        return self.languages.split()

    @property
    def seats_left(self) -> int | None:
        if self.capacity is None:
            return None
        return max(self.capacity - self.seats_taken, 0)
