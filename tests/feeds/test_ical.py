"""The iCalendar builder, checked by three independent parsers against zoneinfo."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eventapp.events.ical import (
    MAX_OCTETS,
    event_calendar,
    event_uid,
    feed_calendar,
    fold,
    registration_calendar,
    session_uid,
)
from eventapp.events.models import EventStatus
from tests.factories import NOW, make_event, make_session
from tests.feeds.factories import make_registration
from tests.feeds.parsers import parse_all

BRUSSELS = ZoneInfo("Europe/Brussels")
BASE = "https://events.brussels"


def local(*args, fold=0):
    return datetime(*args, tzinfo=BRUSSELS, fold=fold).astimezone(UTC)


# (start, end) as Brussels wall-clock instants, around both 2027 daylight-saving switches.
TIMES = {
    "winter": (local(2027, 1, 15, 10, 0), local(2027, 1, 15, 12, 30)),
    "summer": (local(2027, 7, 1, 14, 0), local(2027, 7, 1, 17, 0)),
    "across-spring-switch": (local(2027, 3, 28, 1, 30), local(2027, 3, 28, 3, 30)),
    "just-after-spring-switch": (local(2027, 3, 28, 3, 30), local(2027, 3, 28, 5, 0)),
    "day-before-spring-switch": (local(2027, 3, 27, 19, 0), local(2027, 3, 27, 22, 0)),
    "autumn-repeated-hour-first": (local(2027, 10, 31, 2, 30), local(2027, 10, 31, 4, 0)),
    "autumn-repeated-hour-second": (local(2027, 10, 31, 2, 30, fold=1), local(2027, 10, 31, 4, 0)),
    "just-after-autumn-switch": (local(2027, 10, 31, 3, 30), local(2027, 10, 31, 6, 0)),
    "across-autumn-switch": (local(2027, 10, 30, 22, 0), local(2027, 10, 31, 9, 0)),
    "day-after-autumn-switch": (local(2027, 11, 1, 9, 0), local(2027, 11, 1, 17, 0)),
}


def lines_of(data: bytes) -> list[bytes]:
    assert data.endswith(b"\r\n")
    physical = data[:-2].split(b"\r\n")
    assert not any(b"\n" in line or b"\r" in line for line in physical), "bare LF or CR"
    return physical


def unfolded(data: bytes) -> list[str]:
    return data.decode().replace("\r\n ", "").split("\r\n")


def test_every_parser_agrees_with_zoneinfo_around_daylight_saving_switches(app_ctx, tmp_path):
    events = {}
    for name, (start, end) in TIMES.items():
        event = make_event(starts_at=start, slug=name)
        event.ends_at = end
        make_session(event, starts_at=start, ends_at=start + timedelta(minutes=45))
        events[name] = event
    registrations = [make_registration(e, sessions=e.sessions, email=f"{e.slug}@example.org") for e in events.values()]

    feed = feed_calendar(list(events.values()), name="Test", lang="fr", base_url=BASE)
    parsed = parse_all(feed, tmp_path)
    for parser, found in parsed.items():
        for name, event in events.items():
            got = found[event_uid(event)]
            assert (got["start"], got["end"]) == TIMES[name], (parser, name)

    for registration in registrations:
        session = registration.sessions[0]
        for parser, found in parse_all(registration_calendar(registration, lang="nl", base_url=BASE), tmp_path).items():
            assert (found[session_uid(session)]["start"], found[session_uid(session)]["end"]) == (
                session.starts_at,
                session.ends_at,
            ), (parser, registration.event.slug)


def test_times_are_brussels_local_with_one_rule_based_vtimezone(app_ctx):
    event = make_event(starts_at=TIMES["summer"][0])
    text = "\r\n".join(unfolded(event_calendar(event, lang="fr", base_url=BASE)))
    assert "DTSTART;TZID=Europe/Brussels:20270701T140000" in text
    assert "DTEND;TZID=Europe/Brussels:20270701T170000" in text
    assert text.count("BEGIN:VTIMEZONE") == 1
    assert "RDATE" not in text
    assert "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU" in text and "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU" in text
    assert set(re.findall(r"TZID=([^:;]+)", text)) == {"Europe/Brussels"}


def test_the_repeated_autumn_hour_is_written_in_utc(app_ctx):
    event = make_event(starts_at=TIMES["autumn-repeated-hour-second"][0])
    event.ends_at = TIMES["autumn-repeated-hour-second"][1]
    text = unfolded(event_calendar(event, lang="fr", base_url=BASE))
    assert "DTSTART:20271031T013000Z" in text
    assert "DTEND;TZID=Europe/Brussels:20271031T040000" in text


def test_calendar_and_event_properties(app_ctx):
    event = make_event(sequence=3, updated_at=NOW + timedelta(hours=5))
    text = unfolded(feed_calendar([event], name="Smart City Events", lang="en", base_url=BASE, source_url="s"))
    for line in (
        "VERSION:2.0",
        "PRODID:-//Digital.Brussels//Smart City Events//EN",
        "METHOD:PUBLISH",
        "NAME:Smart City Events",
        "X-WR-CALNAME:Smart City Events",
        "REFRESH-INTERVAL;VALUE=DURATION:PT4H",
        "X-PUBLISHED-TTL:PT4H",
        f"UID:{event.uuid}@events.brussels",
        "DTSTAMP:20270301T140000Z",
        "LAST-MODIFIED:20270301T140000Z",
        "SEQUENCE:3",
        "STATUS:CONFIRMED",
        f"SUMMARY:{event.title_en}",
        f"LOCATION:{event.venue.name}\\, Rue Royale 2\\, 1000 Bruxelles",
        "GEO:50.844300;4.361300",
        f"URL:{BASE}/events/{event.slug}?lang=en",
        "CATEGORIES:Theme " + event.theme.name_en.split()[-1],
        "ORGANIZER;CN=Smart City Events:mailto:no-reply@events.brussels",
    ):
        assert line in text
    assert any(line.startswith("DESCRIPTION:Summary") for line in text)


def test_the_one_event_download_is_not_a_subscription(app_ctx):
    text = unfolded(event_calendar(make_event(), lang="fr", base_url=BASE))
    assert "METHOD:PUBLISH" in text
    assert not any(line.startswith(("X-WR-CALNAME", "NAME", "REFRESH-INTERVAL")) for line in text)


@pytest.mark.parametrize(
    ("lang", "marker"), [("fr", "[Annulé] Événement"), ("nl", "[Geannuleerd] Evenement"), ("en", "[Cancelled] Event")]
)
def test_cancelled_event_is_marked_in_its_title_and_status(app_ctx, tmp_path, lang, marker):
    event = make_event(status=EventStatus.CANCELLED, cancelled_at=NOW, sequence=1)
    for parser, found in parse_all(event_calendar(event, lang=lang, base_url=BASE), tmp_path).items():
        got = found[event_uid(event)]
        assert got["summary"].startswith(marker), parser
        assert (got["status"], got["sequence"]) == ("CANCELLED", 1), parser


TRICKY = "Café, débat; C:\\temp\\ « ok » 🎉👩🏽‍💻"


def test_escaping_round_trips_in_every_parser(app_ctx, tmp_path):
    description = f"Line one, with; tricky \\ chars\nLine two: é and 🎉\n\n{'Très long texte ' * 12}fin"
    event = make_event(title_fr=TRICKY, summary_fr="Résumé, court", description_fr=description)
    event.venue.name = "Salle; « A », B\\C"
    data = event_calendar(event, lang="fr", base_url=BASE)
    for parser, found in parse_all(data, tmp_path).items():
        got = found[event_uid(event)]
        assert got["summary"] == TRICKY, parser
        assert got["description"].startswith(f"Résumé, court\n\n{description}\n\n"), parser
        assert got["location"].startswith("Salle; « A », B\\C, Rue Royale 2"), parser


def test_lines_are_crlf_and_folded_within_75_octets_on_character_boundaries(app_ctx):
    event = make_event(title_fr="é" * 100, description_fr="🎉a" * 200 + ", ; \\\n" * 10)
    data = event_calendar(event, lang="fr", base_url=BASE)
    for line in lines_of(data):
        assert len(line) <= MAX_OCTETS
        line.decode()  # raises on a split UTF-8 character
        assert (len(line) - len(line.rstrip(b"\\"))) % 2 == 0, "a backslash escape was split"
    assert any(line.startswith(b" ") for line in lines_of(data)), "long lines were folded"


@given(st.text(min_size=0, max_size=400))
def test_fold_never_exceeds_75_octets_nor_splits_a_character(text):
    line = "DESCRIPTION:" + text.replace("\r", "").replace("\n", "")
    folded = fold(line)
    physical = folded.split(b"\r\n")
    assert all(len(p) <= MAX_OCTETS for p in physical)
    assert all(p.startswith(b" ") for p in physical[1:])
    assert "".join(p.decode()[1:] if i else p.decode() for i, p in enumerate(physical)) == line


def test_identical_data_gives_identical_bytes(app_ctx):
    event = make_event(sessions=2)
    first = feed_calendar([event], name="A", lang="fr", base_url=BASE)
    assert feed_calendar([event], name="A", lang="fr", base_url=BASE) == first
    event.sequence += 1
    assert feed_calendar([event], name="A", lang="fr", base_url=BASE) != first


def test_registration_calendar_has_the_chosen_sessions_and_no_personal_data(app_ctx, tmp_path):
    event = make_event(sessions=3)
    chosen = event.sessions[1]
    registration = make_registration(event, sessions=[chosen], name="Ada Lovelace", email="ada@example.org")
    data = registration_calendar(registration, lang="fr", base_url=BASE)
    for parser, found in parse_all(data, tmp_path).items():
        assert set(found) == {event_uid(event), session_uid(chosen)}, parser
    text = data.decode()
    assert "ATTENDEE" not in text and "ada@example.org" not in text and "Lovelace" not in text
    assert f"RELATED-TO;RELTYPE=PARENT:{event_uid(event)}" in unfolded(data)
