"""The .ics endpoints: content, windows, languages, validators and 304s."""

from datetime import timedelta

import pytest

from eventapp.events.models import Event, EventStatus
from eventapp.extensions import db
from eventapp.feeds import queries
from eventapp.feeds.views import feed_cache
from tests.factories import NOW, make_event, make_theme
from tests.feeds.parsers import parse_all

UID = "{}@events.brussels"


def fetch(client, url, **headers):
    """A request seeing what the test wrote (a request ends by closing the session)."""
    db.session.commit()
    return client.get(url, headers=headers)


def get(client, url, **headers):
    response = fetch(client, url, **headers)
    assert response.status_code == 200, (url, response.status_code)
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    return response


def refetch(event) -> Event:
    return db.session.get(Event, event.id)


def test_all_feed_holds_published_and_recently_cancelled_events_in_the_window(client, tmp_path):
    published = make_event()
    cancelled = make_event(status=EventStatus.CANCELLED, cancelled_at=NOW - timedelta(days=2), sequence=2)
    old_cancelled = make_event(
        starts_at=NOW - timedelta(days=60), status=EventStatus.CANCELLED, cancelled_at=NOW - timedelta(days=31)
    )
    draft = make_event(status=EventStatus.DRAFT)
    recent_past = make_event(starts_at=NOW - timedelta(days=20))
    long_past = make_event(starts_at=NOW - timedelta(days=40))
    far_future = make_event(starts_at=NOW + timedelta(days=400))

    present = {UID.format(e.uuid) for e in (published, cancelled, recent_past)}
    absent = {UID.format(e.uuid) for e in (old_cancelled, draft, long_past, far_future)}
    cancelled_uid = UID.format(cancelled.uuid)
    data = get(client, "/feeds/all.ics").data
    for parser, found in parse_all(data, tmp_path).items():
        uids = set(found)
        assert present <= uids, parser
        assert not absent & uids, parser
        got = found[cancelled_uid]
        assert (got["status"], got["sequence"]) == ("CANCELLED", 2)
        assert got["summary"].startswith("[Annulé] ")
    assert b"X-WR-CALNAME:Smart City Events\r\n" in data
    assert b"TRANSP:TRANSPARENT" in data


def test_event_cancelled_after_it_ended_stays_30_days(client):
    event = make_event(
        starts_at=NOW - timedelta(days=45), status=EventStatus.CANCELLED, cancelled_at=NOW - timedelta(days=29)
    )
    assert UID.format(event.uuid).encode() in get(client, "/feeds/all.ics").data


def test_theme_feed_holds_only_its_theme(client, tmp_path):
    culture = make_theme("culture", name_fr="Culture, arts", name_nl="Cultuur", name_en="Culture")
    mine = make_event(theme=culture)
    mine_uid, other_slug = UID.format(mine.uuid), make_event().slug
    data = get(client, "/feeds/themes/culture.ics?lang=nl").data
    for parser, found in parse_all(data, tmp_path).items():
        assert set(found) == {mine_uid}, parser
    assert other_slug.encode() not in data
    assert "X-WR-CALNAME:Smart City Events · Cultuur".encode() in data
    assert b"CATEGORIES:Cultuur" in data
    assert fetch(client, "/feeds/themes/nope.ics").status_code == 404


def test_event_download_is_an_attachment_and_drafts_do_not_exist(client, tmp_path):
    event = make_event(slug="smart-day")
    response = get(client, "/events/smart-day.ics?lang=en")
    assert response.headers["Content-Disposition"] == "attachment; filename=smart-day.ics"
    [(uid, got)] = parse_all(response.data, tmp_path)["ical.js"].items()
    assert (uid, got["summary"]) == (UID.format(event.uuid), event.title_en)
    make_event(slug="secret-draft", status=EventStatus.DRAFT)
    assert fetch(client, "/events/secret-draft.ics").status_code == 404
    assert client.get("/events/nope.ics").status_code == 404


@pytest.mark.parametrize(("query", "title"), [("", "title_fr"), ("?lang=nl", "title_nl"), ("?lang=xx", "title_fr")])
def test_language_parameter(client, query, title):
    event = make_event()
    assert f"SUMMARY:{getattr(event, title)}\r\n".encode() in get(client, f"/feeds/all.ics{query}").data


def test_uids_are_the_same_in_every_feed_and_download(client, tmp_path):
    theme = make_theme("culture")
    event = make_event(theme=theme, slug="smart-day")
    uid = UID.format(event.uuid)
    for url in ("/feeds/all.ics", "/feeds/themes/culture.ics", "/events/smart-day.ics", "/feeds/all.ics?lang=en"):
        for parser, found in parse_all(get(client, url).data, tmp_path).items():
            assert uid in found, (url, parser)


def test_second_fetch_is_byte_identical_even_when_rebuilt(client):
    make_event(sessions=2)
    first = get(client, "/feeds/all.ics")
    feed_cache.clear()
    second = get(client, "/feeds/all.ics")
    assert second.data == first.data
    assert second.headers["ETag"] == first.headers["ETag"]
    assert first.headers["ETag"].startswith('"')  # strong


def test_matching_etag_is_answered_304_without_loading_or_building(client, monkeypatch):
    make_event()
    first = get(client, "/feeds/all.ics")
    builds = feed_cache.builds

    def forbidden(*args, **kwargs):
        raise AssertionError("the feed was loaded for a 304")

    monkeypatch.setattr(queries, "list_public_feed_events", forbidden)
    response = fetch(client, "/feeds/all.ics", **{"If-None-Match": first.headers["ETag"]})
    assert response.status_code == 304
    assert response.data == b""
    assert response.headers["ETag"] == first.headers["ETag"]
    assert "max-age" in response.headers["Cache-Control"]
    response = fetch(client, "/feeds/all.ics", **{"If-Modified-Since": first.headers["Last-Modified"]})
    assert response.status_code == 304
    assert feed_cache.builds == builds


def test_a_moved_event_changes_the_etag_and_bumps_sequence(client, tmp_path):
    event = make_event()
    first = get(client, "/feeds/all.ics")
    # What the back-office's move service does (see eventapp.events.ical).
    event = refetch(event)
    event.starts_at += timedelta(hours=2)
    event.ends_at += timedelta(hours=2)
    event.sequence += 1
    event.updated_at = NOW + timedelta(hours=1)
    db.session.flush()
    response = fetch(client, "/feeds/all.ics", **{"If-None-Match": first.headers["ETag"]})
    assert response.status_code == 200
    assert response.headers["ETag"] != first.headers["ETag"]
    for parser, found in parse_all(response.data, tmp_path).items():
        got = found[UID.format(event.uuid)]
        assert (got["sequence"], got["start"]) == (1, event.starts_at), parser
    assert b"LAST-MODIFIED:20270301T100000Z" in response.data


def test_a_cancelled_event_changes_the_download(client, tmp_path):
    event = make_event(slug="smart-day")
    first = get(client, "/events/smart-day.ics")
    event = refetch(event)
    event.status, event.cancelled_at, event.sequence = EventStatus.CANCELLED, NOW, 1
    event.updated_at = NOW + timedelta(minutes=5)
    db.session.flush()
    response = fetch(client, "/events/smart-day.ics", **{"If-None-Match": first.headers["ETag"]})
    assert response.status_code == 200
    got = parse_all(response.data, tmp_path)["vobject"][UID.format(event.uuid)]
    assert (got["status"], got["sequence"]) == ("CANCELLED", 1)


def test_unpublishing_removes_the_event_from_feeds(client):
    event = make_event()
    uid = UID.format(event.uuid).encode()
    first = get(client, "/feeds/all.ics")
    assert uid in first.data
    event = refetch(event)
    event.status, event.updated_at = EventStatus.DRAFT, NOW + timedelta(minutes=1)
    response = fetch(client, "/feeds/all.ics", **{"If-None-Match": first.headers["ETag"]})
    assert response.status_code == 200
    assert uid not in response.data


def test_languages_have_their_own_etag(client):
    make_event()
    french, dutch = get(client, "/feeds/all.ics?lang=fr"), get(client, "/feeds/all.ics?lang=nl")
    assert french.headers["ETag"] != dutch.headers["ETag"]


def test_theme_feed_304_within_the_ttl_reads_nothing_and_a_change_shows_after_it(app, client, monkeypatch, selects):
    from eventapp.core import cache
    from eventapp.feeds.views import feed_states, feed_themes

    clock = [1000.0]
    monkeypatch.setattr(cache.time, "monotonic", lambda: clock[0])
    monkeypatch.setitem(app.config, "FEED_STATE_TTL", 10)
    feed_states.clear()
    feed_themes.clear()
    event = make_event(theme=make_theme("culture"))
    url = "/feeds/themes/culture.ics"
    first = get(client, url)
    with selects() as seen:
        response = fetch(client, url, **{"If-None-Match": first.headers["ETag"]})
    assert response.status_code == 304
    assert seen == []  # theme and fingerprint reused

    event = refetch(event)
    event.title_fr, event.updated_at = "Autre titre", NOW + timedelta(minutes=1)
    db.session.flush()
    clock[0] += 9.9  # within the TTL the worker may still answer 304 (the documented staleness)
    assert fetch(client, url, **{"If-None-Match": first.headers["ETag"]}).status_code == 304
    clock[0] += 0.2  # TTL over: the change shows
    response = fetch(client, url, **{"If-None-Match": first.headers["ETag"]})
    assert response.status_code == 200 and response.headers["ETag"] != first.headers["ETag"]
    assert b"Autre titre" in response.data


def test_unknown_theme_feed_is_404_even_with_a_ttl(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "FEED_STATE_TTL", 10)
    assert client.get("/feeds/themes/nothing-here.ics").status_code == 404
    make_theme("nothing-here")
    assert fetch(client, "/feeds/themes/nothing-here.ics").status_code == 200  # misses are not cached
