"""Calendar downloads and feeds, the feeds page and the personal-feed buttons of the manage page.

Every .ics answer carries a strong ETag and Last-Modified computed from a cheap aggregate of the
data (queries.*_state); a client that already holds that version gets a 304 before any event is
loaded or any iCalendar text is built.
"""

import hashlib
from collections.abc import Callable
from datetime import datetime

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.http import is_resource_modified
from werkzeug.wrappers import Response as WerkzeugResponse

from eventapp.core.cache import BuildCache, TTLCache
from eventapp.core.db import transaction
from eventapp.core.i18n import FORMAT_LOCALES, LANGUAGES, current_language, localized
from eventapp.core.time import utcnow
from eventapp.core.web import local_path
from eventapp.events import ical
from eventapp.events.models import Event, Theme
from eventapp.events.queries import get_public_event, list_themes
from eventapp.feeds import queries, services
from eventapp.feeds.links import AddEventLinks, SubscribeLinks, add_event_links, subscribe_links
from eventapp.registration.models import Registration
from eventapp.registration.queries import get_registration_by_manage_token
from eventapp.registration.tokens import feed_token

bp = Blueprint("feeds", __name__)
feed_cache: BuildCache[bytes] = BuildCache()
# The public feeds' fingerprints, reused for FEED_STATE_TTL seconds: calendar clients and caches
# poll them far more often than events change, and may already hold a feed for MAX_AGE anyway.
feed_states: TTLCache[queries.FeedState] = TTLCache()
# Theme feeds' themes by slug, for as long: the lookup was most of what a 304 still cost. Staleness
# bound: for FEED_STATE_TTL seconds after a theme is renamed, its feed may keep the old name (the
# name is part of the ETag, so clients get the new one as soon as it is read again); nothing else
# of the theme is shown, and events reach the feed through their own fingerprint above.
feed_themes: TTLCache[queries.FeedTheme] = TTLCache()

# Calendar clients poll every few hours (REFRESH-INTERVAL); shared caches may hold a feed briefly.
MAX_AGE = 900
PUBLIC_CACHE_CONTROL = f"public, max-age={MAX_AGE}"
PRIVATE_CACHE_CONTROL = f"private, max-age={MAX_AGE}"


def base_url() -> str:
    url: str = current_app.config["PUBLIC_BASE_URL"]
    return url.rstrip("/")


def feed_language(default: str = "fr") -> str:
    lang = request.args.get("lang") if request.query_string else None
    return lang if lang in LANGUAGES else default


def _calendar_response(
    key: str,
    last_modified: datetime | None,
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
    # Written out rather than through response.cache_control, which parses and re-serialises the
    # header on each attribute set (a tenth of what a 304 costs).
    if private:
        response.headers["Cache-Control"] = PRIVATE_CACHE_CONTROL
        response.headers["X-Robots-Tag"] = "noindex"
    else:
        response.headers["Cache-Control"] = PUBLIC_CACHE_CONTROL
    if filename and response.status_code == 200:
        response.headers.set("Content-Disposition", "attachment", filename=filename)
    return response


@bp.get("/feeds")
def index() -> str:
    """The public feeds (all events, each theme) with their subscription links."""
    return render_template("feeds/index.html", themes=list_themes())


@bp.app_template_global()
def feed_links(theme: Theme | None = None) -> SubscribeLinks:
    """Subscription links of the all-events feed, or of a theme's feed, in the page's language."""
    lang = current_language()
    with force_locale(FORMAT_LOCALES[lang]):
        if theme is None:
            return subscribe_links(base_url(), ical.ALL_FEED_PATH, lang=lang, name=_("Smart City Events"))
        name = _("Smart City Events · %(theme)s", theme=localized(theme, "name", lang).text)
        return subscribe_links(base_url(), ical.theme_feed_path(theme.slug), lang=lang, name=name)


@bp.app_template_global()
def event_calendar_links(event: Event) -> AddEventLinks:
    """Download and add-to-Google/Outlook links of one event, in the page's language."""
    return add_event_links(event, base_url=base_url(), lang=current_language())


@bp.get("/events/<slug>.ics")
def event_ics(slug: str) -> Response:
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


def _public_feed(theme: queries.FeedTheme | None = None) -> Response:
    lang = feed_language()
    window = queries.feed_window(utcnow())
    state = feed_states.get_or_compute(
        f"{theme.id if theme else '-'}|{window.start.isoformat()}",
        current_app.config.get("FEED_STATE_TTL", 0),
        lambda: queries.public_feed_state(window, theme),
    )
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

    names = f"{theme.name_fr}|{theme.name_nl}|{theme.name_en}" if theme else ""
    key = f"{path}|{lang}|{window.start.date()}|{state.key()}|{names}"
    return _calendar_response(key, last_modified, build)


@bp.get(ical.ALL_FEED_PATH)
def all_feed() -> Response:
    """Every published event of the window, and the recently cancelled ones."""
    return _public_feed()


@bp.get("/feeds/themes/<slug>.ics")
def theme_feed(slug: str) -> Response:
    ttl = current_app.config.get("FEED_STATE_TTL", 0)
    return _public_feed(feed_themes.get_or_compute(slug, ttl, lambda: queries.get_feed_theme(slug)))


# --- Personal feeds ---------------------------------------------------------------------------------


@bp.get("/feeds/me/<token>.ics")
def personal_feed(token: str) -> Response:
    """One registration's event and chosen sessions, for the holder of its feed link.

    Scope: the registration the token was made for, not every registration with the same email
    address. Registering needs no proof of owning an address, so a feed spanning "all registrations
    of this email" would let anyone who registers under someone else's address read that person's
    agenda. No personal data is in the feed (no ATTENDEE, name, email or manage link).
    """
    registration = queries.get_registration_by_feed_token(token)
    lang = feed_language(default=registration.language if registration.language in LANGUAGES else "fr")
    key, last_modified = queries.personal_feed_key(registration)
    event = registration.event

    def build() -> bytes:
        with force_locale(FORMAT_LOCALES[lang]):
            name = _("My registration · %(title)s", title=localized(event, "title", lang).text)
        return ical.feed_calendar(
            queries.personal_feed_events(registration),
            name=name,
            lang=lang,
            base_url=base_url(),
            page_url=f"{base_url()}/events/{event.slug}?lang={lang}",
            sessions={event.id: queries.personal_feed_sessions(registration)},
        )

    return _calendar_response(f"me|{lang}|{key}", last_modified, build, private=True, cache=False)


def personal_feed_links(registration: Registration) -> SubscribeLinks | None:
    """The subscription links of a registration's personal feed, or None when it has none."""
    if not registration.feed_seed:
        return None
    token = feed_token(current_app.config["SECRET_KEY"], registration.feed_seed)
    lang = current_language()
    name = _("My registration · %(title)s", title=localized(registration.event, "title", lang).text)
    return subscribe_links(base_url(), ical.personal_feed_path(token), lang=lang, name=name)


bp.add_app_template_global(personal_feed_links)


def _back(manage_token: str) -> WerkzeugResponse:
    """Back to where the buttons were (the manage page), or to the feed page: local paths only."""
    default = url_for("feeds.manage_feed", manage_token=manage_token)
    target = local_path(request.form.get("next"), default, under=f"/manage/{manage_token}")
    return redirect(target + "#calendar-feed", code=303)


@bp.get("/manage/<manage_token>/feed")
def manage_feed(manage_token: str) -> str:
    registration = get_registration_by_manage_token(manage_token)
    return render_template("feeds/manage_feed.html", registration=registration, manage_token=manage_token)


@bp.post("/manage/<manage_token>/feed")
def enable_feed(manage_token: str) -> WerkzeugResponse:
    with transaction():
        registration = get_registration_by_manage_token(manage_token)
        services.enable_personal_feed(registration, secret_key=current_app.config["SECRET_KEY"], now=utcnow())
    flash(_("Your calendar link is ready."), "success")
    return _back(manage_token)


@bp.post("/manage/<manage_token>/feed/revoke")
def renew_feed(manage_token: str) -> WerkzeugResponse:
    with transaction():
        registration = get_registration_by_manage_token(manage_token)
        services.renew_personal_feed(registration, secret_key=current_app.config["SECRET_KEY"], now=utcnow())
    flash(_("You have a new calendar link. The previous one no longer works."), "success")
    return _back(manage_token)


@bp.post("/manage/<manage_token>/feed/delete")
def disable_feed(manage_token: str) -> WerkzeugResponse:
    with transaction():
        registration = get_registration_by_manage_token(manage_token)
        services.disable_personal_feed(registration, now=utcnow())
    flash(_("Your calendar link is turned off."), "success")
    return _back(manage_token)
