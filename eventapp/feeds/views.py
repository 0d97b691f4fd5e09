"""Calendar downloads and feeds, the feeds page and the personal-feed buttons of the manage page.

Every .ics answer carries a strong ETag and Last-Modified computed from a cheap aggregate of the
data (queries.*_state); a client that already holds that version gets a 304 before any event is
loaded or any iCalendar text is built.
"""

import hashlib
from collections.abc import Callable
from datetime import datetime

from flask import Blueprint, Response, current_app, request
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.http import is_resource_modified

from eventapp.core.i18n import FORMAT_LOCALES, LANGUAGES, localized
from eventapp.core.time import utcnow
from eventapp.events import ical
from eventapp.events.queries import get_public_event
from eventapp.feeds import queries
from eventapp.feeds.cache import feed_cache

bp = Blueprint("feeds", __name__)

# Calendar clients poll every few hours (REFRESH-INTERVAL); shared caches may hold a feed briefly.
MAX_AGE = 900


def base_url() -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/")


def feed_language(default: str = "fr") -> str:
    lang = request.args.get("lang")
    return lang if lang in LANGUAGES else default


def _calendar_response(
    key: str,
    last_modified: datetime,
    build: Callable[[], bytes],
    *,
    private: bool = False,
    cache: bool = True,
    filename: str | None = None,
) -> Response:
    etag = hashlib.sha256(f"{ical.FORMAT_VERSION}|{base_url()}|{key}".encode()).hexdigest()[:40]
    if is_resource_modified(request.environ, etag=etag, last_modified=last_modified):
        body = feed_cache.get_or_build(etag, build) if cache else build()
        response = Response(body, content_type="text/calendar; charset=utf-8")
    else:
        response = Response(status=304)
    response.set_etag(etag)
    response.last_modified = last_modified
    response.cache_control.max_age = MAX_AGE
    if private:
        response.cache_control.private = True
        response.headers["X-Robots-Tag"] = "noindex"
    else:
        response.cache_control.public = True
    if filename and response.status_code == 200:
        response.headers.set("Content-Disposition", "attachment", filename=filename)
    return response


@bp.get("/events/<slug>.ics")
def event_ics(slug: str):
    """One event as a file to import (Content-Disposition: attachment)."""
    event = get_public_event(slug)
    lang = feed_language()
    state = queries.event_state(event)
    return _calendar_response(
        f"event|{event.uuid}|{lang}|{state.key()}",
        state.last_modified,
        lambda: ical.event_calendar(event, lang=lang, base_url=base_url()),
        filename=f"{event.slug}.ics",
    )


def _public_feed(theme=None):
    lang = feed_language()
    window = queries.feed_window(utcnow())
    state = queries.public_feed_state(window, theme)
    last_modified = max(filter(None, (state.last_modified, window.day)))
    path = ical.theme_feed_path(theme.slug) if theme else ical.ALL_FEED_PATH

    def build() -> bytes:
        with force_locale(FORMAT_LOCALES[lang]):
            if theme:
                theme_name = localized(theme, "name", lang).text
                name = _("Smart City Events · %(theme)s", theme=theme_name)
                description = _("Smart City Events of the Brussels Region on the theme %(theme)s.", theme=theme_name)
                page = f"{base_url()}/?theme={theme.slug}&lang={lang}"
            else:
                name = _("Smart City Events")
                description = _("All Smart City Events of the Brussels Region.")
                page = f"{base_url()}/feeds?lang={lang}"
        return ical.feed_calendar(
            queries.list_public_feed_events(window, theme),
            name=name,
            lang=lang,
            base_url=base_url(),
            description=description,
            page_url=page,
            source_url=f"{base_url()}{path}?lang={lang}",
            transparent=True,
        )

    key = f"{path}|{lang}|{window.start.date()}|{state.key()}"
    return _calendar_response(key, last_modified, build)


@bp.get(ical.ALL_FEED_PATH)
def all_feed():
    """Every published event of the window, and the recently cancelled ones."""
    return _public_feed()


@bp.get("/feeds/themes/<slug>.ics")
def theme_feed(slug: str):
    return _public_feed(queries.get_feed_theme(slug))
