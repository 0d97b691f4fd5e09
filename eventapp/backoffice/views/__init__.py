"""The /admin pages: thin adapters between forms and the services of each domain, one module per area.

Every page needs a logged-in account with back-office access (an admin, or an organiser of at
least one event); the services and queries then check the event itself.
"""

from flask import Blueprint
from flask_login import current_user

from eventapp.accounts.permissions import require_backoffice_access
from eventapp.extensions import login

bp = Blueprint("backoffice", __name__, url_prefix="/admin")


@bp.before_request
def require_login():
    """Anonymous visitors go to the login page; accounts without any access get 403."""
    if not current_user.is_authenticated:
        return login.unauthorized()
    require_backoffice_access(current_user)
    return None


# The area modules attach their routes to `bp` when imported (the Flask blueprint idiom), so they come
# after it is defined.
from eventapp.backoffice.views import (  # noqa: E402, F401
    accounts,
    attendees,
    audit,
    dashboards,
    events,
    messages,
    places,
    sessions,
)
