"""Flask-Login wiring: how a session cookie becomes a User."""

from flask_babel import lazy_gettext as _l

from eventapp.accounts.models import User
from eventapp.core.tokens import same
from eventapp.extensions import db, login

login.login_view = "accounts.login"
login.login_message = _l("Please log in to reach the back-office.")
login.login_message_category = "info"
# "basic", not "strong": strong mode logs out anyone whose address changes, and an organiser's phone
# switching from the venue's wifi to 4G on the morning of the event is not an attacker. A changed
# password ends every session instead (see load_user).
login.session_protection = "basic"


@login.user_loader
def load_user(user_id: str) -> User | None:
    # "<id>:<marker>" (User.get_id): the marker derives from the password hash and the session epoch,
    # so changing the password, or deactivating the account, invalidates every session opened before.
    # The login form always writes the marker; a bare id (tests of other domains that set the signed
    # session directly) is accepted, since only the holder of SECRET_KEY can write one.
    raw_id, _, marker = user_id.partition(":")
    if not raw_id.isdigit():
        return None
    user = db.session.get(User, int(raw_id))
    if user is None or not user.active or (marker and not same(user.session_marker, marker)):
        return None
    return user
