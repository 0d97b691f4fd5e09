"""Open data: each event links to its .ics and to the feeds it appears in."""

from eventapp.extensions import db
from tests.factories import make_event, make_theme


def test_events_link_to_their_ics_and_feeds(client):
    make_event(slug="smart-day", theme=make_theme("culture"))
    db.session.commit()
    [item] = [e for e in client.get("/api/v1/events?theme=culture").get_json()["events"] if e["slug"] == "smart-day"]
    assert item["ics"] == "http://events.test/events/smart-day.ics"
    assert item["feeds"] == {
        "theme": "http://events.test/feeds/themes/culture.ics",
        "all": "http://events.test/feeds/all.ics",
    }
    detail = client.get("/api/v1/events/smart-day").get_json()
    assert detail["ics"] == item["ics"]
    # The links work.
    assert client.get("/events/smart-day.ics").status_code == 200
    assert client.get("/feeds/themes/culture.ics").status_code == 200


def test_openapi_documents_the_feed_links(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert {"ics", "feeds"} <= set(schemas["Event"]["required"])
    assert set(schemas["EventFeeds"]["properties"]) == {"theme", "all"}
