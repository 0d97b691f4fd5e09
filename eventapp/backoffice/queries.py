"""Reads for the back-office. Each takes the acting user and checks access, like the services."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from eventapp.accounts.models import AuditEntry, EventOrganiser, User
from eventapp.accounts.permissions import (
    managed_event_ids,
    require_admin,
    require_backoffice_access,
    require_event_access,
)
from eventapp.core.communes import OUTSIDE_BRUSSELS, get_commune, list_communes
from eventapp.core.errors import NotFound
from eventapp.core.outbox import OutboxMessage, OutboxStatus
from eventapp.core.time import brussels
from eventapp.events.models import Event, EventStatus, Session, Theme, Venue
from eventapp.events.queries import Page
from eventapp.extensions import db
from eventapp.participation.models import Activity, Participant, Vote
from eventapp.participation.reports import count_contributions
from eventapp.registration.models import Audience, Registration, RegistrationSession, RegistrationStatus
from eventapp.tickets.models import CheckIn
from eventapp.tickets.queries import came_at_least_once, count_check_ins, count_people_who_came


def list_managed_events(actor: User) -> list[Event]:
    """The events the user may manage (all for admins), most recent first."""
    require_backoffice_access(actor)
    query = sa.select(Event).options(selectinload(Event.venue)).order_by(Event.starts_at.desc(), Event.id.desc())
    ids = managed_event_ids(actor)
    if ids is not None:
        query = query.where(Event.id.in_(ids))
    return list(db.session.scalars(query))


def get_managed_event(actor: User, slug: str) -> Event:
    """The event with this slug if the user may manage it: NotFound if none or not theirs (NotYourEvent)."""
    require_backoffice_access(actor)
    event = db.session.scalar(
        sa.select(Event).where(Event.slug == slug).options(selectinload(Event.sessions), selectinload(Event.venue))
    )
    if event is None:
        raise NotFound()
    require_event_access(actor, event.id)
    return event


# ---------------------------------------------------------------- attendees


@dataclass(frozen=True)
class AttendeeFilter:
    q: str = ""
    status: str = ""
    session_id: int | None = None
    checked_in: str = ""  # "yes", "no" or ""
    commune: str = ""  # NIS code, "outside", "unknown" or ""
    audience: str = ""  # Audience value, "unknown" or ""


def _attendees_query(event: Event, flt: AttendeeFilter) -> sa.Select[Registration]:
    query = sa.select(Registration).where(Registration.event_id == event.id)
    if flt.q:
        pattern = "%" + flt.q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            sa.or_(
                sa.func.lower(Registration.name).like(pattern, escape="\\"),
                Registration.email.like(pattern, escape="\\"),
            )
        )
    if flt.status:
        query = query.where(Registration.status == flt.status)
    if flt.session_id:
        query = query.where(
            sa.exists().where(
                RegistrationSession.registration_id == Registration.id, RegistrationSession.session_id == flt.session_id
            )
        )
    if flt.checked_in == "yes":  # came at least once (an event over several days admits a ticket each day)
        query = query.where(came_at_least_once())
    elif flt.checked_in == "no":
        query = query.where(sa.not_(came_at_least_once()))
    if flt.commune == "unknown":
        query = query.where(Registration.commune.is_(None))
    elif flt.commune:
        query = query.where(Registration.commune == flt.commune)
    if flt.audience == "unknown":
        query = query.where(Registration.audience.is_(None))
    elif flt.audience:
        query = query.where(Registration.audience == flt.audience)
    return query


def _clamp_page(page: int, per_page: int, total: int) -> int:
    """A page that exists: 1 for nonsense, the last one past the end (a huge number never reaches the database)."""
    return min(max(page, 1), Page([], 1, per_page, total).pages)


def list_attendees(actor: User, event: Event, flt: AttendeeFilter, *, page: int = 1, per_page: int = 50) -> Page:
    """One page of the event's registrations matching the filter, newest first."""
    require_event_access(actor, event.id)
    query = _attendees_query(event, flt)
    total = db.session.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar_one()
    page = _clamp_page(page, per_page, total)
    items = db.session.scalars(
        query.options(selectinload(Registration.session_choices).selectinload(RegistrationSession.session))
        .order_by(Registration.created_at.desc(), Registration.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page(list(items), page, per_page, total)


def count_attendees(actor: User, event: Event, flt: AttendeeFilter) -> int:
    require_event_access(actor, event.id)
    return db.session.execute(
        sa.select(sa.func.count()).select_from(_attendees_query(event, flt).subquery())
    ).scalar_one()


def count_people_who_came_by_registration(actor: User, event: Event) -> dict[int, int]:
    """People of each registration of the event who came, at least once for an event over several
    days (registrations nobody of came are left out): what the list, the export and the filter call
    checked in."""
    require_event_access(actor, event.id)
    return count_people_who_came([event.id])


def iter_attendees(actor: User, event: Event, flt: AttendeeFilter) -> Iterator[Registration]:
    """All matching registrations in registration order, fetched in batches (for exports)."""
    require_event_access(actor, event.id)
    query = (
        _attendees_query(event, flt)
        .options(selectinload(Registration.session_choices).selectinload(RegistrationSession.session))
        .order_by(Registration.created_at, Registration.id)
        .execution_options(yield_per=500)
    )
    yield from db.session.scalars(query)


def get_registration(actor: User, event: Event, registration_uuid: str) -> Registration:
    require_event_access(actor, event.id)
    try:
        key = UUID(registration_uuid)
    except ValueError:
        raise NotFound() from None
    registration = db.session.scalar(
        sa.select(Registration).where(Registration.uuid == key, Registration.event_id == event.id)
    )
    if registration is None:
        raise NotFound()
    return registration


def get_session(actor: User, event: Event, session_slug: str) -> Session:
    require_event_access(actor, event.id)
    session = db.session.scalar(sa.select(Session).where(Session.event_id == event.id, Session.slug == session_slug))
    if session is None:
        raise NotFound()
    return session


# ---------------------------------------------------------------- venues, themes, audit


def list_venues(actor: User) -> list[Venue]:
    require_admin(actor)
    return list(db.session.scalars(sa.select(Venue).order_by(Venue.name)))


def get_venue(actor: User, slug: str) -> Venue:
    require_admin(actor)
    venue = db.session.scalar(sa.select(Venue).where(Venue.slug == slug))
    if venue is None:
        raise NotFound()
    return venue


def list_venue_choices(actor: User) -> list[Venue]:
    """Venues to pick from in the event form (organisers may move their event)."""
    require_backoffice_access(actor)
    return list(db.session.scalars(sa.select(Venue).order_by(Venue.name)))


def list_themes(actor: User) -> list[Theme]:
    require_backoffice_access(actor)
    return list(db.session.scalars(sa.select(Theme).order_by(Theme.slug)))


def get_theme(actor: User, slug: str) -> Theme:
    require_admin(actor)
    theme = db.session.scalar(sa.select(Theme).where(Theme.slug == slug))
    if theme is None:
        raise NotFound()
    return theme


def list_audit(actor: User, *, page: int = 1, per_page: int = 50, event_id: int | None = None, kind: str = "") -> Page:
    """One page of the audit log, newest first; `kind` keeps the actions of one kind ("login" for
    "login.succeeded", "login.failed"…)."""
    require_admin(actor)
    query = sa.select(AuditEntry)
    if event_id:
        query = query.where(AuditEntry.event_id == event_id)
    if kind:
        query = query.where(AuditEntry.action.startswith(f"{kind}.", autoescape=True))
    total = db.session.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar_one()
    page = _clamp_page(page, per_page, total)
    items = db.session.scalars(
        query.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return Page(list(items), page, per_page, total)


def list_audit_kinds(actor: User) -> list[str]:
    """The kinds of action the audit log holds (the part of each action before its dot), sorted."""
    require_admin(actor)
    actions = db.session.scalars(sa.select(AuditEntry.action).distinct())
    return sorted({action.partition(".")[0] for action in actions})


def name_attendees(actor: User, entries: list[AuditEntry]) -> dict[str, str]:
    """Who the attendee entries are about ("Name <email>" by registration uuid), while the registration is kept.

    The entries hold only the uuid (no personal data in the log itself); anonymised registrations have no name.
    """
    require_admin(actor)
    keys = set()
    for entry in entries:
        if entry.action.startswith("attendee."):
            try:
                keys.add(UUID(entry.target))
            except ValueError:
                continue
    if not keys:
        return {}
    rows = db.session.execute(
        sa.select(Registration.uuid, Registration.name, Registration.email).where(
            Registration.uuid.in_(keys), Registration.anonymised_at.is_(None)
        )
    )
    return {str(key): f"{name} <{email}>" for key, name, email in rows}


# ---------------------------------------------------------------- messages


@dataclass(frozen=True)
class SentMessage:
    message_id: str
    sent_at: datetime
    sender: str
    subjects: dict[str, str]  # per language
    recipients: int
    delivery: dict[str, int]  # {"pending": n, "sent": n, "failed": n}


def list_messages(actor: User, event: Event) -> list[SentMessage]:
    """Messages sent to the event's attendees, newest first, with delivery counts from the outbox."""
    require_event_access(actor, event.id)
    entries = db.session.scalars(
        sa.select(AuditEntry)
        .where(AuditEntry.event_id == event.id, AuditEntry.action == "event.message_sent")
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    ).all()
    counts: dict[str, dict[str, int]] = {}
    if entries:
        rows = db.session.execute(
            sa.select(OutboxMessage.dedupe_key, OutboxMessage.status).where(
                OutboxMessage.event_id == event.id, OutboxMessage.kind == "events.message"
            )
        )
        for dedupe_key, status in rows:
            message_id = (dedupe_key or "").split(":")[1] if dedupe_key and dedupe_key.count(":") >= 2 else ""
            bucket = counts.setdefault(message_id, {s.value: 0 for s in OutboxStatus})
            bucket[status.value] += 1
    return [
        SentMessage(
            message_id=entry.target,
            sent_at=entry.created_at,
            sender=entry.actor_email,
            subjects=(entry.details or {}).get("subjects", {}),
            recipients=(entry.details or {}).get("recipients", 0),
            delivery=counts.get(entry.target, {s.value: 0 for s in OutboxStatus}),
        )
        for entry in entries
    ]


# ---------------------------------------------------------------- dashboard figures


@dataclass
class EventFigures:
    capacity: int
    seats_taken: int
    seats_waiting: int
    confirmed: int
    waitlisted: int
    cancelled: int
    checked_in_people: int
    expected_people: int
    by_day: list[tuple[date, int]] = field(default_factory=list)  # cumulative registrations per Brussels day
    by_commune: list[tuple[str, str, int]] = field(default_factory=list)  # (key, label, people)
    by_audience: list[tuple[str, str, int]] = field(default_factory=list)
    gates: dict[str, int] = field(default_factory=dict)  # people admitted per gate
    arrivals: list[tuple[datetime, int]] = field(default_factory=list)  # people per quarter hour (Brussels)
    participants: int = 0  # people who joined a participatory session
    contributions: int = 0  # published ideas and questions
    votes: int = 0  # poll and survey answers (a facilitator's show of hands counts its weight)

    def live(self) -> dict[str, int]:
        return {
            "capacity": self.capacity,
            "seats_taken": self.seats_taken,
            "seats_waiting": self.seats_waiting,
            "checked_in_people": self.checked_in_people,
            "expected_people": self.expected_people,
            "participants": self.participants,
            "contributions": self.contributions,
            "votes": self.votes,
        } | {f"gate:{gate}": people for gate, people in self.gates.items()}


def _people_by(column: sa.orm.InstrumentedAttribute[Any], event_ids: list[int]) -> dict[Any, int]:
    rows = db.session.execute(
        sa.select(column, sa.func.coalesce(sa.func.sum(Registration.seats), 0))
        .where(Registration.event_id.in_(event_ids), Registration.status != RegistrationStatus.CANCELLED)
        .group_by(column)
    )
    return {key: int(total) for key, total in rows}


def _people_who_came(events: list[Event]) -> dict[int, int]:
    """People of confirmed registrations who came, per event id: at least once for an event over
    several days (a figure of the whole event, unlike the live dashboard's count of today)."""
    came = count_people_who_came([e.id for e in events])
    per_event = dict.fromkeys((e.id for e in events), 0)
    for registration_id, event_id in db.session.execute(
        sa.select(Registration.id, Registration.event_id).where(
            Registration.event_id.in_(list(per_event)), Registration.status == RegistrationStatus.CONFIRMED
        )
    ):
        per_event[event_id] += came.get(registration_id, 0)
    return per_event


def _figures(events: list[Event], lang: str, *, checked_in: int, with_timeline: bool) -> EventFigures:
    ids = [e.id for e in events]
    by_status = dict(
        db.session.execute(
            sa.select(Registration.status, sa.func.count())
            .where(Registration.event_id.in_(ids))
            .group_by(Registration.status)
        ).all()
    )
    figures = EventFigures(
        capacity=sum(e.capacity for e in events),
        seats_taken=sum(e.seats_taken for e in events),
        seats_waiting=sum(e.seats_waiting for e in events),
        confirmed=by_status.get(RegistrationStatus.CONFIRMED, 0),
        waitlisted=by_status.get(RegistrationStatus.WAITLISTED, 0),
        cancelled=by_status.get(RegistrationStatus.CANCELLED, 0),
        checked_in_people=checked_in,
        expected_people=sum(e.seats_taken for e in events),
    )
    communes = _people_by(Registration.commune, ids)
    figures.by_commune = [(c.nis_code, c.name(lang), communes.get(c.nis_code, 0)) for c in list_communes()]
    figures.by_commune.append((OUTSIDE_BRUSSELS, str(_("Outside Brussels")), communes.get(OUTSIDE_BRUSSELS, 0)))
    figures.by_commune.append(("unknown", str(_("Not given")), communes.get(None, 0)))
    audiences = _people_by(Registration.audience, ids)
    figures.by_audience = [(a.value, str(AUDIENCE_LABELS[a]), audiences.get(a, 0)) for a in Audience]
    figures.by_audience.append(("unknown", str(_("Not given")), audiences.get(None, 0)))
    if with_timeline:
        created = db.session.scalars(
            sa.select(Registration.created_at).where(Registration.event_id.in_(ids)).order_by(Registration.created_at)
        )
        per_day: dict[date, int] = {}
        for moment in created:
            day = brussels(moment).date()
            per_day[day] = per_day.get(day, 0) + 1
        running = 0
        for day in sorted(per_day):
            running += per_day[day]
            figures.by_day.append((day, running))
    return figures


def _arrivals(event: Event) -> list[tuple[datetime, int]]:
    """People admitted per quarter hour (Brussels time), from the first arrival to the last."""
    rows = db.session.execute(
        sa.select(CheckIn.scanned_at, CheckIn.people).where(CheckIn.event_id == event.id, CheckIn.undone_at.is_(None))
    )
    slots: dict[datetime, int] = {}
    for scanned_at, people in rows:
        local = brussels(scanned_at)
        slot = local.replace(minute=local.minute - local.minute % 15, second=0, microsecond=0)
        slots[slot] = slots.get(slot, 0) + people
    if not slots:
        return []
    result, slot, last = [], min(slots), max(slots)
    while slot <= last:
        result.append((slot, slots.get(slot, 0)))
        slot += timedelta(minutes=15)
    return result


def event_figures(actor: User, event: Event, lang: str, *, now: datetime, with_timeline: bool = True) -> EventFigures:
    """Registrations, seats, reach and the door of one event (the door's figures are those of the day
    of `now`; arrivals per gate come from check-ins)."""
    require_event_access(actor, event.id)
    door = count_check_ins(event, now=now)
    figures = _figures([event], lang, checked_in=door.checked_in, with_timeline=with_timeline)
    figures.expected_people, figures.gates = door.expected, door.gates
    in_event = Session.event_id == event.id
    figures.participants = db.session.execute(
        sa.select(sa.func.count(Participant.id)).join(Session, Session.id == Participant.session_id).where(in_event)
    ).scalar_one()
    figures.contributions = count_contributions(event)
    figures.votes = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(Vote.weight), 0))
        .join(Activity, Activity.id == Vote.activity_id)
        .join(Session, Session.id == Activity.session_id)
        .where(in_event)
    ).scalar_one()
    figures.arrivals = _arrivals(event)  # the live dashboard redraws its arrivals chart too
    return figures


def series_figures(actor: User, lang: str) -> tuple[EventFigures, list[tuple[Event, EventFigures]]]:
    """Totals over every published or cancelled event, and one line per event (admins only)."""
    require_admin(actor)
    events = list(
        db.session.scalars(sa.select(Event).where(Event.status != EventStatus.DRAFT).order_by(Event.starts_at))
    )
    came = _people_who_came(events)
    rows = [(event, _figures([event], lang, checked_in=came[event.id], with_timeline=False)) for event in events]
    return _figures(events, lang, checked_in=sum(came.values()), with_timeline=True), rows


AUDIENCE_LABELS = {
    Audience.RESIDENT: _l("Residents"),
    Audience.CIVIL_SOCIETY: _l("Civil society"),
    Audience.BUSINESS: _l("Businesses"),
    Audience.PROFESSIONAL: _l("Education and culture professionals"),
    Audience.OTHER: _l("Other"),
}
STATUS_LABELS = {
    RegistrationStatus.CONFIRMED: _l("Confirmed"),
    RegistrationStatus.WAITLISTED: _l("Waiting list"),
    RegistrationStatus.CANCELLED: _l("Cancelled"),
}


def commune_label(code: str | None, lang: str) -> str:
    """How a registration's commune reads in the attendee list and the export."""
    if code is None:
        return ""
    if code == OUTSIDE_BRUSSELS:
        return str(_("Outside Brussels"))  # flask_babel is untyped
    commune = get_commune(code)
    return commune.name(lang) if commune else code


# ---------------------------------------------------------------- accounts


@dataclass(frozen=True)
class Account:
    user: User
    events: list[Event]


def list_accounts(actor: User) -> list[Account]:
    """Every back-office account with the events it manages (admins only)."""
    require_admin(actor)
    users = db.session.scalars(sa.select(User).order_by(User.email)).all()
    pairs = db.session.execute(
        sa.select(EventOrganiser.user_id, Event)
        .join(Event, Event.id == EventOrganiser.event_id)
        .order_by(Event.starts_at)
    ).all()
    by_user: dict[int, list[Event]] = {}
    for user_id, event in pairs:
        by_user.setdefault(user_id, []).append(event)
    return [Account(user, by_user.get(user.id, [])) for user in users]


def list_assigned_events(actor: User, user: User) -> list[Event]:
    require_admin(actor)
    return list(
        db.session.scalars(
            sa.select(Event)
            .join(EventOrganiser, EventOrganiser.event_id == Event.id)
            .where(EventOrganiser.user_id == user.id)
            .order_by(Event.starts_at)
        )
    )


def get_account(actor: User, user_id: int) -> User:
    require_admin(actor)
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    return user
