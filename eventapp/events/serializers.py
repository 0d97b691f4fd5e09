"""JSON shapes of events for the open-data API (shared by the API and the feeds' links)."""

from flask import current_app

from eventapp.core.i18n import LANGUAGES
from eventapp.core.time import brussels
from eventapp.events.facilities import parse_facilities
from eventapp.events.ical import ALL_FEED_PATH, event_ics_path, theme_feed_path
from eventapp.events.models import Event, Session


def _texts(obj: object, field: str) -> dict[str, str | None]:
    return {lang: getattr(obj, f"{field}_{lang}") or None for lang in ("fr", "nl", "en")}


def _iso(dt) -> str:
    return brussels(dt).isoformat()


def session_to_json(session: Session) -> dict:
    return {
        "slug": session.slug,
        "uuid": str(session.uuid),
        "kind": session.kind.value,
        "title": _texts(session, "title"),
        "start": _iso(session.starts_at),
        "end": _iso(session.ends_at),
        "room": session.room,
        "languages": session.language_codes,
        "capacity": session.capacity,
        "seats_left": session.seats_left,
    }


def event_to_json(event: Event, *, detail: bool = False) -> dict:
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    venue = event.venue
    data = {
        "slug": event.slug,
        "uuid": str(event.uuid),
        "url": f"{base}/events/{event.slug}",
        "title": _texts(event, "title"),
        "summary": _texts(event, "summary"),
        "start": _iso(event.starts_at),
        "end": _iso(event.ends_at),
        "status": event.status.value,
        "theme": {"slug": event.theme.slug, "name": _texts(event.theme, "name")},
        "venue": {
            "name": venue.name,
            "address": f"{venue.street}, {venue.postcode} {venue.city_fr}",
            "commune_nis": venue.commune_nis,
            "latitude": venue.latitude,
            "longitude": venue.longitude,
        },
        "capacity": event.capacity,
        "seats_left": event.seats_left,
        "waiting_list": event.seats_waiting,
        "sessions": [session_to_json(s) for s in event.sessions],
        "facilities": [
            {"uitdatabank_id": f.term_id, "label": {lang: f.label_in(lang) for lang in LANGUAGES}}
            for f in parse_facilities(event.facilities)
        ],
        # iCalendar: this event alone, and the feeds it appears in (each takes ?lang=fr|nl|en).
        "ics": f"{base}{event_ics_path(event.slug)}",
        "feeds": {"theme": f"{base}{theme_feed_path(event.theme.slug)}", "all": f"{base}{ALL_FEED_PATH}"},
    }
    if detail:
        data["description"] = _texts(event, "description")
    return data
