import json
import re
from datetime import timedelta

import sqlalchemy as sa

from eventapp.core.errors import InvalidState
from eventapp.core.outbox import OutboxMessage
from eventapp.core.time import utcnow
from eventapp.events.models import EventStatus
from eventapp.extensions import db
from eventapp.registration import services
from eventapp.registration.models import Registration, RegistrationStatus
from eventapp.registration.tokens import manage_token
from tests.factories import NOW, make_event, make_session
from tests.pages import switch_language
from tests.registration.factories import KEY, sign_up


def _register(client, slug, email, seats="1", **extra):
    data = {"name": "Lea", "email": email, "language": "en", "seats": seats, "consent": "y", **extra}
    location = client.post(f"/events/{slug}/register", data=data).headers["Location"]
    return location.rsplit("/", 1)[1]


def _by_email(email):
    return db.session.scalar(sa.select(Registration).where(Registration.email == email))


def _setup(capacity=1, **values):
    event = make_event(capacity=capacity, **values)
    db.session.commit()
    return event.slug


def test_manage_page_cancel_promotes_the_next_person(client):
    slug = _setup(capacity=1)
    token = _register(client, slug, "first@example.org")
    _register(client, slug, "second@example.org")
    page = client.get(f"/manage/{token}?lang=en")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "Your seat is confirmed." in html and "/tickets/EA1-" in html
    refused = client.post(f"/manage/{token}/cancel?lang=en", data={})
    assert refused.status_code == 422 and "Tick the box to confirm." in refused.get_data(as_text=True)
    assert client.post(f"/manage/{token}/cancel", data={"cancel-confirm": "y"}).status_code == 303
    assert _by_email("second@example.org").status == RegistrationStatus.CONFIRMED
    kinds = list(db.session.scalars(sa.select(OutboxMessage.kind).order_by(OutboxMessage.id)))
    assert kinds[-2:] == ["registration.cancelled", "registration.promoted"]
    html = client.get(f"/manage/{token}?lang=en").get_data(as_text=True)
    assert "This registration has been cancelled." in html and "cancel-confirm" not in html


def test_reduce_seats_and_change_sessions_from_the_manage_page(client):
    event = make_event(capacity=10)
    workshop = make_session(event, capacity=5)
    db.session.commit()
    slug, workshop_id = event.slug, workshop.id
    token = _register(client, slug, "group@example.org", seats="4")
    assert client.post(f"/manage/{token}/seats", data={"seats-seats": "9"}).status_code == 422
    assert client.post(f"/manage/{token}/seats", data={"seats-seats": "2"}).status_code == 303
    assert client.post(f"/manage/{token}/sessions", data={"sessions-sessions": str(workshop_id)}).status_code == 303
    registration = _by_email("group@example.org")
    assert registration.seats == 2 and [s.id for s in registration.sessions] == [workshop_id]


def test_download_data_and_calendar(client):
    slug = _setup()
    token = _register(client, slug, "data@example.org")
    export = client.get(f"/manage/{token}/data.json")
    assert export.mimetype == "application/json" and "attachment" in export.headers["Content-Disposition"]
    assert json.loads(export.data)["registration"]["email"] == "data@example.org"
    ics = client.get(f"/manage/{token}/calendar.ics")
    assert ics.mimetype == "text/calendar" and b"BEGIN:VEVENT" in ics.data


def test_erase_removes_personal_data_and_the_link(client):
    slug = _setup()
    token = _register(client, slug, "erase@example.org", accessibility_needs="hearing loop")
    assert client.post(f"/manage/{token}/erase", data={}).status_code == 422
    response = client.post(f"/manage/{token}/erase", data={"erase-confirm": "y"})
    assert response.status_code == 303 and response.headers["Location"] == "/erased"
    assert client.get(f"/manage/{token}").status_code == 404
    [registration] = db.session.scalars(sa.select(Registration)).all()
    assert (registration.name, registration.email, registration.accessibility_needs) == ("", "", "")
    assert registration.status == RegistrationStatus.CANCELLED


def test_resend_from_the_manage_page_is_limited(client):
    slug = _setup()
    token = _register(client, slug, "resend@example.org")
    for _ in range(3):
        assert client.post(f"/manage/{token}/resend").status_code == 303
    kinds = list(db.session.scalars(sa.select(OutboxMessage.kind).order_by(OutboxMessage.id)))
    assert kinds == ["registration.confirmed", "registration.resent"]


def test_after_people_were_let_in_the_manage_page_refuses_cancel_and_too_few_seats(client):
    slug = _setup(capacity=4)
    token = _register(client, slug, "group@example.org", seats="4")
    _register(client, slug, "wait@example.org", seats="2")
    # As a scan at the door leaves it (the door's service is tested in tests/tickets).
    db.session.execute(
        sa.update(Registration).where(Registration.email == "group@example.org").values(checked_in_people=3)
    )
    db.session.commit()
    page = client.get(f"/manage/{token}?lang=nl").get_data(as_text=True)
    assert "cancel-confirm" not in page and "al binnengelaten: ze kan niet meer worden geannuleerd" in page
    assert 'min="3"' in page
    refused = client.post(f"/manage/{token}/seats?lang=nl", data={"seats-seats": "2"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'id="seats-seats-error"' in html
    assert "3 personen met deze inschrijving zijn al binnengelaten: behoud minstens 3 plaatsen." in html
    refused = client.post(f"/manage/{token}/cancel?lang=fr", data={"cancel-confirm": "y"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'role="alert"' in html
    assert "Quelqu\u2019un de cette inscription est déjà entré : elle ne peut plus être annulée." in html
    db.session.expire_all()
    assert _by_email("group@example.org").status == RegistrationStatus.CONFIRMED
    assert _by_email("wait@example.org").status == RegistrationStatus.WAITLISTED


def test_only_a_confirmed_registration_is_offered_and_given_a_calendar_entry(client):
    slug = _setup(capacity=1)
    confirmed = _register(client, slug, "first@example.org")
    waiting = _register(client, slug, "second@example.org")
    cancelled = _register(client, slug, "third@example.org")
    client.post(f"/manage/{cancelled}/cancel", data={"cancel-confirm": "y"})
    for token, title in [
        (confirmed, "Your seat is confirmed."),
        (waiting, "You are on the waiting list"),
        (cancelled, "Registration cancelled"),
    ]:
        offered = f"/manage/{token}/calendar.ics" in client.get(f"/manage/{token}?lang=en").get_data(as_text=True)
        page = client.get(f"/registered/{token}?lang=en").get_data(as_text=True)
        assert re.search(r"<title>(.*?) ·", page).group(1) == title
        assert (f"/manage/{token}/calendar.ics" in page) is offered is (token == confirmed)
        ics = client.get(f"/manage/{token}/calendar.ics")
        if token == confirmed:
            assert ics.status_code == 200 and b"STATUS:CONFIRMED" in ics.data
        else:
            assert ics.status_code == 303 and ics.headers["Location"] == f"/manage/{token}"
            page = client.get(f"/manage/{token}").get_data(as_text=True)  # in the cookie's language
            assert "Only a confirmed registration can be added to a calendar." in page


def test_a_sessions_error_is_tied_to_its_fieldset(client):
    event = make_event(capacity=10)
    first = make_session(event, capacity=5)
    overlapping = make_session(event, capacity=5, starts_at=first.starts_at, ends_at=first.ends_at)
    db.session.commit()
    slug, chosen = event.slug, [str(first.id), str(overlapping.id)]
    token = _register(client, slug, "lea@example.org")
    response = client.post(f"/manage/{token}/sessions?lang=en", data={"sessions-sessions": chosen})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    fieldset = re.search(r"<fieldset[^>]*>", html).group(0)
    assert 'aria-describedby="sessions-sessions-error"' in fieldset
    assert re.search(r'<p class="error" id="sessions-sessions-error">[^<]*at the same time', html)


def test_after_the_event_is_cancelled_the_manage_page_says_so_and_offers_no_ticket(client):
    slug = _setup(capacity=5)
    token = _register(client, slug, "lea@example.org")
    registration = _by_email("lea@example.org")
    registration.event.status = EventStatus.CANCELLED
    db.session.commit()
    html = client.get(f"/manage/{token}?lang=nl").get_data(as_text=True)
    assert "Het spijt ons: dit evenement is geannuleerd." in html
    assert "Uw plaats is bevestigd." not in html
    assert "/tickets/EA1-" not in html and f"/manage/{token}/calendar" not in html
    assert 'id="calendar-feed"' not in html  # no private calendar link offered for it either
    # Not offered, but an entry saved earlier re-downloads as cancelled, so calendars update.
    ics = client.get(f"/manage/{token}/calendar.ics")
    assert ics.status_code == 200 and b"STATUS:CANCELLED" in ics.data


def test_switching_language_on_a_page_shown_after_a_form_error_goes_back_to_that_page(client):
    slug = _setup(capacity=5)
    refused = client.post(f"/events/{slug}/register?lang=en", data={"email": "not an address"})
    assert refused.status_code == 422
    switched = switch_language(client, refused.get_data(as_text=True), "nl")
    assert switched.status_code == 200 and switched.request.path == f"/events/{slug}"
    assert '<html lang="nl">' in switched.get_data(as_text=True)

    token = _register(client, slug, "group@example.org", seats="3")
    refused = client.post(f"/manage/{token}/seats?lang=en", data={"seats-seats": "9"})
    assert refused.status_code == 422
    switched = switch_language(client, refused.get_data(as_text=True), "fr")
    assert switched.status_code == 200 and switched.request.path == f"/manage/{token}"


def test_the_manage_page_offers_a_change_exactly_when_the_service_accepts_it(client, app_ctx):
    """A draft event cannot hold a live registration (unpublishing needs none), but if one did, the
    page and the service would still agree: one rule, `can_change`."""

    def draft(r):
        r.event.status = EventStatus.DRAFT

    def cancelled_event(r):
        r.event.status = EventStatus.CANCELLED

    def started(r):
        r.event.starts_at = utcnow() - timedelta(hours=1)

    def cancelled(r):
        services.cancel(r, key=KEY, now=NOW)

    for change, expected in [
        (None, True),
        (draft, True),
        (cancelled_event, False),
        (started, False),
        (cancelled, False),
    ]:
        registration = sign_up(make_event(capacity=5), seats=2).registration
        if change:
            change(registration)
        db.session.commit()
        html = client.get(f"/manage/{manage_token(KEY, registration.secret_seed)}").get_data(as_text=True)
        try:
            with db.session.begin_nested():
                services.reduce_seats(registration, 1, key=KEY, now=utcnow())
            accepted = True
        except InvalidState:
            accepted = False
        assert ('id="seats-heading"' in html) is accepted is expected, change
