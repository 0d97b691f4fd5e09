"""Numbers in URLs out of any database's range: a 404 or the last page, never a 500."""

from datetime import timedelta

import pytest

from eventapp.accounts.models import AuditEntry
from eventapp.extensions import db
from tests.accounts.factories import login, make_admin, make_user
from tests.backoffice.factories import make_registration
from tests.factories import NOW, make_event

HUGE = "9" * 25


def _admin(client):
    email = make_admin().email
    db.session.commit()
    login(client, email)


@pytest.mark.parametrize("number", [HUGE, str(2**31), str(2**63)])
def test_ids_past_the_integer_range_are_not_found(client, number):
    _admin(client)
    assert client.get(f"/admin/users/{number}/events").status_code == 404
    assert client.post(f"/admin/users/{number}/deactivate").status_code == 404
    assert client.post(f"/admin/users/{number}/reactivate").status_code == 404


def test_the_largest_id_is_still_routed(client):
    _admin(client)
    assert client.get(f"/admin/users/{2**31 - 1}/events").status_code == 404  # routed, no such account
    user = make_user()
    db.session.commit()
    assert client.get(f"/admin/users/{user.id}/events").status_code == 200


@pytest.mark.parametrize("page", [HUGE, "99999999999"])
def test_a_page_past_the_end_shows_the_last_page_of_attendees(client, page):
    event = make_event(capacity=100)
    for n in range(51):
        make_registration(event, name=f"Attendee {n:02d}", created_at=NOW + timedelta(minutes=n))
    slug = event.slug
    _admin(client)
    response = client.get(f"/admin/events/{slug}/attendees?page={page}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Attendee 00" in html and "Attendee 50" not in html  # newest first: the oldest is alone on page 2
    assert client.get(f"/admin/events/{slug}/attendees?page=-3").status_code == 200


def test_a_page_past_the_end_shows_the_last_page_of_the_audit_log(client):
    for n in range(51):
        db.session.add(AuditEntry(action="event.published", target=f"entry-{n:02d}", created_at=NOW + timedelta(n)))
    _admin(client)
    response = client.get(f"/admin/audit?page={HUGE}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "entry-00" in html and "entry-50" not in html
