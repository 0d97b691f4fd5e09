"""Calendar links on the event page and the /feeds page."""

from html import unescape
from urllib.parse import parse_qs, urlsplit

from eventapp.events.models import EventStatus
from eventapp.extensions import db
from tests.factories import make_event, make_theme


def page(client, url):
    db.session.commit()
    response = client.get(url)
    assert response.status_code == 200
    return unescape(response.data.decode())


def test_event_page_offers_download_add_and_subscribe_links(client):
    culture = make_theme("culture")
    make_event(slug="smart-day", theme=culture)
    html = page(client, "/events/smart-day?lang=nl")
    assert 'href="http://events.test/events/smart-day.ics?lang=nl" download' in html
    assert 'href="webcal://events.test/feeds/themes/culture.ics?lang=nl"' in html
    assert 'href="http://events.test/feeds/themes/culture.ics?lang=nl"' in html
    google = next(
        part for part in html.split('"') if part.startswith("https://calendar.google.com/calendar/render?action")
    )
    query = parse_qs(urlsplit(google).query)
    assert query["dates"] == ["20270331T090000Z/20270331T120000Z"]
    assert query["ctz"] == ["Europe/Brussels"]
    assert "Abonneren" in html  # Dutch page
    assert 'href="/feeds"' in html


def test_cancelled_event_page_offers_no_add_links(client):
    make_event(slug="off", status=EventStatus.CANCELLED)
    html = page(client, "/events/off")
    assert "off.ics" not in html and "action=TEMPLATE" not in html
    assert "webcal://events.test/feeds/themes/education.ics?lang=fr" in html


def test_feeds_page_lists_the_all_and_theme_feeds(client):
    make_theme("culture", name_fr="Culture", name_nl="Cultuur", name_en="Culture")
    html = page(client, "/feeds?lang=en")
    assert 'href="webcal://events.test/feeds/all.ics?lang=en"' in html
    assert 'href="webcal://events.test/feeds/themes/culture.ics?lang=en"' in html
    google = "https://calendar.google.com/calendar/render?cid="
    assert google + "webcal%3A%2F%2Fevents.test%2Ffeeds%2Fall.ics%3Flang%3Den" in html
    assert "<h3>Culture</h3>" in html
