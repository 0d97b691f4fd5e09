from datetime import date, timedelta

import pytest

from eventapp.core.errors import NotFound
from eventapp.events.models import EventStatus
from eventapp.events.queries import CatalogueFilter, get_public_event, list_public_events
from tests.factories import NOW, make_event, make_session, make_theme


def test_catalogue_lists_published_and_cancelled_but_not_drafts_or_past():
    published = make_event()
    cancelled = make_event(status=EventStatus.CANCELLED)
    make_event(status=EventStatus.DRAFT)
    make_event(starts_at=NOW - timedelta(days=3))
    page = list_public_events(CatalogueFilter(), now=NOW)
    assert [e.id for e in page.items] == [published.id, cancelled.id]


def test_filters_by_theme_and_brussels_dates():
    culture = make_theme("culture")
    first = make_event(theme=culture, starts_at=NOW + timedelta(days=5))
    make_event(starts_at=NOW + timedelta(days=5))  # education
    later = make_event(theme=culture, starts_at=NOW + timedelta(days=40))
    by_theme = list_public_events(CatalogueFilter(theme="culture"), now=NOW)
    assert [e.id for e in by_theme.items] == [first.id, later.id]
    day = (NOW + timedelta(days=5)).date()
    by_date = list_public_events(CatalogueFilter(theme="culture", date_from=day, date_to=day), now=NOW)
    assert [e.id for e in by_date.items] == [first.id]


def test_pagination_counts_everything():
    for _ in range(5):
        make_event()
    page = list_public_events(CatalogueFilter(), now=NOW, page=2, per_page=2)
    assert page.total == 5 and page.pages == 3 and len(page.items) == 2


def test_draft_event_is_not_found():
    draft = make_event(status=EventStatus.DRAFT)
    with pytest.raises(NotFound):
        get_public_event(draft.slug)


@pytest.mark.parametrize(
    ("lang", "heading", "seats"),
    [
        ("fr", "Tous les événements", "places restantes"),
        ("nl", "Alle evenementen", "plaatsen"),
        ("en", "All events", "seats left"),
    ],
)
def test_event_page_in_each_language(client, lang, heading, seats):
    event = make_event(starts_at=date_in_summer())
    make_session(event, languages="nl")
    response = client.get(f"/events/{event.slug}?lang={lang}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<html lang="{lang}">' in html
    assert heading in html and seats in html
    # 12:00 UTC in July is 14:00 in Brussels.
    assert "14:00" in html


def date_in_summer():
    from datetime import UTC, datetime

    return datetime(2027, 7, 1, 12, 0, tzinfo=UTC)


def test_missing_translation_falls_back_and_is_marked(client):
    event = make_event(title_nl="")
    html = client.get(f"/events/{event.slug}?lang=nl").get_data(as_text=True)
    assert f'<span lang="fr">{event.title_fr}</span>' in html


def test_language_cookie_is_remembered(client):
    response = client.get("/lang/nl?next=/")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="nl">' in html


def test_language_switch_is_not_an_open_redirect(client):
    response = client.get("/lang/en?next=https://evil.example/")
    assert response.headers["Location"] == "/"


def test_accept_language_then_french_default(client):
    assert '<html lang="en">' in client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(True)
    assert '<html lang="fr">' in client.get("/", headers={"Accept-Language": "de"}).get_data(True)


def test_unknown_event_is_a_translated_404(client):
    response = client.get("/events/nope?lang=nl")
    assert response.status_code == 404
    assert "Pagina niet gevonden" in response.get_data(as_text=True)


def test_bad_filter_input_is_not_an_error_page(client):
    response = client.get("/?date_from=yesterday&theme=<script>&page=x")
    assert response.status_code == 200
    assert "<script>" not in response.get_data(as_text=True)


def test_catalogue_filter_by_theme_over_http(client):
    culture = make_theme("culture")
    shown = make_event(theme=culture, starts_at=date_in_summer())
    hidden = make_event(starts_at=date_in_summer())
    html = client.get("/?theme=culture&date_from=2027-07-01&date_to=2027-07-01").get_data(as_text=True)
    assert shown.slug in html and hidden.slug not in html
    assert date(2027, 7, 1)  # the filter uses Brussels calendar days


def test_catalogue_revalidates_with_etag_and_changes_with_seats(client):
    import sqlalchemy as sa

    from eventapp.events.models import Event
    from eventapp.extensions import db

    event = make_event(starts_at=date_in_summer())
    first = client.get("/?lang=en")
    etag = first.headers["ETag"]
    assert client.get("/?lang=en", headers={"If-None-Match": etag}).status_code == 304
    assert client.get("/?lang=nl", headers={"If-None-Match": etag}).status_code == 200
    db.session.execute(sa.update(Event).where(Event.id == event.id).values(seats_taken=49))
    db.session.commit()
    changed = client.get("/?lang=en", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "1 seat left" in changed.get_data(as_text=True)


def test_event_page_is_cached_but_each_visitor_gets_a_csrf_token(app):
    import re

    import sqlalchemy as sa

    from eventapp.events.models import Event
    from eventapp.extensions import db

    app.config["WTF_CSRF_ENABLED"] = True
    try:
        event = make_event(starts_at=date_in_summer(), capacity=10, registration_closes_at=None)
        token = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
        first = app.test_client().get(f"/events/{event.slug}?lang=en").get_data(as_text=True)
        second = app.test_client().get(f"/events/{event.slug}?lang=en").get_data(as_text=True)
        assert token.search(first).group(1) != token.search(second).group(1)
        assert "__csrf_token_placeholder__" not in first
        db.session.execute(sa.update(Event).where(Event.id == event.id).values(seats_taken=9, version=1))
        db.session.commit()
        assert "1 seat left" in app.test_client().get(f"/events/{event.slug}?lang=en").get_data(as_text=True)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_event_page_from_the_page_cache_runs_one_query_and_follows_changes(client, selects):
    import sqlalchemy as sa

    from eventapp.events.models import Event
    from eventapp.extensions import db

    event = make_event(starts_at=date_in_summer(), capacity=10, registration_closes_at=None, sessions=2)
    url = f"/events/{event.slug}?lang=en"
    db.session.commit()
    assert client.get(url).status_code == 200  # rendered into the page cache
    with selects() as seen:
        cached = client.get(url)
    assert cached.status_code == 200 and "10 seats left" in cached.get_data(as_text=True)
    assert len(seen) == 1  # the fingerprint only
    db.session.execute(sa.update(Event).where(Event.id == event.id).values(seats_taken=9))
    db.session.commit()
    assert "1 seat left" in client.get(url).get_data(as_text=True)
    db.session.execute(sa.update(Event).where(Event.id == event.id).values(status=EventStatus.DRAFT))
    db.session.commit()
    assert client.get(url).status_code == 404  # unpublished: gone from the cache's view at once


def test_explicit_lang_parameter_is_remembered_for_the_next_pages(client):
    client.get("/?lang=nl")
    assert '<html lang="nl">' in client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_dates_at_the_calendars_ends_are_refused_with_a_message_not_a_500(client):
    # Brussels midnight of 0001-01-01 is before year 1 in UTC; 9999-12-31 has no next day to stop at.
    for query in ("date_from=0001-01-01", "date_to=9999-12-31"):
        response = client.get(f"/?lang=en&{query}")
        assert response.status_code == 200, query  # the page, with the error on the field
        assert "Choose a date between 2000 and 2100." in response.get_data(as_text=True)
        api = client.get(f"/api/v1/events?{query}")
        assert api.status_code == 400 and "2000" in api.get_json()["error"]["message"]
