"""schema.org JSON-LD of the public pages, read back out of the rendered HTML."""

import json
import re
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from eventapp.core.communes import get_commune
from eventapp.core.time import BRUSSELS, utcnow
from eventapp.events import event_changes
from eventapp.events.models import Event, EventStatus
from eventapp.events.queries import PUBLIC_STATUSES
from eventapp.extensions import db
from eventapp.registration import notices
from tests.accounts.factories import make_admin
from tests.factories import NOW, make_event, make_session, make_venue

MAILING = notices.Mailing(key="testing-secret", base_url="http://events.test")
SCRIPT = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)
EVENT_STATUSES = {f"https://schema.org/Event{s}" for s in ("Scheduled", "Cancelled", "Postponed", "Rescheduled")}
AVAILABILITIES = {f"https://schema.org/{s}" for s in ("InStock", "SoldOut", "LimitedAvailability")}
OFFLINE = "https://schema.org/OfflineEventAttendanceMode"


def jsonld_blocks(html: str) -> list[dict]:
    return [json.loads(block) for block in SCRIPT.findall(html)]


def page_jsonld(client, path: str) -> dict:
    response = client.get(path)
    assert response.status_code == 200
    blocks = jsonld_blocks(response.get_data(as_text=True))
    assert len(blocks) == 1
    return blocks[0]


def assert_brussels_time(value: str) -> datetime:
    """An ISO 8601 date-time with the Brussels UTC offset of that very moment."""
    moment = datetime.fromisoformat(value)
    assert moment.tzinfo is not None, value
    assert moment.utcoffset() == moment.astimezone(BRUSSELS).utcoffset(), value
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", value), value
    return moment


def assert_place(place: dict, venue, lang: str) -> None:
    assert place["@type"] == "Place" and venue.name in place["name"]
    address = place["address"]
    assert address["@type"] == "PostalAddress"
    assert address["streetAddress"] == venue.street and address["postalCode"] == venue.postcode
    commune = get_commune(venue.commune_nis)
    assert address["addressLocality"] == (commune.name_nl if lang == "nl" else commune.name_fr)
    assert address["addressCountry"] == "BE"
    assert place["geo"] == {"@type": "GeoCoordinates", "latitude": venue.latitude, "longitude": venue.longitude}


def assert_valid_event(doc: dict, event: Event, lang: str) -> None:
    url = f"http://events.test/events/{event.slug}"
    assert doc["@context"] == "https://schema.org" and doc["@type"] == "Event"
    assert doc["url"] == url
    assert doc["name"] == getattr(event, f"title_{lang}")
    assert doc["description"] in (getattr(event, f"description_{lang}"), getattr(event, f"summary_{lang}"))
    assert doc["description"]
    assert "image" not in doc  # events have no image: omitted rather than invented
    assert assert_brussels_time(doc["startDate"]) == event.starts_at
    assert assert_brussels_time(doc["endDate"]) == event.ends_at
    assert doc["eventStatus"] in EVENT_STATUSES
    assert doc["eventAttendanceMode"] == OFFLINE
    assert_place(doc["location"], event.venue, lang)
    assert doc["organizer"] == {"@type": "Organization", "name": "Digital.Brussels", "url": "https://digital.brussels"}
    offers = doc["offers"]
    assert offers["@type"] == "Offer" and offers["price"] == 0 and offers["priceCurrency"] == "EUR"
    assert offers["availability"] in AVAILABILITIES
    assert offers["url"] == url
    assert_brussels_time(offers["validFrom"])
    assert doc["inLanguage"] == lang
    assert len(doc["subEvent"]) == len(event.sessions)
    for sub, session in zip(doc["subEvent"], event.sessions, strict=True):
        assert sub["@type"] == "Event" and sub["name"] == getattr(session, f"title_{lang}")
        assert assert_brussels_time(sub["startDate"]) == session.starts_at
        assert assert_brussels_time(sub["endDate"]) == session.ends_at
        assert sub["eventStatus"] == doc["eventStatus"] and sub["eventAttendanceMode"] == OFFLINE
        assert_place(sub["location"], event.venue, lang)
        assert sub["inLanguage"] == session.language_codes


def reload(slug: str) -> Event:
    """The event again, in the test's session: a request ends the session its objects were loaded in."""
    return db.session.scalar(sa.select(Event).where(Event.slug == slug))


def public_demo_events() -> list[Event]:
    return list(db.session.scalars(sa.select(Event).where(Event.status.in_(PUBLIC_STATUSES)).order_by(Event.id)))


@pytest.mark.parametrize("lang", ["fr", "nl", "en"])
def test_every_demo_event_page_carries_a_valid_schema_org_event(runner, client, lang):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    slugs = [event.slug for event in public_demo_events()]
    assert len(slugs) == 6
    for slug in slugs:
        doc = page_jsonld(client, f"/events/{slug}?lang={lang}")
        assert_valid_event(doc, reload(slug), lang)
        assert doc["eventStatus"] == "https://schema.org/EventScheduled"
        assert doc["offers"]["availability"] == "https://schema.org/InStock"


def test_the_locality_is_the_communes_official_name(client):
    # Laeken is part of the City of Brussels: the address names the commune, in the page's language.
    event = make_event(venue=make_venue(city_fr="Laeken", city_nl="Laken", postcode="1020", commune_nis="21004"))
    for lang, locality in (("fr", "Bruxelles"), ("nl", "Brussel"), ("en", "Bruxelles")):
        address = page_jsonld(client, f"/events/{event.slug}?lang={lang}")["location"]["address"]
        assert address["addressLocality"] == locality and address["postalCode"] == "1020"


def test_cancelling_an_event_turns_it_to_event_cancelled(client):
    event = make_event(sessions=2)
    event_changes.cancel_event(make_admin(), event, now=NOW, mailing=MAILING)
    db.session.commit()
    doc = page_jsonld(client, f"/events/{event.slug}?lang=en")
    assert doc["eventStatus"] == "https://schema.org/EventCancelled"
    assert {sub["eventStatus"] for sub in doc["subEvent"]} == {"https://schema.org/EventCancelled"}


def test_moving_a_published_event_makes_it_rescheduled(client):
    admin = make_admin()
    event = make_event(status=EventStatus.DRAFT, published_at=None)
    event_changes.publish_event(admin, event, now=NOW)
    db.session.commit()
    assert page_jsonld(client, f"/events/{event.slug}")["eventStatus"] == "https://schema.org/EventScheduled"
    event = reload(event.slug)
    later = event.starts_at + timedelta(days=7)
    event_changes.update_event(
        admin, event, {"starts_at": later, "ends_at": later + timedelta(hours=3)}, now=NOW, mailing=MAILING
    )
    db.session.commit()
    doc = page_jsonld(client, f"/events/{event.slug}")
    assert doc["eventStatus"] == "https://schema.org/EventRescheduled"
    assert assert_brussels_time(doc["startDate"]) == later


def test_availability_follows_seats_and_waiting_list(client):
    open_full = make_event(capacity=2, seats_taken=2, registration_closes_at=None)
    # The page reads the real clock: registration closed an hour ago.
    closed_full = make_event(capacity=2, seats_taken=2, registration_closes_at=utcnow() - timedelta(hours=1))
    availability = {
        event.slug: page_jsonld(client, f"/events/{event.slug}")["offers"]["availability"]
        for event in (open_full, closed_full)
    }
    assert availability == {
        open_full.slug: "https://schema.org/LimitedAvailability",
        closed_full.slug: "https://schema.org/SoldOut",
    }


def test_organiser_text_cannot_leave_the_data_block(client):
    attack = "</script><script>alert(1)</script><!-- & -->"
    event = make_event(title_en=f"Talk {attack}", description_en=attack)
    make_session(event, title_en=attack, room=attack)
    html = client.get(f"/events/{event.slug}?lang=en").get_data(as_text=True)
    assert "<script>alert(1)" not in html
    head = html.split("</head>")[0]
    assert head.count("<script") == 1  # the data block, whole: nothing after it became a script
    doc = jsonld_blocks(html)[0]
    assert doc["name"] == f"Talk {attack}" and doc["description"] == attack
    assert doc["subEvent"][0]["name"] == attack and doc["subEvent"][0]["location"]["name"].startswith(attack)
    assert "\\u003c/script\\u003e" in head and "\\u0026" in head


def test_the_page_has_a_csp_without_inline_scripts_and_the_block_is_data(client):
    event = make_event()
    response = client.get(f"/events/{event.slug}")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    scripts = re.findall(r"<script\b[^>]*>", response.get_data(as_text=True))
    # Inline scripts would be blocked; the JSON-LD block is a data block, which browsers do not run.
    assert [tag for tag in scripts if "src=" not in tag] == ['<script type="application/ld+json">']


def test_json_ld_costs_no_query_per_session(client, selects):
    pages = {make_event(sessions=1).slug: 1, make_event(sessions=4).slug: 4}
    db.session.commit()
    counts = []
    for slug, sessions in pages.items():
        with selects() as seen:
            doc = page_jsonld(client, f"/events/{slug}?lang=fr")  # rendered: not in the page cache yet
        counts.append(len(seen))
        assert len(doc["subEvent"]) == sessions
    assert counts[0] == counts[1]


def test_catalogue_lists_the_published_events_in_order(runner, client):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    after_demo = max(e.starts_at for e in public_demo_events()) + timedelta(days=1)
    cancelled = make_event(slug="zz-cancelled", starts_at=after_demo)
    draft = make_event(slug="zz-draft", starts_at=after_demo, status=EventStatus.DRAFT)
    event_changes.cancel_event(make_admin(), cancelled, now=NOW, mailing=MAILING)
    db.session.commit()
    doc = page_jsonld(client, "/?lang=nl")
    assert doc["@context"] == "https://schema.org" and doc["@type"] == "ItemList"
    items = doc["itemListElement"]
    # What the page lists (published and cancelled, soonest first), never a draft.
    shown = re.findall(r'<h3><a href="/events/([^"]+)">', client.get("/?lang=nl").get_data(as_text=True))
    assert [item["url"] for item in items] == [f"http://events.test/events/{slug}" for slug in shown]
    assert [item["position"] for item in items] == list(range(1, len(items) + 1))
    assert all(item["@type"] == "ListItem" for item in items)
    assert f"http://events.test/events/{draft.slug}" not in {item["url"] for item in items}
    # The demo's six events, soonest first, then the cancelled one (a day after the last).
    demo = sorted((e for e in public_demo_events() if e.id != cancelled.id), key=lambda e: (e.starts_at, e.id))
    assert [e.slug for e in demo] + [cancelled.slug] == shown


def test_catalogue_positions_continue_on_the_next_page(client):
    for _ in range(13):
        make_event()
    db.session.commit()
    doc = page_jsonld(client, "/?page=2")
    assert [item["position"] for item in doc["itemListElement"]] == [13]


# schema.org's own context (https://schema.org/docs/jsonldcontext.jsonld) is never fetched: the test
# reads the documents with this inline stand-in, which names the same vocabulary and, like schema.org's
# context, reads the enumeration and URL properties as IRIs.
OFFLINE_CONTEXT = {
    "@vocab": "https://schema.org/",
    **{name: {"@type": "@id"} for name in ("url", "eventStatus", "eventAttendanceMode", "availability")},
}


# rdflib 7's JSON-LD parser still builds a ConjunctiveGraph inside, which it warns about itself.
@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
@pytest.mark.parametrize("lang", ["fr", "nl", "en"])
def test_a_json_ld_processor_reads_the_demo_events_as_schema_org_events(runner, client, lang):
    rdflib = pytest.importorskip("rdflib")  # a JSON-LD processor, when installed (not a dependency)
    schema, rdf = rdflib.Namespace("https://schema.org/"), rdflib.RDF
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    for slug in [event.slug for event in public_demo_events()]:
        doc = page_jsonld(client, f"/events/{slug}?lang={lang}")
        graph = rdflib.Graph().parse(data=json.dumps(doc | {"@context": OFFLINE_CONTEXT}), format="json-ld")
        event = rdflib.URIRef(f"http://events.test/events/{slug}")
        assert (event, rdf.type, schema.Event) in graph
        assert graph.value(event, schema.eventStatus) == schema.EventScheduled
        assert graph.value(event, schema.eventAttendanceMode) == schema.OfflineEventAttendanceMode
        assert graph.value(event, schema.name).value == doc["name"]
        place = graph.value(event, schema.location)
        assert (place, rdf.type, schema.Place) in graph
        assert (graph.value(place, schema.address), rdf.type, schema.PostalAddress) in graph
        assert (graph.value(place, schema.geo), rdf.type, schema.GeoCoordinates) in graph
        offer = graph.value(event, schema.offers)
        assert graph.value(offer, schema.availability) == schema.InStock
        assert graph.value(offer, schema.url) == event
        assert (graph.value(event, schema.organizer), rdf.type, schema.Organization) in graph
        sessions = list(graph.objects(event, schema.subEvent))
        assert len(sessions) == len(doc["subEvent"]) and all((s, rdf.type, schema.Event) in graph for s in sessions)
