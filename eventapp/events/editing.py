"""What every change of an event, session, venue or theme shares: the fields a form may change,
the stale-form check, and the refusals they have in common."""

import hashlib
import hmac
import json
from datetime import UTC, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from eventapp.core.errors import Conflict, InvalidState
from eventapp.core.i18n import LANGUAGES
from eventapp.events.models import Event, EventStatus, Session
from eventapp.extensions import db

TEXT_FIELDS = tuple(f"{name}_{lang}" for name in ("title", "summary", "description") for lang in LANGUAGES)
EVENT_FIELDS = (
    *TEXT_FIELDS,
    "slug",
    "theme_id",
    "venue_id",
    "starts_at",
    "ends_at",
    "registration_opens_at",
    "registration_closes_at",
    "max_seats_per_registration",
    "facilities",
    "image_key",
    *(f"image_alt_{lang}" for lang in LANGUAGES),
)
SESSION_FIELDS = (
    *(f"{name}_{lang}" for name in ("title", "description") for lang in LANGUAGES),
    "slug",
    "kind",
    "starts_at",
    "ends_at",
    "room",
    "languages",
)
# What an edit form shows: its token is a fingerprint of these (see `edit_token`).
EVENT_EDIT_FIELDS = (*EVENT_FIELDS, "capacity")
SESSION_EDIT_FIELDS = (*SESSION_FIELDS, "capacity")


def edit_token(obj: Event | Session) -> str:
    """A fingerprint of the fields the edit form of an event or a session shows.

    The form carries the token it was loaded with; `update_event` / `update_session` compare it with
    the stored values under the event lock. Only a change of those fields invalidates it: seats being
    taken (which move `version`), a session added (which moves the event's `updated_at`) do not.
    """
    fields = EVENT_EDIT_FIELDS if isinstance(obj, Event) else SESSION_EDIT_FIELDS
    values = []
    for name in fields:
        value = getattr(obj, name)
        if isinstance(value, datetime):
            value = value.astimezone(UTC).isoformat()
        values.append(None if value is None else str(value))
    return hashlib.sha256(json.dumps(values).encode()).hexdigest()[:32]


def check_edit_token(obj: Event | Session, expected: str | None) -> None:
    """Conflict when the form was loaded before someone else changed `obj` (caller holds the event lock)."""
    if expected is None:
        return
    if not hmac.compare_digest(expected.encode(), edit_token(obj).encode()):
        raise Conflict(
            _l(
                "Someone else changed this in the meantime. Reload the page to see their change, then make yours again."
            ),
            code="edit_conflict",
            field="edit_token",
        )


def check_times(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise InvalidState(_l("The end must be after the start."), code="ends_before_start", field="ends_at")


def check_not_cancelled(event: Event) -> None:
    if event.status == EventStatus.CANCELLED:
        raise InvalidState(_l("A cancelled event cannot be changed."), code="event_cancelled")


def capacity_below_taken(taken: int) -> InvalidState:
    """The refusal of a capacity lower than the seats already taken (of an event, or of a session)."""
    return InvalidState(
        ngettext(
            "%(num)d seat is already taken: the capacity cannot be lower than that.",
            "%(num)d seats are already taken: the capacity cannot be lower than that.",
            taken,
        ),
        code="capacity_below_taken",
        field="capacity",
    )


def flush_unique(field: str, message) -> None:
    """Flush; a unique index refusing becomes a Conflict on `field` (in a savepoint: the transaction stays usable)."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except sa.exc.IntegrityError:
        raise Conflict(message, code=f"{field}_taken", field=field) from None


def apply_changes(obj, values: dict, fields) -> set[str]:
    """Set on `obj` those of `fields` whose value in `values` differs; returns their names."""
    changed = set()
    for name in fields:
        if name in values and getattr(obj, name) != values[name]:
            setattr(obj, name, values[name])
            changed.add(name)
    return changed
