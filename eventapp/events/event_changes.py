"""State changes of events, made by organisers in the back-office: create, edit, capacity, publish,
cancel, duplicate.

Every function takes the acting user first and checks access itself (`require_admin`,
`require_event_access`), takes the clock (`now`) and, when people must be told, the `mailing` that
registration's notices need (events passes it on through `eventapp.events.hooks`). None commits:
the caller owns the transaction, and what the subscribers write is in that same transaction.

Calendar feeds read `sequence` and `updated_at`: SEQUENCE increases on every change of time,
place or status; `updated_at` moves on every change a feed, the catalogue or the event page shows
(their caches and ETags are keyed on it).
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from eventapp.accounts.models import EventOrganiser, User
from eventapp.accounts.permissions import require_admin, require_event_access
from eventapp.accounts.services import record_audit
from eventapp.core.errors import InvalidState
from eventapp.core.i18n import LANGUAGES, current_language, localized
from eventapp.core.locks import lock_event
from eventapp.core.time import BRUSSELS, brussels
from eventapp.events import hooks
from eventapp.events.editing import (
    EVENT_FIELDS,
    SESSION_FIELDS,
    apply_changes,
    capacity_below_taken,
    check_edit_token,
    check_not_cancelled,
    check_times,
    flush_unique,
)
from eventapp.events.models import Event, EventStatus, Series, Session
from eventapp.extensions import db

TIME_PLACE_FIELDS = frozenset({"starts_at", "ends_at", "venue_id"})
DEFAULT_SERIES = "smart-city-events"


def _check_window(event: Event) -> None:
    opens, closes = event.registration_opens_at, event.registration_closes_at
    if opens and closes and closes <= opens:
        raise InvalidState(
            _l("Registration must close after it opens."), code="registration_window", field="registration_closes_at"
        )


def _default_series() -> Series:
    series = db.session.scalar(sa.select(Series).where(Series.slug == DEFAULT_SERIES))
    if series is None:
        series = Series(
            slug=DEFAULT_SERIES, name_fr="Smart City Events", name_nl="Smart City Events", name_en="Smart City Events"
        )
        db.session.add(series)
    return series


def create_event(actor: User, values: dict[str, Any], *, now: datetime) -> Event:
    """A new draft event (admins only). Raises Conflict (slug taken) or InvalidState (times). No commit."""
    require_admin(actor)
    check_times(values["starts_at"], values["ends_at"])
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
    flush_unique("slug", _l("Another event already uses this web address."))
    record_audit(actor, "event.created", now=now, event_id=event.id, target=event.slug)
    return event


def update_event(
    actor: User,
    event: Event,
    values: dict[str, Any],
    *,
    now: datetime,
    mailing: object,
    expected_token: str | None = None,
) -> set[str]:
    """Change an event's fields and capacity; returns the names of the fields that changed.

    `expected_token` is the `edit_token()` the form was loaded with: if someone changed the event
    since, nothing is written (Conflict), so a stale page cannot undo their change. None skips the
    check (callers that send only the fields they change).
    A published event whose time or place changes bumps `sequence` and emails every confirmed and
    waitlisted registrant in their language (`hooks.event_moved`: registration's notice, with their ticket).
    The web address (slug) can change only while in draft. When start and end move by the same
    amount, the sessions move with them (one notice: the event's); otherwise the new times must
    still hold every session.
    Raises PermissionDenied, InvalidState (cancelled event, times, sessions outside the new times,
    capacity below seats taken), Conflict (stale form, slug taken). No commit.
    """
    require_event_access(actor, event.id)
    lock_event(event)
    check_edit_token(event, expected_token)
    check_not_cancelled(event)
    if "slug" in values and values["slug"] != event.slug and event.status != EventStatus.DRAFT:
        raise InvalidState(
            _l("The web address can only change while the event is a draft: people may have the link."),
            code="slug_frozen",
            field="slug",
        )
    starts_at, ends_at = values.get("starts_at", event.starts_at), values.get("ends_at", event.ends_at)
    check_times(starts_at, ends_at)
    # The whole event moves (start and end by the same amount on the Brussels clock, a change of
    # summer time between them or not): its programme, and a registration window the form left as it
    # was, move with it. Otherwise every session must still fit in the new times.
    shift = _wall_clock(starts_at) - _wall_clock(event.starts_at)
    moves_whole = bool(shift) and _wall_clock(ends_at) - _wall_clock(event.ends_at) == shift
    if moves_whole:
        values = values | _moved_window(event, values, shift)
    else:
        _check_sessions_inside(event, starts_at, ends_at)
    changed = apply_changes(event, values, EVENT_FIELDS)
    if "venue_id" in changed:
        db.session.expire(event, ["venue"])  # still the old venue: the notice below must show the new one
    sessions_moved = _shift_sessions(event, shift, now=now) if moves_whole else 0
    _check_window(event)
    if "slug" in changed:
        flush_unique("slug", _l("Another event already uses this web address."))
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
        notified = sum(hooks.event_moved(event, now=now, mailing=mailing))
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


def set_capacity(actor: User, event: Event, capacity: int, *, now: datetime, mailing: object) -> list[Any]:
    """Set the number of seats; returns the registrations promoted from the waiting list (by registration).

    Starts with `lock_event()`, then one conditional UPDATE, so a registration in flight cannot slip
    between the check and the change; lowering below the seats already taken is refused
    (InvalidState). Raising it gives the new seats to the waiting list at once, in its order
    (`hooks.seats_added`: registration promotes, in this transaction).
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
        raise capacity_below_taken(event.seats_taken)
    promoted = []
    if capacity > previous:
        promoted = [r for given in hooks.seats_added(event, now=now, mailing=mailing) for r in given]
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


def cancel_event(actor: User, event: Event, *, now: datetime, mailing: object) -> int:
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
    notified = sum(hooks.event_cancelled(event, now=now, mailing=mailing))
    record_audit(
        actor, "event.cancelled", now=now, event_id=event.id, target=event.slug, details={"notified": notified}
    )
    return notified


def _free_slug(base: str, taken_query: Callable[[str], sa.Select[int]]) -> str:
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


# ---------------------------------------------------------------- moving an event with its programme


def _wall_clock(moment: datetime) -> datetime:
    """The time a Brussels clock shows at `moment` (naive)."""
    return brussels(moment).replace(tzinfo=None)


def _moved(moment: datetime, shift: timedelta) -> datetime:
    """`moment` moved by `shift` on the Brussels clock: a day later is 10:00 again across a change of
    summer time (a shift of the instant would make it 09:00 or 11:00)."""
    return (_wall_clock(moment) + shift).replace(tzinfo=BRUSSELS).astimezone(UTC)


def _moved_window(event: Event, values: dict[str, Any], shift: timedelta) -> dict[str, Any]:
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
