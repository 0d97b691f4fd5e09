"""The registrant corrects their name and changes their email address from the manage page (issue 18).

The address changes only once the link sent to the new address is opened, and the old one is told.
"""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from eventapp.core.errors import InvalidState, NotFound
from eventapp.core.outbox import OutboxMessage
from eventapp.extensions import db
from eventapp.registration import services
from eventapp.registration.models import Registration, RegistrationStatus
from tests.factories import NOW, make_event
from tests.registration.factories import KEY, sign_up


def _register(client, slug, email, name="Lea Janssens"):
    data = {"name": name, "email": email, "language": "en", "seats": "1", "consent": "y"}
    return client.post(f"/events/{slug}/register", data=data).headers["Location"].rsplit("/", 1)[1]


def _messages(kind):
    return db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
    ).all()


def _by_token(token):
    from eventapp.registration.queries import get_registration_by_manage_token

    return get_registration_by_manage_token(token)


def test_the_manage_page_offers_the_ticket_once(client):
    slug = make_event(capacity=5).slug
    token = _register(client, slug, "lea@example.org")
    html = client.get(f"/manage/{token}?lang=en").get_data(as_text=True)
    assert html.count("Open my ticket") == 1 and html.count("/tickets/EA1-") == 1


def test_a_cancelled_registration_offers_no_calendar(client):
    slug = make_event(capacity=5).slug
    token = _register(client, slug, "lea@example.org")
    assert client.post(f"/manage/{token}/feed", data={}).status_code in (302, 303)  # a feed link, then cancel
    html = client.get(f"/manage/{token}?lang=en").get_data(as_text=True)
    assert "Add to my calendar" in html and "calendar.ics" in html
    assert client.post(f"/manage/{token}/cancel", data={"cancel-confirm": "y"}).status_code == 303
    for path in (f"/manage/{token}?lang=en", f"/registered/{token}?lang=en"):
        html = client.get(path).get_data(as_text=True)
        assert "This registration has been cancelled." in html
        assert "calendar" not in html.lower(), path
    # …and no form to change a name or an address it no longer uses.
    assert "Correct my name" not in html


def test_the_registrant_corrects_their_name_and_is_told_by_email(client):
    slug = make_event(capacity=5).slug
    token = _register(client, slug, "lea@example.org", name="Lea Jansens")
    html = client.get(f"/manage/{token}?lang=en").get_data(as_text=True)
    assert 'value="Lea Jansens"' in html and "Correct my name" in html
    refused = client.post(f"/manage/{token}/name?lang=en", data={"name-name": "Win a prize at evil.example"})
    assert refused.status_code == 422 and "without a web or email address" in refused.get_data(as_text=True)
    assert _by_token(token).name == "Lea Jansens"
    done = client.post(f"/manage/{token}/name?lang=en", data={"name-name": "  Lea   Janssens "})
    assert done.status_code == 303
    assert _by_token(token).name == "Lea Janssens"
    [updated] = _messages("registration.updated")
    assert updated.recipient == "lea@example.org"


def test_the_service_refuses_a_name_that_is_no_name_whoever_calls(app_ctx):
    registration = sign_up(make_event(capacity=5)).registration
    with pytest.raises(InvalidState) as refused:
        services.correct_name(registration, "see https://evil.example", key=KEY, now=NOW)
    assert refused.value.field == "name"


def test_a_new_address_counts_only_once_confirmed_from_it_and_the_old_one_is_told(app, client):
    slug = make_event(capacity=5).slug
    token = _register(client, slug, "lea@example.org")
    asked = client.post(f"/manage/{token}/email?lang=en", data={"email-email": " Lea.New@Example.ORG "})
    assert asked.status_code == 303
    registration = _by_token(token)
    assert registration.email == "lea@example.org" and registration.new_email == "lea.new@example.org"
    html = client.get(f"/manage/{token}?lang=en").get_data(as_text=True)
    assert "We have sent a link to lea.new@example.org" in html

    [link_email] = _messages("registration.email_change")
    assert link_email.recipient == "lea.new@example.org"
    assert "/manage/" + token + "/email/" in link_email.body_text
    assert token + "?" not in link_email.body_text  # the manage link itself does not go to an unproven address
    path = re.search(r"http://events\.test(/manage/\S+/email/[A-Z2-7]+)", link_email.body_text).group(1)

    # Opening the link (a mail filter does) changes nothing; the button does.
    page = client.get(path + "?lang=en")
    assert page.status_code == 200 and "lea.new@example.org" in page.get_data(as_text=True)
    assert _by_token(token).email == "lea@example.org"
    assert client.post(path, data={}).status_code == 303
    registration = _by_token(token)
    assert registration.email == "lea.new@example.org" and registration.new_email is None
    assert registration.email_confirmed_at is not None  # the link proved the new address
    [told] = _messages("registration.email_changed")
    assert told.recipient == "lea@example.org" and "lea.new@example.org" in told.body_text
    # The link has done its job.
    assert client.get(path).status_code == 404


def test_a_later_request_replaces_the_earlier_link_and_a_wrong_code_is_not_found(app_ctx):
    registration = sign_up(make_event(capacity=5), email="lea@example.org").registration
    services.request_email_change(registration, "first@example.org", key=KEY, now=NOW)
    first = _messages("registration.email_change")[0].body_text
    services.request_email_change(registration, "second@example.org", key=KEY, now=NOW)
    code = re.search(r"/email/([A-Z2-7]+)", first).group(1)
    with pytest.raises(NotFound):
        services.confirm_new_email(registration, code, key=KEY, now=NOW)
    with pytest.raises(NotFound):
        services.confirm_new_email(registration, "WRONG", key=KEY, now=NOW)
    assert registration.email == "lea@example.org"


def _change_code(registration):
    return re.search(r"/email/([A-Z2-7]+)", _messages("registration.email_change")[-1].body_text).group(1)


def test_the_link_expires_and_an_address_already_registered_is_refused(app_ctx):
    event = make_event(capacity=5)
    registration = sign_up(event, email="lea@example.org").registration
    sign_up(event, email="taken@example.org")
    with pytest.raises(InvalidState) as same:
        services.request_email_change(registration, " LEA@example.org", key=KEY, now=NOW)
    assert same.value.code == "same_email"
    services.request_email_change(registration, "new@example.org", key=KEY, now=NOW)
    with pytest.raises(InvalidState) as expired:
        services.confirm_new_email(registration, _change_code(registration), key=KEY, now=NOW + timedelta(hours=49))
    assert expired.value.code == "link_expired"
    services.request_email_change(registration, "taken@example.org", key=KEY, now=NOW)
    with pytest.raises(InvalidState) as taken:
        services.confirm_new_email(registration, _change_code(registration), key=KEY, now=NOW)
    assert taken.value.code == "email_taken"  # (the edge then rolls the transaction back)


def test_a_cancelled_registration_changes_neither_name_nor_address(app_ctx):
    registration = sign_up(make_event(capacity=5)).registration
    services.cancel(registration, key=KEY, now=NOW)
    assert registration.status == RegistrationStatus.CANCELLED
    for change in (
        lambda: services.correct_name(registration, "Someone Else", key=KEY, now=NOW),
        lambda: services.request_email_change(registration, "else@example.org", key=KEY, now=NOW),
    ):
        with pytest.raises(InvalidState):
            change()


def test_erasure_forgets_an_address_waiting_for_its_confirmation(app_ctx):
    registration = sign_up(make_event(capacity=5)).registration
    services.request_email_change(registration, "new@example.org", key=KEY, now=NOW)
    services.erase(registration, now=NOW, key=KEY)
    stored = db.session.get(Registration, registration.id)
    assert (stored.new_email, stored.new_email_requested_at) == (None, None)
