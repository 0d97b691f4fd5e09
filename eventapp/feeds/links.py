"""Links to feeds and to calendar services: https and webcal subscriptions, Google and Outlook.

Absolute URLs are built from PUBLIC_BASE_URL (passed in), never from the request's Host.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urlencode

from eventapp.core.i18n import localized
from eventapp.events import ical
from eventapp.events.models import Event


@dataclass(frozen=True)
class SubscribeLinks:
    https: str
    webcal: str
    google: str
    outlook: str


@dataclass(frozen=True)
class AddEventLinks:
    ics: str
    google: str
    outlook: str
    office365: str


def webcal(url: str) -> str:
    """The same feed as webcal://, which makes the system's calendar app offer to subscribe."""
    return "webcal://" + url.split("://", 1)[1]


def subscribe_links(base_url: str, path: str, *, lang: str, name: str) -> SubscribeLinks:
    url = f"{base_url.rstrip('/')}{path}?lang={lang}"
    return SubscribeLinks(
        https=url,
        webcal=webcal(url),
        # Google Calendar's "add by URL" takes the feed in `cid`; Outlook.com's in `url`.
        google="https://calendar.google.com/calendar/render?cid=" + quote(webcal(url), safe=""),
        outlook="https://outlook.live.com/calendar/0/addfromweb?" + urlencode({"url": url, "name": name}),
    )


def add_event_links(event: Event, *, base_url: str, lang: str) -> AddEventLinks:
    base = base_url.rstrip("/")
    title = localized(event, "title", lang).text
    page = f"{base}/events/{event.slug}?lang={lang}"
    details = "\n\n".join(t for t in (localized(event, "summary", lang).text, page) if t)
    location = event.venue.full_address(lang)

    def utc(dt: datetime, fmt: str) -> str:
        return dt.astimezone(UTC).strftime(fmt)

    google = {
        "action": "TEMPLATE",
        "text": title,
        "dates": f"{utc(event.starts_at, '%Y%m%dT%H%M%SZ')}/{utc(event.ends_at, '%Y%m%dT%H%M%SZ')}",
        "details": details,
        "location": location,
        "ctz": ical.TZID,
    }
    outlook = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": title,
        "startdt": utc(event.starts_at, "%Y-%m-%dT%H:%M:%SZ"),
        "enddt": utc(event.ends_at, "%Y-%m-%dT%H:%M:%SZ"),
        "body": details,
        "location": location,
    }
    return AddEventLinks(
        ics=f"{base}{ical.event_ics_path(event.slug)}?lang={lang}",
        google="https://calendar.google.com/calendar/render?" + urlencode(google),
        outlook="https://outlook.live.com/calendar/0/action/compose?" + urlencode(outlook),
        office365="https://outlook.office.com/calendar/0/action/compose?" + urlencode(outlook),
    )
