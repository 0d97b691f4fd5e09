"""Reads of registrations, by the secrets people hold."""

import sqlalchemy as sa

from eventapp.core.errors import NotFound
from eventapp.core.tokens import digest
from eventapp.extensions import db
from eventapp.registration.models import Registration, RegistrationStatus


def get_registration_by_manage_token(token: str) -> Registration:
    registration = db.session.scalar(sa.select(Registration).where(Registration.manage_digest == digest(token)))
    if registration is None:
        raise NotFound()
    return registration


def waitlist_position(registration: Registration) -> int | None:
    """1 for the first registration waiting for this event, None when not on the waiting list."""
    if registration.status != RegistrationStatus.WAITLISTED:
        return None
    ahead = db.session.execute(
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
    ).scalar_one()
    return ahead + 1
