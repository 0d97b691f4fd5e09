"""Reads of registrations, by the secrets people hold."""

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from eventapp.core.errors import NotFound
from eventapp.core.tokens import digest
from eventapp.extensions import db
from eventapp.registration.models import Registration, RegistrationStatus
from eventapp.registration.tokens import TICKET_CODE_PREFIX


def get_registration_by_manage_token(token: str) -> Registration:
    registration = db.session.scalar(sa.select(Registration).where(Registration.manage_digest == digest(token)))
    if registration is None:
        raise NotFound()
    return registration


def find_registration_by_ticket_code(code: str) -> Registration | None:
    """The registration whose QR holds `code` (any case, surrounding blanks ignored), or None."""
    code = code.strip().upper()
    if not code.startswith(TICKET_CODE_PREFIX):
        return None
    return db.session.scalar(sa.select(Registration).where(Registration.ticket_digest == digest(code)))


def waitlist_position(registration: Registration) -> int | None:
    """1 for the first registration waiting for this event, None when not on the waiting list."""
    if registration.status != RegistrationStatus.WAITLISTED:
        return None
    ahead = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Registration)
        .where(
            Registration.event_id == registration.event_id,
            Registration.status == RegistrationStatus.WAITLISTED,
            sa.or_(
                Registration.waitlisted_at < registration.waitlisted_at,
                sa.and_(Registration.waitlisted_at == registration.waitlisted_at, Registration.id < registration.id),
            ),
        )
    )
    return ahead + 1


def list_registrations(event, *, status: RegistrationStatus | None = None) -> list[Registration]:
    """The registrations of an event: confirmed first (by confirmation time), then the waiting list
    in its order, then cancelled ones; or only those with `status`."""
    order = sa.case(
        (Registration.status == RegistrationStatus.CONFIRMED, 0),
        (Registration.status == RegistrationStatus.WAITLISTED, 1),
        else_=2,
    )
    query = (
        sa.select(Registration)
        .where(Registration.event_id == event.id)
        .options(selectinload(Registration.session_choices))
        .order_by(order, Registration.waitlisted_at, Registration.confirmed_at, Registration.id)
    )
    if status is not None:
        query = query.where(Registration.status == status)
    return list(db.session.scalars(query))


def count_seats(event) -> dict[str, int]:
    """Seats held per status, recomputed from the registrations (to check the event's counters)."""
    rows = db.session.execute(
        sa.select(Registration.status, sa.func.coalesce(sa.func.sum(Registration.seats), 0))
        .where(Registration.event_id == event.id)
        .group_by(Registration.status)
    )
    counts = {status.value: 0 for status in RegistrationStatus}
    for status, seats in rows:
        counts[RegistrationStatus(status).value] = int(seats)
    return counts
