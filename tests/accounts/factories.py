"""Factories for accounts. The Argon2 hash of PASSWORD is computed once: hashing is slow on purpose."""

from functools import cache

from eventapp.accounts.models import EventOrganiser, Role, User
from eventapp.accounts.passwords import hash_password
from eventapp.extensions import db
from tests.factories import NOW

PASSWORD = "correct horse battery staple"
_n = iter(range(1, 1_000_000))


@cache
def _password_hash() -> str:
    return hash_password(PASSWORD)


def make_user(*, role: Role = Role.ORGANISER, events=(), email: str | None = None, **values) -> User:
    user = User(
        email=email or f"user{next(_n)}@example.org",
        role=role,
        created_at=NOW,
        **({"password_hash": _password_hash()} | values),
    )
    db.session.add(user)
    db.session.flush()
    for event in events:
        db.session.add(EventOrganiser(user_id=user.id, event_id=event.id))
    db.session.flush()
    return user


def make_admin(**values) -> User:
    return make_user(role=Role.ADMIN, **values)


def login(client, user: User | str, password: str = PASSWORD):
    """Log in through the real form; returns the response. Pass the email once requests have run
    (the request ends the session, so the User object is detached by then)."""
    email = user if isinstance(user, str) else user.email
    return client.post("/admin/login", data={"email": email, "password": password})
