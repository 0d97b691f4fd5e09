"""The ticket code: the text in the QR and the ticket page's address `/tickets/<code>`.

Derived from the registration's seed (registration keeps the seed; see eventapp.registration.tokens),
versioned ("EA1-" + 26 base32 characters = 130 bits), uppercase letters, digits and "-" only, so it
fits QR alphanumeric mode (version 2 at level Q).
"""

import re

from eventapp.core.tokens import derive, same
from eventapp.registration.tokens import ticket_minter

TICKET_CODE_PREFIX = "EA1-"
# "EA1-" + 26 base32 characters; anything else is not worth a database lookup.
CODE_RE = re.compile(r"^EA1-[A-Z2-7]{26}$")


@ticket_minter
def ticket_code(key: str, seed: str) -> str:
    return TICKET_CODE_PREFIX + derive(key, "ticket-code", seed)


def normalise_code(code: str) -> str:
    # Hardware scanners add blanks or newlines; some keyboards layouts type lower case.
    return (code or "").strip().upper()


# What the door's name search gives a scanner to admit the person found: the ticket's digest (which
# every scanner's offline snapshot holds anyway), bound by a MAC to that scanner. Not the ticket code,
# which is also the person's credential elsewhere (their ticket page, joining participation).
_SEARCH_HANDLE_RE = re.compile(r"^EAS-([0-9A-F]{64})-([A-Z2-7]{26})$")


def search_handle(key: str, scanner_id: int, ticket_digest: str) -> str:
    return f"EAS-{ticket_digest.upper()}-{derive(key, 'door-search', f'{scanner_id}:{ticket_digest}')}"


def digest_of_search_handle(key: str, scanner_id: int, handle: str) -> str | None:
    """The ticket digest a (normalised) search handle gives this scanner, or None if it is not one."""
    match = _SEARCH_HANDLE_RE.match(handle)
    if match is None:
        return None
    ticket_digest = match.group(1).lower()
    return ticket_digest if same(search_handle(key, scanner_id, ticket_digest), handle) else None
