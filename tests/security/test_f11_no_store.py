"""Finding 11: every page with personal data or secrets answers `Cache-Control: no-store`.

The attack: the attendee list, the audit log, the account list and the two-step enrolment page
(which shows the authenticator secret) carried no Cache-Control, so a browser or a proxy could keep
them and show them to the next person at a shared computer after the organiser logged out.
"""

from eventapp.extensions import db
from eventapp.registration.tokens import manage_token
from eventapp.tickets.codes import ticket_code
from tests.accounts.factories import login, make_admin
from tests.backoffice.factories import make_registration
from tests.factories import make_event

KEY = "testing-secret"  # TestingConfig.SECRET_KEY


def test_back_office_manage_and_ticket_pages_are_never_stored(client):
    event = make_event()
    registration = make_registration(event, name="Ada Lovelace")
    slug, manage, ticket = (
        event.slug,
        manage_token(KEY, registration.secret_seed),
        ticket_code(KEY, registration.secret_seed),
    )
    email = make_admin().email
    db.session.commit()
    login(client, email)
    pages = [
        f"/admin/events/{slug}/attendees",
        "/admin/audit",
        "/admin/users",
        "/admin/account/two-factor",
        "/admin/",
        f"/admin/events/{slug}",
        f"/manage/{manage}",
        f"/tickets/{ticket}",
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers.get("Cache-Control") == "no-store", path
    enrolment = client.get("/admin/account/two-factor").get_data(as_text=True)
    assert "secret" in enrolment.lower()  # the page that shows the authenticator secret is among them


def test_public_pages_may_still_be_cached(client):
    db.session.commit()
    assert client.get("/privacy").headers.get("Cache-Control") != "no-store"
