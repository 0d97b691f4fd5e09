"""State changes of organiser accounts: creation, login outcome, lockout, password reset, TOTP, audit."""

import enum
import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import pyotp
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.attributes import set_committed_value

from eventapp.accounts.models import AuditEntry, EventOrganiser, PasswordResetToken, Role, User
from eventapp.accounts.passwords import (
    DUMMY_HASH,
    MAX_LENGTH,
    MIN_LENGTH,
    hash_password,
    is_guessable,
    needs_rehash,
    verify_password,
)
from eventapp.accounts.permissions import require_admin
from eventapp.core.db import rows_matched
from eventapp.core.emails import render_email
from eventapp.core.errors import Conflict, InvalidState, NotFound
from eventapp.core.outbox import enqueue
from eventapp.core.tokens import digest, random_token
from eventapp.extensions import db

logger = logging.getLogger(__name__)

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
RESET_TOKEN_LIFETIME = timedelta(hours=1)
TOTP_ISSUER = "Smart City Events"


class LoginOutcome(enum.StrEnum):
    OK = "ok"
    NEEDS_TOTP = "needs_totp"  # password right; the second factor is still to come
    INVALID = "invalid"  # unknown email or wrong password (not told apart)
    LOCKED = "locked"


def normalise_email(email: str) -> str:
    return email.strip().lower()


def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def record_audit(
    actor: User | None,
    action: str,
    *,
    now: datetime,
    event_id: int | None = None,
    target: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Write one audit entry in the caller's transaction (never commits)."""
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        actor_email=actor.email if actor is not None else "",
        action=action,
        event_id=event_id,
        target=target[:200],
        details=details,
        created_at=now,
    )
    db.session.add(entry)
    return entry


def _check_password(password: str, *, email: str, name: str = "") -> None:
    """Raise InvalidState (field "password") for a password too short, too long or easy to guess."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise InvalidState(
            _l("The password must have %(min)d to %(max)d characters.", min=MIN_LENGTH, max=MAX_LENGTH),
            code="weak_password",
            field="password",
        )
    if is_guessable(password, email=email, name=name):
        raise InvalidState(
            _l(
                "This password is too easy to guess: it is common, follows a pattern or uses your name or "
                "address. A few unrelated words make a strong one."
            ),
            code="guessable_password",
            field="password",
        )


def create_user(email: str, password: str, *, role: Role, now: datetime, name: str = "", language: str = "fr") -> User:
    """Create an account (Argon2 hash). Raises Conflict if the email exists, InvalidState if the
    password is too short or easy to guess; does not commit."""
    _check_password(password, email=email, name=name)
    user = User(
        email=normalise_email(email),
        name=name,
        password_hash=hash_password(password),
        role=role,
        language=language,
        created_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(user)
    except sa.exc.IntegrityError:
        raise Conflict(
            _l("An account with this email address already exists."), code="email_taken", field="email"
        ) from None
    record_audit(None, "user.created", now=now, target=user.email, details={"role": str(role)})
    return user


def assign_organiser(actor: User | None, user: User, event_id: int, *, now: datetime) -> None:
    """Let `user` manage the event (idempotent). Only admins may assign (actor None: the command line)."""
    if actor is not None:
        require_admin(actor)
    exists = db.session.get(EventOrganiser, (user.id, event_id))
    if exists is None:
        db.session.add(EventOrganiser(user_id=user.id, event_id=event_id))
        db.session.flush()
        record_audit(actor, "user.assigned", now=now, event_id=event_id, target=user.email)


def set_assignments(actor: User, user: User, event_ids: Iterable[int], *, now: datetime) -> bool:
    """Make `event_ids` exactly the events an organiser manages; returns whether anything changed.

    Admins only; administrators manage every event and have no list. Each event gained or lost is
    audited. Raises PermissionDenied, InvalidState.
    """
    require_admin(actor)
    if user.is_admin:
        raise InvalidState(_l("Administrators manage every event."), code="admin_has_all_events")
    wanted = set(event_ids)
    current = set(db.session.scalars(sa.select(EventOrganiser.event_id).where(EventOrganiser.user_id == user.id)))
    for event_id in sorted(wanted - current):
        assign_organiser(actor, user, event_id, now=now)
    for event_id in sorted(current - wanted):
        db.session.execute(
            sa.delete(EventOrganiser).where(EventOrganiser.user_id == user.id, EventOrganiser.event_id == event_id)
        )
        record_audit(actor, "user.unassigned", now=now, event_id=event_id, target=user.email)
    return wanted != current


def set_active(actor: User, user: User, active: bool, *, now: datetime) -> bool:
    """Deactivate an account or reactivate it; returns whether anything changed. Admins only.

    A deactivated account's open sessions end for good (its session epoch changes, so they stay dead
    after a reactivation), and it can no longer log in or ask for a password reset; its history stays.
    Nobody deactivates their own account, so an admin always remains. Raises PermissionDenied, InvalidState.
    """
    require_admin(actor)
    if user.active == active:
        return False
    if not active and user.id == actor.id:
        raise InvalidState(_l("You cannot deactivate your own account."), code="own_account")
    user.active = active
    if not active:
        _end_sessions(user)
    record_audit(actor, "user.reactivated" if active else "user.deactivated", now=now, target=user.email)
    return True


def _end_sessions(user: User) -> None:
    """Every session cookie issued to the account so far stops working (its marker changes)."""
    user.session_epoch = User.session_epoch + 1  # in SQL: two requests at once cannot lose a bump
    db.session.flush()  # the attribute reads back as a number, not an expression


def log_out(user: User) -> None:
    """End the account's sessions on the server: a copy of the session cookie, taken before the
    logout, no longer opens anything. Every device of the account logs in again. Does not commit."""
    _end_sessions(user)


def _record_login(action: str, user: User | None, *, now: datetime, network: str, **details: Any) -> None:
    """A login event in the audit log and in the logs: which account, what, when, from which network.

    Never what was typed: an address that matches no account may be a password typed in the wrong
    field, so such attempts name no one.
    """
    record_audit(user, action, now=now, details={"network": network, **details})  # the account is the actor
    logger.info(
        "%s", action, extra={"audit_action": action, "account_id": user.id if user else None, "network": network}
    )


def authenticate(email: str, password: str, *, now: datetime, network: str = "") -> tuple[LoginOutcome, User | None]:
    """Check a login attempt and record its outcome (failures, lockout, rehash, the audit entry of
    the attempt with the client's `network`). Does not commit.

    After MAX_FAILED_LOGINS failures in a row (wrong passwords and wrong authenticator codes alike) the
    account is locked for LOCKOUT; a locked account answers LOCKED even to the right password, so
    guessing cannot go on during the lock. Only a complete login clears the count.
    """
    user = get_user_by_email(email)
    # One Argon2 verification whatever the outcome (no account, deactivated, locked or not), so the
    # answer's time tells nobody which addresses have an account or which accounts are locked.
    if user is None or not user.active:
        verify_password(DUMMY_HASH, password)
        _record_login("login.failed", None, now=now, network=network, reason="no_account")
        return LoginOutcome.INVALID, None
    if user.is_locked(now):
        verify_password(DUMMY_HASH, password)
        _record_login("login.failed", user, now=now, network=network, reason="locked")
        return LoginOutcome.LOCKED, None
    if not verify_password(user.password_hash, password):
        _record_login("login.failed", user, now=now, network=network, reason="password")
        return _register_failure(user, now), None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    if user.totp_secret:
        # The count of failures goes on until the second step succeeds: someone who knows the password
        # cannot wipe the wrong codes by typing it again between guesses.
        return LoginOutcome.NEEDS_TOTP, user
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    _record_login("login.succeeded", user, now=now, network=network)
    return LoginOutcome.OK, user


def _register_failure(user: User, now: datetime) -> LoginOutcome:
    # One UPDATE, so concurrent wrong guesses cannot overwrite each other's count.
    failed = db.session.execute(
        sa.update(User)
        .where(User.id == user.id)
        .values(failed_logins=User.failed_logins + 1)
        .returning(User.failed_logins)
    ).scalar_one()
    outcome = LoginOutcome.INVALID
    if failed >= MAX_FAILED_LOGINS:
        db.session.execute(
            sa.update(User).where(User.id == user.id).values(locked_until=now + LOCKOUT, failed_logins=0)
        )
        record_audit(user, "login.locked", now=now, target=user.email)
        outcome = LoginOutcome.LOCKED
    db.session.refresh(user)
    return outcome


def verify_totp(user: User, code: str, *, now: datetime, network: str = "") -> LoginOutcome:
    """Second login step: the code of the user's authenticator (one step of clock drift allowed).

    Wrong codes count towards the same lockout as wrong passwords; each attempt is audited with the
    client's `network`. Does not commit.
    """
    if user.is_locked(now):
        _record_login("login.code_failed", user, now=now, network=network, reason="locked")
        return LoginOutcome.LOCKED
    if not user.totp_secret:
        return LoginOutcome.INVALID
    step = _totp_step(user.totp_secret, code, now)
    if step is None or not _use_totp_step(user, step):
        # A wrong code, or a right one already used (replayed).
        _record_login("login.code_failed", user, now=now, network=network, reason="code")
        return _register_failure(user, now)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    _record_login("login.succeeded", user, now=now, network=network, second_step=True)
    return LoginOutcome.OK


def _totp_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step (now, or one either side for clock drift) whose code this is, or None."""
    totp = pyotp.TOTP(secret)
    code = (code or "").strip().replace(" ", "")
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if pyotp.utils.strings_equal(code, totp.generate_otp(step)):
            return step
    return None


def _use_totp_step(user: User, step: int) -> bool:
    """Record `step` as used unless it or a later one already was: one UPDATE, so two logins racing
    with the same code cannot both pass."""
    used = db.session.scalar(
        sa.update(User)
        .where(User.id == user.id, sa.or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
        .returning(User.id),
        execution_options={"synchronize_session": False},
    )
    if used is not None:
        set_committed_value(user, "totp_last_step", step)
    return used is not None


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=TOTP_ISSUER)


def enable_totp(user: User, secret: str, code: str, *, now: datetime) -> None:
    """Turn on two-factor login once the user proved their app shows the right code. Admins only."""
    require_admin(user)
    step = _totp_step(secret, code, now)
    if step is None:
        raise InvalidState(_l("This code is not right. Check the time on your phone and try again."), field="code")
    user.totp_secret = secret
    user.totp_last_step = step  # the code shown to enrol cannot also open a session
    record_audit(user, "user.totp_enabled", now=now, target=user.email)


def disable_totp(user: User, code: str, *, now: datetime, network: str = "") -> bool:
    """Turn off two-factor login, only with a current code of the user's app (someone at an unlocked
    session cannot remove the second factor). Returns whether it is off.

    A wrong or replayed code counts towards the login lockout, and a locked account cannot turn it off.
    Admins only (PermissionDenied). Does not commit: the caller commits either outcome.
    """
    require_admin(user)
    if not user.totp_secret or user.is_locked(now):
        return False
    step = _totp_step(user.totp_secret, code, now)
    if step is None or not _use_totp_step(user, step):
        _record_login("login.code_failed", user, now=now, network=network, reason="code")
        _register_failure(user, now)
        return False
    user.failed_logins = 0
    user.totp_secret = None
    user.totp_last_step = None  # a later enrolment starts afresh with a new secret
    record_audit(user, "user.totp_disabled", now=now, target=user.email)
    return True


def _send_reset_link(user: User, *, now: datetime, base_url: str, template: str, kind: str, **context: Any) -> None:
    token = random_token()
    db.session.add(
        PasswordResetToken(user_id=user.id, digest=digest(token), created_at=now, expires_at=now + RESET_TOKEN_LIFETIME)
    )
    # The page opens in the account's language whatever the device says (as registration links do).
    url = f"{base_url.rstrip('/')}/admin/password/reset/{token}?lang={user.language}"
    email_ = render_email(template, user.language, user=user, url=url, hours=1, **context)
    enqueue(
        recipient=user.email,
        subject=email_.subject,
        body_text=email_.text,
        body_html=email_.html,
        kind=kind,
        language=user.language,
        now=now,
    )


def invite_user(
    actor: User, email: str, *, role: Role, event_ids: list[int], language: str, now: datetime, base_url: str
) -> User:
    """Create an account (admins only) and email it a link to choose its password.

    Nobody, not even the admin, ever knows the password: the account starts with an unusable hash
    and the link (single-use, RESET_TOKEN_LIFETIME) sets it. Raises PermissionDenied or Conflict
    (email taken). Does not commit.
    """
    require_admin(actor)
    user = create_user(email, random_token(32), role=role, now=now, language=language)
    for event_id in event_ids:
        assign_organiser(actor, user, event_id, now=now)
    _send_reset_link(
        user, now=now, base_url=base_url, template="accounts/invitation", kind="accounts.invitation", inviter=actor
    )
    record_audit(actor, "user.invited", now=now, target=user.email, details={"role": str(role), "events": event_ids})
    return user


def request_password_reset(email: str, *, now: datetime, base_url: str) -> None:
    """Email a single-use reset link if the account exists (same outcome either way). Does not commit.

    The link holds a random token; the database keeps only its digest, valid RESET_TOKEN_LIFETIME.
    """
    user = get_user_by_email(email)
    if user is None or not user.active:
        return
    _send_reset_link(
        user, now=now, base_url=base_url, template="accounts/password_reset", kind="accounts.password_reset"
    )
    record_audit(user, "user.password_reset_requested", now=now, target=user.email)


def _valid_reset_token(token: str, now: datetime) -> PasswordResetToken:
    row = db.session.scalar(sa.select(PasswordResetToken).where(PasswordResetToken.digest == digest(token)))
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise NotFound(_l("This reset link is no longer valid. Please ask for a new one."), code="reset_link_invalid")
    return row


def check_reset_token(token: str, *, now: datetime) -> None:
    """Raise NotFound if the link is unknown, used or expired (so the form is not even shown)."""
    _valid_reset_token(token, now)


def reset_password(token: str, new_password: str, *, now: datetime) -> User:
    """Set a new password with a reset link; the link and every other open link stop working.

    Marking the token used is a conditional UPDATE, so two concurrent uses cannot both succeed.
    Also lifts a lockout. Raises NotFound (bad link) or InvalidState (password too short or easy to
    guess). Does not commit.
    """
    row = _valid_reset_token(token, now)
    user = db.session.get_one(User, row.user_id)
    _check_password(new_password, email=user.email, name=user.name)
    used = rows_matched(
        db.session.execute(
            sa.update(PasswordResetToken)
            .where(PasswordResetToken.id == row.id, PasswordResetToken.used_at.is_(None))
            .values(used_at=now)
        )
    )
    if used != 1:
        raise NotFound(_l("This reset link is no longer valid. Please ask for a new one."), code="reset_link_invalid")
    db.session.execute(
        sa.update(PasswordResetToken)
        .where(PasswordResetToken.user_id == row.user_id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now)
    )
    user.password_hash = hash_password(new_password)
    user.failed_logins = 0
    user.locked_until = None
    record_audit(user, "user.password_reset", now=now, target=user.email)
    return user
