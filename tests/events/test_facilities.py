"""Accessibility facilities: ticked on the event form, listed on the page in FR/NL/EN, in the JSON-LD, and
a venue's UiTdatabank place id set on the venue form."""

from uuid import UUID

import sqlalchemy as sa

from eventapp.events.facilities import BY_ID, FACILITIES, parse_facilities, store_facilities
from eventapp.events.models import Event, Venue
from eventapp.extensions import db
from tests.accounts.factories import login, make_admin
from tests.backoffice.test_event_editing import _form_values
from tests.events.test_jsonld import page_jsonld
from tests.factories import make_event, make_venue

WHEELCHAIR, LOOP, VGT = "3.27.0.0.0", "3.17.1.0.0", "3.33.0.0.0"


def test_the_vocabulary_keeps_uitdatabank_ids_and_stores_known_ones_in_order():
    assert len(BY_ID) == len(FACILITIES)  # no id twice
    assert BY_ID[VGT].uitdatabank_label == "Tolken Vlaamse Gebarentaal"
    assert store_facilities([VGT, "not-a-term", WHEELCHAIR, VGT]) == f"{WHEELCHAIR} {VGT}"
    assert [f.term_id for f in parse_facilities(f"{VGT} 9.9.9 {WHEELCHAIR}")] == [WHEELCHAIR, VGT]


def test_the_organiser_ticks_facilities_on_the_event_form(client):
    event = make_event(facilities=WHEELCHAIR)
    login(client, make_admin().email)
    db.session.commit()
    url = f"/admin/events/{event.slug}/edit?lang=en"
    form = _form_values(client, url)
    assert form["facilities"] == [WHEELCHAIR]  # the stored choice is ticked
    page = client.get(url).get_data(as_text=True)
    assert "Hearing loop" in page and "<legend>Accessibility facilities offered</legend>" in page
    form["facilities"] = [LOOP, VGT, "9.9.9.9.9"]
    response = client.post(url, data=form)
    assert response.status_code == 422  # not a choice: the form says so, nothing is saved
    assert db.session.scalar(sa.select(Event.facilities).where(Event.id == event.id)) == WHEELCHAIR
    form["facilities"] = [VGT, LOOP]
    assert client.post(url, data=form).status_code == 302
    assert db.session.scalar(sa.select(Event.facilities).where(Event.id == event.id)) == f"{LOOP} {VGT}"


def test_the_event_page_lists_the_facilities_as_text_in_each_language(client):
    event = make_event(facilities=f"{WHEELCHAIR} {VGT}")
    db.session.commit()
    expected = {
        "en": ("Wheelchair accessible", "Flemish Sign Language interpreting"),
        "fr": ("Accessible en fauteuil roulant", "Interprétation en langue des signes flamande (VGT)"),
        "nl": ("Rolstoeltoegankelijk", "Tolken Vlaamse Gebarentaal"),
    }
    for lang, labels in expected.items():
        html = client.get(f"/events/{event.slug}?lang={lang}").get_data(as_text=True)
        section = html.split('id="accessibility"')[1].split("</ul>")[0]
        assert all(f"<li>{label}</li>" in section for label in labels), (lang, section)
        assert 'href="#register"' not in section


def test_an_event_without_facilities_says_so(client):
    event = make_event()
    db.session.commit()
    html = client.get(f"/events/{event.slug}?lang=en").get_data(as_text=True)
    assert "have not listed accessibility facilities" in html


def test_the_json_ld_carries_them_as_amenity_features_of_the_place(client):
    event = make_event(facilities=f"{WHEELCHAIR} {LOOP}")
    db.session.commit()
    place = page_jsonld(client, f"/events/{event.slug}?lang=nl")["location"]
    assert place["amenityFeature"] == [
        {
            "@type": "LocationFeatureSpecification",
            "name": "Rolstoeltoegankelijk",
            "propertyID": f"uitdatabank:{WHEELCHAIR}",
            "value": True,
        },
        {
            "@type": "LocationFeatureSpecification",
            "name": "Ringleiding",
            "propertyID": f"uitdatabank:{LOOP}",
            "value": True,
        },
    ]
    bare = make_event()
    db.session.commit()
    assert "amenityFeature" not in page_jsonld(client, f"/events/{bare.slug}")["location"]


def test_the_registration_form_points_to_the_facilities(client):
    event = make_event(facilities=WHEELCHAIR)
    db.session.commit()
    html = client.get(f"/events/{event.slug}?lang=en").get_data(as_text=True)
    assert "The facilities this event offers are listed under “Accessibility” above" in html


def test_the_venue_form_sets_the_uitdatabank_place_id(client):
    venue = make_venue()
    login(client, make_admin().email)
    db.session.commit()
    url = f"/admin/venues/{venue.slug}/edit?lang=en"
    form = _form_values(client, url)
    form["uitdatabank_place_id"] = "not an id"
    assert client.post(url, data=form).status_code == 422
    form["uitdatabank_place_id"] = " 85B04295-479C-40F5-B3DD-469DFB4387B3 "
    assert client.post(url, data=form).status_code == 302
    stored = db.session.scalar(sa.select(Venue.uitdatabank_place_id).where(Venue.id == venue.id))
    assert str(stored) == "85b04295-479c-40f5-b3dd-469dfb4387b3"
    form["uitdatabank_place_id"] = ""
    assert client.post(url, data=form).status_code == 302
    assert db.session.scalar(sa.select(Venue.uitdatabank_place_id).where(Venue.id == venue.id)) is None


def test_the_back_office_shows_the_export_with_a_copy_button(client):
    event = make_event(venue=make_venue(uitdatabank_place_id=None))
    with_id = make_event(venue=make_venue(uitdatabank_place_id=UUID(int=7)))
    login(client, make_admin().email)
    db.session.commit()
    html = client.get(f"/admin/events/{with_id.slug}/uitdatabank?lang=en").get_data(as_text=True)
    assert "data-copy-button" in html and "backoffice/copy.js" in html
    assert "&#34;calendarType&#34;: &#34;single&#34;" in html or "&quot;calendarType&quot;" in html
    assert "/places/00000000-0000-0000-0000-000000000007" in html
    missing = client.get(f"/admin/events/{event.slug}/uitdatabank?lang=en")
    assert missing.status_code == 200
    assert "has no UiTdatabank place id" in missing.get_data(as_text=True)
    overview = client.get(f"/admin/events/{event.slug}?lang=en").get_data(as_text=True)
    assert f"/admin/events/{event.slug}/uitdatabank" in overview


def test_the_export_page_is_for_the_events_organisers_only(client):
    from tests.accounts.factories import make_user

    event = make_event()
    login(client, make_user(events=[]).email)
    db.session.commit()
    assert client.get(f"/admin/events/{event.slug}/uitdatabank").status_code in (403, 404)


def test_the_json_api_lists_them_with_their_ids_and_labels(client):
    event = make_event(facilities=LOOP)
    db.session.commit()
    body = client.get(f"/api/v1/events/{event.slug}").get_json()
    assert body["facilities"] == [
        {
            "uitdatabank_id": LOOP,
            "label": {"fr": "Boucle à induction magnétique", "nl": "Ringleiding", "en": "Hearing loop"},
        }
    ]
