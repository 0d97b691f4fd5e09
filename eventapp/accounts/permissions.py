"""Who may manage what. Checked in services and views alike; templates only hide links."""

from functools import wraps

import sqlalchemy as sa
from flask_login import current_user

from eventapp.accounts.models import EventOrganiser, User
from eventapp.core.errors import NotFound, PermissionDenied
from eventapp.extensions import db, login


def can_manage_event(user: User | None, event_id: int) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return False
    if user.is_admin:
        return True
    return (
        db.session.scalar(
            sa.select(EventOrganiser).where(EventOrganiser.user_id == user.id, EventOrganiser.event_id == event_id)
        )
        is not None
    )


class NotYourEvent(PermissionDenied):
    """Refused, and answered as an unknown event: a 403 for an event of someone else and a 404 for an
    unknown slug told which slugs (drafts included) exist (issue 17). Still a PermissionDenied for
    the code that catches refusals."""

    status = NotFound.status
    code = NotFound.code
    default_message = NotFound.default_message


def require_event_access(user: User | None, event_id: int) -> None:
    """Raise NotYourEvent (a PermissionDenied answered 404) unless `user` is an admin or an organiser
    assigned to the event."""
    if not can_manage_event(user, event_id):
        raise NotYourEvent()


def require_admin(user: User | None) -> None:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_admin:
        raise PermissionDenied()


def managed_event_ids(user: User) -> set[int] | None:
    """The events a user may manage; None means all (admin)."""
    if user.is_admin:
        return None
    return set(db.session.scalars(sa.select(EventOrganiser.event_id).where(EventOrganiser.user_id == user.id)))


def organiser_required(view):
    """For /admin views: anonymous users go to the login page; the view then checks the event."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return login.unauthorized()
        return view(*args, **kwargs)

    return wrapper


def require_backoffice_access(user: User | None) -> None:
    """Admins, and organisers assigned to at least one event; anyone else gets PermissionDenied."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        raise PermissionDenied()
    if user.is_admin:
        return
    if not managed_event_ids(user):
        raise PermissionDenied()
