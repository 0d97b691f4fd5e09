"""The attendees of an event: the filtered list, registering someone on their behalf, cancelling,
sending the ticket again, checking in by hand, and the CSV export."""

from typing import Any
from urllib.parse import urlencode

from flask import Response, current_app, flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from eventapp.accounts.forms import EmptyForm
from eventapp.backoffice import exports, queries
from eventapp.backoffice import services as bo_services
from eventapp.backoffice.forms import AttendeeFilterForm, CancelRegistrationForm, OnBehalfForm
from eventapp.backoffice.queries import AUDIENCE_LABELS, STATUS_LABELS, AttendeeFilter, commune_label
from eventapp.backoffice.views import bp
from eventapp.backoffice.views.pages import PER_PAGE, form_status
from eventapp.core.communes import OUTSIDE_BRUSSELS, list_communes
from eventapp.core.db import transaction
from eventapp.core.errors import DomainError
from eventapp.core.i18n import current_language, localized
from eventapp.core.time import utcnow
from eventapp.core.web import show_domain_error
from eventapp.events.queries import Page
from eventapp.registration.models import Audience, RegistrationStatus
from eventapp.tickets.checkin import CheckInResult, check_in_by_hand
from eventapp.tickets.days import door_day
from eventapp.tickets.models import ScanResult


def _attendee_filter(event) -> tuple[AttendeeFilterForm, AttendeeFilter | None]:
    """The filter form from the query string, and the filter it asks for (None when it does not validate:
    a search too long, a session since removed… — never silently "everyone")."""
    lang = current_language()
    form = AttendeeFilterForm(request.args)
    form.status.choices = [("", _("All"))] + [(s.value, str(STATUS_LABELS[s])) for s in RegistrationStatus]
    form.session.choices = [("", _("All"))] + [(str(s.id), localized(s, "title", lang).text) for s in event.sessions]
    form.commune.choices = (
        [("", _("All"))]
        + [(c.nis_code, c.name(lang)) for c in list_communes()]
        + [(OUTSIDE_BRUSSELS, _("Outside Brussels")), ("unknown", _("Not given"))]
    )
    form.audience.choices = (
        [("", _("All"))] + [(a.value, str(AUDIENCE_LABELS[a])) for a in Audience] + [("unknown", _("Not given"))]
    )
    if not form.validate():
        return form, None
    return form, AttendeeFilter(
        q=(form.q.data or "").strip(),
        status=form.status.data or "",
        session_id=int(form.session.data) if form.session.data else None,
        checked_in=form.checked_in.data or "",
        commune=form.commune.data or "",
        audience=form.audience.data or "",
    )


@bp.get("/events/<slug>/attendees")
def attendees(slug: str):
    event = queries.get_managed_event(current_user, slug)
    form, flt = _attendee_filter(event)
    if flt is None:
        page = Page([], 1, PER_PAGE, 0)
    else:
        page = queries.list_attendees(
            current_user, event, flt, page=request.args.get("page", 1, type=int) or 1, per_page=PER_PAGE
        )
    args: dict[str, Any] = {k: v for k, v in request.args.items() if k != "page" and v}  # url_for's **values
    return render_template(
        "backoffice/attendees.html",
        event=event,
        form=form,
        page=page,
        args=args,
        page_url=lambda n: url_for("backoffice.attendees", slug=slug, page=n, **args),
        export_url=url_for("backoffice.attendees_export", slug=slug) + ("?" + urlencode(args) if args else ""),
        commune_label=lambda code: commune_label(code, current_language()),
        status_labels=STATUS_LABELS,
        audience_labels=AUDIENCE_LABELS,
        action_form=EmptyForm(),
        back=request.full_path.rstrip("?"),
        came=queries.count_people_who_came_by_registration(current_user, event),
        today=door_day(utcnow()),  # a check-in by hand admits for today (each day of a longer event)
    ), (400 if flt is None else 200)


def _back_to_attendees(slug: str) -> str:
    """The attendee list with the filters the action was taken from (only that page, no open redirect)."""
    back = request.form.get("back", "")
    base = url_for("backoffice.attendees", slug=slug)
    return back if back == base or back.startswith(base + "?") else base


@bp.route("/events/<slug>/attendees/new", methods=["GET", "POST"])
def attendee_new(slug: str):
    """Register someone on their behalf (by phone, by email, at the door)."""
    event = queries.get_managed_event(current_user, slug)
    form = OnBehalfForm().setup(event, current_language())
    if form.validate_on_submit():
        try:
            with transaction():
                outcome = bo_services.register_on_behalf(
                    current_user,
                    event,
                    form.to_data(),
                    key=current_app.config["SECRET_KEY"],
                    now=utcnow(),
                    privacy_version=current_app.config["PRIVACY_NOTICE_VERSION"],
                )
                status = outcome.status
                existing = outcome.existing
        except DomainError as error:
            if not show_domain_error(form, error):
                raise
        else:
            if existing:
                flash(_("This person was already registered: their email was sent again."), "info")
            elif status == RegistrationStatus.CONFIRMED:
                flash(_("Registered. The ticket is on its way by email."), "info")
            else:
                flash(_("The event is full: the person is on the waiting list and was told by email."), "info")
            return redirect(url_for("backoffice.attendees", slug=slug))
    return render_template("backoffice/attendee_form.html", event=event, form=form), form_status(form)


@bp.route("/events/<slug>/attendees/<registration_uuid>/cancel", methods=["GET", "POST"])
def attendee_cancel(slug: str, registration_uuid: str):
    event = queries.get_managed_event(current_user, slug)
    registration = queries.get_registration(current_user, event, registration_uuid)
    form = CancelRegistrationForm()
    if form.validate_on_submit():
        with transaction():
            promoted = bo_services.cancel_registration(
                current_user, registration, key=current_app.config["SECRET_KEY"], now=utcnow()
            )
        flash(
            ngettext(
                "Registration cancelled. %(num)d person moved up from the waiting list.",
                "Registration cancelled. %(num)d people moved up from the waiting list.",
                len(promoted),
            ),
            "info",
        )
        return redirect(url_for("backoffice.attendees", slug=slug))
    return render_template(
        "backoffice/attendee_cancel.html", event=event, registration=registration, form=form
    ), form_status(form)


@bp.post("/events/<slug>/attendees/<registration_uuid>/resend")
def attendee_resend(slug: str, registration_uuid: str):
    event = queries.get_managed_event(current_user, slug)
    registration = queries.get_registration(current_user, event, registration_uuid)
    if not EmptyForm().validate_on_submit():
        flash(_("The form has expired. Please try again."), "error")
        return redirect(_back_to_attendees(slug))
    with transaction():
        sent = bo_services.resend_ticket(current_user, registration, key=current_app.config["SECRET_KEY"], now=utcnow())
    if sent:
        flash(_("The email is sent again."), "info")
    else:
        flash(_("It was already sent again a few minutes ago: please wait before trying again."), "error")
    return redirect(_back_to_attendees(slug))


CHECK_IN_MESSAGES = {
    ScanResult.OK: _l("Checked in."),
    ScanResult.ALREADY_CHECKED_IN: _l("Already checked in."),
    ScanResult.CANCELLED: _l("This registration is cancelled: not checked in."),
    ScanResult.WAITLISTED: _l("This person is on the waiting list: not checked in."),
}


def _not_today(result: CheckInResult) -> str:
    """Refused on another day: say which day(s) the ticket is for (check_in sets them with NOT_TODAY)."""
    assert result.door_days is not None  # narrows the type: check_in always sets it here
    first, last = result.door_days
    if first == last:
        return _("Not checked in: this ticket is for %(day)s.", day=format_date(first, "full"))
    return _(
        "Not checked in: this ticket is for the days from %(first)s to %(last)s.",
        first=format_date(first, "full"),
        last=format_date(last, "full"),
    )


@bp.post("/events/<slug>/attendees/<registration_uuid>/check-in")
def attendee_check_in(slug: str, registration_uuid: str):
    """Mark someone as arrived by hand (a forgotten phone, a name on a list): all their seats."""
    event = queries.get_managed_event(current_user, slug)
    registration = queries.get_registration(current_user, event, registration_uuid)
    if not EmptyForm().validate_on_submit():
        flash(_("The form has expired. Please try again."), "error")
        return redirect(_back_to_attendees(slug))
    with transaction():
        result = check_in_by_hand(current_user, registration, now=utcnow())
    if result.status == ScanResult.NOT_TODAY:
        message = _not_today(result)
    else:
        message = CHECK_IN_MESSAGES.get(result.status, _l("Not checked in."))
    flash(message, "info" if result.ok else "error")
    return redirect(_back_to_attendees(slug))


@bp.route("/events/<slug>/attendees/export", methods=["GET", "POST"])
def attendees_export(slug: str):
    """GET: how many rows the export will have, and the button. POST: the CSV, streamed."""
    event = queries.get_managed_event(current_user, slug)
    form, flt = _attendee_filter(event)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    action_form = EmptyForm()
    context = dict(event=event, form=form, action_form=action_form, args=args)
    if flt is None:  # nothing is exported (or audited) until the filters are valid
        return render_template("backoffice/attendees_export.html", count=0, **context), 400
    count = queries.count_attendees(current_user, event, flt)
    if request.method == "GET" or not action_form.validate_on_submit():
        return render_template("backoffice/attendees_export.html", count=count, **context)
    with transaction():
        bo_services.record_attendee_export(current_user, event, flt, rows=count, now=utcnow())
    chunks = exports.attendees_csv(current_user._get_current_object(), event, flt, lang=current_language())
    filename = f"{event.slug}-attendees-{utcnow():%Y%m%d-%H%M}.csv"
    return Response(
        stream_with_context(chunks),
        mimetype="text/csv",
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
