from datetime import timedelta

import pyotp
import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from eventapp.accounts import services
from eventapp.accounts.auth import load_user
from eventapp.accounts.models import AuditEntry, PasswordResetToken, Role
from eventapp.accounts.passwords import verify_password
from eventapp.accounts.permissions import can_manage_event
from eventapp.accounts.services import LoginOutcome
from eventapp.core.errors import Conflict, InvalidState, NotFound, PermissionDenied
from eventapp.core.outbox import OutboxMessage
from eventapp.extensions import db
from tests.accounts.factories import PASSWORD, make_admin, make_user
from tests.factories import NOW, make_event


def test_create_user_hashes_with_argon2_and_refuses_duplicates(app_ctx):
    user = services.create_user("Admin@Example.org ", "a long enough password", role=Role.ADMIN, now=NOW)
    assert user.email == "admin@example.org"
    assert user.password_hash.startswith("$argon2id$")
    assert verify_password(user.password_hash, "a long enough password")
    with pytest.raises(Conflict):
        services.create_user("admin@example.org", "another long password", role=Role.ADMIN, now=NOW)


def test_short_password_is_refused(app_ctx):
    with pytest.raises(InvalidState):
        services.create_user("a@example.org", "short", role=Role.ADMIN, now=NOW)


def test_authenticate_ok_and_wrong(app_ctx):
    user = make_user()
    assert services.authenticate(user.email.upper(), PASSWORD, now=NOW) == (LoginOutcome.OK, user)
    assert user.last_login_at == NOW
    assert services.authenticate(user.email, "wrong", now=NOW) == (LoginOutcome.INVALID, None)
    assert services.authenticate("nobody@example.org", PASSWORD, now=NOW) == (LoginOutcome.INVALID, None)
    assert user.failed_logins == 1


def test_inactive_user_cannot_log_in(app_ctx):
    user = make_user(active=False)
    assert services.authenticate(user.email, PASSWORD, now=NOW)[0] == LoginOutcome.INVALID


def test_lockout_after_repeated_failures_even_with_the_right_password(app_ctx):
    user = make_user()
    outcomes = [services.authenticate(user.email, "wrong", now=NOW)[0] for _ in range(services.MAX_FAILED_LOGINS)]
    assert outcomes[-1] == LoginOutcome.LOCKED and set(outcomes[:-1]) == {LoginOutcome.INVALID}
    assert user.locked_until == NOW + services.LOCKOUT
    assert services.authenticate(user.email, PASSWORD, now=NOW + timedelta(minutes=1))[0] == LoginOutcome.LOCKED
    later = NOW + services.LOCKOUT + timedelta(seconds=1)
    assert services.authenticate(user.email, PASSWORD, now=later)[0] == LoginOutcome.OK
    assert db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "login.locked")) is not None


def test_old_parameters_are_rehashed_at_login(app_ctx):
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    user = make_user(password_hash=weak)
    assert services.authenticate(user.email, PASSWORD, now=NOW)[0] == LoginOutcome.OK
    assert user.password_hash != weak and verify_password(user.password_hash, PASSWORD)
    assert "m=65536" in user.password_hash


def test_totp_second_step(app_ctx):
    secret = pyotp.random_base32()
    user = make_admin(totp_secret=secret)
    assert services.authenticate(user.email, PASSWORD, now=NOW) == (LoginOutcome.NEEDS_TOTP, user)
    assert user.last_login_at is None
    assert services.verify_totp(user, "000000" if pyotp.TOTP(secret).at(NOW) != "000000" else "111111", now=NOW) == (
        LoginOutcome.INVALID
    )
    assert services.verify_totp(user, pyotp.TOTP(secret).at(NOW), now=NOW) == LoginOutcome.OK
    assert user.last_login_at == NOW


def test_a_totp_code_opens_one_session_only(app_ctx):
    secret = pyotp.random_base32()
    user = make_admin(totp_secret=secret)
    code = pyotp.TOTP(secret).at(NOW)
    assert services.verify_totp(user, code, now=NOW) == LoginOutcome.OK
    # Someone who saw the code (over a shoulder, a phishing page) replays it within its window.
    assert services.verify_totp(user, code, now=NOW + timedelta(seconds=20)) == LoginOutcome.INVALID
    assert user.failed_logins == 1
    # The previous step's code, still inside the drift window, is older than the one used: refused too.
    earlier, later = NOW - timedelta(seconds=30), NOW + timedelta(seconds=30)
    assert services.verify_totp(user, pyotp.TOTP(secret).at(earlier), now=NOW) == LoginOutcome.INVALID
    assert services.verify_totp(user, pyotp.TOTP(secret).at(later), now=later) == LoginOutcome.OK


def test_the_code_that_enabled_totp_cannot_log_in(app_ctx):
    user = make_admin()
    secret = services.new_totp_secret()
    services.enable_totp(user, secret, pyotp.TOTP(secret).at(NOW), now=NOW)
    assert services.verify_totp(user, pyotp.TOTP(secret).at(NOW), now=NOW) == LoginOutcome.INVALID


def test_enable_totp_needs_a_right_code(app_ctx):
    user = make_admin()
    secret = services.new_totp_secret()
    with pytest.raises(InvalidState):
        services.enable_totp(user, secret, "12345" + ("6" if pyotp.TOTP(secret).at(NOW) != "123456" else "7"), now=NOW)
    assert user.totp_secret is None
    services.enable_totp(user, secret, pyotp.TOTP(secret).at(NOW), now=NOW)
    assert user.totp_secret == secret
    assert services.totp_uri(user, secret).startswith("otpauth://totp/Smart%20City%20Events:")


def _reset_link_token(user) -> str:
    message = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.recipient == user.email))
    assert message.kind == "accounts.password_reset"
    url = next(word for word in message.body_text.split() if "/admin/password/reset/" in word)
    return url.rsplit("/", 1)[1].split("?")[0]


def test_password_reset_is_single_use_and_stores_a_digest(app_ctx):
    user = make_user(locked_until=NOW + timedelta(minutes=5))
    services.request_password_reset(user.email, now=NOW, base_url="http://events.test")
    token = _reset_link_token(user)
    row = db.session.scalar(sa.select(PasswordResetToken))
    assert row.digest != token and len(row.digest) == 64
    old_marker = user.session_marker
    services.reset_password(token, "a brand new password", now=NOW + timedelta(minutes=10))
    assert verify_password(user.password_hash, "a brand new password")
    assert user.locked_until is None
    assert user.session_marker != old_marker  # other sessions end
    with pytest.raises(NotFound):
        services.reset_password(token, "yet another password", now=NOW + timedelta(minutes=11))


def test_password_reset_link_expires(app_ctx):
    user = make_user()
    services.request_password_reset(user.email, now=NOW, base_url="http://events.test")
    token = _reset_link_token(user)
    with pytest.raises(NotFound):
        services.reset_password(token, "a brand new password", now=NOW + services.RESET_TOKEN_LIFETIME)


def test_password_reset_for_unknown_email_writes_nothing(app_ctx):
    services.request_password_reset("nobody@example.org", now=NOW, base_url="http://events.test")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_an_admin_deactivates_an_account_its_sessions_end_and_it_can_come_back(app_ctx):
    admin, user = make_admin(), make_user()
    session_id = user.get_id()
    assert load_user(session_id) == user
    assert services.set_active(admin, user, False, now=NOW) is True
    assert load_user(session_id) is None  # an open session ends at its next request
    assert services.authenticate(user.email, PASSWORD, now=NOW)[0] == LoginOutcome.INVALID
    assert services.set_active(admin, user, False, now=NOW) is False  # already so: nothing recorded twice
    assert services.set_active(admin, user, True, now=NOW) is True
    assert load_user(session_id) is None  # the old session stays dead after the reactivation
    assert services.authenticate(user.email, PASSWORD, now=NOW)[0] == LoginOutcome.OK
    assert load_user(user.get_id()) == user  # a new login works
    actions = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.target == user.email)).all()
    assert actions.count("user.deactivated") == 1 and actions.count("user.reactivated") == 1


def test_nobody_deactivates_their_own_account_and_organisers_nobody_at_all(app_ctx):
    admin, organiser = make_admin(), make_user()
    with pytest.raises(InvalidState):
        services.set_active(admin, admin, False, now=NOW)
    with pytest.raises(PermissionDenied):
        services.set_active(organiser, admin, False, now=NOW)
    assert admin.active


def test_an_admin_sets_the_events_an_organiser_manages(app_ctx):
    admin, first, second = make_admin(), make_event(), make_event()
    organiser = make_user(events=[first])
    assert services.set_assignments(admin, organiser, [second.id], now=NOW) is True
    assert not can_manage_event(organiser, first.id) and can_manage_event(organiser, second.id)
    assert services.set_assignments(admin, organiser, [second.id], now=NOW) is False
    actions = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.target == organiser.email)).all()
    assert sorted(actions) == ["user.assigned", "user.unassigned"]
    with pytest.raises(InvalidState):
        services.set_assignments(admin, admin, [first.id], now=NOW)
    with pytest.raises(PermissionDenied):
        services.set_assignments(organiser, organiser, [first.id, second.id], now=NOW)


def _wrong_code(secret, now) -> str:
    totp = pyotp.TOTP(secret)
    valid = {totp.at(now + timedelta(seconds=seconds)) for seconds in (-30, 0, 30)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in valid)


def test_turning_totp_off_needs_a_current_code(app_ctx):
    secret = pyotp.random_base32()
    user = make_admin(totp_secret=secret)
    assert services.disable_totp(user, _wrong_code(secret, NOW), now=NOW) is False
    assert user.totp_secret == secret and user.failed_logins == 1  # counts towards the lockout
    assert services.disable_totp(user, pyotp.TOTP(secret).at(NOW), now=NOW) is True
    assert user.totp_secret is None and user.totp_last_step is None
    actions = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.target == user.email)).all()
    assert actions.count("user.totp_disabled") == 1
