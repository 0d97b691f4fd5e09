"""The /admin pages: thin adapters between forms and the services of each domain.

Every page needs a logged-in account with back-office access (an admin, or an organiser of at
least one event); the services and queries then check the event itself.
"""

import csv
import io
import secrets
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import format_date, format_datetime, format_time, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from eventapp.accounts import services as account_services
from eventapp.accounts.forms import EmptyForm
from eventapp.accounts.models import Role
from eventapp.accounts.permissions import require_backoffice_access
from eventapp.backoffice import queries
from eventapp.backoffice import services as bo_services
from eventapp.backoffice.charts import bar_chart, line_chart
from eventapp.backoffice.forms import (
    AssignmentsForm,
    AttendeeFilterForm,
    CancelForm,
    CancelRegistrationForm,
    CancelSessionForm,
    EventForm,
    InviteForm,
    MessageForm,
    OnBehalfForm,
    SessionForm,
    ThemeForm,
    VenueForm,
    to_local,
)
from eventapp.backoffice.queries import AUDIENCE_LABELS, STATUS_LABELS, AttendeeFilter
from eventapp.core.communes import OUTSIDE_BRUSSELS, get_commune, list_communes
from eventapp.core.db import transaction
from eventapp.core.errors import DomainError
from eventapp.core.i18n import LANGUAGES, current_language, localized
from eventapp.core.time import utcnow
from eventapp.events import services
from eventapp.events.queries import Page
from eventapp.extensions import login
from eventapp.registration.models import Audience, RegistrationStatus
from eventapp.tickets.days import door_day
from eventapp.tickets.models import ScanResult

bp = Blueprint("backoffice", __name__, url_prefix="/admin")

PER_PAGE = 50


@bp.before_request
def require_login():
    """Anonymous visitors go to the login page; accounts without any access get 403."""
    if not current_user.is_authenticated:
        return login.unauthorized()
    require_backoffice_access(current_user)
    return None


def _mailing() -> services.Mailing:
    return services.Mailing(key=current_app.config["SECRET_KEY"], base_url=current_app.config["PUBLIC_BASE_URL"])


def _apply(form, error: DomainError) -> bool:
    """Show a service error next to its field (True), or let the error page show it (False)."""
    if error.field and error.field in form:
        form[error.field].errors = [*form[error.field].errors, error.message]
        return True
    return False


def _status(form):
    return 422 if form.errors else 200


def _save(form, call, done, template: str, **context):
    """The form page pattern: on a valid POST, call the service in a transaction; a domain error
    with a field goes next to that field; on success flash and redirect (`done(result)` gives
    the message and the URL); otherwise show the page (422 when it has errors)."""
    if form.validate_on_submit():
        try:
            with transaction():
                result = call()
        except DomainError as error:
            if not _apply(form, error):
                raise
        else:
            message, url = done(result)
            flash(message, "info")
            return redirect(url)
    return render_template(template, form=form, **context), _status(form)


# ---------------------------------------------------------------- events


@bp.get("/")
def index():
    events = queries.list_managed_events(current_user)
    return render_template("backoffice/index.html", events=events, action_form=EmptyForm())


def _event_form(form: EventForm) -> EventForm:
    lang = current_language()
    form.theme_id.choices = [(t.id, localized(t, "name", lang).text) for t in queries.list_themes(current_user)]
    form.venue_id.choices = [(v.id, v.name) for v in queries.list_venue_choices(current_user)]
    return form


@bp.route("/events/new", methods=["GET", "POST"])
def event_new():
    queries.require_admin(current_user)
    form = _event_form(EventForm())
    return _save(
        form,
        lambda: services.create_event(current_user, form.values(), now=utcnow()),
        lambda event: (_("The event is saved as a draft."), url_for("backoffice.event", slug=event.slug)),
        "backoffice/event_form.html",
        event=None,
    )


@bp.get("/events/<slug>")
def event(slug: str):
    event = queries.get_managed_event(current_user, slug)
    return render_template("backoffice/event.html", event=event, action_form=EmptyForm())


@bp.route("/events/<slug>/edit", methods=["GET", "POST"])
def event_edit(slug: str):
    event = queries.get_managed_event(current_user, slug)
    form = EventForm(obj=event) if request.method == "GET" else EventForm()
    if request.method == "GET":
        for name in ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at"):
            form[name].data = to_local(getattr(event, name))
        form.edit_token.data = services.edit_token(event)
    _event_form(form)
    return _save(
        form,
        lambda: services.update_event(
            current_user,
            event,
            form.values(stored=event),
            now=utcnow(),
            mailing=_mailing(),
            expected_token=form.edit_token.data or "",
        ),
        lambda changed: (
            _("Saved.") if changed else _("Nothing changed."),
            url_for("backoffice.event", slug=event.slug),
        ),
        "backoffice/event_form.html",
        event=event,
    )


def _post_action(slug: str, action, done_message: str, *, redirect_to=None):
    event = queries.get_managed_event(current_user, slug)
    form = EmptyForm()
    if not form.validate_on_submit():
        flash(_("The form has expired. Please try again."), "error")
        return redirect(url_for("backoffice.event", slug=slug))
    with transaction():
        result = action(event)
        target = redirect_to(result) if redirect_to else url_for("backoffice.event", slug=event.slug)
    flash(done_message, "info")
    return redirect(target)


@bp.post("/events/<slug>/publish")
def event_publish(slug: str):
    return _post_action(
        slug, lambda e: services.publish_event(current_user, e, now=utcnow()), _("The event is published.")
    )


@bp.post("/events/<slug>/unpublish")
def event_unpublish(slug: str):
    return _post_action(
        slug, lambda e: services.unpublish_event(current_user, e, now=utcnow()), _("The event is a draft again.")
    )


@bp.post("/events/<slug>/duplicate")
def event_duplicate(slug: str):
    return _post_action(
        slug,
        lambda e: services.duplicate_event(current_user, e, now=utcnow()),
        _("Copy made, as a draft. Change its dates before publishing it."),
        redirect_to=lambda copy: url_for("backoffice.event_edit", slug=copy.slug),
    )


@bp.route("/events/<slug>/cancel", methods=["GET", "POST"])
def event_cancel(slug: str):
    event = queries.get_managed_event(current_user, slug)
    form = CancelForm()
    if form.validate_on_submit():
        with transaction():
            notified = services.cancel_event(current_user, event, now=utcnow(), mailing=_mailing())
        flash(
            ngettext(
                "The event is cancelled. %(num)d person will receive an email.",
                "The event is cancelled. %(num)d people will receive an email.",
                notified,
            ),
            "info",
        )
        return redirect(url_for("backoffice.event", slug=slug))
    people = queries.count_attendees(current_user, event, AttendeeFilter(status="confirmed")) + queries.count_attendees(
        current_user, event, AttendeeFilter(status="waitlisted")
    )
    return render_template("backoffice/event_cancel.html", event=event, form=form, people=people), _status(form)


# ---------------------------------------------------------------- sessions


@bp.route("/events/<slug>/sessions/new", methods=["GET", "POST"])
def session_new(slug: str):
    event = queries.get_managed_event(current_user, slug)
    form = SessionForm()
    if request.method == "GET":
        form.starts_at.data, form.ends_at.data = to_local(event.starts_at), to_local(event.ends_at)
        form.languages.data = ["fr", "nl"]
    return _save(
        form,
        lambda: services.create_session(current_user, event, form.values(), now=utcnow()),
        lambda _session: (_("Session added."), url_for("backoffice.event", slug=slug)),
        "backoffice/session_form.html",
        event=event,
        session=None,
    )


@bp.route("/events/<slug>/sessions/<session_slug>/edit", methods=["GET", "POST"])
def session_edit(slug: str, session_slug: str):
    event = queries.get_managed_event(current_user, slug)
    session = queries.get_session(current_user, event, session_slug)
    form = SessionForm(obj=session) if request.method == "GET" else SessionForm()
    if request.method == "GET":
        form.starts_at.data, form.ends_at.data = to_local(session.starts_at), to_local(session.ends_at)
        form.languages.data = session.language_codes
        form.edit_token.data = services.edit_token(session)
    return _save(
        form,
        lambda: services.update_session(
            current_user,
            session,
            form.values(stored=session),
            now=utcnow(),
            mailing=_mailing(),
            expected_token=form.edit_token.data or "",
        ),
        lambda _changed: (_("Saved."), url_for("backoffice.event", slug=slug)),
        "backoffice/session_form.html",
        event=event,
        session=session,
    )


@bp.route("/events/<slug>/sessions/<session_slug>/cancel", methods=["GET", "POST"])
def session_cancel(slug: str, session_slug: str):
    event = queries.get_managed_event(current_user, slug)
    session = queries.get_session(current_user, event, session_slug)
    form = CancelSessionForm()
    status = 200
    if form.validate_on_submit():
        try:
            with transaction():
                notified = services.cancel_session(current_user, session, now=utcnow(), mailing=_mailing())
        except DomainError as error:
            refusal, status = error.message, error.status
        else:
            flash(
                ngettext(
                    "The session is cancelled. %(num)d person will receive an email.",
                    "The session is cancelled. %(num)d people will receive an email.",
                    notified,
                ),
                "info",
            )
            return redirect(url_for("backoffice.event", slug=slug))
    else:
        # Say before the click why it would be refused (the service checks again when it is sent).
        try:
            services.check_session_cancellable(session, now=utcnow())
            refusal = None
        except DomainError as error:
            refusal = error.message
        status = _status(form)
    return render_template(
        "backoffice/session_cancel.html",
        event=event,
        session=session,
        form=form,
        refusal=refusal,
        people=services.count_session_choosers(session),
    ), status


# ---------------------------------------------------------------- attendees


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


def _commune_label(code: str | None, lang: str) -> str:
    if code is None:
        return ""
    if code == OUTSIDE_BRUSSELS:
        return _("Outside Brussels")
    commune = get_commune(code)
    return commune.name(lang) if commune else code


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
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "backoffice/attendees.html",
        event=event,
        form=form,
        page=page,
        args=args,
        page_url=lambda n: url_for("backoffice.attendees", slug=slug, page=n, **args),
        export_url=url_for("backoffice.attendees_export", slug=slug) + ("?" + urlencode(args) if args else ""),
        commune_label=lambda code: _commune_label(code, current_language()),
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
            if not _apply(form, error):
                raise
        else:
            if existing:
                flash(_("This person was already registered: their email was sent again."), "info")
            elif status == RegistrationStatus.CONFIRMED:
                flash(_("Registered. The ticket is on its way by email."), "info")
            else:
                flash(_("The event is full: the person is on the waiting list and was told by email."), "info")
            return redirect(url_for("backoffice.attendees", slug=slug))
    return render_template("backoffice/attendee_form.html", event=event, form=form), _status(form)


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
    ), _status(form)


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
    ScanResult.NOT_TODAY: _l("Check-in is possible only on the day of the event."),
}


@bp.post("/events/<slug>/attendees/<registration_uuid>/check-in")
def attendee_check_in(slug: str, registration_uuid: str):
    """Mark someone as arrived by hand (a forgotten phone, a name on a list): all their seats."""
    event = queries.get_managed_event(current_user, slug)
    registration = queries.get_registration(current_user, event, registration_uuid)
    if not EmptyForm().validate_on_submit():
        flash(_("The form has expired. Please try again."), "error")
        return redirect(_back_to_attendees(slug))
    with transaction():
        result = bo_services.check_in_by_hand(
            current_user, registration, key=current_app.config["SECRET_KEY"], now=utcnow()
        )
    message = CHECK_IN_MESSAGES.get(result.status, _l("Not checked in."))
    flash(message, "info" if result.ok else "error")
    return redirect(_back_to_attendees(slug))


CSV_COLUMNS = (
    "name",
    "email",
    "status",
    "seats",
    "checked_in_people",
    "language",
    "audience",
    "commune",
    "sessions",
    "accessibility_needs",
    "registered_at",
)


def _csv_cell(value) -> str:
    """Text as it should appear in a spreadsheet; formulas are neutralised (CSV injection)."""
    text = "" if value is None else str(value)
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text


@bp.route("/events/<slug>/attendees/export", methods=["GET", "POST"])
def attendees_export(slug: str):
    """GET: how many rows the export will have, and the button. POST: the CSV, streamed."""
    event = queries.get_managed_event(current_user, slug)
    form, flt = _attendee_filter(event)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    context = dict(event=event, form=form, action_form=EmptyForm(), args=args)
    if flt is None:  # nothing is exported (or audited) until the filters are valid
        return render_template("backoffice/attendees_export.html", count=0, **context), 400
    count = queries.count_attendees(current_user, event, flt)
    if request.method == "GET" or not context["action_form"].validate_on_submit():
        return render_template("backoffice/attendees_export.html", count=count, **context)
    lang = current_language()
    with transaction():
        bo_services.record_attendee_export(current_user, event, flt, rows=count, now=utcnow())
    headings = {
        "name": _("Name"),
        "email": _("Email"),
        "status": _("Status"),
        "seats": _("Seats"),
        "checked_in_people": _("Checked in"),
        "language": _("Language"),
        "audience": _("Audience"),
        "commune": _("Commune"),
        "sessions": _("Sessions"),
        "accessibility_needs": _("Accessibility needs"),
        "registered_at": _("Registered on"),
    }
    actor = current_user._get_current_object()
    came = queries.count_people_who_came_by_registration(actor, event)

    def generate():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        buffer.write("\ufeff")  # BOM: Excel then reads the file as UTF-8 (accents in names)
        writer.writerow([headings[c] for c in CSV_COLUMNS])
        for n, registration in enumerate(queries.iter_attendees(actor, event, flt), start=1):
            writer.writerow(
                _csv_cell(v)
                for v in (
                    registration.name,
                    registration.email,
                    STATUS_LABELS[registration.status],
                    registration.seats,
                    came.get(registration.id, 0),
                    registration.language,
                    AUDIENCE_LABELS[registration.audience] if registration.audience else "",
                    _commune_label(registration.commune, lang),
                    " | ".join(localized(s, "title", lang).text for s in registration.sessions),
                    registration.accessibility_needs,
                    format_datetime(registration.created_at, "yyyy-MM-dd HH:mm"),
                )
            )
            if n % 200 == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    filename = f"{event.slug}-attendees-{utcnow():%Y%m%d-%H%M}.csv"
    return Response(
        stream_with_context(generate()),
        mimetype="text/csv",
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


# ---------------------------------------------------------------- messages


@bp.get("/events/<slug>/messages")
def messages(slug: str):
    event = queries.get_managed_event(current_user, slug)
    return render_template("backoffice/messages.html", event=event, messages=queries.list_messages(current_user, event))


@bp.route("/events/<slug>/messages/new", methods=["GET", "POST"])
def message_new(slug: str):
    event = queries.get_managed_event(current_user, slug)
    form = MessageForm()
    if request.method == "GET":
        form.message_id.data = secrets.token_hex(16)
    preview = None
    if form.validate_on_submit():
        subjects = {lang: form[f"subject_{lang}"].data or "" for lang in LANGUAGES}
        bodies = {lang: form[f"body_{lang}"].data or "" for lang in LANGUAGES}
        if request.form.get("action") == "send":
            try:
                with transaction():
                    sent = services.message_attendees(
                        current_user,
                        event,
                        message_id=form.message_id.data,
                        subjects=subjects,
                        bodies=bodies,
                        confirmed=form.confirmed.data,
                        waitlisted=form.waitlisted.data,
                        now=utcnow(),
                        mailing=_mailing(),
                    )
            except DomainError as error:
                if error.code != "message_already_sent" and not _apply(form, error):
                    raise
                flash(error.message, "error")
                return redirect(url_for("backoffice.messages", slug=slug))
            flash(
                ngettext(
                    "The message is on its way to %(num)d person.", "The message is on its way to %(num)d people.", sent
                ),
                "info",
            )
            return redirect(url_for("backoffice.messages", slug=slug))
        holder = type(
            "Texts", (), {f"s_{k}": v for k, v in subjects.items()} | {f"b_{k}": v for k, v in bodies.items()}
        )
        statuses = [s for s, on in (("confirmed", form.confirmed.data), ("waitlisted", form.waitlisted.data)) if on]
        recipients = sum(queries.count_attendees(current_user, event, AttendeeFilter(status=s)) for s in statuses)
        preview = {
            "recipients": recipients,
            "languages": [(lang, localized(holder, "s", lang), localized(holder, "b", lang)) for lang in LANGUAGES],
        }
    return render_template("backoffice/message_form.html", event=event, form=form, preview=preview), _status(form)


# ---------------------------------------------------------------- dashboards


def _chart_rows(rows):
    return [(label, value) for _key, label, value in rows]


@bp.get("/events/<slug>/dashboard")
def event_dashboard(slug: str):
    event = queries.get_managed_event(current_user, slug)
    lang = current_language()
    figures = queries.event_figures(current_user, event, lang, now=utcnow())
    timeline = [(format_date(day, "short"), value) for day, value in figures.by_day]
    seats_rows = [
        (_("Seats taken"), figures.seats_taken),
        (_("Seats left"), max(figures.capacity - figures.seats_taken, 0)),
        (_("Waiting list"), figures.seats_waiting),
        (_("Checked in"), figures.checked_in_people),
    ]
    charts = {
        "timeline": line_chart("chart-timeline", _("Registrations over time (running total)"), timeline),
        "seats": bar_chart("chart-seats", _("Seats"), seats_rows, maximum=figures.capacity),
        "communes": bar_chart("chart-communes", _("People by commune"), _chart_rows(figures.by_commune)),
        "audiences": bar_chart("chart-audiences", _("People by audience"), _chart_rows(figures.by_audience)),
    }
    arrivals = [(format_time(slot, "HH:mm"), people) for slot, people in figures.arrivals]
    if arrivals:
        charts["arrivals"] = bar_chart("chart-arrivals", _("Arrivals per quarter hour"), arrivals)
    return render_template(
        "backoffice/event_dashboard.html",
        arrivals=arrivals,
        event=event,
        figures=figures,
        charts=charts,
        timeline=timeline,
        seats_rows=seats_rows,
        commune_rows=_chart_rows(figures.by_commune),
        audience_rows=_chart_rows(figures.by_audience),
    )


@bp.get("/events/<slug>/dashboard.json")
def event_dashboard_json(slug: str):
    event = queries.get_managed_event(current_user, slug)
    figures = queries.event_figures(current_user, event, current_language(), now=utcnow(), with_timeline=False)
    response = jsonify(figures=figures.live(), updated=format_time(utcnow(), "medium"))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/dashboard")
def series_dashboard():
    lang = current_language()
    totals, rows = queries.series_figures(current_user, lang)
    timeline = [(format_date(day, "short"), value) for day, value in totals.by_day]
    charts = {
        "timeline": line_chart("chart-timeline", _("Registrations over time (running total)"), timeline),
        "events": bar_chart(
            "chart-events",
            _("Seats taken per event"),
            [(localized(e, "title", lang).text, f.seats_taken) for e, f in rows],
        ),
        "communes": bar_chart("chart-communes", _("People by commune"), _chart_rows(totals.by_commune)),
        "audiences": bar_chart("chart-audiences", _("People by audience"), _chart_rows(totals.by_audience)),
    }
    return render_template(
        "backoffice/series_dashboard.html",
        totals=totals,
        rows=rows,
        charts=charts,
        timeline=timeline,
        commune_rows=_chart_rows(totals.by_commune),
        audience_rows=_chart_rows(totals.by_audience),
    )


# ---------------------------------------------------------------- venues and themes


@bp.get("/venues")
def venues():
    return render_template("backoffice/venues.html", venues=queries.list_venues(current_user))


def _venue_form(form: VenueForm) -> VenueForm:
    lang = current_language()
    form.commune_nis.choices = [(c.nis_code, c.name(lang)) for c in list_communes()]
    return form


@bp.route("/venues/new", methods=["GET", "POST"])
def venue_new():
    queries.require_admin(current_user)
    form = _venue_form(VenueForm())
    return _save(
        form,
        lambda: services.create_venue(current_user, form.values(), now=utcnow()),
        lambda _venue: (_("Saved."), url_for("backoffice.venues")),
        "backoffice/venue_form.html",
        venue=None,
    )


@bp.route("/venues/<venue_slug>/edit", methods=["GET", "POST"])
def venue_edit(venue_slug: str):
    venue = queries.get_venue(current_user, venue_slug)
    form = _venue_form(VenueForm(obj=venue) if request.method == "GET" else VenueForm())
    return _save(
        form,
        lambda: services.update_venue(current_user, venue, form.values(), now=utcnow(), mailing=_mailing()),
        lambda _changed: (_("Saved."), url_for("backoffice.venues")),
        "backoffice/venue_form.html",
        venue=venue,
    )


@bp.get("/themes")
def themes():
    queries.require_admin(current_user)
    return render_template("backoffice/themes.html", themes=queries.list_themes(current_user))


@bp.route("/themes/new", methods=["GET", "POST"])
def theme_new():
    queries.require_admin(current_user)
    form = ThemeForm()
    return _save(
        form,
        lambda: services.create_theme(current_user, form.values(), now=utcnow()),
        lambda _theme: (_("Saved."), url_for("backoffice.themes")),
        "backoffice/theme_form.html",
        theme=None,
    )


@bp.route("/themes/<theme_slug>/edit", methods=["GET", "POST"])
def theme_edit(theme_slug: str):
    theme = queries.get_theme(current_user, theme_slug)
    form = ThemeForm(obj=theme) if request.method == "GET" else ThemeForm()
    return _save(
        form,
        lambda: services.update_theme(current_user, theme, form.values(), now=utcnow()),
        lambda _changed: (_("Saved."), url_for("backoffice.themes")),
        "backoffice/theme_form.html",
        theme=theme,
    )


# ---------------------------------------------------------------- accounts


@bp.get("/users")
def users():
    return render_template(
        "backoffice/users.html", accounts=queries.list_accounts(current_user), now=utcnow(), action_form=EmptyForm()
    )


@bp.route("/users/new", methods=["GET", "POST"])
def user_new():
    queries.require_admin(current_user)
    form = InviteForm().setup(queries.list_managed_events(current_user), current_language())
    return _save(
        form,
        lambda: account_services.invite_user(
            current_user,
            form.email.data,
            role=Role(form.role.data),
            event_ids=form.events.data or [],
            language=form.language.data,
            now=utcnow(),
            base_url=current_app.config["PUBLIC_BASE_URL"],
        ),
        lambda user: (
            _("Account created: %(email)s received a link to choose a password.", email=user.email),
            url_for("backoffice.users"),
        ),
        "backoffice/user_form.html",
    )


@bp.route("/users/<int:user_id>/events", methods=["GET", "POST"])
def user_events(user_id: int):
    """Which events an organiser manages: one joins the team of an event, another leaves it."""
    user = queries.get_account(current_user, user_id)
    form = AssignmentsForm().setup(queries.list_managed_events(current_user), current_language())
    if request.method == "GET":
        form.events.data = [event.id for event in queries.list_assigned_events(current_user, user)]
    return _save(
        form,
        lambda: account_services.set_assignments(current_user, user, form.events.data or [], now=utcnow()),
        lambda changed: (_("Saved.") if changed else _("Nothing changed."), url_for("backoffice.users")),
        "backoffice/user_events.html",
        user=user,
    )


@bp.post("/users/<int:user_id>/deactivate")
def user_deactivate(user_id: int):
    """Someone leaves the team: their account stops working at once."""
    return _set_active(user_id, active=False)


@bp.post("/users/<int:user_id>/reactivate")
def user_reactivate(user_id: int):
    return _set_active(user_id, active=True)


def _set_active(user_id: int, *, active: bool):
    user = queries.get_account(current_user, user_id)
    if not EmptyForm().validate_on_submit():
        flash(_("The form has expired. Please try again."), "error")
        return redirect(url_for("backoffice.users"))
    try:
        with transaction():
            account_services.set_active(current_user, user, active, now=utcnow())
    except DomainError as error:
        flash(error.message, "error")
    else:
        if active:
            flash(_("%(email)s can log in again.", email=user.email), "info")
        else:
            flash(_("%(email)s can no longer log in.", email=user.email), "info")
    return redirect(url_for("backoffice.users"))


# ---------------------------------------------------------------- audit


@bp.get("/audit")
def audit():
    page = queries.list_audit(current_user, page=request.args.get("page", 1, type=int) or 1)
    return render_template(
        "backoffice/audit.html",
        page=page,
        page_url=lambda n: url_for("backoffice.audit", page=n),
        attendees=queries.name_attendees(current_user, page.items),
    )
