"""The UiTdatabank export, validated against publiq's `event-post` JSON schema (copied in udb3_schemas/)."""

import json
from datetime import timedelta
from pathlib import Path
from uuid import UUID

import pytest
import sqlalchemy as sa
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from eventapp.core.time import BRUSSELS
from eventapp.events import event_changes
from eventapp.events.facilities import FACILITIES
from eventapp.events.models import Event
from eventapp.events.queries import PUBLIC_STATUSES
from eventapp.events.uitdatabank import event_to_uitdatabank
from eventapp.extensions import db
from tests.accounts.factories import make_admin
from tests.events.test_jsonld import MAILING
from tests.factories import NOW, make_event, make_session, make_venue

SCHEMAS = Path(__file__).parent / "udb3_schemas"
PLACE_ID = UUID("85b04295-479c-40f5-b3dd-469dfb4387b3")


def _retrieve(uri: str) -> Resource:
    # The copy is flat (see udb3_schemas/README.md): "./x.json" and "../models/x.json" are both x.json here.
    # Anything else (a network address) is refused: validation must not depend on the network.
    name = uri.rsplit("/", 1)[-1]
    path = SCHEMAS / name
    if not name.endswith(".json") or not path.is_file():
        raise LookupError(uri)
    return Resource.from_contents(json.loads(path.read_text()), default_specification=DRAFT202012)


def validator(name: str) -> Draft202012Validator:
    schema = json.loads((SCHEMAS / name).read_text())
    # Relative references resolve against this base, then by file name in the copy (_retrieve).
    registry = Registry(retrieve=_retrieve)
    return Draft202012Validator(
        schema | {"$id": f"https://udb3-schemas.test/requestBodies/{name}"},
        registry=registry,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


EVENT_POST = validator("event-post.json")
# event-post accepts the current model or the deprecated one: the export must be valid as the current one.
EVENT_MODEL = validator("event.json")


def assert_valid(document: dict) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in EVENT_POST.iter_errors(document)]
    assert not errors, errors
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in EVENT_MODEL.iter_errors(document)]
    assert not errors, errors


def export(event: Event, now=NOW) -> dict:
    return event_to_uitdatabank(
        event, event_url=f"http://events.test/events/{event.slug}", uitdatabank_url="https://io.uitdatabank.be", now=now
    )


def test_the_validator_refuses_what_uitdatabank_refuses():
    event = make_event(venue=make_venue(uitdatabank_place_id=PLACE_ID))
    document = export(event)
    assert_valid(document)
    for broken in (
        {k: v for k, v in document.items() if k != "location"},
        document | {"calendarType": "single", "subEvent": []},
        document | {"terms": [t for t in document["terms"] if t["domain"] != "eventtype"]},
        document | {"location": {"@id": "https://io.uitdatabank.be/places/not-a-uuid"}},
        document | {"name": {"nl": "x" * 91}},
        document | {"attendanceMode": "in person"},
    ):
        assert not EVENT_POST.is_valid(broken)


def test_every_demo_event_validates_against_event_post(runner, client):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    slugs = list(db.session.scalars(sa.select(Event.slug).where(Event.status.in_(PUBLIC_STATUSES))))
    assert len(slugs) == 6
    for slug in slugs:
        response = client.get(f"/api/v1/events/{slug}/uitdatabank")
        assert response.status_code == 200, slug
        document = response.get_json()
        assert_valid(document)
        assert document["mainLanguage"] == "nl"
        assert set(document["name"]) == {"nl", "fr", "en"}
        assert document["location"]["@id"].startswith("https://io.uitdatabank.be/places/00000000-0000-0000-0000-")
        assert document["attendanceMode"] == "offline" and document["audience"] == {"audienceType": "everyone"}
        assert document["bookingInfo"]["url"] == f"http://events.test/events/{slug}"
        domains = [term["domain"] for term in document["terms"]]
        assert domains[:2] == ["eventtype", "theme"] and "facility" in domains


def test_it_carries_the_terms_calendar_and_facilities():
    event = make_event(venue=make_venue(uitdatabank_place_id=PLACE_ID), sessions=2, facilities="3.33.0.0.0 3.27.0.0.0")
    document = export(event)
    assert_valid(document)
    assert document["terms"] == [
        {"id": "0.3.2.0.0", "label": "Lezing of congres", "domain": "eventtype"},
        {"id": "1.37.2.0.0", "label": "Samenleving", "domain": "theme"},
        {"id": "3.27.0.0.0", "label": "Rolstoeltoegankelijk", "domain": "facility"},
        {"id": "3.33.0.0.0", "label": "Tolken Vlaamse Gebarentaal", "domain": "facility"},
    ]
    assert document["location"] == {"@id": f"https://io.uitdatabank.be/places/{PLACE_ID}"}
    assert document["calendarType"] == "single"
    [sub] = document["subEvent"]
    assert sub["startDate"] == event.starts_at.astimezone(BRUSSELS).isoformat()
    assert sub["status"] == {"type": "Available"}
    assert sub["bookingAvailability"] == {"type": "Available", "capacity": 50, "remainingCapacity": 50}


def test_an_event_over_two_days_is_a_multiple_calendar():
    event = make_event(venue=make_venue(uitdatabank_place_id=PLACE_ID), hours=30)
    make_session(event, starts_at=event.starts_at, ends_at=event.starts_at + timedelta(hours=2))
    next_day = event.starts_at + timedelta(hours=24)
    make_session(event, starts_at=next_day, ends_at=next_day + timedelta(hours=3))
    db.session.refresh(event)
    document = export(event)
    assert_valid(document)
    assert document["calendarType"] == "multiple"
    assert [s["id"] for s in document["subEvent"]] == [0, 1]


def test_a_full_event_is_unavailable_for_booking():
    event = make_event(venue=make_venue(uitdatabank_place_id=PLACE_ID), capacity=2, seats_taken=2)
    document = export(event)
    assert_valid(document)
    assert document["subEvent"][0]["bookingAvailability"] == {
        "type": "Unavailable",
        "capacity": 2,
        "remainingCapacity": 0,
    }


def test_a_cancelled_event_is_unavailable_with_a_reason_in_three_languages(app_ctx):
    event = make_event(venue=make_venue(uitdatabank_place_id=PLACE_ID))
    event_changes.cancel_event(make_admin(), event, now=NOW, mailing=MAILING)
    document = export(event)
    assert_valid(document)
    assert document["status"]["type"] == "Unavailable" and set(document["status"]["reason"]) == {"nl", "fr", "en"}
    assert document["status"]["reason"]["nl"] != document["status"]["reason"]["en"]
    assert document["subEvent"][0]["status"] == document["status"]


def test_long_titles_are_cut_to_uitdatabank_length():
    event = make_event(venue=make_venue(uitdatabank_place_id=PLACE_ID), title_fr="É" * 150)
    document = export(event)
    assert_valid(document)
    assert len(document["name"]["fr"]) == 90 and document["name"]["fr"].endswith("…")


def test_a_venue_without_place_id_is_refused_not_a_500(client):
    event = make_event()
    db.session.commit()
    response = client.get(f"/api/v1/events/{event.slug}/uitdatabank")
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "venue_not_in_uitdatabank"


def test_a_draft_is_not_exported(client):
    event = make_event(status="draft", venue=make_venue(uitdatabank_place_id=PLACE_ID))
    db.session.commit()
    assert client.get(f"/api/v1/events/{event.slug}/uitdatabank").status_code == 404


@pytest.mark.parametrize("facility", FACILITIES, ids=lambda f: f.term_id)
def test_each_facility_is_a_valid_facility_term(facility):
    event = make_event(venue=make_venue(uitdatabank_place_id=PLACE_ID), facilities=facility.term_id)
    document = export(event)
    assert_valid(document)
    assert document["terms"][-1] == {"id": facility.term_id, "label": facility.uitdatabank_label, "domain": "facility"}


def test_cancelling_turns_json_ld_export_and_icalendar_to_cancelled_in_one_transaction(app_ctx):
    from eventapp.events.ical import event_calendar
    from eventapp.events.jsonld import event_jsonld

    event = make_event(venue=make_venue(uitdatabank_place_id=PLACE_ID), sessions=1)
    db.session.commit()

    def views() -> tuple[str, str, bool]:
        jsonld = event_jsonld(
            event, language="en", url_for_event=lambda s: s, organizer_url="https://digital.brussels", now=NOW
        )
        ics = event_calendar(event, lang="en", base_url="http://events.test").decode()
        return jsonld["eventStatus"], export(event)["status"]["type"], "STATUS:CANCELLED" in ics

    assert views() == ("https://schema.org/EventScheduled", "Available", False)
    event_changes.cancel_event(make_admin(), event, now=NOW, mailing=MAILING)
    # Inside the transaction that cancels (not committed yet), all three already say so...
    assert views() == ("https://schema.org/EventCancelled", "Unavailable", True)
    db.session.rollback()
    db.session.refresh(event)
    # ...and a transaction rolled back takes all three back: they read the one status column.
    assert views() == ("https://schema.org/EventScheduled", "Available", False)
