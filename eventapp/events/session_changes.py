"""State changes of an event's programme, made by organisers in the back-office: add, edit and
cancel sessions.

Conventions as in `eventapp.events.event_changes`: the acting user first, the clock, the `mailing`
passed on to the subscribers of `eventapp.events.hooks`; no commit. Every change moves the event's
`updated_at` (and its `sequence` when a time or place changes on a published event): the programme
is part of the event's page and feed entry.
"""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from eventapp.accounts.models import User
from eventapp.accounts.permissions import require_event_access
from eventapp.accounts.services import record_audit
from eventapp.core.errors import InvalidState
from eventapp.core.locks import lock_event
from eventapp.events import hooks
from eventapp.events.editing import (
    SESSION_FIELDS,
    apply_changes,
    capacity_below_taken,
    check_edit_token,
    check_not_cancelled,
    check_times,
    flush_unique,
)
from eventapp.events.models import Event, EventStatus, Session
from eventapp.extensions import db


def _check_session_times(event: Event, starts_at: datetime, ends_at: datetime) -> None:
    check_times(starts_at, ends_at)
    if starts_at < event.starts_at or ends_at > event.ends_at:
        raise InvalidState(
            _l("A session must take place within the event's times."), code="session_outside_event", field="starts_at"
        )


def _touch_for_session(event: Event, now: datetime, *, time_or_place: bool) -> None:
    event.updated_at = now
    if time_or_place and event.status == EventStatus.PUBLISHED:
        event.sequence += 1


def create_session(actor: User, event: Event, values: dict[str, Any], *, now: datetime) -> Session:
    """Add a session to the programme. Raises PermissionDenied, InvalidState, Conflict (slug). No commit."""
    require_event_access(actor, event.id)
    check_not_cancelled(event)
    _check_session_times(event, values["starts_at"], values["ends_at"])
    session = Session(event_id=event.id, updated_at=now, capacity=values.get("capacity"))
    for name in SESSION_FIELDS:
        if name in values:
            setattr(session, name, values[name])
    db.session.add(session)
    flush_unique("slug", _l("Another session of this event already uses this short name."))
    _touch_for_session(event, now, time_or_place=True)
    db.session.refresh(event, ["sessions"])
    record_audit(actor, "session.created", now=now, event_id=event.id, target=session.slug)
    return session


def update_session(
    actor: User,
    session: Session,
    values: dict[str, Any],
    *,
    now: datetime,
    mailing: object,
    expected_token: str | None = None,
) -> set[str]:
    """Change a session; a new time or room on a published event emails those who chose it.

    Runs under the event lock. `expected_token` works as in `update_event` (Conflict, nothing
    written, when the session changed since the form was loaded). Giving the session its own
    capacity counts the seats its confirmed choices already hold (InvalidState if more than the
    capacity); sharing the event's seats again releases them. Those who chose it are told by
    registration (`hooks.session_moved`). Raises PermissionDenied, InvalidState, Conflict. No commit.
    """
    event = session.event
    require_event_access(actor, event.id)
    lock_event(event, session)
    check_edit_token(session, expected_token)
    check_not_cancelled(event)
    _check_session_times(event, values.get("starts_at", session.starts_at), values.get("ends_at", session.ends_at))
    changed = apply_changes(session, values, SESSION_FIELDS)
    if "slug" in changed:
        flush_unique("slug", _l("Another session of this event already uses this short name."))
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
        notified = sum(hooks.session_moved(session, now=now, mailing=mailing))
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

    The caller holds the event lock, so no registration moves meanwhile. The seats a session's
    registrations hold are registration's bookkeeping, kept only while the session has its own
    capacity: `hooks.session_capacity_changing` lets it count them on the way in (refusing a
    capacity below them) and release them on the way out, before the capacity is written here.
    """
    hooks.session_capacity_changing(session, capacity)
    if capacity is None:
        db.session.execute(sa.update(Session).where(Session.id == session.id).values(capacity=None))
    else:
        updated = db.session.execute(
            sa.update(Session)
            .where(Session.id == session.id, Session.seats_taken <= capacity)
            .values(capacity=capacity)
            .returning(Session.id)
        ).first()
        if updated is None:
            db.session.refresh(session)
            raise capacity_below_taken(session.seats_taken)
    db.session.refresh(session)


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
    check_not_cancelled(session.event)
    if now >= session.starts_at:
        raise InvalidState(
            _l("This session has started or is over: it can no longer be cancelled."), code="session_started"
        )
    if any(hooks.session_holds_content(session)):
        raise _session_has_results()


def cancel_session(actor: User, session: Session, *, now: datetime, mailing: object) -> int:
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
        notified = sum(hooks.session_cancelling(session, now=now, mailing=mailing))
        db.session.delete(session)
        try:
            db.session.flush()
        except sa.exc.IntegrityError:
            # Answers hold on to their activity (ON DELETE RESTRICT): one was sent since the check.
            raise _session_has_results() from None
    db.session.refresh(event, ["sessions"])
    record_audit(actor, "session.cancelled", now=now, event_id=event.id, target=slug, details={"notified": notified})
    return notified
