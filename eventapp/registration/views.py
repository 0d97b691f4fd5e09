"""Registration pages: the form on the event page, the confirmation page and the private manage link.

Thin adapters: each POST validates a form, calls one service inside `transaction()` and redirects.
"""

import json

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from eventapp.core.db import transaction
from eventapp.core.errors import DomainError, InvalidState
from eventapp.core.i18n import current_language
from eventapp.core.time import utcnow
from eventapp.core.web import client_network, show_domain_error
from eventapp.events.queries import get_public_event
from eventapp.extensions import limiter
from eventapp.registration import links, services
from eventapp.registration.forms import (
    ConfirmAddressForm,
    ConfirmForm,
    EmailForm,
    NameForm,
    RegistrationForm,
    SeatsForm,
    SessionsForm,
)
from eventapp.registration.models import RegistrationStatus
from eventapp.registration.queries import get_registration_by_manage_token, waitlist_position
from eventapp.registration.tokens import manage_token, network_digest

bp = Blueprint("registration", __name__)

# Generous for a school's shared IP, tight enough to stop a script.
REGISTER_LIMIT = "10 per minute;60 per hour"
MANAGE_LIMIT = "60 per minute;600 per hour"
MANAGE_WRITE_LIMIT = "10 per minute;60 per hour"


def _key() -> str:
    return current_app.config["SECRET_KEY"]


@bp.app_template_global()
def registration_form(event):
    """The empty form for the event page hook (templates/registration/_event_panel.html)."""
    return _form(formdata=None, event=event)


def _form(event, **kwargs) -> RegistrationForm:
    return RegistrationForm(**kwargs).setup(event, current_language(), current_app.config["REGISTRATION_NETWORK_SEATS"])


def _show_error(form, error: DomainError) -> None:
    """Beside the field the service names, or at the top of the form."""
    if not show_domain_error(form, error):
        form.form_errors.append(error.message)


@bp.post("/events/<slug>/register")
@limiter.limit(REGISTER_LIMIT)
def register(slug: str):
    event = get_public_event(slug, for_page=False)
    form = _form(event)
    if form.website.data:
        # A bot filled the honeypot: answer like a success, create nothing.
        return redirect(url_for("registration.check_mailbox"), code=303)
    if form.validate():
        try:
            with transaction():
                outcome = services.register(
                    event,
                    form.to_data(),
                    key=_key(),
                    now=utcnow(),
                    privacy_version=current_app.config["PRIVACY_NOTICE_VERSION"],
                    sender=services.PublicSender(
                        network_digest(_key(), client_network()), current_app.config["REGISTRATION_NETWORK_SEATS"]
                    ),
                )
                token = manage_token(_key(), outcome.registration.secret_seed)
        except DomainError as error:
            _show_error(form, error)
        else:
            if outcome.existing:
                # Not the existing registration's page: the person submitting may not own the address.
                return redirect(url_for("registration.check_mailbox"), code=303)
            return redirect(url_for("registration.confirmation", token=token), code=303)
    return render_template("events/event.html", event=event, now=utcnow(), form=form), 422


@bp.get("/registered")
def check_mailbox():
    return render_template("registration/check_mailbox.html")


@bp.get("/registered/<token>")
@limiter.limit(MANAGE_LIMIT)
def confirmation(token: str):
    registration = get_registration_by_manage_token(token)
    return render_template(
        "registration/confirmation.html",
        registration=registration,
        event=registration.event,
        position=waitlist_position(registration),
        manage_token=token,
        ticket_path=links.ticket_path(registration, _key()),
    )


def _manage_page(token: str, registration, *, status: int = 200, **forms):
    event = registration.event
    sessions_form = forms.get("sessions_form") or SessionsForm(formdata=None, prefix="sessions")
    sessions_form.set_session_choices(event, current_language())
    if "sessions_form" not in forms:
        sessions_form.sessions.data = [c.session_id for c in registration.session_choices]
    now = utcnow()
    return (
        render_template(
            "registration/manage.html",
            registration=registration,
            event=event,
            manage_token=token,
            position=waitlist_position(registration),
            ticket_path=links.ticket_path(registration, _key()),
            changeable=services.can_change(registration, now),
            sessions_form=sessions_form,
            seats_form=forms.get("seats_form") or SeatsForm(formdata=None, prefix="seats"),
            cancel_form=forms.get("cancel_form") or ConfirmForm(formdata=None, prefix="cancel"),
            erase_form=forms.get("erase_form") or ConfirmForm(formdata=None, prefix="erase"),
            name_form=forms.get("name_form")
            or NameForm(formdata=None, prefix="name", data={"name": registration.name}),
            email_form=forms.get("email_form") or EmailForm(formdata=None, prefix="email"),
            now=now,
        ),
        status,
    )


@bp.get("/manage/<token>")
@limiter.limit(MANAGE_LIMIT)
def manage(token: str):
    registration = get_registration_by_manage_token(token)
    return _manage_page(token, registration)


def _manage_action(token: str, form_name: str, form, action, success: str):
    registration = get_registration_by_manage_token(token)
    if form.validate():
        try:
            with transaction():
                action(registration, form)
        except DomainError as error:
            _show_error(form, error)
        else:
            flash(success, "success")
            return redirect(url_for("registration.manage", token=token), code=303)
    registration = get_registration_by_manage_token(token)
    return _manage_page(token, registration, status=422, **{form_name: form})


@bp.post("/manage/<token>/sessions")
@limiter.limit(MANAGE_WRITE_LIMIT)
def change_sessions(token: str):
    registration = get_registration_by_manage_token(token)
    form = SessionsForm(prefix="sessions")
    form.set_session_choices(registration.event, current_language())
    return _manage_action(
        token,
        "sessions_form",
        form,
        lambda r, f: services.change_sessions(r, f.sessions.data or [], key=_key(), now=utcnow()),
        _("Your sessions have been updated."),
    )


@bp.post("/manage/<token>/seats")
@limiter.limit(MANAGE_WRITE_LIMIT)
def reduce_seats(token: str):
    return _manage_action(
        token,
        "seats_form",
        SeatsForm(prefix="seats"),
        lambda r, f: services.reduce_seats(r, f.seats.data, key=_key(), now=utcnow()),
        _("The number of seats has been updated."),
    )


@bp.post("/manage/<token>/cancel")
@limiter.limit(MANAGE_WRITE_LIMIT)
def cancel(token: str):
    return _manage_action(
        token,
        "cancel_form",
        ConfirmForm(prefix="cancel"),
        lambda r, f: services.cancel(r, key=_key(), now=utcnow()),
        _("Your registration has been cancelled. Thank you for freeing your seat."),
    )


@bp.post("/manage/<token>/name")
@limiter.limit(MANAGE_WRITE_LIMIT)
def correct_name(token: str):
    return _manage_action(
        token,
        "name_form",
        NameForm(prefix="name"),
        lambda r, f: services.correct_name(r, f.name.data, key=_key(), now=utcnow()),
        _("Your name has been corrected."),
    )


@bp.post("/manage/<token>/email")
@limiter.limit(MANAGE_WRITE_LIMIT)
def change_email(token: str):
    return _manage_action(
        token,
        "email_form",
        EmailForm(prefix="email"),
        lambda r, f: services.request_email_change(r, f.email.data, key=_key(), now=utcnow()),
        _("We have sent a link to the new address. Your address changes only once it is opened there."),
    )


@bp.route("/manage/<token>/email/<code>", methods=["GET", "POST"])
@limiter.limit(MANAGE_WRITE_LIMIT)
def confirm_new_email(token: str, code: str):
    """The link sent to a new address: a button page, like `confirm_address`."""
    registration = get_registration_by_manage_token(token)
    if not services.is_email_change_code(registration, code, key=_key()):
        abort(404)  # a superseded link too: its page would name an address that is no longer asked for
    return _button_page(
        token,
        registration,
        "registration/confirm_new_email.html",
        lambda: services.confirm_new_email(registration, code, key=_key(), now=utcnow()),
        _("Thank you: your registration now uses this email address."),
    )


def _button_page(token: str, registration, template: str, action, success: str):
    """A link of an email that changes something: a page with a button, so that a mail filter that
    opens links does not act on its own. The POST runs `action` and goes back to the manage page."""
    form = ConfirmAddressForm()
    if form.validate_on_submit():
        try:
            with transaction():
                action()
        except InvalidState as error:  # cancelled meanwhile, expired…; a wrong code is a 404 page
            flash(error.message, "error")
        else:
            flash(success, "success")
        return redirect(url_for("registration.manage", token=token), code=303)
    return render_template(template, registration=registration, event=registration.event, form=form)


@bp.post("/manage/<token>/resend")
@limiter.limit(MANAGE_WRITE_LIMIT)
def resend(token: str):
    registration = get_registration_by_manage_token(token)
    with transaction():
        services.resend_ticket(registration, key=_key(), now=utcnow())
    # Same message whether or not the 10-minute limit held it back: the first email is on its way.
    flash(_("We have sent the email again. It can take a few minutes to arrive."), "success")
    return redirect(url_for("registration.manage", token=token), code=303)


@bp.route("/manage/<token>/confirm/<code>", methods=["GET", "POST"])
@limiter.limit(MANAGE_WRITE_LIMIT)
def confirm_address(token: str, code: str):
    """The link of the emails (a button page: a stranger's address opened by a mail filter would
    otherwise count as the attacker's)."""
    registration = get_registration_by_manage_token(token)
    return _button_page(
        token,
        registration,
        "registration/confirm_address.html",
        lambda: services.confirm_address(registration, code, key=_key(), now=utcnow()),
        _("Thank you: your email address is confirmed."),
    )


@bp.post("/manage/<token>/erase")
@limiter.limit(MANAGE_WRITE_LIMIT)
def erase(token: str):
    registration = get_registration_by_manage_token(token)
    form = ConfirmForm(prefix="erase")
    if not form.validate():
        return _manage_page(token, registration, status=422, erase_form=form)
    with transaction():
        services.erase(registration, now=utcnow(), key=_key())
    return redirect(url_for("registration.erased"), code=303)


@bp.get("/erased")
def erased():
    return render_template("registration/erased.html")


@bp.get("/manage/<token>/calendar.ics")
@limiter.limit(MANAGE_LIMIT)
def calendar(token: str):
    from eventapp.events.ical import registration_calendar

    registration = get_registration_by_manage_token(token)
    if registration.status != RegistrationStatus.CONFIRMED:
        # Not STATUS:CANCELLED: the entry's UID is the event's own (as in the public feeds), so
        # that would tell calendars the event is cancelled. A waiting place is no appointment
        # either. The personal feed already drops the event when the registration is cancelled.
        # A cancelled event, though, is served (STATUS:CANCELLED, see events/ical.py) so that a
        # calendar that took the entry earlier learns of it: hence not has_valid_ticket here.
        flash(_("Only a confirmed registration can be added to a calendar."), "info")
        return redirect(url_for("registration.manage", token=token), code=303)
    body = registration_calendar(registration, lang=current_language(), base_url=current_app.config["PUBLIC_BASE_URL"])
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="{registration.event.slug}.ics"'},
    )


@bp.get("/manage/<token>/data.json")
@limiter.limit(MANAGE_LIMIT)
def export_data(token: str):
    registration = get_registration_by_manage_token(token)
    body = json.dumps(services.export_personal_data(registration), ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="my-registration.json"',
            "Cache-Control": "no-store",
        },
    )


@bp.get("/privacy")
def privacy():
    return render_template(
        "registration/privacy.html",
        version=current_app.config["PRIVACY_NOTICE_VERSION"],
        retention_days=current_app.config["RETENTION_DAYS"],
    )
