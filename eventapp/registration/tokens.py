"""The secrets of a registration, all derived from its random seed (see eventapp.core.tokens).

- manage token: the private manage link `/manage/<token>`
- confirm-address code: the link in the emails that proves the address is the registrant's
- email-change code: the link sent to a new address, which makes it the registration's
- feed token: the personal calendar feed `/feeds/me/<token>.ics`, with its own seed so it can be
  revoked without breaking the ticket
- ticket code: minted from the same seed by the tickets domain (eventapp.tickets.codes), which owns
  its format; registration imports nothing from tickets, so tickets registers its minter here
  (`ticket_minter`) and registration uses it for the lookup digest and the ticket link

Rotating `secret_seed` (or `feed_seed`) revokes the corresponding links at once.
"""

from collections.abc import Callable

from eventapp.core.tokens import derive, digest, new_seed

# At most one: the ticket code has a single format (a second registration replaces the first).
_ticket_minters: list[Callable[[str, str], str]] = []


def ticket_minter(mint: Callable[[str, str], str]) -> Callable[[str, str], str]:
    """Register `mint(key, seed) -> ticket code` (a decorator, used by eventapp.tickets.codes)."""
    _ticket_minters[:] = [mint]
    return mint


def minted_ticket_code(key: str, seed: str) -> str:
    """The ticket code of a seed, as the tickets domain mints it."""
    if not _ticket_minters:
        raise RuntimeError("No ticket minter: eventapp.tickets.codes was not imported (create_app imports it).")
    return _ticket_minters[0](key, seed)


def manage_token(key: str, seed: str) -> str:
    return derive(key, "manage", seed)


def confirm_code(key: str, seed: str) -> str:
    """The code of the confirm-address link: only ever in the registration's emails (the confirmation
    page shows the manage and ticket links, so opening those proves nothing about the address)."""
    return derive(key, "confirm-address", seed)


def email_change_code(key: str, seed: str, new_email: str) -> str:
    """The code of the link sent to a new address (services.request_email_change): it names the
    address, so a link sent for an earlier request stops working when another address is asked for."""
    return derive(key, "change-email", f"{seed}:{new_email}")


def network_digest(key: str, network: str) -> str:
    """What a registration keeps of the network it came from: keyed, so a /24 cannot be recovered
    by trying the 16 million of them."""
    return derive(key, "network", network, length=32)


def feed_token(key: str, seed: str) -> str:
    return derive(key, "feed", seed)


def assign_secrets(registration, key: str) -> None:
    """Give a registration a fresh seed and the digests used to look it up."""
    registration.secret_seed = new_seed()
    registration.manage_digest = digest(manage_token(key, registration.secret_seed))
    registration.ticket_digest = digest(minted_ticket_code(key, registration.secret_seed))


def assign_feed_secret(registration, key: str) -> None:
    registration.feed_seed = new_seed()
    registration.feed_digest = digest(feed_token(key, registration.feed_seed))
