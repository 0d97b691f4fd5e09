"""Flask-Login wiring: how a session cookie becomes a User."""

from eventapp.accounts.models import User
from eventapp.extensions import db, login


@login.user_loader
def load_user(user_id: str) -> User | None:
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.active else None
