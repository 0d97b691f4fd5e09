"""iCalendar output (RFC 5545, METHOD from RFC 5546, NAME/REFRESH-INTERVAL/SOURCE from RFC 7986).

One writer for every .ics the platform hands out: the one-event download, the public feeds
(all events, one theme), the registrant's personal feed and the attachment of the confirmation
email. Calendar clients poll feeds for years, so the output is a pure function of stored data:

- UIDs are the stored UUIDs (`<uuid>@events.brussels`), the same in every feed and download,
  never derived from the host name or a sequential id;
- DTSTAMP and LAST-MODIFIED are the stored `updated_at`, never "now", so identical data gives
  byte-identical output (and a feed can be answered with 304);
- times are written in Europe/Brussels with ONE fixed, rule-based VTIMEZONE. icalendar's
  generated VTIMEZONE (a long RDATE list) is misread by ical.js and vobject, and icalendar's
  `Calendar.new()`/`Event.new()` stamp "now" and random UIDs: this module therefore writes the
  text itself (escaping, 75-octet folding on UTF-8 character boundaries, CRLF) and the tests
  parse the result with icalendar, vobject and ical.js.

Rules for the services that change events (back-office) — subscribers only see what these say:

- every change to anything that appears in a feed (titles, texts, times, venue, sessions, status)
  sets `Event.updated_at = now` (it is DTSTAMP/LAST-MODIFIED and part of the feeds' ETag);
- a change subscribers must act on — start or end time, venue or room, a session's time, or the
  status (publish, cancel, un-cancel) — also does `Event.sequence += 1` (SEQUENCE); a changed
  session also sets its own `Session.updated_at = now` (sessions carry their event's SEQUENCE);
- cancelling sets `status = cancelled` and `cancelled_at = now` and keeps the row: the feeds keep
  the event for at least 30 days with STATUS:CANCELLED so calendars mark it cancelled rather
  than silently losing it. Unpublishing (back to draft) removes it from the feeds;
- editing a Venue or Theme row (which have no timestamps) must set `updated_at` (and `sequence`
  for an address change) on their events, or cached feeds keep the old text.
"""

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta

from flask_babel import force_locale
from flask_babel import gettext as _

from eventapp.core.i18n import FORMAT_LOCALES, LANGUAGES, localized
from eventapp.core.time import BRUSSELS
from eventapp.events.models import Event, EventStatus, Session

PRODID = "-//Digital.Brussels//Smart City Events//EN"
# Part of every UID. A constant: UIDs must not change when the site moves to another host name.
UID_DOMAIN = "events.brussels"
ORGANIZER_NAME = "Smart City Events"
ORGANIZER_EMAIL = "no-reply@events.brussels"
TZID = "Europe/Brussels"
# How often subscribers should poll (REFRESH-INTERVAL, X-PUBLISHED-TTL).
REFRESH_INTERVAL = timedelta(hours=4)
# Bump when the output changes for the same data, so that feed ETags change with it.
FORMAT_VERSION = "1"

# The EU summer-time rule (since 1996) that Europe/Brussels follows; feeds only carry events from
# a bounded window around today, so one STANDARD and one DAYLIGHT rule describe every date in them.
VTIMEZONE_LINES = (
    "BEGIN:VTIMEZONE",
    f"TZID:{TZID}",
    f"X-LIC-LOCATION:{TZID}",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200",
    "TZNAME:CEST",
    "DTSTART:19700329T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100",
    "TZNAME:CET",
    "DTSTART:19701025T030000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
)

MAX_OCTETS = 75  # per line, CRLF excluded (RFC 5545 §3.1)
# TEXT may not hold control characters other than HTAB (newlines are escaped as \n).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
# What folding never splits: a backslash escape, or one character.
_PIECES = re.compile(r"\\.|.", re.DOTALL)


# --- URLs shared by the feeds' routes, the pages and the open-data API -------------------------


def event_ics_path(slug: str) -> str:
    return f"/events/{slug}.ics"


ALL_FEED_PATH = "/feeds/all.ics"


def theme_feed_path(theme_slug: str) -> str:
    return f"/feeds/themes/{theme_slug}.ics"


def personal_feed_path(token: str) -> str:
    return f"/feeds/me/{token}.ics"


def event_uid(event: Event) -> str:
    return f"{event.uuid}@{UID_DOMAIN}"


def session_uid(session: Session) -> str:
    return f"{session.uuid}@{UID_DOMAIN}"


# --- Content lines --------------------------------------------------------------------------------


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and newlines escaped."""
    value = _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line: str) -> bytes:
    """One content line as UTF-8, folded so that no physical line exceeds 75 octets.

    A continuation line starts with one space, which counts towards its 75 octets; a line is only
    ever broken between characters, never inside a multi-octet UTF-8 sequence, and not inside a
    backslash escape either (allowed by the RFC, but some naive unfolders mishandle it).
    """
    encoded = line.encode()
    if len(encoded) <= MAX_OCTETS:
        return encoded
    parts: list[bytes] = []
    current = bytearray()
    for piece in _PIECES.findall(line):
        octets = piece.encode()
        if len(current) + len(octets) > MAX_OCTETS:
            parts.append(bytes(current))
            current = bytearray(b" ")
        current += octets
    parts.append(bytes(current))
    return b"\r\n".join(parts)


def _param(value: str) -> str:
    # Parameter values cannot hold DQUOTE; quote them when they hold ":", ";" or ",".
    value = _CONTROL.sub("", value.replace('"', "'"))
    return f'"{value}"' if any(c in value for c in ":;,") else value


class _Lines:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, name: str, value: str, **params: str) -> None:
        head = name + "".join(f";{key.replace('_', '-')}={_param(v)}" for key, v in params.items())
        self.lines.append(f"{head}:{value}")

    def text(self, name: str, value: str, **params: str) -> None:
        self.add(name, escape_text(value), **params)

    def extend(self, lines: Iterable[str]) -> None:
        self.lines.extend(lines)

    def to_bytes(self) -> bytes:
        return b"".join(fold(line) + b"\r\n" for line in self.lines)


def _utc(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _is_ambiguous(local: datetime) -> bool:
    naive = local.replace(tzinfo=None)
    return naive.replace(tzinfo=BRUSSELS, fold=0).utcoffset() != naive.replace(tzinfo=BRUSSELS, fold=1).utcoffset()


def _date_time(lines: _Lines, name: str, dt: datetime) -> None:
    """DTSTART/DTEND in Brussels time, except inside the repeated hour of the autumn switch.

    A local time between 02:00 and 03:00 on the last Sunday of October happens twice; RFC 5545
    says a TZID time there means the first one, and parsers differ. Such times are written in UTC,
    which means exactly one instant everywhere.
    """
    local = dt.astimezone(BRUSSELS)
    if _is_ambiguous(local):
        lines.add(name, _utc(dt))
    else:
        lines.add(name, local.strftime("%Y%m%dT%H%M%S"), TZID=TZID)


def _duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = (f"{hours}H" if hours else "", f"{minutes}M" if minutes else "", f"{seconds}S" if seconds else "")
    return "PT" + ("".join(parts) or "0S")


# --- Texts ----------------------------------------------------------------------------------------


def _lang(lang: str) -> str:
    return lang if lang in LANGUAGES else "fr"


def _title(obj, lang: str) -> str:
    return localized(obj, "title", lang).text


def _event_summary(event: Event, lang: str) -> str:
    title = _title(event, lang)
    if event.status == EventStatus.CANCELLED:
        return _("[Cancelled] %(title)s", title=title)
    return title


def _session_summary(session: Session, lang: str) -> str:
    text = _("%(session)s · %(event)s", session=_title(session, lang), event=_title(session.event, lang))
    if session.event.status == EventStatus.CANCELLED:
        return _("[Cancelled] %(title)s", title=text)
    return text


def _location(event: Event, lang: str, room: str = "") -> str:
    venue = event.venue
    parts = [room, venue.name, venue.street, f"{venue.postcode} {venue.city(lang)}"]
    return ", ".join(p for p in parts if p)


def _hhmm(dt: datetime) -> str:
    return dt.astimezone(BRUSSELS).strftime("%H:%M")


def _page_url(event: Event, base_url: str, lang: str) -> str:
    return f"{base_url.rstrip('/')}/events/{event.slug}?lang={lang}"


def _event_description(event: Event, lang: str, base_url: str) -> str:
    blocks = []
    if event.status == EventStatus.CANCELLED:
        blocks.append(_("This event has been cancelled."))
    blocks += [localized(event, "summary", lang).text, localized(event, "description", lang).text]
    if event.sessions:
        programme = [_("Programme:")]
        for s in event.sessions:
            line = f"{_hhmm(s.starts_at)}\N{EN DASH}{_hhmm(s.ends_at)} {_title(s, lang)}"
            programme.append(f"{line} ({s.room})" if s.room else line)
        blocks.append("\n".join(programme))
    blocks.append(_("Details and registration: %(url)s", url=_page_url(event, base_url, lang)))
    return "\n\n".join(b.strip() for b in blocks if b and b.strip())


def _session_description(session: Session, lang: str, base_url: str) -> str:
    blocks = []
    if session.event.status == EventStatus.CANCELLED:
        blocks.append(_("This event has been cancelled."))
    blocks.append(localized(session, "description", lang).text)
    blocks.append(_("Details: %(url)s", url=_page_url(session.event, base_url, lang)))
    return "\n\n".join(b.strip() for b in blocks if b and b.strip())


# --- Components -----------------------------------------------------------------------------------


def _common(lines: _Lines, event: Event, lang: str, base_url: str, transparent: bool) -> None:
    venue = event.venue
    lines.add("GEO", f"{venue.latitude:.6f};{venue.longitude:.6f}")
    lines.add("URL", _page_url(event, base_url, lang))
    lines.text("CATEGORIES", localized(event.theme, "name", lang).text)
    lines.add("ORGANIZER", f"mailto:{ORGANIZER_EMAIL}", CN=ORGANIZER_NAME)
    lines.add("CLASS", "PUBLIC")
    lines.add("TRANSP", "TRANSPARENT" if transparent else "OPAQUE")


def _status(event: Event) -> str:
    return "CANCELLED" if event.status == EventStatus.CANCELLED else "CONFIRMED"


def _vevent(lines: _Lines, event: Event, lang: str, base_url: str, transparent: bool) -> None:
    lines.add("BEGIN", "VEVENT")
    lines.add("UID", event_uid(event))
    lines.add("DTSTAMP", _utc(event.updated_at))
    lines.add("CREATED", _utc(event.created_at))
    lines.add("LAST-MODIFIED", _utc(event.updated_at))
    lines.add("SEQUENCE", str(event.sequence))
    lines.add("STATUS", _status(event))
    _date_time(lines, "DTSTART", event.starts_at)
    _date_time(lines, "DTEND", event.ends_at)
    lines.text("SUMMARY", _event_summary(event, lang))
    lines.text("DESCRIPTION", _event_description(event, lang, base_url))
    lines.text("LOCATION", _location(event, lang))
    _common(lines, event, lang, base_url, transparent)
    lines.add("END", "VEVENT")


def _session_vevent(lines: _Lines, session: Session, lang: str, base_url: str) -> None:
    event = session.event
    changed = max(event.updated_at, session.updated_at)
    lines.add("BEGIN", "VEVENT")
    lines.add("UID", session_uid(session))
    lines.add("DTSTAMP", _utc(changed))
    lines.add("LAST-MODIFIED", _utc(changed))
    # Sessions have no SEQUENCE of their own: moving one bumps its event's (see the module doc).
    lines.add("SEQUENCE", str(event.sequence))
    lines.add("STATUS", _status(event))
    _date_time(lines, "DTSTART", session.starts_at)
    _date_time(lines, "DTEND", session.ends_at)
    lines.text("SUMMARY", _session_summary(session, lang))
    lines.text("DESCRIPTION", _session_description(session, lang, base_url))
    lines.text("LOCATION", _location(event, lang, session.room))
    lines.add("RELATED-TO", event_uid(event), RELTYPE="PARENT")
    _common(lines, event, lang, base_url, transparent=False)
    lines.add("END", "VEVENT")


def _calendar(
    events: Sequence[Event],
    *,
    lang: str,
    base_url: str,
    name: str | None = None,
    description: str | None = None,
    page_url: str | None = None,
    source_url: str | None = None,
    sessions: Mapping[int, Sequence[Session]] | None = None,
    transparent: bool = False,
) -> bytes:
    lang = _lang(lang)
    lines = _Lines()
    with force_locale(FORMAT_LOCALES[lang]):
        lines.add("BEGIN", "VCALENDAR")
        lines.add("VERSION", "2.0")
        lines.add("PRODID", PRODID)
        lines.add("CALSCALE", "GREGORIAN")
        lines.add("METHOD", "PUBLISH")
        if name:
            # Only for subscriptions: Outlook opens a file carrying a calendar name as a separate
            # calendar instead of offering to save the appointment.
            lines.text("NAME", name)
            lines.text("X-WR-CALNAME", name)
            if description:
                lines.text("DESCRIPTION", description)
                lines.text("X-WR-CALDESC", description)
            if page_url:
                lines.add("URL", page_url)
            if source_url:
                lines.add("SOURCE", source_url, VALUE="URI")
            lines.add("REFRESH-INTERVAL", _duration(REFRESH_INTERVAL), VALUE="DURATION")
            lines.add("X-PUBLISHED-TTL", _duration(REFRESH_INTERVAL))
            lines.add("X-WR-TIMEZONE", TZID)
        lines.extend(VTIMEZONE_LINES)
        for event in events:
            _vevent(lines, event, lang, base_url, transparent)
            for session in (sessions or {}).get(event.id, ()):
                _session_vevent(lines, session, lang, base_url)
        lines.add("END", "VCALENDAR")
    return lines.to_bytes()


# --- Public builders ------------------------------------------------------------------------------


def event_calendar(event: Event, *, lang: str, base_url: str) -> bytes:
    """One event as a file to import (no calendar name, no refresh: it is not a subscription)."""
    return _calendar([event], lang=lang, base_url=base_url)


def registration_calendar(registration, *, lang: str, base_url: str) -> bytes:
    """A registrant's event as a file (the confirmation email's attachment).

    The event plus one VEVENT per session they chose (UID: the session's UUID, RELATED-TO the
    event). No personal data: no ATTENDEE, no name, no email, no manage link — the file is
    forwarded and synced to third-party calendars. The status is the event's (a cancelled event
    comes out as STATUS:CANCELLED).
    """
    event = registration.event
    chosen = sorted(registration.sessions, key=lambda s: (s.starts_at, s.id))
    return _calendar([event], lang=lang, base_url=base_url, sessions={event.id: chosen})


def feed_calendar(
    events: Sequence[Event],
    *,
    name: str,
    lang: str,
    base_url: str,
    description: str | None = None,
    page_url: str | None = None,
    source_url: str | None = None,
    sessions: Mapping[int, Sequence[Session]] | None = None,
    transparent: bool = False,
) -> bytes:
    """A subscription feed: NAME/X-WR-CALNAME, REFRESH-INTERVAL/X-PUBLISHED-TTL, the events in order.

    `sessions` maps an event id to the sessions to add as their own VEVENTs (personal feeds);
    `transparent` marks events as free time (public feeds are suggestions, not appointments).
    """
    return _calendar(
        events,
        lang=lang,
        base_url=base_url,
        name=name,
        description=description,
        page_url=page_url,
        source_url=source_url,
        sessions=sessions,
        transparent=transparent,
    )
