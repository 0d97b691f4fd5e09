import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from eventapp.core.outbox import OutboxMessage, message_content
from eventapp.core.time import utcnow
from eventapp.events.models import EventStatus
from eventapp.extensions import db
from eventapp.registration.models import Registration
from eventapp.registration.tokens import manage_token
from tests.factories import make_event, make_session
from tests.registration.factories import sign_up


def _form(**values):
    data = {
        "name": "Amina El Idrissi",
        "email": "amina@example.org",
        "language": "fr",
        "seats": "1",
        "audience": "resident",
        "commune": "21015",
        "accessibility_needs": "",
        "consent": "y",
        "website": "",
    }
    data.update(values)
    return data


def _registrations():
    return list(db.session.scalars(sa.select(Registration).order_by(Registration.id)))


def test_event_page_shows_the_form_with_communes_and_privacy_link(client):
    event = make_event(max_seats_per_registration=30)
    make_session(event, capacity=12)
    html = client.get(f"/events/{event.slug}?lang=nl").get_data(as_text=True)
    # No #register fragment: a URL fragment stops the error summary from taking the focus (autofocus).
    assert f'action="/events/{event.slug}/register"' in html
    assert "Schaarbeek / Schaerbeek" in html and 'value="outside"' in html
    assert 'max="30"' in html and "/privacy" in html
    assert 'class="hp"' in html


def test_register_then_confirmation_page_with_ticket_and_manage_links(client):
    event = make_event(capacity=5)
    response = client.post(f"/events/{event.slug}/register?lang=en", data=_form(seats="2"))
    assert response.status_code == 303
    location = response.headers["Location"]
    assert re.fullmatch(r"/registered/[A-Z2-7]{26}", location)
    page = client.get(location + "?lang=en").get_data(as_text=True)
    assert "Your seat is confirmed." in page
    assert "/tickets/EA1-" in page and "/manage/" in page
    [registration] = _registrations()
    assert registration.seats == 2 and registration.commune == "21015" and registration.audience == "resident"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 1


def test_full_event_confirmation_says_waiting_list_and_position(client):
    event = make_event(capacity=0)
    location = client.post(f"/events/{event.slug}/register", data=_form()).headers["Location"]
    page = client.get(location + "?lang=en").get_data(as_text=True)
    assert "You are on the waiting list, in position 1." in page
    assert "/tickets/" not in page


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"email": "not-an-email"}, "email", "Enter an email address like"),
        ({"name": "x" * 81}, "name", "Enter a person's name: at most 80 letters"),
        ({"name": "Bad\x07name"}, "name", "invisible control characters"),
        ({"seats": "5"}, "seats", "You can book from 1 to 4 seats."),
        ({"seats": "many"}, "seats", "Not a valid integer value."),
        ({"consent": ""}, "consent", "Please accept the privacy notice"),
        ({"commune": "12345"}, "commune", "Not a valid choice."),
        ({"accessibility_needs": "a" * 501}, "accessibility_needs", "Field cannot be longer than 500"),
    ],
)
def test_bad_input_is_shown_next_to_the_field_and_nothing_is_written(client, values, field, message):
    event = make_event()
    response = client.post(f"/events/{event.slug}/register?lang=en", data=_form(**values))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error"' in html and message in html
    assert 'value="Amina El Idrissi"' in html or field == "name"
    assert _registrations() == []


def test_service_errors_are_shown_on_the_page(client):
    event = make_event(registration_closes_at=utcnow() - timedelta(days=1))
    response = client.post(f"/events/{event.slug}/register?lang=en", data=_form())
    assert response.status_code == 422
    assert "Registration for this event is closed." in response.get_data(as_text=True)
    assert _registrations() == []


def test_full_session_error_next_to_sessions(app, client):
    event = make_event()
    workshop = make_session(event, capacity=1)
    with app.test_request_context():
        sign_up(event, session_ids=[workshop.id])
        # Each request (and context) ends its session: what the next one should see must be committed.
        db.session.commit()
        slug, workshop_id = event.slug, workshop.id
    response = client.post(f"/events/{slug}/register?lang=en", data=_form(sessions=str(workshop_id)))
    assert response.status_code == 422
    assert 'id="sessions-error"' in response.get_data(as_text=True)
    assert len(_registrations()) == 1


def test_cancelled_event_shows_no_form(client):
    slug = make_event(status=EventStatus.CANCELLED).slug
    db.session.commit()
    html = client.get(f"/events/{slug}?lang=en").get_data(as_text=True)
    assert "registration-form" not in html
    response = client.post(f"/events/{slug}/register?lang=en", data=_form())
    assert response.status_code == 422 and _registrations() == []


def test_same_address_gets_the_same_neutral_page_as_a_bot(client):
    slug = make_event().slug
    db.session.commit()
    client.post(f"/events/{slug}/register", data=_form())
    again = client.post(f"/events/{slug}/register", data=_form(name="Stranger"))
    bot = client.post(f"/events/{slug}/register", data=_form(email="bot@example.org", website="http://spam"))
    assert again.status_code == bot.status_code == 303
    assert again.headers["Location"] == bot.headers["Location"] == "/registered"
    page = client.get("/registered?lang=en").get_data(as_text=True)
    assert "Check your mailbox" in page and "Amina" not in page
    assert [r.email for r in _registrations()] == ["amina@example.org"]
    kinds = list(db.session.scalars(sa.select(OutboxMessage.kind).order_by(OutboxMessage.id)))
    assert kinds == ["registration.confirmed", "registration.resent"]


def test_privacy_page_in_three_languages(client):
    for lang, text in (("fr", "Déclaration de confidentialité"), ("nl", "Privacyverklaring"), ("en", "90 days")):
        html = client.get(f"/privacy?lang={lang}").get_data(as_text=True)
        assert text in html


def test_unknown_manage_token_is_404(client):
    assert client.get("/manage/AAAAAAAAAAAAAAAAAAAAAAAAAA").status_code == 404
    assert client.get("/registered/AAAAAAAAAAAAAAAAAAAAAAAAAA").status_code == 404
    assert client.post("/manage/AAAAAAAAAAAAAAAAAAAAAAAAAA/cancel", data={"cancel-confirm": "y"}).status_code == 404


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("en", "Use an address without accents or special letters before the @"),
        ("fr", "Utilisez une adresse sans accents ni lettres spéciales avant le @"),
        ("nl", "Gebruik een adres zonder accenten of speciale letters vóór de @"),
    ],
)
def test_an_accented_address_is_refused_in_the_visitors_language(client, lang, message):
    # It could not be sent to (no SMTPUTF8): accepting it would promise emails that never come.
    event = make_event()
    response = client.post(f"/events/{event.slug}/register?lang={lang}", data=_form(email="françois@example.be"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="email-error"' in html and message in html
    assert _registrations() == [] and db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0


def test_an_internationalised_domain_is_stored_in_its_ascii_form(client):
    event = make_event()
    response = client.post(f"/events/{event.slug}/register", data=_form(email=" Amina@Bücher.example "))
    assert response.status_code == 303
    [registration] = _registrations()
    assert registration.email == "amina@xn--bcher-kva.example"
    [message] = db.session.scalars(sa.select(OutboxMessage))
    assert message.recipient == "amina@xn--bcher-kva.example"


def test_links_in_emails_and_on_the_ticket_keep_the_registrants_language(app, client):
    event = make_event()
    client.post(f"/events/{event.slug}/register?lang=nl", data=_form(language="nl"))
    [message] = db.session.scalars(sa.select(OutboxMessage))
    with app.app_context():
        content = message_content(message)
    for body in (content.text, content.html):
        paths = re.findall(r"http://events\.test(/[^\s\"<]*)", body)
        assert {p.split("/")[1] for p in paths} == {"tickets", "manage", "events"}
        assert all(p.endswith("?lang=nl") for p in paths), paths
    paths = re.findall(r"http://events\.test(/\S+)", content.text)
    french_phone = app.test_client()  # another device, set to French
    headers = {"Accept-Language": "fr-BE,fr;q=0.9"}
    for path in paths:
        page = french_phone.get(path, headers=headers).get_data(as_text=True)
        assert '<html lang="nl"' in page, path
    ticket = next(p for p in paths if p.startswith("/tickets/"))
    page = app.test_client().get(ticket, headers=headers).get_data(as_text=True)
    calendar = re.search(r'href="(/events/[^"]+\.ics[^"]*)"', page).group(1)
    assert calendar == f"/events/{event.slug}.ics?lang=nl"
    assert "SUMMARY:Evenement" in app.test_client().get(calendar, headers=headers).get_data(as_text=True)


def _when(html: str) -> str:
    """The text of the page's first "When" entry, tags and extra spaces removed."""
    cell = re.search(r"<dt>[^<]+</dt><dd>\s*(<time.*?)</dd>", html, re.S).group(1)
    return " ".join(re.sub(r"<[^>]+>", "", cell).split())


DASH = "\u2013"  # what "--" stands for below


@pytest.mark.parametrize(
    ("lang", "overnight", "evening"),
    [
        ("en", "Friday, 12 March 2027, 18:00 -- Saturday, 13 March 2027, 15:00", "Friday, 12 March 2027, 18:00--23:30"),
        ("fr", "vendredi 12 mars 2027, 18:00 -- samedi 13 mars 2027, 15:00", "vendredi 12 mars 2027, 18:00--23:30"),
        ("nl", "vrijdag 12 maart 2027, 18:00 -- zaterdag 13 maart 2027, 15:00", "vrijdag 12 maart 2027, 18:00--23:30"),
    ],
)
def test_an_event_over_two_brussels_days_shows_its_end_date(app, client, lang, overnight, evening):
    overnight, evening = overnight.replace("--", DASH), evening.replace("--", DASH)
    hackathon = make_event(starts_at=datetime(2027, 3, 12, 17, 0, tzinfo=UTC), hours=21)
    evening_event = make_event(
        starts_at=datetime(2027, 3, 12, 17, 0, tzinfo=UTC), ends_at=datetime(2027, 3, 12, 22, 30, tzinfo=UTC)
    )
    # Brussels days, not UTC ones: one UTC day but two in Brussels (21:00 to 00:30), and the reverse.
    late = make_event(
        starts_at=datetime(2027, 3, 12, 20, 0, tzinfo=UTC), ends_at=datetime(2027, 3, 12, 23, 30, tzinfo=UTC)
    )
    night = make_event(
        starts_at=datetime(2027, 3, 12, 23, 30, tzinfo=UTC), ends_at=datetime(2027, 3, 13, 1, 0, tzinfo=UTC)
    )

    def when(event):
        return _when(client.get(f"/events/{event.slug}?lang={lang}").get_data(as_text=True))

    assert when(hackathon) == overnight and when(evening_event) == evening
    assert when(late).endswith(", 00:30") and when(night).endswith(f"00:30{DASH}02:00")
    client.post(f"/events/{hackathon.slug}/register?lang={lang}", data=_form(language=lang))
    with app.app_context():
        content = message_content(db.session.scalars(sa.select(OutboxMessage)).one())
    assert f": {overnight}\n" in content.text
    assert f"<td>{overnight}</td>" in content.html
    [registration] = _registrations()
    confirmation = client.get(f"/manage/{manage_token('testing-secret', registration.secret_seed)}?lang={lang}")
    assert overnight in " ".join(re.sub(r"<[^>]+>", "", confirmation.get_data(as_text=True)).split())


def test_sessions_of_an_event_over_two_days_say_which_day(client):
    hackathon = make_event(starts_at=datetime(2027, 3, 12, 17, 0, tzinfo=UTC), hours=21)  # Friday 18:00 to Saturday
    make_session(
        hackathon, starts_at=datetime(2027, 3, 13, 8, 0, tzinfo=UTC), ends_at=datetime(2027, 3, 13, 9, 30, tzinfo=UTC)
    )
    one_day = make_event(starts_at=datetime(2027, 3, 12, 17, 0, tzinfo=UTC), hours=4)
    make_session(one_day, starts_at=one_day.starts_at, ends_at=one_day.starts_at + timedelta(hours=1))

    def text(event):
        html = client.get(f"/events/{event.slug}?lang=en").get_data(as_text=True)
        return " ".join(re.sub(r"<[^>]+>", "", html).split())

    assert f"Saturday, 13 March 2027, 09:00{DASH}10:30" in text(hackathon)
    assert f"18:00{DASH}19:00" in text(one_day) and f"2027, 18:00{DASH}19:00" not in text(one_day)
