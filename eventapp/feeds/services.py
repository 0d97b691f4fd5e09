"""The personal feed link of a registration: created on demand, renewed (revoking the old one), turned off.

The token is derived from a random 128-bit seed and the app's secret key
(eventapp.registration.tokens.feed_token); the database keeps only the seed and the token's
SHA-256 digest, and lookups go through the digest. The holder of the manage link is the actor:
whoever can manage the registration can manage its calendar link.
"""

from datetime import datetime

from flask_babel import lazy_gettext as _l

from eventapp.core.errors import InvalidState
from eventapp.registration.models import Registration, RegistrationStatus
from eventapp.registration.tokens import assign_feed_secret, feed_token


def _check_active(registration: Registration) -> None:
    if registration.status == RegistrationStatus.CANCELLED or registration.anonymised_at is not None:
        raise InvalidState(_l("This registration is cancelled."), code="registration_cancelled")


def enable_personal_feed(registration: Registration, *, secret_key: str, now: datetime | None = None) -> str:
    """The registration's feed token, creating it if it has none (idempotent). Does not commit.

    Raises InvalidState for a cancelled or erased registration.
    """
    _check_active(registration)
    if registration.feed_seed is None:
        assign_feed_secret(registration, secret_key)
    assert registration.feed_seed is not None  # (assign_feed_secret sets it)
    return feed_token(secret_key, registration.feed_seed)


def renew_personal_feed(registration: Registration, *, secret_key: str, now: datetime | None = None) -> str:
    """A new feed token; the old link stops working at once. Does not commit.

    Raises InvalidState for a cancelled or erased registration (turning the link off still works).
    """
    _check_active(registration)
    assign_feed_secret(registration, secret_key)
    assert registration.feed_seed is not None  # (assign_feed_secret sets it)
    return feed_token(secret_key, registration.feed_seed)


def disable_personal_feed(registration: Registration, *, now: datetime | None = None) -> None:
    """Turn the personal feed off: its link answers 404 from now on. Idempotent; does not commit."""
    registration.feed_seed = None
    registration.feed_digest = None
