"""The sessions of an event: adding, editing and cancelling one."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from eventapp.backoffice import queries
from eventapp.backoffice.forms import CancelSessionForm, SessionForm, to_local
from eventapp.backoffice.views import bp
from eventapp.backoffice.views.pages import form_status, mailing, save
from eventapp.core.db import transaction
from eventapp.core.errors import DomainError
from eventapp.core.time import utcnow
from eventapp.events import session_changes
from eventapp.events.editing import edit_token
from eventapp.registration import notices


@bp.route("/events/<slug>/sessions/new", methods=["GET", "POST"])
def session_new(slug: str):
    event = queries.get_managed_event(current_user, slug)
    form = SessionForm()
    if request.method == "GET":
        form.starts_at.data, form.ends_at.data = to_local(event.starts_at), to_local(event.ends_at)
        form.languages.data = ["fr", "nl"]
    return save(
        form,
        lambda: session_changes.create_session(current_user, event, form.values(), now=utcnow()),
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
        form.edit_token.data = edit_token(session)
    return save(
        form,
        lambda: session_changes.update_session(
            current_user,
            session,
            form.values(stored=session),
            now=utcnow(),
            mailing=mailing(),
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
                notified = session_changes.cancel_session(current_user, session, now=utcnow(), mailing=mailing())
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
            session_changes.check_session_cancellable(session, now=utcnow())
            refusal = None
        except DomainError as error:
            refusal = error.message
        status = form_status(form)
    return render_template(
        "backoffice/session_cancel.html",
        event=event,
        session=session,
        form=form,
        refusal=refusal,
        people=notices.count_session_choosers(session),
    ), status
