"""Messages to the attendees of an event: the list sent, and writing one (preview, then send)."""

import secrets

from flask import flash, redirect, render_template, request, url_for
from flask_babel import ngettext
from flask_login import current_user

from eventapp.backoffice import queries
from eventapp.backoffice.forms import MessageForm
from eventapp.backoffice.queries import AttendeeFilter
from eventapp.backoffice.views import bp
from eventapp.backoffice.views.pages import form_status, mailing
from eventapp.core.db import transaction
from eventapp.core.errors import DomainError
from eventapp.core.i18n import LANGUAGES, localized
from eventapp.core.time import utcnow
from eventapp.core.web import show_domain_error
from eventapp.registration import notices


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
                    sent = notices.message_attendees(
                        current_user,
                        event,
                        message_id=form.message_id.data,
                        subjects=subjects,
                        bodies=bodies,
                        confirmed=form.confirmed.data,
                        waitlisted=form.waitlisted.data,
                        now=utcnow(),
                        mailing=mailing(),
                    )
            except DomainError as error:
                if error.code != "message_already_sent" and not show_domain_error(form, error):
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
    return render_template("backoffice/message_form.html", event=event, form=form, preview=preview), form_status(form)
