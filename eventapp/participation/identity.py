"""Who is taking part: a signed cookie per session holding the participant's UUID (never the ticket code).

The cookie is scoped to the session's path, so each session has its own identity and a shared phone
can hold several. It is HttpOnly and SameSite=Lax; Secure where the app's session cookie is.
"""

import hashlib
import hmac

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeSerializer

from eventapp.events.models import Session
from eventapp.participation import queries
from eventapp.participation.models import Participant

COOKIE = "participant"
MAX_AGE = 60 * 24 * 3600  # ideas are sent weeks before the event


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="participation-participant")


def cookie_path(session: Session) -> str:
    return f"/participate/{session.uuid}"


def signed_participant_uuid() -> str | None:
    """The participant UUID in this request's cookie if the app signed it, else None."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        value = _serializer().loads(raw)
    except BadSignature:
        return None
    return value if isinstance(value, str) else None


def current_participant(session: Session) -> Participant | None:
    participant_uuid = signed_participant_uuid()
    return queries.get_participant(session, participant_uuid) if participant_uuid else None


def _set_cookie(response, session: Session, name: str, value: str, max_age: int):
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=cookie_path(session),
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
    )
    return response


def remember(response, session: Session, participant: Participant):
    return _set_cookie(response, session, COOKIE, _serializer().dumps(str(participant.uuid)), MAX_AGE)


PENDING_TICKET = "pending_ticket"
PENDING_TICKET_MAX_AGE = 10 * 60


def _ticket_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="participation-pending-ticket")


def hold_ticket(response, session: Session, code: str):
    """Keep a ticket code for the confirmation step, out of the URL (history, Referer, screenshots)."""
    return _set_cookie(response, session, PENDING_TICKET, _ticket_serializer().dumps(code), PENDING_TICKET_MAX_AGE)


def held_ticket() -> str | None:
    raw = request.cookies.get(PENDING_TICKET)
    try:
        value = _ticket_serializer().loads(raw) if raw else None
    except BadSignature:
        return None
    return value if isinstance(value, str) else None


def drop_held_ticket(response, session: Session):
    response.delete_cookie(PENDING_TICKET, path=cookie_path(session))
    return response


def rate_limit_key() -> str:
    """Each participant their own allowance, known by a cookie the app signed (a made-up cookie would
    otherwise buy a fresh allowance per request); a phone that has not joined shares its network's."""
    participant_uuid = signed_participant_uuid()
    return f"participant:{participant_uuid}" if participant_uuid else request.remote_addr or "unknown"


def network_of_request() -> str:
    """The network this request comes from, as a keyed hash: enough to see many guests joining from
    one network, without keeping anyone's address."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, (request.remote_addr or "unknown").encode(), hashlib.sha256).hexdigest()[:16]
