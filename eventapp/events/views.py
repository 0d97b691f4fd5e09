"""Public catalogue and event pages."""

import hashlib

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import generate_csrf
from werkzeug.http import is_resource_modified

from eventapp.core.cache import BuildCache
from eventapp.core.i18n import current_language, localized
from eventapp.core.time import utcnow
from eventapp.events import images
from eventapp.events.facilities import parse_facilities
from eventapp.events.forms import CatalogueFilterForm
from eventapp.events.jsonld import catalogue_jsonld, event_jsonld, script_data
from eventapp.events.queries import (
    CatalogueFilter,
    catalogue_state,
    get_event_page_state,
    get_public_event,
    list_public_events,
    list_themes,
)
from eventapp.events.uitdatabank import event_to_uitdatabank

bp = Blueprint("events", __name__)


# Rendered public pages by fingerprint: the catalogue and event pages are the busiest after an announcement.
page_cache: BuildCache[str] = BuildCache(max_entries=128)


@bp.get("/")
def catalogue():
    """The catalogue, answered 304 or from the page cache while nothing it shows has changed."""
    now = utcnow()
    if session.get("_flashes"):  # a one-off message: render for this visitor only
        return _render_catalogue(now)
    # The minute bucket lets events drop out of the list as they end.
    fingerprint = f"{current_language()}|{request.full_path}|{catalogue_state()}|{now:%Y%m%d%H%M}"
    etag = hashlib.sha256(fingerprint.encode()).hexdigest()[:32]
    if not is_resource_modified(request.environ, etag=etag):
        response = Response(status=304)
    else:
        response = Response(page_cache.get_or_build(etag, lambda: _render_catalogue(now)), mimetype="text/html")
    response.set_etag(etag)
    response.cache_control.no_cache = True  # revalidate each time (cheap: 304)
    return response


def _render_catalogue(now):
    lang = current_language()
    themes = list_themes()
    form = CatalogueFilterForm(request.args)
    form.theme.choices = [("", _l("All themes"))] + [(t.slug, localized(t, "name", lang).text) for t in themes]
    flt = CatalogueFilter()
    if form.validate():
        flt = CatalogueFilter(theme=form.theme.data or None, date_from=form.date_from.data, date_to=form.date_to.data)
    page = request.args.get("page", 1, type=int) or 1
    events = list_public_events(flt, now=now, page=page)
    return render_template("events/catalogue.html", form=form, events=events, now=now)


def _absolute(path: str) -> str:
    # From PUBLIC_BASE_URL, never from the request's Host: the cached page is served to everyone.
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def absolute_event_url(slug: str) -> str:
    return _absolute(url_for("events.event_page", slug=slug))


def uitdatabank_document(event, now) -> dict:
    """The event's UiTdatabank export (the API's and the back-office's). Raises InvalidState (no place id)."""
    return event_to_uitdatabank(
        event, event_url=absolute_event_url(event.slug), uitdatabank_url=current_app.config["UITDATABANK_URL"], now=now
    )


@bp.app_template_global()
def event_jsonld_script(event, now):
    """The event page's schema.org Event, ready for its `application/ld+json` block."""
    document = event_jsonld(
        event,
        language=current_language(),
        url_for_event=absolute_event_url,
        organizer_url=current_app.config["JSONLD_ORGANIZER_URL"],
        now=now,
        image_urls=[_absolute(url_for("events.image", name=v.name)) for v in images.versions(event.image_key)]
        if event.image_key
        else (),
    )
    return script_data(document)


@bp.app_template_global()
def catalogue_jsonld_script(page):
    """The catalogue page's schema.org ItemList of the events it lists."""
    first = (page.page - 1) * page.per_page + 1
    return script_data(catalogue_jsonld(page.items, url_for_event=absolute_event_url, first_position=first))


@bp.app_template_global()
def event_facilities(event):
    """The accessibility facilities the event offers, for its page."""
    return parse_facilities(event.facilities)


@bp.app_template_global()
def event_image(event):
    """The event's image for an `<img>`: its versions' URLs, the largest's size and the alternative
    text in the page's language (with the language it is in); None without an image."""
    if not event.image_key:
        return None
    versions = images.versions(event.image_key)
    largest = versions[-1]
    urls = [(url_for("events.image", name=v.name), v.width) for v in versions]
    return {
        "src": urls[0][0],
        "srcset": ", ".join(f"{url} {width}w" for url, width in urls),
        "width": largest.width,
        "height": largest.height,
        "alt": localized(event, "image_alt", current_language()),
    }


@bp.get("/media/events/<name>")
def image(name: str):
    """A stored version of an event image. Its name is its content's digest: cached for a year."""
    if not images.is_version_name(name):
        abort(404)
    return send_from_directory(current_app.config["EVENT_IMAGES_DIR"], name, max_age=365 * 24 * 3600)


# The per-visitor part of an event page (the registration form's CSRF token) is rendered as this
# placeholder into the cached page and substituted on every request.
CSRF_PLACEHOLDER = "__csrf_token_placeholder__"


@bp.get("/events/<slug>")
def event_page(slug: str):
    """The event page, rendered once per state of the event and language, then served from cache.

    A hit costs one query (the page's fingerprint); the event itself is loaded only to render.
    """
    now = utcnow()
    if session.get("_flashes"):
        return render_template("events/event.html", event=get_public_event(slug), now=now)
    # The minute bucket lets the registration panel close and open on time.
    fingerprint = f"{current_language()}|{request.full_path}|{get_event_page_state(slug)}|{now:%Y%m%d%H%M}"
    key = hashlib.sha256(fingerprint.encode()).hexdigest()

    def render() -> str:
        event = get_public_event(slug)
        g.csrf_token = CSRF_PLACEHOLDER  # Flask-WTF's generate_csrf() returns g.csrf_token when set
        try:
            return render_template("events/event.html", event=event, now=now)
        finally:
            del g.csrf_token

    body = page_cache.get_or_build(key, render)
    return Response(body.replace(CSRF_PLACEHOLDER, generate_csrf()), mimetype="text/html")
