"""The secrets of a registration, all derived from its random seed (see eventapp.core.tokens).

- manage token: the private manage link `/manage/<token>`
- ticket code: the text in the QR and the ticket page `/tickets/<code>` (which shows the QR and
  cannot change anything), versioned ("EA1-" + 26 base32 characters = 130 bits), uppercase
  letters, digits and "-" only, so it fits QR alphanumeric mode (version 2 at level Q)
- feed token: the personal calendar feed `/feeds/me/<token>.ics`, with its own seed so it can be
  revoked without breaking the ticket

Rotating `secret_seed` (or `feed_seed`) revokes the corresponding links at once.
"""

from eventapp.core.tokens import derive, digest, new_seed

TICKET_CODE_PREFIX = "EA1-"


def manage_token(key: str, seed: str) -> str:
    return derive(key, "manage", seed)


def ticket_code(key: str, seed: str) -> str:
    return TICKET_CODE_PREFIX + derive(key, "ticket-code", seed)


def feed_token(key: str, seed: str) -> str:
    return derive(key, "feed", seed)


def assign_secrets(registration, key: str) -> None:
    """Give a registration a fresh seed and the digests used to look it up."""
    registration.secret_seed = new_seed()
    registration.manage_digest = digest(manage_token(key, registration.secret_seed))
    registration.ticket_digest = digest(ticket_code(key, registration.secret_seed))


def assign_feed_secret(registration, key: str) -> None:
    registration.feed_seed = new_seed()
    registration.feed_digest = digest(feed_token(key, registration.feed_seed))
