"""Registrations made directly in the database, for back-office tests (the registration domain has
its own service; these only need rows with the counters kept in step)."""

from itertools import count

from eventapp.extensions import db
from eventapp.registration.models import Registration, RegistrationSession, RegistrationStatus
from eventapp.registration.tokens import assign_secrets
from tests.factories import NOW

_n = count(1)


def make_registration(event, *, status=RegistrationStatus.CONFIRMED, seats: int = 1, sessions=(), **values):
    n = next(_n)
    registration = Registration(
        event_id=event.id,
        status=status,
        name=values.pop("name", f"Person {n}"),
        email=values.pop("email", f"person{n}@example.org"),
        language=values.pop("language", "fr"),
        consent_at=NOW,
        consent_version="2026-11",
        seats=seats,
        created_at=values.pop("created_at", NOW),
        waitlisted_at=NOW if status == RegistrationStatus.WAITLISTED else None,
        confirmed_at=NOW if status == RegistrationStatus.CONFIRMED else None,
        **values,
    )
    assign_secrets(registration, "testing-secret")  # TestingConfig.SECRET_KEY: ticket codes work
    db.session.add(registration)
    if status == RegistrationStatus.CONFIRMED:
        event.seats_taken += seats
    elif status == RegistrationStatus.WAITLISTED:
        event.seats_waiting += seats
    db.session.flush()
    for session in sessions:
        db.session.add(RegistrationSession(registration_id=registration.id, session_id=session.id))
    db.session.flush()
    return registration
