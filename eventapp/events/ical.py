"""Minimal calendar entry for one registration.

Placeholder written by the registration branch: the feeds domain owns the real module with the
same function (fixed Brussels VTIMEZONE, feeds); this one is replaced at merge. Times are in UTC,
so no VTIMEZONE is needed and every parser agrees.
"""

from icalendar import Calendar
from icalendar import Event as VEvent

from eventapp.core.i18n import localized


def registration_calendar(registration, *, lang: str, base_url: str) -> bytes:
    event = registration.event
    calendar = Calendar()
    calendar.add("prodid", "-//Digital.Brussels//Smart City Events//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    entry = VEvent()
    entry.add("uid", f"{event.uuid}@events.brussels")
    entry.add("dtstamp", event.updated_at)
    entry.add("sequence", event.sequence)
    entry.add("dtstart", event.starts_at)
    entry.add("dtend", event.ends_at)
    entry.add("summary", localized(event, "title", lang).text)
    venue = event.venue
    city = venue.city_nl if lang == "nl" else venue.city_fr
    entry.add("location", f"{venue.name}, {venue.street}, {venue.postcode} {city}")
    entry.add("url", f"{base_url.rstrip('/')}/events/{event.slug}")
    entry.add("status", "CANCELLED" if event.status == "cancelled" else "CONFIRMED")
    calendar.add_component(entry)
    return calendar.to_ical()
