"""Finding 2: wrong authenticator codes lock the account as wrong passwords do.

The attack: with the password known (phished, reused), a right password reset the failure count, so
typing it again every few codes let the guessing of the second factor go on forever: 12 wrong codes
in a row, then the right one logged in.
"""

from datetime import UTC, datetime

import pyotp

from eventapp.accounts.models import User
from eventapp.accounts.services import MAX_FAILED_LOGINS
from eventapp.extensions import db
from tests.accounts.factories import login, make_admin

SECRET = pyotp.random_base32()


def wrong_code() -> str:
    totp, now = pyotp.TOTP(SECRET), datetime.now(UTC)
    valid = {totp.at(now.timestamp() + shift) for shift in (-60, -30, 0, 30, 60)}
    return next(code for code in (f"{n:06d}" for n in range(1_000_000)) if code not in valid)


def test_wrong_codes_between_right_passwords_lock_the_account(client):
    admin = make_admin(totp_secret=SECRET)
    email, admin_id = admin.email, admin.id
    db.session.commit()
    guesses = 0
    for _ in range(3):  # the password again before each round of guesses
        login(client, email)
        for _ in range(MAX_FAILED_LOGINS - 1):
            client.post("/admin/login/two-factor", data={"code": wrong_code()})
            guesses += 1
    assert guesses > MAX_FAILED_LOGINS
    # The right password and the right code no longer open a session: the account is locked.
    login(client, email)
    client.post("/admin/login/two-factor", data={"code": pyotp.TOTP(SECRET).now()})
    assert client.get("/admin/").status_code == 302
    assert db.session.get(User, admin_id).locked_until is not None
