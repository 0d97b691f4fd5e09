"""The ticket code: the text in the QR and the ticket page's address `/tickets/<code>`.

Derived from the registration's seed (registration keeps the seed; see eventapp.registration.tokens),
versioned ("EA1-" + 26 base32 characters = 130 bits), uppercase letters, digits and "-" only, so it
fits QR alphanumeric mode (version 2 at level Q).
"""

import re

from eventapp.core.tokens import derive
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
