"""schema.org data of the public pages: an Event on each event page, an ItemList on the catalogue.

Search engines and agendas read it from a `<script type="application/ld+json">` block. Such a block
is data, not a script: browsers neither run it nor check it against the Content-Security-Policy
(which allows no inline script), so it needs no nonce. What it must never do is end early: organiser
text holding `</script>` would close the element and let what follows run as HTML. `script_data()`
writes `<`, `>` and `&` as JSON escapes, which parse back to the same text.

The documents are built by pure functions from what the page already loaded (the event with its
venue and sessions): no query, no request, no configuration read here.
"""

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from markupsafe import Markup

from eventapp.core.communes import get_commune
from eventapp.core.i18n import localized
from eventapp.core.time import brussels
from eventapp.events.facilities import parse_facilities
from eventapp.events.models import Event, EventStatus, Session, Venue

SCHEMA = "https://schema.org/"
ORGANIZER_NAME = "Digital.Brussels"
# JSON escapes for the characters that could end the script element or open markup inside it.
_SCRIPT_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def _iso(moment: datetime) -> str:
    """ISO 8601 with the Brussels UTC offset (+01:00 or +02:00), as Google's Event rich results ask."""
    return brussels(moment).isoformat(timespec="seconds")


def _text(obj, field: str, language: str) -> str:
    return localized(obj, field, language).text


def event_status(event: Event) -> str:
    """Cancelled, rescheduled or scheduled, as a schema.org EventStatusType URL.

    `sequence` is 1 after publication and grows with every change of time or place of a published
    event (event_changes, session_changes, places): beyond 1, people who noted the first date must
    look again. An event taken back to draft and published again also counts as moved (`sequence`
    does not tell them apart). EventPostponed ("no new date yet") has no counterpart here: an event
    always has a date.
    """
    if event.status == EventStatus.CANCELLED:
        return f"{SCHEMA}EventCancelled"
    if event.sequence > 1:
        return f"{SCHEMA}EventRescheduled"
    return f"{SCHEMA}EventScheduled"


def availability(event: Event, *, now: datetime) -> str:
    """InStock while seats are left; LimitedAvailability when full but the waiting list takes names
    (registration still open); SoldOut once full and closed."""
    if event.seats_left > 0:
        return f"{SCHEMA}InStock"
    if event.registration_is_open(now):
        return f"{SCHEMA}LimitedAvailability"
    return f"{SCHEMA}SoldOut"


def _locality(venue: Venue, language: str) -> str:
    """The commune's official name in the page's language (Dutch on Dutch pages, French otherwise);
    the venue's own city name if its NIS code is not a Brussels commune."""
    commune = get_commune(venue.commune_nis)
    if commune is None:
        return venue.city(language)
    return commune.name_nl if language == "nl" else commune.name_fr


def _place(venue: Venue, language: str, room: str = "") -> dict:
    place = {
        "@type": "Place",
        "name": f"{room}, {venue.name}" if room else venue.name,
        "address": {
            "@type": "PostalAddress",
            "streetAddress": venue.street,
            "postalCode": venue.postcode,
            "addressLocality": _locality(venue, language),
            "addressCountry": "BE",
        },
    }
    if venue.latitude is not None and venue.longitude is not None:
        place["geo"] = {"@type": "GeoCoordinates", "latitude": venue.latitude, "longitude": venue.longitude}
    return place


def _amenities(event: Event, language: str) -> list[dict]:
    """The event's accessibility facilities as amenity features of its place, each named in `language`
    and identified by its UiTdatabank term id (schema.org has no vocabulary of its own for them)."""
    return [
        {
            "@type": "LocationFeatureSpecification",
            "name": facility.label_in(language),
            "propertyID": f"uitdatabank:{facility.term_id}",
            "value": True,
        }
        for facility in parse_facilities(event.facilities)
    ]


def _session(session: Session, event: Event, status: str, language: str) -> dict:
    data = {
        "@type": "Event",
        "name": _text(session, "title", language) or session.slug,
        "startDate": _iso(session.starts_at),
        "endDate": _iso(session.ends_at),
        "eventStatus": status,
        "eventAttendanceMode": f"{SCHEMA}OfflineEventAttendanceMode",
        "location": _place(event.venue, language, session.room),
        # The languages spoken in the session, which is what someone choosing a session needs.
        "inLanguage": session.language_codes,
    }
    description = _text(session, "description", language)
    if description:
        data["description"] = description
    return data


def event_jsonld(
    event: Event,
    *,
    language: str,
    url_for_event: Callable[[str], str],
    organizer_url: str,
    now: datetime,
    image_urls: Sequence[str] = (),
) -> dict:
    """The schema.org Event of a public event page, its texts in `language`.

    `url_for_event(slug)` gives the page's absolute URL; `image_urls` the absolute URLs of the event
    image's versions, if it has one (no `image` otherwise: Google's rich results take an Event without).
    """
    status = event_status(event)
    url = url_for_event(event.slug)
    location = _place(event.venue, language)
    if amenities := _amenities(event, language):
        location["amenityFeature"] = amenities
    return {
        "@context": "https://schema.org",
        "@type": "Event",
        "@id": url,
        "url": url,
        "name": _text(event, "title", language),
        # The long description when there is one; the summary (required for publication) otherwise.
        "description": _text(event, "description", language) or _text(event, "summary", language),
        "startDate": _iso(event.starts_at),
        "endDate": _iso(event.ends_at),
        "eventStatus": status,
        "eventAttendanceMode": f"{SCHEMA}OfflineEventAttendanceMode",
        "location": location,
        "organizer": {"@type": "Organization", "name": ORGANIZER_NAME, "url": organizer_url},
        "isAccessibleForFree": True,
        "offers": {
            "@type": "Offer",
            "price": 0,
            "priceCurrency": "EUR",
            "availability": availability(event, now=now),
            "url": url,
            "validFrom": _iso(event.registration_opens_at or event.published_at or event.created_at),
        },
        # The language of this document's texts (each page language has its own document).
        "inLanguage": language,
        "subEvent": [_session(session, event, status, language) for session in event.sessions],
    } | ({"image": list(image_urls)} if image_urls else {})


def catalogue_jsonld(events: Iterable[Event], *, url_for_event: Callable[[str], str], first_position: int = 1) -> dict:
    """The schema.org ItemList of a catalogue page: its events in the order shown, by URL.

    `first_position` is the rank of the page's first event in the whole list (13 on page 2 of 12).
    """
    return {
        "@context": "https://schema.org",
        "@type": "ItemList",
        "itemListElement": [
            {"@type": "ListItem", "position": position, "url": url_for_event(event.slug)}
            for position, event in enumerate(events, start=first_position)
        ],
    }


def script_data(document: dict) -> Markup:
    """The document as the content of a `<script type="application/ld+json">` element.

    `<`, `>` and `&` become JSON escapes, so no text in it can close the element (`</script>`) or
    start a comment (`<!--`) that changes where it ends; JSON parsers read back the same text.
    """
    return Markup(json.dumps(document, ensure_ascii=False).translate(_SCRIPT_ESCAPES))  # noqa: S704 (escaped above)
