"""Factories for the tickets tests: registrations made directly (the registration services live elsewhere)."""

from itertools import count

from eventapp.accounts.models import EventOrganiser, Role, User
from eventapp.extensions import db
from eventapp.registration.models import Registration, RegistrationSession, RegistrationStatus
from eventapp.registration.tokens import assign_secrets
from eventapp.tickets.codes import ticket_code
from eventapp.tickets.models import ScannerProfile
from eventapp.tickets.scanners import create_scanner
from tests.factories import NOW

KEY = "testing-secret"  # TestingConfig.SECRET_KEY
_seq = count(1)


def make_registration(event, *, seats: int = 1, status=RegistrationStatus.CONFIRMED, sessions=(), **values):
    """A registration with its secrets; returns (registration, ticket code)."""
    n = next(_seq)
    registration = Registration(
        event=event,
        status=status,
        name=values.pop("name", f"Person {n}"),
        email=values.pop("email", f"person{n}@example.org"),
        language="fr",
        consent_at=NOW,
        consent_version="2026-11",
        seats=seats,
        checked_in_people=0,
        created_at=NOW,
        updated_at=NOW,
        confirmed_at=NOW if status == RegistrationStatus.CONFIRMED else None,
        waitlisted_at=NOW if status == RegistrationStatus.WAITLISTED else None,
        cancelled_at=NOW if status == RegistrationStatus.CANCELLED else None,
    )
    for key, value in values.items():
        setattr(registration, key, value)
    assign_secrets(registration, KEY)
    for session in sessions:
        registration.session_choices.append(RegistrationSession(session=session))
    db.session.add(registration)
    db.session.flush()
    return registration, ticket_code(KEY, registration.secret_seed)


def make_scanner(event, name: str = "Door A", profile=ScannerProfile.SCAN_ONLY):
    """A paired scanner; returns (scanner, device token)."""
    return create_scanner(None, event, name=name, profile=profile, direct_token=True, now=NOW)


def make_user(*, admin: bool = False, events=()) -> User:
    n = next(_seq)
    user = User(
        email=f"organiser{n}@example.org",
        name=f"Organiser {n}",
        password_hash="x",
        role=Role.ADMIN if admin else Role.ORGANISER,
    )
    db.session.add(user)
    db.session.flush()
    for event in events:
        db.session.add(EventOrganiser(user_id=user.id, event_id=event.id))
    db.session.flush()
    return user


def login(client, user) -> None:
    with client.session_transaction() as s:
        s["_user_id"] = str(user.id)
        s["_fresh"] = True
