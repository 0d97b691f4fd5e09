"""Finding 3: a logout ends the session on the server, and back-office sessions have an idle and an
absolute lifetime (30 minutes and 12 hours by default, ADMIN_SESSION_IDLE_MINUTES / _MAX_HOURS).

The attack: a session cookie copied before `POST /admin/logout` (from a shared computer, a proxy log,
a stolen laptop) still opened `/admin/` and the attendee list afterwards, for ever.
"""

import pytest

from eventapp.extensions import db
from tests.accounts.factories import login, make_admin
from tests.factories import make_event

MINUTE = 60


@pytest.fixture
def admin_client(client):
    email = make_admin().email
    slug = make_event().slug
    db.session.commit()
    assert login(client, email).status_code == 302
    assert client.get("/admin/").status_code == 200
    client.slug = slug
    return client


def logged_in(client) -> bool:
    response = client.get("/admin/")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def shift(client, key: str, seconds: int) -> None:
    """Move a time of the session into the past, as if that much time had gone by."""
    with client.session_transaction() as session:
        session[key] -= seconds


def test_a_cookie_copied_before_logout_opens_nothing_after_it(admin_client):
    copied = admin_client.get_cookie("session").value
    assert admin_client.post("/admin/logout").status_code == 302
    admin_client.set_cookie("session", copied)  # the attacker's copy
    assert not logged_in(admin_client)
    assert admin_client.get(f"/admin/events/{admin_client.slug}/attendees").status_code == 302


def test_the_session_ends_after_30_idle_minutes(admin_client):
    shift(admin_client, "auth_seen", 29 * MINUTE)
    assert logged_in(admin_client)  # still within the idle time, and this request counts as activity
    shift(admin_client, "auth_seen", 29 * MINUTE)
    assert logged_in(admin_client)
    shift(admin_client, "auth_seen", 31 * MINUTE)
    assert not logged_in(admin_client)


def test_a_dashboard_refreshing_itself_does_not_keep_the_session_alive(admin_client):
    shift(admin_client, "auth_seen", 20 * MINUTE)
    admin_client.get(f"/admin/events/{admin_client.slug}/dashboard.json")
    shift(admin_client, "auth_seen", 11 * MINUTE)
    assert not logged_in(admin_client)


def test_the_session_ends_12_hours_after_login_however_busy(admin_client):
    shift(admin_client, "auth_started", 12 * 60 * MINUTE - MINUTE)
    assert logged_in(admin_client)
    shift(admin_client, "auth_started", 2 * MINUTE)
    assert not logged_in(admin_client)


def test_the_lifetimes_are_configurable(app, admin_client, monkeypatch):
    monkeypatch.setitem(app.config, "ADMIN_SESSION_IDLE_MINUTES", 5)
    shift(admin_client, "auth_seen", 6 * MINUTE)
    assert not logged_in(admin_client)
