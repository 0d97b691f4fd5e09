"""Login, logout, password reset and two-factor enrolment under /admin."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from markupsafe import Markup

from eventapp.accounts import services
from eventapp.accounts.auth import load_user
from eventapp.accounts.forms import EmptyForm, ForgotPasswordForm, LoginForm, ResetPasswordForm, TotpForm
from eventapp.accounts.permissions import require_admin
from eventapp.accounts.services import LoginOutcome
from eventapp.core.db import transaction
from eventapp.core.errors import DomainError
from eventapp.core.qr import link_qr_svg
from eventapp.core.time import utcnow
from eventapp.core.web import client_network, local_path
from eventapp.extensions import limiter

bp = Blueprint("accounts", __name__, url_prefix="/admin")

# Per client address; the per-account lockout (services.MAX_FAILED_LOGINS) covers distributed guessing.
LOGIN_LIMIT = "10 per minute;50 per hour"
PENDING_TOTP = "pending_totp_user"
ENROL_SECRET = "totp_enrol_secret"  # noqa: S105 (a session key name, not a secret)
SESSION_STARTED = "auth_started"  # Unix times, in the signed session cookie
SESSION_SEEN = "auth_seen"


def _safe_next(target: str | None) -> str:
    """Only back-office paths of this site, so the login form cannot become an open redirect."""
    return local_path(target, url_for("backoffice.index"), under="/admin")


def _start_session(user, next_url: str):
    session.pop(PENDING_TOTP, None)
    login_user(user)
    now = _timestamp()
    session[SESSION_STARTED] = session[SESSION_SEEN] = now
    return redirect(_safe_next(next_url))


def _timestamp() -> int:
    return int(utcnow().timestamp())


@bp.before_app_request
def end_expired_session():
    """A back-office session ends ADMIN_SESSION_IDLE_MINUTES after the person's last request and
    ADMIN_SESSION_MAX_HOURS after its login. Both times are in the signed session cookie, so nobody
    can move them; a logout ends the session on the server too (services.log_out)."""
    if "_user_id" not in session:
        return
    now = _timestamp()
    # A login written without its times (a session from before they existed) starts counting now.
    started = session.setdefault(SESSION_STARTED, now)
    seen = session.setdefault(SESSION_SEEN, now)
    config = current_app.config
    if (
        now - started > config["ADMIN_SESSION_MAX_HOURS"] * 3600
        or now - seen > config["ADMIN_SESSION_IDLE_MINUTES"] * 60
    ):
        logout_user()
        for key in (SESSION_STARTED, SESSION_SEEN, PENDING_TOTP, ENROL_SECRET):
            session.pop(key, None)
        flash(_("Your session has ended. Please log in again."), "info")
        return
    # An open dashboard refreshing its figures is not the person at work: it does not keep the session
    # alive. Written at most once a minute, so most answers carry no new cookie.
    if not request.path.endswith(".json") and now - seen >= 60:
        session[SESSION_SEEN] = now


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        with transaction():
            outcome, user = services.authenticate(
                form.email.data, form.password.data, now=utcnow(), network=client_network()
            )
            pending_id = user.get_id() if user is not None else None
        if outcome == LoginOutcome.OK:
            return _start_session(user, request.args.get("next"))
        if outcome == LoginOutcome.NEEDS_TOTP:
            session[PENDING_TOTP] = pending_id
            return redirect(url_for("accounts.login_totp", next=request.args.get("next")))
        # One answer whether the address has no account, the password is wrong or the account is
        # locked: saying "locked" would tell anyone which addresses have an account.
        form.form_errors.append(
            _(
                "The email address or the password is not right. After %(attempts)d wrong attempts in a row "
                "an account is locked for %(minutes)d minutes; you can also reset your password.",
                attempts=services.MAX_FAILED_LOGINS,
                minutes=int(services.LOCKOUT.total_seconds() // 60),
            )
        )
    return render_template("accounts/login.html", form=form), 200 if not form.errors else 422


@bp.route("/login/two-factor", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
def login_totp():
    pending = session.get(PENDING_TOTP)
    user = load_user(pending) if pending else None
    if user is None:
        return redirect(url_for("accounts.login"))
    form = TotpForm()
    if form.validate_on_submit():
        with transaction():
            outcome = services.verify_totp(user, form.code.data, now=utcnow(), network=client_network())
        if outcome == LoginOutcome.OK:
            return _start_session(user, request.args.get("next"))
        if outcome == LoginOutcome.LOCKED:
            session.pop(PENDING_TOTP, None)
            flash(_("Too many failed attempts: this account is locked for a while."), "error")
            return redirect(url_for("accounts.login"))
        form.code.errors.append(_("This code is not right. Check the time on your phone and try again."))
    return render_template("accounts/login_totp.html", form=form), 200 if not form.errors else 422


@bp.post("/logout")
def logout():
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    if current_user.is_authenticated:
        with transaction():
            services.log_out(current_user._get_current_object())
    logout_user()
    session.clear()
    flash(_("You are logged out."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("5 per minute;20 per hour", methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        with transaction():
            services.request_password_reset(
                form.email.data, now=utcnow(), base_url=current_app.config["PUBLIC_BASE_URL"]
            )
        # The same answer whether the account exists or not.
        flash(_("If an account exists for this address, we have sent it a link to choose a new password."), "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot_password.html", form=form), 200 if not form.errors else 422


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def reset_password(token: str):
    services.check_reset_token(token, now=utcnow())
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            with transaction():
                services.reset_password(token, form.password.data, now=utcnow())
        except DomainError as error:
            if error.field != "password":
                raise
            form.password.errors.append(error.message)
        else:
            logout_user()
            flash(_("Your password has been changed. You can log in with it now."), "info")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form), 200 if not form.errors else 422


@bp.route("/account/two-factor", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"])  # turning it off takes a code: no guessing at speed
@login_required
def two_factor():
    """Admins turn on (or off) a second login step with an authenticator app."""
    require_admin(current_user)
    form = TotpForm()
    if current_user.totp_secret:
        off_form = TotpForm(prefix="off")
        if off_form.validate_on_submit():
            with transaction():
                turned_off = services.disable_totp(
                    current_user, off_form.code.data, now=utcnow(), network=client_network()
                )
            if turned_off:
                flash(_("Two-step login is turned off."), "info")
                return redirect(url_for("accounts.two_factor"))
            off_form.code.errors.append(_("This code is not right. Check the time on your phone and try again."))
        return render_template("accounts/two_factor.html", enabled=True, off_form=off_form), (
            200 if not off_form.errors else 422
        )
    secret = session.get(ENROL_SECRET) or services.new_totp_secret()
    session[ENROL_SECRET] = secret
    if form.validate_on_submit():
        try:
            with transaction():
                services.enable_totp(current_user, secret, form.code.data, now=utcnow())
        except DomainError as error:
            if error.field != "code":
                raise
            form.code.errors.append(error.message)
        else:
            session.pop(ENROL_SECRET, None)
            # The password hash did not change, so the session stays valid.
            flash(_("Two-step login is on. You will be asked for a code at each login."), "info")
            return redirect(url_for("accounts.two_factor"))
    return render_template(
        "accounts/two_factor.html",
        enabled=False,
        form=form,
        secret=secret,
        qr=Markup(link_qr_svg(services.totp_uri(current_user, secret))),  # noqa: S704 (our own URI)
    ), 200 if not form.errors else 422
