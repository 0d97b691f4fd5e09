"""Absolute URLs of a registration's private pages, for emails and calendar entries.

Built from PUBLIC_BASE_URL, never from the request's Host header (which a client controls).
Links in emails carry the registrant's language (`lang=`).
The ticket page belongs to the tickets domain (`tickets.ticket_page`, `/tickets/<code>`), which mints
the code (see `tokens.minted_ticket_code`); it is linked by URL so that this module works without
that blueprint.
"""

from flask import current_app

from eventapp.registration.tokens import confirm_code, email_change_code, manage_token, minted_ticket_code


def _base(base_url: str | None) -> str:
    return (base_url or current_app.config["PUBLIC_BASE_URL"]).rstrip("/")


def _key(key: str | None) -> str:
    return key or current_app.config["SECRET_KEY"]


def manage_path(registration, key: str | None = None) -> str:
    return f"/manage/{manage_token(_key(key), registration.secret_seed)}"


def _lang(lang: str | None) -> str:
    # The page opens in this language whatever the device's settings (a Dutch registrant's
    # email read on a phone set to French), and the language hook remembers it in the cookie.
    return f"?lang={lang}" if lang else ""


def manage_url(registration, key: str | None = None, base_url: str | None = None, *, lang: str | None = None) -> str:
    return _base(base_url) + manage_path(registration, key) + _lang(lang)


def ticket_path(registration, key: str | None = None) -> str:
    return f"/tickets/{minted_ticket_code(_key(key), registration.secret_seed)}"


def ticket_url(registration, key: str | None = None, base_url: str | None = None, *, lang: str | None = None) -> str:
    return _base(base_url) + ticket_path(registration, key) + _lang(lang)


def event_url(event, base_url: str | None = None, *, lang: str | None = None) -> str:
    return f"{_base(base_url)}/events/{event.slug}" + _lang(lang)


def confirm_path(registration, key: str | None = None) -> str:
    """The confirm-address page: the manage link (to find the registration) and the code only emails carry."""
    return f"{manage_path(registration, key)}/confirm/{confirm_code(_key(key), registration.secret_seed)}"


def confirm_url(registration, key: str | None = None, base_url: str | None = None, *, lang: str | None = None) -> str:
    return _base(base_url) + confirm_path(registration, key) + _lang(lang)


def email_change_url(
    registration, key: str | None = None, base_url: str | None = None, *, lang: str | None = None
) -> str:
    """The page that makes `registration.new_email` the registration's address (sent to that address only)."""
    code = email_change_code(_key(key), registration.secret_seed, registration.new_email)
    return f"{_base(base_url)}{manage_path(registration, key)}/email/{code}" + _lang(lang)
