"""State changes of events, sessions, venues and themes, made by organisers in the back-office.

Every function takes the acting user first and checks access itself (`require_admin`,
`require_event_access`), takes the clock (`now`) and, when it writes emails, the secret key and
the public base URL (for manage links). None commits: the caller owns the transaction, and the
emails are outbox rows written in that same transaction.

Calendar feeds read `sequence` and `updated_at`: SEQUENCE increases on every change of time,
place or status; `updated_at` moves on every change a feed, the catalogue or the event page shows
(their caches and ETags are keyed on it).
"""

import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from eventapp.accounts.models import AuditEntry, EventOrganiser, User
from eventapp.accounts.permissions import require_admin, require_event_access
from eventapp.accounts.services import record_audit
from eventapp.core.emails import render_email
from eventapp.core.errors import Conflict, InvalidState
from eventapp.core.i18n import LANGUAGES, current_language, localized
from eventapp.core.locks import lock_event
from eventapp.core.outbox import enqueue
from eventapp.core.time import BRUSSELS, brussels
from eventapp.events.models import Event, EventStatus, Series, Session, Theme, Venue
from eventapp.extensions import db
from eventapp.registration import links
from eventapp.registration.models import Registration, RegistrationSession, RegistrationStatus
from eventapp.registration.services import notify_registrants, promote_waitlist

TEXT_FIELDS = tuple(f"{name}_{lang}" for name in ("title", "summary", "description") for lang in LANGUAGES)
EVENT_FIELDS = (
    *TEXT_FIELDS,
    "slug",
    "theme_id",
    "venue_id",
    "starts_at",
    "ends_at",
    "registration_opens_at",
    "registration_closes_at",
    "max_seats_per_registration",
)
TIME_PLACE_FIELDS = frozenset({"starts_at", "ends_at", "venue_id"})
SESSION_FIELDS = (
    *(f"{name}_{lang}" for name in ("title", "description") for lang in LANGUAGES),
    "slug",
    "kind",
    "starts_at",
    "ends_at",
    "room",
    "languages",
)
# What an edit form shows: its token is a fingerprint of these (see `edit_token`).
EVENT_EDIT_FIELDS = (*EVENT_FIELDS, "capacity")
SESSION_EDIT_FIELDS = (*SESSION_FIELDS, "capacity")
VENUE_FIELDS = ("slug", "name", "street", "postcode", "commune_nis", "city_fr", "city_nl", "latitude", "longitude")
THEME_FIELDS = ("slug", "name_fr", "name_nl", "name_en")
ACTIVE = (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED)
DEFAULT_SERIES = "smart-city-events"


@dataclass(frozen=True)
class Mailing:
    """What emails to registrants need besides the change: the key for their manage links, and the site."""

    key: str
    base_url: str


# ---------------------------------------------------------------- helpers


def edit_token(obj: Event | Session) -> str:
    """A fingerprint of the fields the edit form of an event or a session shows.

    The form carries the token it was loaded with; `update_event` / `update_session` compare it with
    the stored values under the event lock. Only a change of those fields invalidates it: seats being
    taken (which move `version`), a session added (which moves the event's `updated_at`) do not.
    """
    fields = EVENT_EDIT_FIELDS if isinstance(obj, Event) else SESSION_EDIT_FIELDS
    values = []
    for name in fields:
        value = getattr(obj, name)
        if isinstance(value, datetime):
            value = value.astimezone(UTC).isoformat()
        values.append(None if value is None else str(value))
    return hashlib.sha256(json.dumps(values).encode()).hexdigest()[:32]


def _check_edit_token(obj: Event | Session, expected: str | None) -> None:
    """Conflict when the form was loaded before someone else changed `obj` (caller holds the event lock)."""
    if expected is None:
        return
    if not hmac.compare_digest(expected.encode(), edit_token(obj).encode()):
        raise Conflict(
            _l(
                "Someone else changed this in the meantime. Reload the page to see their change, then make yours again."
            ),
            code="edit_conflict",
            field="edit_token",
        )


def _check_times(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise InvalidState(_l("The end must be after the start."), code="ends_before_start", field="ends_at")


def _capacity_below_taken(taken: int) -> InvalidState:
    return InvalidState(
        ngettext(
            "%(num)d seat is already taken: the capacity cannot be lower than that.",
            "%(num)d seats are already taken: the capacity cannot be lower than that.",
            taken,
        ),
        code="capacity_below_taken",
        field="capacity",
    )


def _check_window(event: Event) -> None:
    opens, closes = event.registration_opens_at, event.registration_closes_at
    if opens and closes and closes <= opens:
        raise InvalidState(
            _l("Registration must close after it opens."), code="registration_window", field="registration_closes_at"
        )


def _flush_unique(field: str, message) -> None:
    try:
        with db.session.begin_nested():
            db.session.flush()
    except sa.exc.IntegrityError:
        raise Conflict(message, code=f"{field}_taken", field=field) from None


def _active_registrations(event: Event, *, session: Session | None = None) -> list[Registration]:
    query = sa.select(Registration).where(
        Registration.event_id == event.id, Registration.status.in_(ACTIVE), Registration.email != ""
    )
    if session is not None:
        query = query.join(RegistrationSession).where(RegistrationSession.session_id == session.id)
    return list(db.session.scalars(query.order_by(Registration.id)))


def _notify(
    event: Event,
    registrations: list[Registration],
    *,
    template: str,
    kind: str,
    dedupe: str,
    mailing: Mailing,
    now: datetime,
    **context,
) -> int:
    """One outbox row per registrant, in their language, with their manage link. Returns how many."""
    count = 0
    for registration in registrations:
        language = registration.language if registration.language in LANGUAGES else "fr"
        email = render_email(
            template,
            language,
            event=event,
            registration=registration,
            event_url=links.event_url(event, mailing.base_url, lang=language),
            manage_url=links.manage_url(registration, mailing.key, mailing.base_url, lang=language),
            **context,
        )
        written = enqueue(
            recipient=registration.email,
            subject=email.subject,
            body_text=email.text,
            body_html=email.html,
            kind=kind,
            language=language,
            dedupe_key=f"{dedupe}:{registration.id}",
            event_id=event.id,
            registration_id=registration.id,
            now=now,
        )
        count += written is not None
    return count


def _changed(obj, values: dict, fields) -> set[str]:
    changed = set()
    for name in fields:
        if name in values and getattr(obj, name) != values[name]:
            setattr(obj, name, values[name])
            changed.add(name)
    return changed


def _default_series() -> Series:
    series = db.session.scalar(sa.select(Series).where(Series.slug == DEFAULT_SERIES))
    if series is None:
        series = Series(
            slug=DEFAULT_SERIES, name_fr="Smart City Events", name_nl="Smart City Events", name_en="Smart City Events"
        )
        db.session.add(series)
    return series


# ---------------------------------------------------------------- events


def create_event(actor: User, values: dict, *, now: datetime) -> Event:
    """A new draft event (admins only). Raises Conflict (slug taken) or InvalidState (times). No commit."""
    require_admin(actor)
    _check_times(values["starts_at"], values["ends_at"])
    if not any(values.get(f"title_{lang}") for lang in LANGUAGES):
        raise InvalidState(_l("Give the event a title."), code="title_missing", field="title_fr")
    event = Event(series=_default_series(), status=EventStatus.DRAFT, created_at=now, updated_at=now, capacity=0)
    for name in EVENT_FIELDS:
        if name in values:
            setattr(event, name, values[name])
    event.capacity = values.get("capacity", 0)
    if event.capacity < 0:
        raise InvalidState(_l("The capacity cannot be negative."), code="capacity_negative", field="capacity")
    _check_window(event)
    db.session.add(event)
    _flush_unique("slug", _l("Another event already uses this web address."))
    record_audit(actor, "event.created", now=now, event_id=event.id, target=event.slug)
    return event


def update_event(
    actor: User, event: Event, values: dict, *, now: datetime, mailing: Mailing, expected_token: str | None = None
) -> set[str]:
    """Change an event's fields and capacity; returns the names of the fields that changed.

    `expected_token` is the `edit_token()` the form was loaded with: if someone changed the event
    since, nothing is written (Conflict), so a stale page cannot undo their change. None skips the
    check (callers that send only the fields they change).
    A published event whose time or place changes bumps `sequence` and emails every confirmed and
    waitlisted registrant in their language (the registration domain's notice, with their ticket).
    The web address (slug) can change only while in draft. When start and end move by the same
    amount, the sessions move with them (one notice: the event's); otherwise the new times must
    still hold every session.
    Raises PermissionDenied, InvalidState (cancelled event, times, sessions outside the new times,
    capacity below seats taken), Conflict (stale form, slug taken). No commit.
    """
    require_event_access(actor, event.id)
    lock_event(event)
    _check_edit_token(event, expected_token)
    if event.status == EventStatus.CANCELLED:
        raise InvalidState(_l("A cancelled event cannot be changed."), code="event_cancelled")
    if "slug" in values and values["slug"] != event.slug and event.status != EventStatus.DRAFT:
        raise InvalidState(
            _l("The web address can only change while the event is a draft: people may have the link."),
            code="slug_frozen",
            field="slug",
        )
    starts_at, ends_at = values.get("starts_at", event.starts_at), values.get("ends_at", event.ends_at)
    _check_times(starts_at, ends_at)
    # The whole event moves (start and end by the same amount on the Brussels clock, a change of
    # summer time between them or not): its programme, and a registration window the form left as it
    # was, move with it. Otherwise every session must still fit in the new times.
    shift = _wall_clock(starts_at) - _wall_clock(event.starts_at)
    moves_whole = bool(shift) and _wall_clock(ends_at) - _wall_clock(event.ends_at) == shift
    if moves_whole:
        values = values | _moved_window(event, values, shift)
    else:
        _check_sessions_inside(event, starts_at, ends_at)
    changed = _changed(event, values, EVENT_FIELDS)
    if "venue_id" in changed:
        db.session.expire(event, ["venue"])  # still the old venue: the notice below must show the new one
    sessions_moved = _shift_sessions(event, shift, now=now) if moves_whole else 0
    _check_window(event)
    if "slug" in changed:
        _flush_unique("slug", _l("Another event already uses this web address."))
    if "capacity" in values and values["capacity"] != event.capacity:
        set_capacity(actor, event, values["capacity"], now=now, mailing=mailing)
        changed.add("capacity")
    if changed:
        # Every field is shown somewhere public (page, catalogue, feed): their caches key on it.
        event.updated_at = now
    notified = 0
    if changed & TIME_PLACE_FIELDS and event.status == EventStatus.PUBLISHED:
        event.sequence += 1
        db.session.flush()
        notified = notify_registrants(event, "changed", now=now, key=mailing.key)
    if changed:
        db.session.flush()
        record_audit(
            actor,
            "event.updated",
            now=now,
            event_id=event.id,
            target=event.slug,
            details={"fields": sorted(changed), "notified": notified}
            | ({"sessions_moved": sessions_moved} if sessions_moved else {}),
        )
    return changed


def set_capacity(actor: User, event: Event, capacity: int, *, now: datetime, mailing: Mailing) -> list[Registration]:
    """Set the number of seats; returns the registrations promoted from the waiting list.

    Starts with `lock_event()`, then one conditional UPDATE, so a registration in flight cannot slip
    between the check and the change; lowering below the seats already taken is refused
    (InvalidState). Raising it gives the new seats to the waiting list at once, in its order.
    """
    require_event_access(actor, event.id)
    if capacity < 0:
        raise InvalidState(_l("The capacity cannot be negative."), code="capacity_negative", field="capacity")
    previous = event.capacity
    lock_event(event)
    updated = db.session.execute(
        sa.update(Event)
        .where(Event.id == event.id, Event.seats_taken <= capacity)
        .values(capacity=capacity)
        .returning(Event.id)
    ).first()
    db.session.refresh(event)
    if updated is None:
        raise _capacity_below_taken(event.seats_taken)
    promoted = promote_waitlist(event, key=mailing.key, now=now) if capacity > previous else []
    record_audit(
        actor,
        "event.capacity_changed",
        now=now,
        event_id=event.id,
        target=event.slug,
        details={"from": previous, "to": capacity, "promoted": len(promoted)},
    )
    return promoted


def publish_event(actor: User, event: Event, *, now: datetime) -> None:
    """Make a draft public. Needs a title and a summary in FR, NL and EN (InvalidState otherwise)."""
    require_event_access(actor, event.id)
    missing = [
        f"{name}_{lang}" for name in ("title", "summary") for lang in LANGUAGES if not getattr(event, f"{name}_{lang}")
    ]
    if missing:
        raise InvalidState(
            _l("Before publishing, fill in the title and the summary in French, Dutch and English."),
            code="translations_missing",
            field=missing[0],
        )
    done = db.session.execute(
        sa.update(Event)
        .where(Event.id == event.id, Event.status == EventStatus.DRAFT)
        .values(
            status=EventStatus.PUBLISHED,
            published_at=sa.func.coalesce(Event.published_at, now),
            sequence=Event.sequence + 1,
            updated_at=now,
            version=Event.version + 1,
        )
        .returning(Event.id)
    ).first()
    db.session.refresh(event)
    if done is None:
        raise InvalidState(_l("Only a draft can be published."), code="not_draft")
    record_audit(actor, "event.published", now=now, event_id=event.id, target=event.slug)


def unpublish_event(actor: User, event: Event, *, now: datetime) -> None:
    """Take a published event back to draft, only while nobody holds a seat or waits for one.

    Once people have registered, hiding the event would leave them with tickets to a page that
    no longer exists and no word of it: cancel instead, which tells them. The condition is part of
    the UPDATE, so a registration arriving at the same moment cannot be left behind.
    """
    require_event_access(actor, event.id)
    done = db.session.execute(
        sa.update(Event)
        .where(
            Event.id == event.id,
            Event.status == EventStatus.PUBLISHED,
            Event.seats_taken == 0,
            Event.seats_waiting == 0,
        )
        .values(status=EventStatus.DRAFT, sequence=Event.sequence + 1, updated_at=now, version=Event.version + 1)
        .returning(Event.id)
    ).first()
    db.session.refresh(event)
    if done is None:
        if event.status != EventStatus.PUBLISHED:
            raise InvalidState(_l("Only a published event can go back to draft."), code="not_published")
        raise InvalidState(
            _l("People have registered: cancel the event instead, so that they are told."),
            code="has_registrations",
        )
    record_audit(actor, "event.unpublished", now=now, event_id=event.id, target=event.slug)


def cancel_event(actor: User, event: Event, *, now: datetime, mailing: Mailing) -> int:
    """Cancel the event and email every confirmed and waitlisted registrant. Returns how many.

    Registrations keep their status (the figures stay true); the event's status, `cancelled_at`,
    `sequence` and `updated_at` tell the catalogue and the feeds. Raises InvalidState if already
    cancelled. No commit.
    """
    require_event_access(actor, event.id)
    done = db.session.execute(
        sa.update(Event)
        .where(Event.id == event.id, Event.status != EventStatus.CANCELLED)
        .values(
            status=EventStatus.CANCELLED,
            cancelled_at=now,
            sequence=Event.sequence + 1,
            updated_at=now,
            version=Event.version + 1,
        )
        .returning(Event.id)
    ).first()
    db.session.refresh(event)
    if done is None:
        raise InvalidState(_l("This event is already cancelled."), code="already_cancelled")
    notified = notify_registrants(event, "cancelled", now=now, key=mailing.key)
    record_audit(
        actor, "event.cancelled", now=now, event_id=event.id, target=event.slug, details={"notified": notified}
    )
    return notified


def _free_slug(base: str, taken_query) -> str:
    candidate, n = base, 1
    while db.session.scalar(taken_query(candidate)) is not None:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def duplicate_event(actor: User, event: Event, *, now: datetime) -> Event:
    """A draft copy of an event with its sessions and organisers, empty of registrations (admins only)."""
    require_admin(actor)
    slug = _free_slug(f"{event.slug[:110]}-copy", lambda s: sa.select(Event.id).where(Event.slug == s))
    copy = Event(
        series_id=event.series_id,
        slug=slug,
        status=EventStatus.DRAFT,
        capacity=event.capacity,
        created_at=now,
        updated_at=now,
        **{name: getattr(event, name) for name in EVENT_FIELDS if name != "slug"},
    )
    db.session.add(copy)
    db.session.flush()
    for session in event.sessions:
        db.session.add(
            Session(
                event_id=copy.id,
                capacity=session.capacity,
                updated_at=now,
                **{name: getattr(session, name) for name in SESSION_FIELDS},
            )
        )
    for organiser_id in db.session.scalars(
        sa.select(EventOrganiser.user_id).where(EventOrganiser.event_id == event.id)
    ):
        db.session.add(EventOrganiser(user_id=organiser_id, event_id=copy.id))
    db.session.flush()
    record_audit(actor, "event.duplicated", now=now, event_id=copy.id, target=copy.slug, details={"from": event.slug})
    return copy


# ---------------------------------------------------------------- sessions


def _wall_clock(moment: datetime) -> datetime:
    """The time a Brussels clock shows at `moment` (naive)."""
    return brussels(moment).replace(tzinfo=None)


def _moved(moment: datetime, shift: timedelta) -> datetime:
    """`moment` moved by `shift` on the Brussels clock: a day later is 10:00 again across a change of
    summer time (a shift of the instant would make it 09:00 or 11:00)."""
    return (_wall_clock(moment) + shift).replace(tzinfo=BRUSSELS).astimezone(UTC)


def _moved_window(event: Event, values: dict, shift: timedelta) -> dict:
    """The registration window's new bounds when the event moves by `shift`: those the form left as
    they were move with it (a copy moved to its new date must not close registration months before)."""
    moved = {}
    for name in ("registration_opens_at", "registration_closes_at"):
        current = getattr(event, name)
        if current is not None and values.get(name, current) == current:
            moved[name] = _moved(current, shift)
    return moved


def _shift_sessions(event: Event, shift: timedelta, *, now: datetime) -> int:
    """Move every session of the event by `shift` on the Brussels clock (the event moved as a whole).
    Returns how many."""
    for session in event.sessions:
        session.starts_at, session.ends_at = _moved(session.starts_at, shift), _moved(session.ends_at, shift)
        session.updated_at = now
    return len(event.sessions)


def _check_sessions_inside(event: Event, starts_at: datetime, ends_at: datetime) -> None:
    """New event times must still hold every session: refuse, naming the sessions left outside.

    When only the start or the end moves, shifting the sessions would be a guess: the organiser
    moves (or cancels) those sessions first.
    """
    outside = [s for s in event.sessions if s.starts_at < starts_at or s.ends_at > ends_at]
    if not outside:
        return
    lang = current_language()
    names = ", ".join(f"“{localized(s, 'title', lang).text or s.slug}”" for s in outside)
    raise InvalidState(
        ngettext(
            "%(num)d session would fall outside the event's new times (%(names)s): "
            "change its times or cancel it first.",
            "%(num)d sessions would fall outside the event's new times (%(names)s): "
            "change their times or cancel them first.",
            len(outside),
            names=names,
        ),
        code="sessions_outside_event",
        field="starts_at" if any(s.starts_at < starts_at for s in outside) else "ends_at",
    )


def _check_session_times(event: Event, starts_at: datetime, ends_at: datetime) -> None:
    _check_times(starts_at, ends_at)
    if starts_at < event.starts_at or ends_at > event.ends_at:
        raise InvalidState(
            _l("A session must take place within the event's times."), code="session_outside_event", field="starts_at"
        )


def _touch_for_session(event: Event, now: datetime, *, time_or_place: bool) -> None:
    event.updated_at = now
    if time_or_place and event.status == EventStatus.PUBLISHED:
        event.sequence += 1


def create_session(actor: User, event: Event, values: dict, *, now: datetime) -> Session:
    """Add a session to the programme. Raises PermissionDenied, InvalidState, Conflict (slug). No commit."""
    require_event_access(actor, event.id)
    if event.status == EventStatus.CANCELLED:
        raise InvalidState(_l("A cancelled event cannot be changed."), code="event_cancelled")
    _check_session_times(event, values["starts_at"], values["ends_at"])
    session = Session(event_id=event.id, updated_at=now, capacity=values.get("capacity"))
    for name in SESSION_FIELDS:
        if name in values:
            setattr(session, name, values[name])
    db.session.add(session)
    _flush_unique("slug", _l("Another session of this event already uses this short name."))
    _touch_for_session(event, now, time_or_place=True)
    db.session.refresh(event, ["sessions"])
    record_audit(actor, "session.created", now=now, event_id=event.id, target=session.slug)
    return session


def _notify_choosers(session: Session, change: str, *, dedupe: str, mailing: Mailing, now: datetime) -> int:
    """Email those who chose the session that it `change`d ("changed", "cancelled"): only once the
    event is published. Returns how many were emailed."""
    event = session.event
    if event.status != EventStatus.PUBLISHED:
        return 0
    db.session.flush()
    return _notify(
        event,
        _active_registrations(event, session=session),
        template=f"events/session_{change}",
        kind=f"events.session_{change}",
        dedupe=dedupe,
        mailing=mailing,
        now=now,
        session=session,
    )


def update_session(
    actor: User,
    session: Session,
    values: dict,
    *,
    now: datetime,
    mailing: Mailing,
    expected_token: str | None = None,
) -> set[str]:
    """Change a session; a new time or room on a published event emails those who chose it.

    Runs under the event lock. `expected_token` works as in `update_event` (Conflict, nothing
    written, when the session changed since the form was loaded). Giving the session its own
    capacity counts the seats its confirmed choices already hold (InvalidState if more than the
    capacity); sharing the event's seats again releases them. Raises PermissionDenied,
    InvalidState, Conflict. No commit.
    """
    event = session.event
    require_event_access(actor, event.id)
    lock_event(event, session)
    _check_edit_token(session, expected_token)
    if event.status == EventStatus.CANCELLED:
        raise InvalidState(_l("A cancelled event cannot be changed."), code="event_cancelled")
    _check_session_times(event, values.get("starts_at", session.starts_at), values.get("ends_at", session.ends_at))
    changed = _changed(session, values, SESSION_FIELDS)
    if "slug" in changed:
        _flush_unique("slug", _l("Another session of this event already uses this short name."))
    if "capacity" in values and values["capacity"] != session.capacity:
        _set_session_capacity(session, values["capacity"])
        changed.add("capacity")
    if not changed:
        return changed
    session.updated_at = now
    moved = bool(changed & {"starts_at", "ends_at", "room"})
    _touch_for_session(event, now, time_or_place=moved)
    notified = 0
    if moved:
        dedupe = f"session-changed:{session.id}:{event.sequence}"
        notified = _notify_choosers(session, "changed", dedupe=dedupe, mailing=mailing, now=now)
    record_audit(
        actor,
        "session.updated",
        now=now,
        event_id=event.id,
        target=session.slug,
        details={"fields": sorted(changed), "notified": notified},
    )
    return changed


def _set_session_capacity(session: Session, capacity: int | None) -> None:
    """Give a session its own capacity, change it, or let it share the event's seats again.

    The caller holds the event lock, so no registration moves meanwhile. `seats_taken` and the
    choices' `holds_seat` are only kept while the session has its own capacity (registration
    services): on the way in they are set from the confirmed choices (people = seats), on the way
    out cleared, so that a later cancellation releases exactly what was held.
    """
    if capacity is None:
        db.session.execute(
            sa.update(RegistrationSession)
            .where(RegistrationSession.session_id == session.id)
            .values(holds_seat=False)
            .execution_options(synchronize_session="fetch")
        )
        db.session.execute(sa.update(Session).where(Session.id == session.id).values(capacity=None, seats_taken=0))
    elif session.capacity is None:
        confirmed = (
            sa.select(Registration.id)
            .join(RegistrationSession)
            .where(
                RegistrationSession.session_id == session.id,
                Registration.status == RegistrationStatus.CONFIRMED,
            )
        )
        taken = db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(Registration.seats), 0)).where(Registration.id.in_(confirmed))
        )
        if taken > capacity:
            raise _capacity_below_taken(taken)
        db.session.execute(
            sa.update(RegistrationSession)
            .where(RegistrationSession.session_id == session.id)
            .values(holds_seat=RegistrationSession.registration_id.in_(confirmed))
            .execution_options(synchronize_session="fetch")
        )
        db.session.execute(
            sa.update(Session).where(Session.id == session.id).values(capacity=capacity, seats_taken=taken)
        )
    else:
        updated = db.session.execute(
            sa.update(Session)
            .where(Session.id == session.id, Session.seats_taken <= capacity)
            .values(capacity=capacity)
            .returning(Session.id)
        ).first()
        if updated is None:
            db.session.refresh(session)
            raise _capacity_below_taken(session.seats_taken)
    db.session.refresh(session)


# Other domains keep rows of their own under a session (participation: activities, votes, ideas).
# Those that must not disappear with it hold on in the database (ON DELETE RESTRICT), so that
# `cancel_session` fails at the DELETE, whatever arrived meanwhile; each such domain also registers
# here a check `(session) -> bool` ("it holds what people contributed"), so that the refusal can be
# explained before the organiser clicks. Events imports none of them: they come to it.
_SESSION_CONTENT_CHECKS: list[Callable[[Session], bool]] = []


def session_content_check(check: Callable[[Session], bool]) -> Callable[[Session], bool]:
    """Register `check` (a decorator): True when the session holds what people answered or contributed."""
    if check not in _SESSION_CONTENT_CHECKS:
        _SESSION_CONTENT_CHECKS.append(check)
    return check


def _session_has_results() -> InvalidState:
    return InvalidState(
        _l(
            "People have already answered or contributed in this session's activities, and cancelling "
            "would delete their answers. Close or hide its activities instead."
        ),
        code="session_has_results",
    )


def check_session_cancellable(session: Session, *, now: datetime) -> None:
    """InvalidState when `cancel_session` would refuse: cancelled event, session started or over,
    or activities holding answers or contributions (they would be deleted with the session)."""
    if session.event.status == EventStatus.CANCELLED:
        raise InvalidState(_l("A cancelled event cannot be changed."), code="event_cancelled")
    if now >= session.starts_at:
        raise InvalidState(
            _l("This session has started or is over: it can no longer be cancelled."), code="session_started"
        )
    if any(check(session) for check in _SESSION_CONTENT_CHECKS):
        raise _session_has_results()


def count_session_choosers(session: Session) -> int:
    """How many confirmed or waitlisted registrations (with an email) chose the session."""
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Registration)
        .join(RegistrationSession)
        .where(
            RegistrationSession.session_id == session.id,
            Registration.status.in_(ACTIVE),
            Registration.email != "",
        )
    )


def cancel_session(actor: User, session: Session, *, now: datetime, mailing: Mailing) -> int:
    """Take a session off the programme, telling those who chose it. Returns how many were emailed.

    Sessions have no status of their own: a cancelled session is removed (with the choices that
    pointed to it and its activities), and the event's feed entry moves (`sequence`, `updated_at`).
    Only before it starts, and only while its activities hold no answers or contributions (see
    `check_session_cancellable`; the database refuses the DELETE too, so an answer sent meanwhile
    stops it as well): InvalidState otherwise, with nothing written. No commit.
    """
    event = session.event
    require_event_access(actor, event.id)
    lock_event(event, session)
    check_session_cancellable(session, now=now)
    slug = session.slug
    # A savepoint: a refused DELETE leaves the transaction usable (PostgreSQL) and no email written.
    with db.session.begin_nested():
        _touch_for_session(event, now, time_or_place=True)
        notified = _notify_choosers(
            session, "cancelled", dedupe=f"session-cancelled:{session.id}", mailing=mailing, now=now
        )
        db.session.delete(session)
        try:
            db.session.flush()
        except sa.exc.IntegrityError:
            # Answers hold on to their activity (ON DELETE RESTRICT): one was sent since the check.
            raise _session_has_results() from None
    db.session.refresh(event, ["sessions"])
    record_audit(actor, "session.cancelled", now=now, event_id=event.id, target=slug, details={"notified": notified})
    return notified


# ---------------------------------------------------------------- venues and themes


def create_venue(actor: User, values: dict, *, now: datetime) -> Venue:
    require_admin(actor)
    venue = Venue(**{name: values[name] for name in VENUE_FIELDS})
    db.session.add(venue)
    _flush_unique("slug", _l("Another venue already uses this short name."))
    record_audit(actor, "venue.created", now=now, target=venue.slug)
    return venue


def update_venue(actor: User, venue: Venue, values: dict, *, now: datetime, mailing: Mailing) -> set[str]:
    """Change a venue (admins only). Its published events move in the feeds; if the address moved,
    their registrants are told, as for any change of place."""
    require_admin(actor)
    changed = _changed(venue, values, VENUE_FIELDS)
    if "slug" in changed:
        _flush_unique("slug", _l("Another venue already uses this short name."))
    if not changed:
        return changed
    moved = bool(changed - {"slug", "name"})
    events = db.session.scalars(
        sa.select(Event).where(Event.venue_id == venue.id, Event.status == EventStatus.PUBLISHED, Event.ends_at > now)
    ).all()
    for event in events:
        event.updated_at = now
        if moved:
            event.sequence += 1
            db.session.flush()
            notify_registrants(event, "changed", now=now, key=mailing.key)
    record_audit(actor, "venue.updated", now=now, target=venue.slug, details={"fields": sorted(changed)})
    return changed


def create_theme(actor: User, values: dict, *, now: datetime) -> Theme:
    require_admin(actor)
    theme = Theme(**{name: values[name] for name in THEME_FIELDS})
    db.session.add(theme)
    _flush_unique("slug", _l("Another theme already uses this short name."))
    record_audit(actor, "theme.created", now=now, target=theme.slug)
    return theme


def update_theme(actor: User, theme: Theme, values: dict, *, now: datetime) -> set[str]:
    """Change a theme. Its short name is in the web address of its feed and of the filtered catalogue:
    once one of its events is public, people may have subscribed, so it no longer changes."""
    require_admin(actor)
    if "slug" in values and values["slug"] != theme.slug and _has_public_events(theme):
        raise InvalidState(
            _l("The short name can no longer change: calendars are subscribed to this theme's feed."),
            code="slug_frozen",
            field="slug",
        )
    changed = _changed(theme, values, THEME_FIELDS)
    if "slug" in changed:
        _flush_unique("slug", _l("Another theme already uses this short name."))
    if changed:
        # Feeds may show the theme as a category.
        db.session.execute(sa.update(Event).where(Event.theme_id == theme.id).values(updated_at=now))
        record_audit(actor, "theme.updated", now=now, target=theme.slug, details={"fields": sorted(changed)})
    return changed


def _has_public_events(theme: Theme) -> bool:
    return db.session.scalar(
        sa.select(sa.exists().where(Event.theme_id == theme.id, Event.status != EventStatus.DRAFT))
    )


# ---------------------------------------------------------------- messages to attendees


def message_attendees(
    actor: User,
    event: Event,
    *,
    message_id: str,
    subjects: dict[str, str],
    bodies: dict[str, str],
    confirmed: bool,
    waitlisted: bool,
    now: datetime,
    mailing: Mailing,
) -> int:
    """Email a message to the event's confirmed and/or waitlisted people, each in their language
    (falling back FR → NL → EN when their language was left empty). Returns how many were written.

    `message_id` is chosen when the message is composed: sending twice (a double click, a retried
    request) writes nothing more (outbox dedupe keys) and raises Conflict. The audit log keeps the
    message (its id, texts and audience); its delivery status comes from the outbox rows.
    """
    require_event_access(actor, event.id)
    statuses = [
        s
        for s, wanted in ((RegistrationStatus.CONFIRMED, confirmed), (RegistrationStatus.WAITLISTED, waitlisted))
        if wanted
    ]
    if not statuses:
        raise InvalidState(_l("Choose who receives the message."), code="no_audience", field="confirmed")
    if not any(subjects.get(lang) for lang in LANGUAGES) or not any(bodies.get(lang) for lang in LANGUAGES):
        raise InvalidState(_l("Write a subject and a text in at least one language."), code="empty_message")
    sent_before = sa.select(AuditEntry.id).where(
        AuditEntry.action == "event.message_sent", AuditEntry.target == message_id
    )
    if db.session.scalar(sent_before) is not None:
        raise Conflict(_l("This message has already been sent."), code="message_already_sent")
    registrations = list(
        db.session.scalars(
            sa.select(Registration)
            .where(Registration.event_id == event.id, Registration.status.in_(statuses), Registration.email != "")
            .order_by(Registration.id)
        )
    )
    texts = {f"subject_{lang}": subjects.get(lang, "") for lang in LANGUAGES} | {
        f"body_{lang}": bodies.get(lang, "") for lang in LANGUAGES
    }
    holder = type("Texts", (), texts)
    written = 0
    for registration in registrations:
        language = registration.language if registration.language in LANGUAGES else "fr"
        subject = localized(holder, "subject", language).text
        body = localized(holder, "body", language).text
        written += _notify(
            event,
            [registration],
            template="events/message",
            kind="events.message",
            dedupe=f"event-message:{message_id}",
            mailing=mailing,
            now=now,
            subject=subject,
            paragraphs=[p.split("\n") for p in body.replace("\r\n", "\n").split("\n\n") if p.strip()],
            body=body,
        )
    if registrations and not written:
        raise Conflict(_l("This message has already been sent."), code="message_already_sent")
    record_audit(
        actor,
        "event.message_sent",
        now=now,
        event_id=event.id,
        target=message_id,
        details={
            "subjects": subjects,
            "bodies": bodies,
            "confirmed": confirmed,
            "waitlisted": waitlisted,
            "recipients": written,
        },
    )
    return written
