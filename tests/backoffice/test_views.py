import csv
import io
import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from eventapp.accounts.models import AuditEntry, User
from eventapp.core.outbox import OutboxMessage
from eventapp.core.time import brussels, utcnow
from eventapp.events.editing import edit_token
from eventapp.events.models import Event, EventStatus, Theme, Venue
from eventapp.extensions import db
from eventapp.registration.models import Audience, Registration, RegistrationStatus
from tests.accounts.factories import login, make_admin, make_user
from tests.backoffice.factories import make_registration
from tests.factories import make_event, make_session, make_theme, make_venue


def _admin_client(client):
    email = make_admin().email
    db.session.commit()
    login(client, email)
    return client


def _local(dt):
    return brussels(dt).strftime("%Y-%m-%dT%H:%M")


def _event_form(theme_id, venue_id, **overrides):
    start = utcnow() + timedelta(days=20)
    data = {
        "title_fr": "Écoles numériques",
        "title_nl": "Digitale scholen",
        "title_en": "Digital schools",
        "summary_fr": "Résumé",
        "summary_nl": "Samenvatting",
        "summary_en": "Summary",
        "description_fr": "",
        "description_nl": "",
        "description_en": "",
        "slug": "digital-schools",
        "theme_id": str(theme_id),
        "venue_id": str(venue_id),
        "starts_at": _local(start),
        "ends_at": _local(start + timedelta(hours=3)),
        "capacity": "40",
        "max_seats_per_registration": "4",
    }
    return data | overrides


def test_event_form_has_the_three_languages_side_by_side(client):
    _admin_client(client)
    html = client.get("/admin/events/new?lang=nl").get_data(as_text=True)
    for lang in ("fr", "nl", "en"):
        assert f'<fieldset lang="{lang}">' in html
        assert f'name="title_{lang}"' in html and f'lang="{lang}"' in html
    assert "Samenvatting" in html  # labels in the reader's language


def test_create_publish_and_see_in_catalogue(client):
    _admin_client(client)
    theme, venue = make_theme("education"), make_venue()
    theme_id, venue_id = theme.id, venue.id
    db.session.commit()
    response = client.post("/admin/events/new", data=_event_form(theme_id, venue_id))
    assert response.status_code == 302 and response.headers["Location"] == "/admin/events/digital-schools"
    assert client.post("/admin/events/digital-schools/publish").status_code == 302
    event = db.session.scalar(sa.select(Event).where(Event.slug == "digital-schools"))
    assert event.status == EventStatus.PUBLISHED and event.capacity == 40
    assert "Digitale scholen" in client.get("/?lang=nl").get_data(as_text=True)


def test_invalid_event_form_shows_errors_next_to_fields(client):
    _admin_client(client)
    theme, venue = make_theme("education"), make_venue()
    ids = theme.id, venue.id
    db.session.commit()
    data = _event_form(*ids, slug="Bad Slug!", ends_at=_event_form(*ids)["starts_at"], title_fr="a\x07b")
    response = client.post("/admin/events/new?lang=en", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="slug-error"' in html and 'id="ends_at-error"' in html and 'id="title_fr-error"' in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)) == 0


def test_dates_outside_the_plausible_years_are_refused_on_their_fields(client):
    # "0001-01-01T00:05" in Brussels (local mean time then) is before year 1 in UTC: it used to be a 500.
    _admin_client(client)
    theme, venue = make_theme("education"), make_venue()
    ids = theme.id, venue.id
    db.session.commit()
    data = _event_form(*ids, starts_at="0001-01-01T00:05", registration_closes_at="9999-12-31T23:59")
    response = client.post("/admin/events/new?lang=nl", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="starts_at-error"' in html and 'id="registration_closes_at-error"' in html
    assert "Kies een datum tussen 2000 en 2100." in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)) == 0


def test_taken_slug_is_shown_on_the_field(client):
    _admin_client(client)
    make_event(slug="digital-schools")
    theme, venue = make_theme("education"), make_venue()
    ids = theme.id, venue.id
    db.session.commit()
    response = client.post("/admin/events/new?lang=en", data=_event_form(*ids))
    assert response.status_code == 422
    assert "Another event already uses this web address." in response.get_data(as_text=True)


def test_lowering_capacity_below_seats_taken_is_refused_with_a_clear_message(client):
    _admin_client(client)
    event = make_event(capacity=10)
    make_registration(event, seats=4)
    slug = event.slug
    form = _event_form(event.theme_id, event.venue_id, slug=slug, capacity="3")
    form |= {"starts_at": _local(event.starts_at), "ends_at": _local(event.ends_at)}
    form["edit_token"] = edit_token(event)  # as loaded with the edit page
    db.session.commit()
    response = client.post(f"/admin/events/{slug}/edit?lang=en", data=form)
    assert response.status_code == 422
    assert "4 seats are already taken" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(Event.capacity).where(Event.slug == slug)) == 10


def test_moving_a_published_event_emails_registrants(client):
    _admin_client(client)
    event = make_event()
    make_registration(event, language="nl")
    slug, sequence = event.slug, event.sequence
    form = _event_form(event.theme_id, event.venue_id, slug=slug, capacity="50")
    later = event.starts_at + timedelta(days=1)
    form |= {"starts_at": _local(later), "ends_at": _local(later + timedelta(hours=2))}
    form["edit_token"] = edit_token(event)
    db.session.commit()
    assert client.post(f"/admin/events/{slug}/edit", data=form).status_code == 302
    assert db.session.scalar(sa.select(Event.sequence).where(Event.slug == slug)) == sequence + 1
    assert (
        db.session.scalar(sa.select(OutboxMessage.language).where(OutboxMessage.kind == "registration.event_changed"))
        == "nl"
    )


def test_unpublish_refused_once_people_registered(client):
    _admin_client(client)
    event = make_event()
    make_registration(event)
    slug = event.slug
    db.session.commit()
    response = client.post(f"/admin/events/{slug}/unpublish?lang=en")
    assert response.status_code == 422
    assert "cancel the event instead" in response.get_data(as_text=True)


def test_event_overview_gives_the_whole_address_in_the_pages_language(client):
    _admin_client(client)
    slug = make_event().slug
    db.session.commit()
    assert "Rue Royale 2, 1000 Brussel</dd>" in client.get(f"/admin/events/{slug}?lang=nl").get_data(as_text=True)
    assert "Rue Royale 2, 1000 Bruxelles</dd>" in client.get(f"/admin/events/{slug}?lang=fr").get_data(as_text=True)


def test_cancel_needs_confirmation_then_notifies(client):
    _admin_client(client)
    event = make_event()
    make_registration(event)
    make_registration(event, status=RegistrationStatus.WAITLISTED)
    slug = event.slug
    db.session.commit()
    assert "2" in client.get(f"/admin/events/{slug}/cancel?lang=en").get_data(as_text=True)
    assert client.post(f"/admin/events/{slug}/cancel", data={}).status_code == 422
    assert client.post(f"/admin/events/{slug}/cancel", data={"confirm": "y"}).status_code == 302
    assert db.session.scalar(sa.select(Event.status).where(Event.slug == slug)) == EventStatus.CANCELLED
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(OutboxMessage.kind == "registration.event_cancelled")) == 2
    )


def test_sessions_add_edit_cancel(client):
    _admin_client(client)
    event = make_event()
    slug, start = event.slug, event.starts_at
    db.session.commit()
    data = {
        "title_fr": "Atelier",
        "title_nl": "Workshop",
        "title_en": "Workshop",
        "slug": "workshop-a",
        "kind": "workshop",
        "starts_at": _local(start),
        "ends_at": _local(start + timedelta(hours=1)),
        "room": "Salle 1",
        "languages": ["fr", "nl"],
        "capacity": "",
    }
    assert client.post(f"/admin/events/{slug}/sessions/new", data=data).status_code == 302
    page = client.get(f"/admin/events/{slug}/sessions/workshop-a/edit").get_data(as_text=True)
    data["edit_token"] = re.search(r'name="edit_token" type="hidden" value="(\w+)"', page).group(1)
    assert (
        client.post(f"/admin/events/{slug}/sessions/workshop-a/edit", data=data | {"room": "Salle 2"}).status_code
        == 302
    )
    assert "Salle 2" in client.get(f"/admin/events/{slug}").get_data(as_text=True)
    page = client.get(f"/admin/events/{slug}/sessions/workshop-a/cancel?lang=en").get_data(as_text=True)
    assert "Yes, cancel it and tell those who chose it" in page and "everyone" not in page
    assert client.post(f"/admin/events/{slug}/sessions/workshop-a/cancel", data={"confirm": "y"}).status_code == 302
    assert client.get(f"/admin/events/{slug}/sessions/workshop-a/edit").status_code == 404


def test_organiser_sees_only_their_events(client):
    mine, other = make_event(title_en="Mine"), make_event(title_en="Theirs")
    email = make_user(events=[mine]).email
    db.session.commit()
    login(client, email)
    html = client.get("/admin/?lang=en").get_data(as_text=True)
    assert "Mine" in html and "Theirs" not in html
    assert "New event" not in html
    assert other.slug not in html


def test_attendees_search_filter_and_paginate(client):
    _admin_client(client)
    event = make_event(capacity=200)
    session = make_session(event)
    make_registration(event, name="Zoë Janssens", email="zoe@example.org", commune="21009", audience=Audience.BUSINESS)
    make_registration(event, name="Marc Dupont", status=RegistrationStatus.WAITLISTED, sessions=[session])
    for _ in range(55):
        make_registration(event)
    slug, session_id = event.slug, session.id
    db.session.commit()
    html = client.get(f"/admin/events/{slug}/attendees?lang=en&q=zoe").get_data(as_text=True)
    assert "Zoë Janssens" in html and "Marc Dupont" not in html
    html = client.get(f"/admin/events/{slug}/attendees?lang=en&status=waitlisted").get_data(as_text=True)
    assert "Marc Dupont" in html and "Zoë" not in html
    html = client.get(f"/admin/events/{slug}/attendees?lang=en&session={session_id}").get_data(as_text=True)
    assert "Marc Dupont" in html and "1 registration found." in html
    html = client.get(f"/admin/events/{slug}/attendees?lang=en&commune=21009&audience=business").get_data(as_text=True)
    assert "Zoë" in html and "1 registration found." in html
    page2 = client.get(f"/admin/events/{slug}/attendees?lang=en&page=2").get_data(as_text=True)
    assert "57 registrations found." in page2 and 'aria-current="page">2<' in page2
    # Values no one can pick: the errors are shown, not everyone (400, never a 500).
    assert client.get(f"/admin/events/{slug}/attendees?status=bogus&commune=x").status_code == 400


def test_csv_export_is_utf8_with_bom_neutralises_formulas_and_is_audited(client):
    _admin_client(client)
    event = make_event()
    make_registration(event, name="Zoë Ñúñez", email="zoe@example.org", commune="21009")
    make_registration(event, name="=HYPERLINK(1)", email="evil@example.org")
    slug, event_id = event.slug, event.id
    db.session.commit()
    page = client.get(f"/admin/events/{slug}/attendees/export?lang=en").get_data(as_text=True)
    assert "The file will have 2 rows" in page
    response = client.post(f"/admin/events/{slug}/attendees/export?lang=en")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Name", "Email", "Status"]
    assert rows[1][0] == "Zoë Ñúñez" and "Ixelles" in rows[1][7]
    assert rows[2][0] == "'=HYPERLINK(1)"
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "attendees.exported"))
    assert entry.event_id == event_id and entry.details["rows"] == 2 and entry.actor_email


def test_export_respects_filters(client):
    _admin_client(client)
    event = make_event()
    make_registration(event, name="Confirmed One")
    make_registration(event, name="Waiting One", status=RegistrationStatus.WAITLISTED)
    slug = event.slug
    db.session.commit()
    raw = client.post(f"/admin/events/{slug}/attendees/export?status=waitlisted").get_data().decode("utf-8-sig")
    assert "Waiting One" in raw and "Confirmed One" not in raw


def test_manual_check_in_on_the_day(client):
    _admin_client(client)
    event = make_event(starts_at=utcnow() - timedelta(hours=1))
    registration = make_registration(event, seats=2)
    slug, uuid = event.slug, registration.uuid
    db.session.commit()
    url = f"/admin/events/{slug}/attendees/{uuid}/check-in"
    response = client.post(url, data={"back": f"/admin/events/{slug}/attendees?q=x"})
    assert response.headers["Location"] == f"/admin/events/{slug}/attendees?q=x"
    assert db.session.scalar(sa.select(Registration.checked_in_people).where(Registration.uuid == uuid)) == 2
    again = client.post(url, data={"back": "https://evil.example/"})
    assert again.headers["Location"] == f"/admin/events/{slug}/attendees"
    html = client.get(f"/admin/events/{slug}/dashboard?lang=en").get_data(as_text=True)
    assert "Back-office" in html  # the gate of manual check-ins


def test_manual_check_in_on_another_day_says_which_day(client):
    _admin_client(client)
    event = make_event(starts_at=datetime(2031, 6, 14, 17, tzinfo=UTC))  # a Saturday, 19:00 in Brussels
    registration = make_registration(event, seats=2)
    slug, uuid = event.slug, registration.uuid
    db.session.commit()
    page = client.post(f"/admin/events/{slug}/attendees/{uuid}/check-in?lang=fr", follow_redirects=True)
    assert "Entrée refusée\u00a0: ce billet est valable le samedi 14 juin 2031." in page.get_data(as_text=True)
    assert db.session.scalar(sa.select(Registration.checked_in_people).where(Registration.uuid == uuid)) == 0


def test_message_preview_then_send_and_delivery_counts(client):
    _admin_client(client)
    event = make_event()
    make_registration(event, language="nl")
    make_registration(event, language="fr", status=RegistrationStatus.WAITLISTED)
    slug = event.slug
    db.session.commit()
    form_html = client.get(f"/admin/events/{slug}/messages/new").get_data(as_text=True)
    message_id = re.search(r'name="message_id" type="hidden" value="([0-9a-f]{32})"', form_html).group(1)
    data = {
        "message_id": message_id,
        "subject_fr": "Infos",
        "subject_nl": "Info",
        "subject_en": "",
        "body_fr": "Bonjour",
        "body_nl": "Hallo",
        "body_en": "",
        "confirmed": "y",
        "waitlisted": "y",
        "action": "preview",
    }
    preview = client.post(f"/admin/events/{slug}/messages/new?lang=en", data=data).get_data(as_text=True)
    assert "2 people will receive it." in preview and "Send now" in preview
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0
    assert client.post(f"/admin/events/{slug}/messages/new", data=data | {"action": "send"}).status_code == 302
    assert client.post(f"/admin/events/{slug}/messages/new", data=data | {"action": "send"}).status_code == 302
    subjects = sorted(
        db.session.scalars(sa.select(OutboxMessage.subject).where(OutboxMessage.kind == "events.message"))
    )
    assert subjects == ["Info", "Infos"]  # once each, in their language
    db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.subject == "Info").values(status="sent"))
    db.session.commit()
    listing = client.get(f"/admin/events/{slug}/messages?lang=en").get_data(as_text=True)
    assert re.search(r"<td>2</td>\s*<td>1</td>\s*<td>1</td>\s*<td>0</td>", listing)


def test_dashboard_charts_have_tables_and_all_communes(client):
    _admin_client(client)
    event = make_event()
    make_registration(event, commune="21009", audience=Audience.RESIDENT, seats=3)
    slug = event.slug
    db.session.commit()
    html = client.get(f"/admin/events/{slug}/dashboard?lang=en").get_data(as_text=True)
    assert html.count('role="img"') >= 4 and "<table>" in html
    assert "Watermael-Boitsfort" in html and "Koekelberg" in html  # communes with zero people too
    assert 'src="/static/backoffice/live.js"' in html and "data-live-url" in html
    live = client.get(f"/admin/events/{slug}/dashboard.json").get_json()
    assert live["figures"]["seats_taken"] == 3 and live["figures"]["expected_people"] == 3
    series = client.get("/admin/dashboard?lang=en").get_data(as_text=True)
    assert "Dashboard of the series" in series and event.title_en in series


def test_venues_and_themes_pages(client):
    _admin_client(client)
    data = {
        "name": "Le Square",
        "slug": "square",
        "street": "Mont des Arts",
        "postcode": "1000",
        "commune_nis": "21004",
        "city_fr": "Bruxelles",
        "city_nl": "Brussel",
        "latitude": "50.8427",
        "longitude": "4.3571",
    }
    assert client.post("/admin/venues/new", data=data).status_code == 302
    assert db.session.scalar(sa.select(Venue.name).where(Venue.slug == "square")) == "Le Square"
    assert client.post("/admin/venues/new", data=data | {"latitude": "500"}).status_code == 422
    theme = {"slug": "mobility", "name_fr": "Mobilité", "name_nl": "Mobiliteit", "name_en": "Mobility"}
    assert client.post("/admin/themes/new", data=theme).status_code == 302
    assert client.post("/admin/themes/mobility/edit", data=theme | {"name_en": "Moving"}).status_code == 302
    assert db.session.scalar(sa.select(Theme.name_en).where(Theme.slug == "mobility")) == "Moving"


def test_audit_page_lists_actions(client):
    _admin_client(client)
    event = make_event()
    slug = event.slug
    db.session.commit()
    client.post(f"/admin/events/{slug}/cancel", data={"confirm": "y"})
    html = client.get("/admin/audit?lang=en").get_data(as_text=True)
    assert "event.cancelled" in html and slug in html


def test_nav_marks_the_current_page(client):
    _admin_client(client)
    html = client.get("/admin/venues?lang=en").get_data(as_text=True)
    assert re.search(r'<a href="/admin/venues" aria-current="page">', html)
    assert '<nav class="admin-nav" aria-label="Back-office">' in html


def test_register_on_behalf_then_resend_and_cancel_promotes(client):
    _admin_client(client)
    event = make_event(capacity=1)
    waiting = make_registration(event, status=RegistrationStatus.WAITLISTED, email="wait@example.org")
    slug, waiting_uuid = event.slug, waiting.uuid
    db.session.commit()
    data = {"name": "Anne Peeters", "email": "anne@example.org", "language": "nl", "seats": "1", "consent": "y"}
    assert client.get(f"/admin/events/{slug}/attendees/new?lang=en").status_code == 200
    assert client.post(f"/admin/events/{slug}/attendees/new", data=data | {"consent": ""}).status_code == 422
    assert client.post(f"/admin/events/{slug}/attendees/new", data=data).status_code == 302
    anne = db.session.scalar(sa.select(Registration).where(Registration.email == "anne@example.org"))
    assert anne.status == RegistrationStatus.CONFIRMED and anne.language == "nl"
    anne_uuid = anne.uuid
    db.session.commit()
    assert client.post(f"/admin/events/{slug}/attendees/{anne_uuid}/resend").status_code == 302
    confirmations = db.session.scalar(sa.select(sa.func.count()).where(OutboxMessage.recipient == "anne@example.org"))
    assert confirmations == 2
    page = client.get(f"/admin/events/{slug}/attendees/{anne_uuid}/cancel?lang=en").get_data(as_text=True)
    assert "Anne Peeters" in page
    # Only Anne is told: not the event's wording ("tell everyone who registered").
    assert "Yes, cancel this registration and email the person" in page and "everyone" not in page
    assert client.post(f"/admin/events/{slug}/attendees/{anne_uuid}/cancel", data={"confirm": "y"}).status_code == 302
    statuses = dict(db.session.execute(sa.select(Registration.uuid, Registration.status)).all())
    assert statuses[anne_uuid] == RegistrationStatus.CANCELLED
    assert statuses[waiting_uuid] == RegistrationStatus.CONFIRMED  # promoted in the same transaction
    actions = set(db.session.scalars(sa.select(AuditEntry.action)))
    assert {"attendee.registered", "attendee.ticket_resent", "attendee.cancelled"} <= actions


def test_admin_invites_an_organiser_who_chooses_a_password(client):
    _admin_client(client)
    event = make_event(title_en="Invited event")
    event_id, slug = event.id, event.slug
    db.session.commit()
    assert "Invited event" in client.get("/admin/users/new?lang=en").get_data(as_text=True)
    data = {"email": "Partner@Example.org", "role": "organiser", "language": "nl", "events": [str(event_id)]}
    assert client.post("/admin/users/new", data=data).status_code == 302
    assert client.post("/admin/users/new", data=data).status_code == 422  # the address is taken
    invitation = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "accounts.invitation"))
    assert invitation.recipient == "partner@example.org" and invitation.language == "nl"
    path = re.search(r"http://events\.test(/admin/password/reset/\S+)", invitation.body_text).group(1)
    client.post("/admin/logout")
    assert (
        client.post(path, data={"password": "partner pass phrase", "confirm": "partner pass phrase"}).status_code == 302
    )
    assert login(client, "partner@example.org", "partner pass phrase").status_code == 302
    assert client.get(f"/admin/events/{slug}").status_code == 200
    assert client.get("/admin/users").status_code == 403


def test_an_admin_deactivates_an_organiser_who_is_logged_out_at_once(app, client):
    admin_email, organiser = make_admin().email, make_user(events=[make_event()])
    organiser_email, organiser_id = organiser.email, organiser.id
    db.session.commit()
    colleague = app.test_client()
    login(colleague, organiser_email)
    assert colleague.get("/admin/").status_code == 200
    login(client, admin_email)
    page = client.get("/admin/users?lang=en").get_data(as_text=True)
    assert f'<span class="visually-hidden"> {organiser_email}</span>' in page  # whose account the button is for
    response = client.post(f"/admin/users/{organiser_id}/deactivate?lang=en", follow_redirects=True)
    assert f"{organiser_email} can no longer log in." in response.get_data(as_text=True)
    assert colleague.get("/admin/").status_code == 302  # back to the login page
    assert login(colleague, organiser_email).status_code != 302  # and cannot log in again
    client.post(f"/admin/users/{organiser_id}/reactivate")
    assert login(colleague, organiser_email).status_code == 302


def test_an_admin_cannot_deactivate_their_own_account(client):
    admin = make_admin()
    admin_email, admin_id = admin.email, admin.id
    db.session.commit()
    login(client, admin_email)
    response = client.post(f"/admin/users/{admin_id}/deactivate?lang=en", follow_redirects=True)
    assert "You cannot deactivate your own account." in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 200


def test_an_admin_moves_an_organiser_from_one_event_to_another(app, client):
    first, second = make_event(slug="first-event"), make_event(slug="second-event")
    admin_email, organiser = make_admin().email, make_user(events=[first])
    organiser_email, organiser_id, second_id = organiser.email, organiser.id, second.id
    db.session.commit()
    colleague = app.test_client()
    login(colleague, organiser_email)
    assert colleague.get("/admin/events/first-event").status_code == 200
    login(client, admin_email)
    page = client.get(f"/admin/users/{organiser_id}/events?lang=en").get_data(as_text=True)
    assert f"Events managed by {organiser_email}" in page
    # Checkboxes (a plain click on a multiple select drops every other choice), each event with its day.
    first_box = re.search(r'<input type="checkbox" name="events" id="events-\d+" value="(\d+)" checked>', page)
    assert first_box and int(first_box.group(1)) != second_id and "<select" not in page
    assert re.search(r"Event \d+ · \d{1,2} \w{3} \d{4}</label>", page)
    response = client.post(f"/admin/users/{organiser_id}/events?lang=en", data={"events": [str(second_id)]})
    assert response.status_code == 302
    assert colleague.get("/admin/events/first-event").status_code == 404  # as if it did not exist
    assert colleague.get("/admin/events/second-event").status_code == 200
    # Administrators manage everything: their list cannot be set.
    admin_id = db.session.scalar(sa.select(User.id).where(User.email == admin_email))
    response = client.post(f"/admin/users/{admin_id}/events?lang=en", data={"events": [str(second_id)]})
    assert response.status_code == 422 and "Administrators manage every event." in response.get_data(as_text=True)
