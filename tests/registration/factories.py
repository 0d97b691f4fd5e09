"""Factories for registrations: through the real service, so counters stay right."""

from itertools import count

from eventapp.registration.services import RegistrationData, register
from tests.factories import NOW

KEY = "testing-secret"  # TestingConfig.SECRET_KEY
PRIVACY = "2026-11"
_seq = count(1)


def registration_data(**values) -> RegistrationData:
    n = next(_seq)
    defaults = {"name": f"Person {n}", "email": f"person{n}@example.org", "language": "fr", "consent": True}
    defaults.update(values)
    if "session_ids" in defaults:
        defaults["session_ids"] = tuple(defaults["session_ids"])
    return RegistrationData(**defaults)


def sign_up(event, *, now=NOW, **values):
    """Register someone for `event` and return the RegistrationOutcome."""
    return register(event, registration_data(**values), key=KEY, now=now, privacy_version=PRIVACY)
