"""The UiTdatabank export of an event: the body publiq's Entry API takes to create it (POST /events).

UiTdatabank is the event database of publiq; it feeds UiTinVlaanderen and UiT in Brussel. The document
follows the `event-post` JSON schema of github.com/cultuurnet/udb3-json-schemas (a copy is in
tests/events/udb3_schemas, which the tests validate every demo event against).

Built by a pure function from the event with its venue and sessions, like the schema.org data.
"""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l

from eventapp.core.errors import InvalidState
from eventapp.core.i18n import LANGUAGES
from eventapp.core.time import brussels
from eventapp.events.facilities import in_language, parse_facilities
from eventapp.events.models import Event, EventStatus

# UiTdatabank's event type "Lezing of congres" (lecture or conference; FR "Conférence ou congrès"): of the
# types publiq lists (uit-documentatie, categorisatie/type_aanbod.md), the one for talks and debates with an
# audience, which is what a Smart City Event is (plenaries, workshops, participatory sessions).
EVENT_TYPE = {"id": "0.3.2.0.0", "label": "Lezing of congres", "domain": "eventtype"}
# UiTdatabank's theme "Samenleving" (society), one of the themes publiq allows with that type
# (categorisatie/combinatie_type_thema.md). Our own themes (education, culture…) are the organisers'
# and change; every Smart City Event is about life in the city, so every event gets this one theme.
THEME = {"id": "1.37.2.0.0", "label": "Samenleving", "domain": "theme"}
# UiTdatabank's audiences are "everyone", "members" and "education": these events are open to all.
AUDIENCE = {"audienceType": "everyone"}
# A name in UiTdatabank is at most 90 characters in each language (event-name.json).
NAME_MAX = 90

REGISTER = _l("Register")
CANCELLED = _l("This event has been cancelled.")


def _name(text: str) -> str:
    return text if len(text) <= NAME_MAX else text[: NAME_MAX - 1].rstrip() + "…"


def _iso(moment: datetime) -> str:
    return brussels(moment).isoformat(timespec="seconds")


def _texts(event: Event, field: str) -> dict[str, str]:
    """The non-empty texts of `field` by language (UiTdatabank refuses empty or blank ones)."""
    texts = {lang: getattr(event, f"{field}_{lang}").strip() for lang in LANGUAGES}
    return {lang: text for lang, text in texts.items() if text}


def _in_each_language(text) -> dict[str, str]:
    return {lang: in_language(text, lang) for lang in LANGUAGES}


def main_language(event: Event) -> str:
    """Dutch when the event has a Dutch title (UiTdatabank's readers are mostly Dutch-speaking), else the
    first language it has one in. Publication asks for the title in all three."""
    return next(lang for lang in ("nl", "fr", "en") if getattr(event, f"title_{lang}").strip())


def _days(event: Event) -> list[tuple[datetime, datetime]]:
    """One occurrence per Brussels day the programme runs on: an event over two days is two subEvents
    (calendarType "multiple"), a one-day event one (calendarType "single")."""
    by_day: dict[date, tuple[datetime, datetime]] = {}
    for session in event.sessions:
        day = brussels(session.starts_at).date()
        start, end = by_day.get(day, (session.starts_at, session.ends_at))
        by_day[day] = (min(start, session.starts_at), max(end, session.ends_at))
    if len(by_day) <= 1:
        return [(event.starts_at, event.ends_at)]
    return [by_day[day] for day in sorted(by_day)]


def _status(event: Event) -> dict:
    if event.status == EventStatus.CANCELLED:
        return {"type": "Unavailable", "reason": _in_each_language(CANCELLED)}
    return {"type": "Available"}


def _booking_availability(event: Event, *, now: datetime) -> dict:
    """Available while registration is open with seats left; a waiting list is not a seat."""
    available = event.registration_is_open(now) and event.seats_left > 0
    return {
        "type": "Available" if available else "Unavailable",
        "capacity": event.capacity,
        "remainingCapacity": event.seats_left,
    }


def event_to_uitdatabank(event: Event, *, event_url: str, uitdatabank_url: str, now: datetime) -> dict:
    """The event as UiTdatabank's Entry API takes it to create an event.

    Raises InvalidState when its venue has no UiTdatabank place id (UiTdatabank refers to places by id).
    """
    place_id = event.venue.uitdatabank_place_id
    if place_id is None:
        raise InvalidState(
            _l("This event's venue has no UiTdatabank place id: add it to the venue first."),
            code="venue_not_in_uitdatabank",
        )
    status = _status(event)
    booking = _booking_availability(event, now=now)
    description = _texts(event, "description") or _texts(event, "summary")
    occurrences = _days(event)
    document = {
        "mainLanguage": main_language(event),
        "name": {lang: _name(text) for lang, text in _texts(event, "title").items()},
        "terms": [
            EVENT_TYPE,
            THEME,
            *(
                {"id": facility.term_id, "label": facility.uitdatabank_label, "domain": "facility"}
                for facility in parse_facilities(event.facilities)
            ),
        ],
        "location": {"@id": f"{uitdatabank_url.rstrip('/')}/places/{place_id}"},
        "calendarType": "single" if len(occurrences) == 1 else "multiple",
        "subEvent": [
            {
                "id": index,
                "startDate": _iso(start),
                "endDate": _iso(end),
                "status": status,
                "bookingAvailability": booking,
            }
            for index, (start, end) in enumerate(occurrences)
        ],
        "status": status,
        "bookingAvailability": {"type": booking["type"]},
        "attendanceMode": "offline",
        "audience": AUDIENCE,
        # Registration is free (the schema.org data says so too: isAccessibleForFree).
        "priceInfo": [{"category": "base", "price": 0, "priceCurrency": "EUR"}],
    }
    if description:
        document["description"] = description
    booking_info: dict[str, object] = {"url": event_url, "urlLabel": _in_each_language(REGISTER)}
    if event.registration_opens_at:
        booking_info["availabilityStarts"] = _iso(event.registration_opens_at)
    if event.registration_closes_at:
        booking_info["availabilityEnds"] = _iso(event.registration_closes_at)
    document["bookingInfo"] = booking_info
    return document
