"""Factories for the feeds tests: registrations with their secrets."""

from eventapp.extensions import db
from eventapp.registration.models import Registration, RegistrationSession, RegistrationStatus
from eventapp.registration.tokens import assign_secrets
from tests.factories import NOW

SECRET_KEY = "testing-secret"  # TestingConfig.SECRET_KEY


def make_registration(event, *, sessions=(), email="resident@example.org", **values) -> Registration:
    registration = Registration(
        event=event,
        status=RegistrationStatus.CONFIRMED,
        name="Ada Resident",
        email=email,
        language="fr",
        consent_at=NOW,
        consent_version="2026-11",
        seats=1,
        confirmed_at=NOW,
        created_at=NOW,
        updated_at=NOW,
    )
    assign_secrets(registration, SECRET_KEY)
    for key, value in values.items():
        setattr(registration, key, value)
    db.session.add(registration)
    for session in sessions:
        registration.session_choices.append(RegistrationSession(session=session))
    db.session.flush()
    return registration
