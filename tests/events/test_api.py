from datetime import UTC, datetime

from tests.factories import make_event, make_session, make_theme


def test_list_events_json(client):
    event = make_event(starts_at=datetime(2027, 7, 1, 12, 0, tzinfo=UTC), capacity=40, seats_taken=40, seats_waiting=3)
    make_session(event, capacity=10, seats_taken=4, kind="workshop")
    data = client.get("/api/v1/events?date_from=2027-07-01").get_json()
    [item] = [e for e in data["events"] if e["slug"] == event.slug]
    assert item["start"] == "2027-07-01T14:00:00+02:00"
    assert item["title"] == {"fr": event.title_fr, "nl": event.title_nl, "en": event.title_en}
    assert (item["capacity"], item["seats_left"], item["waiting_list"]) == (40, 0, 3)
    assert item["sessions"][0]["seats_left"] == 6
    assert "id" not in item


def test_event_detail_and_404(client):
    event = make_event()
    assert client.get(f"/api/v1/events/{event.slug}").get_json()["description"]["fr"] is None
    response = client.get("/api/v1/events/unknown")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_bad_filters_are_a_clear_400(client):
    make_theme("culture")
    response = client.get("/api/v1/events?theme=nope&date_from=2027-13-01")
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"]["code"] == "invalid_filter"
    assert "theme" in body["error"]["message"] and "date_from" in body["error"]["message"]


def test_openapi_document_lists_the_catalogue(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    assert {"/api/v1/events", "/api/v1/events/{slug}"} <= set(document["paths"])
    assert "Event" in document["components"]["schemas"]
