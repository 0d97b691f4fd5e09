"""Events: the list, creating and editing an event, publishing, duplicating and cancelling it; its UiTdatabank
export."""

import json

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from eventapp.accounts.forms import EmptyForm
from eventapp.backoffice import queries
from eventapp.backoffice.forms import CancelForm, EventForm, to_local
from eventapp.backoffice.queries import AttendeeFilter
from eventapp.backoffice.views import bp
from eventapp.backoffice.views.pages import form_status, mailing, save
from eventapp.core.db import transaction
from eventapp.core.errors import DomainError
from eventapp.core.i18n import current_language, localized
from eventapp.core.time import utcnow
from eventapp.events import event_changes
from eventapp.events.editing import edit_token
from eventapp.events.views import uitdatabank_document


@bp.get("/")
def index():
    events = queries.list_managed_events(current_user)
    return render_template("backoffice/index.html", events=events, action_form=EmptyForm())


def _event_form(form: EventForm) -> EventForm:
    lang = current_language()
    form.theme_id.choices = [(t.id, localized(t, "name", lang).text) for t in queries.list_themes(current_user)]
    form.venue_id.choices = [(v.id, v.name) for v in queries.list_venue_choices(current_user)]
    return form


def _allow_image_upload() -> None:
    """The event form carries an image: it may exceed the app's 1 MB limit on request bodies."""
    request.max_content_length = current_app.config["EVENT_IMAGE_MAX_BYTES"]


@bp.route("/events/new", methods=["GET", "POST"])
def event_new():
    queries.require_admin(current_user)
    _allow_image_upload()
    form = _event_form(EventForm())
    return save(
        form,
        lambda: event_changes.create_event(
            current_user, form.values(image_dir=current_app.config["EVENT_IMAGES_DIR"]), now=utcnow()
        ),
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
    _allow_image_upload()
    form = EventForm(obj=event) if request.method == "GET" else EventForm(stored_image_key=event.image_key)
    if request.method == "GET":
        for name in ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at"):
            form[name].data = to_local(getattr(event, name))
        form.edit_token.data = edit_token(event)
    _event_form(form)
    return save(
        form,
        lambda: event_changes.update_event(
            current_user,
            event,
            form.values(stored=event, image_dir=current_app.config["EVENT_IMAGES_DIR"]),
            now=utcnow(),
            mailing=mailing(),
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
        slug, lambda e: event_changes.publish_event(current_user, e, now=utcnow()), _("The event is published.")
    )


@bp.post("/events/<slug>/unpublish")
def event_unpublish(slug: str):
    return _post_action(
        slug, lambda e: event_changes.unpublish_event(current_user, e, now=utcnow()), _("The event is a draft again.")
    )


@bp.post("/events/<slug>/duplicate")
def event_duplicate(slug: str):
    return _post_action(
        slug,
        lambda e: event_changes.duplicate_event(current_user, e, now=utcnow()),
        _("Copy made, as a draft. Change its dates before publishing it."),
        redirect_to=lambda copy: url_for("backoffice.event_edit", slug=copy.slug),
    )


@bp.route("/events/<slug>/cancel", methods=["GET", "POST"])
def event_cancel(slug: str):
    event = queries.get_managed_event(current_user, slug)
    form = CancelForm()
    if form.validate_on_submit():
        with transaction():
            notified = event_changes.cancel_event(current_user, event, now=utcnow(), mailing=mailing())
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
    return render_template("backoffice/event_cancel.html", event=event, form=form, people=people), form_status(form)


@bp.get("/events/<slug>/uitdatabank")
def event_uitdatabank(slug: str):
    """The event's UiTdatabank export, to read and copy (drafts too: to check it before publishing)."""
    event = queries.get_managed_event(current_user, slug)
    document, problem = None, None
    try:
        document = json.dumps(uitdatabank_document(event, utcnow()), ensure_ascii=False, indent=2)
    except DomainError as error:
        problem = error.message
    return render_template("backoffice/events/uitdatabank.html", event=event, document=document, problem=problem)
