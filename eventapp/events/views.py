"""Public catalogue and event pages."""

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l

from eventapp.core.i18n import current_language, localized
from eventapp.core.time import utcnow
from eventapp.events.forms import CatalogueFilterForm
from eventapp.events.queries import CatalogueFilter, get_public_event, list_public_events, list_themes

bp = Blueprint("events", __name__)


@bp.get("/")
def catalogue():
    lang = current_language()
    themes = list_themes()
    form = CatalogueFilterForm(request.args)
    form.theme.choices = [("", _l("All themes"))] + [(t.slug, localized(t, "name", lang).text) for t in themes]
    flt = CatalogueFilter()
    if form.validate():
        flt = CatalogueFilter(theme=form.theme.data or None, date_from=form.date_from.data, date_to=form.date_to.data)
    page = request.args.get("page", 1, type=int) or 1
    events = list_public_events(flt, now=utcnow(), page=page)
    return render_template("events/catalogue.html", form=form, events=events, now=utcnow())


@bp.get("/events/<slug>")
def event_page(slug: str):
    event = get_public_event(slug)
    return render_template("events/event.html", event=event, now=utcnow())
