"""The personal feed: its link on the manage page, its content, renewal and revocation."""

from datetime import timedelta

import pytest

from eventapp.core.errors import InvalidState
from eventapp.events.models import EventStatus
from eventapp.extensions import db
from eventapp.feeds import services
from eventapp.registration.models import Registration, RegistrationStatus
from eventapp.registration.tokens import feed_token, manage_token
from tests.factories import NOW, make_event
from tests.feeds.factories import SECRET_KEY, make_registration
from tests.feeds.parsers import parse_all

UID = "{}@events.brussels"


def fetch(client, url, **headers):
    db.session.commit()
    return client.get(url, headers=headers)


def post(client, url, **data):
    db.session.commit()
    return client.post(url, data=data)


def reload(registration_id: int) -> Registration:
    return db.session.get(Registration, registration_id)


def setup_registration(**values):
    event = make_event(sessions=3)
    chosen = event.sessions[2]
    registration = make_registration(event, sessions=[chosen], language="nl", **values)
    ids = {"event": UID.format(event.uuid), "session": UID.format(chosen.uuid)}
    return registration.id, manage_token(SECRET_KEY, registration.secret_seed), ids


def personal_url(registration_id: int) -> str:
    return f"/feeds/me/{feed_token(SECRET_KEY, reload(registration_id).feed_seed)}.ics"


def test_manage_page_creates_the_link_and_the_feed_shows_event_and_chosen_sessions(client, tmp_path):
    reg_id, token, ids = setup_registration(name="Ada Lovelace", email="ada@example.org")
    page = fetch(client, f"/manage/{token}/feed")
    assert page.status_code == 200
    assert b"Create my calendar link" not in page.data  # French page by default
    assert f'action="/manage/{token}/feed"'.encode() in page.data

    response = post(client, f"/manage/{token}/feed", next=f"/manage/{token}")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/manage/{token}#calendar-feed"
    url = personal_url(reg_id)
    assert len(url.split("/")[-1].removesuffix(".ics")) * 5 >= 128  # base32: 5 bits a character
    assert reload(reg_id).feed_digest is not None

    feed = fetch(client, url)
    assert feed.status_code == 200
    assert feed.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert "private" in feed.headers["Cache-Control"]
    for parser, found in parse_all(feed.data, tmp_path).items():
        assert set(found) == {ids["event"], ids["session"]}, parser
    text = feed.data.decode()
    assert "ATTENDEE" not in text and "ada@example.org" not in text and "Lovelace" not in text
    assert "X-WR-CALNAME:Mijn inschrijving · Evenement" in text  # the registrant's language

    page = fetch(client, f"/manage/{token}/feed")
    assert f"webcal://events.test{url}?lang=fr".encode() in page.data


def test_renewing_revokes_the_old_link_and_turning_off_revokes_all(client):
    reg_id, token, _ = setup_registration()
    post(client, f"/manage/{token}/feed")
    old = personal_url(reg_id)
    assert post(client, f"/manage/{token}/feed/revoke").status_code == 303
    new = personal_url(reg_id)
    assert new != old
    assert fetch(client, old).status_code == 404
    assert fetch(client, new).status_code == 200
    post(client, f"/manage/{token}/feed/delete")
    assert reload(reg_id).feed_digest is None
    assert fetch(client, new).status_code == 404


def test_creating_is_idempotent_and_only_local_manage_paths_are_followed(client):
    reg_id, token, _ = setup_registration()
    post(client, f"/manage/{token}/feed")
    first = personal_url(reg_id)
    response = post(client, f"/manage/{token}/feed", next="https://evil.example/")
    assert response.headers["Location"] == f"/manage/{token}/feed#calendar-feed"
    assert personal_url(reg_id) == first


def test_unknown_tokens_are_404(client):
    assert fetch(client, "/feeds/me/AAAAAAAAAAAAAAAAAAAAAAAAAA.ics").status_code == 404
    assert post(client, "/manage/AAAAAAAAAAAAAAAAAAAAAAAAAA/feed").status_code == 404


def test_buttons_need_the_csrf_token(app, client):
    _, token, _ = setup_registration()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert post(client, f"/manage/{token}/feed").status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_the_feed_holds_only_this_registration_not_others_with_the_same_email(client):
    reg_id, token, ids = setup_registration()
    other = make_registration(make_event(), email=reload(reg_id).email)
    other_uid = UID.format(other.event.uuid)
    post(client, f"/manage/{token}/feed")
    data = fetch(client, personal_url(reg_id)).data
    assert ids["event"].encode() in data
    assert other_uid.encode() not in data


def test_a_cancelled_registration_empties_the_feed_and_a_cancelled_event_stays(client, tmp_path):
    reg_id, token, ids = setup_registration()
    post(client, f"/manage/{token}/feed")
    url = personal_url(reg_id)
    first = fetch(client, url)

    event = reload(reg_id).event
    event.status, event.cancelled_at, event.sequence, event.updated_at = (
        EventStatus.CANCELLED,
        NOW,
        1,
        NOW + timedelta(hours=1),
    )
    response = fetch(client, url, **{"If-None-Match": first.headers["ETag"]})
    assert response.status_code == 200
    for parser, found in parse_all(response.data, tmp_path).items():
        assert found[ids["event"]]["status"] == "CANCELLED", parser
        assert found[ids["session"]]["summary"].startswith("[Geannuleerd] "), parser

    registration = reload(reg_id)
    registration.status, registration.updated_at = RegistrationStatus.CANCELLED, NOW + timedelta(hours=2)
    response = fetch(client, url)
    assert response.status_code == 200
    assert b"BEGIN:VEVENT" not in response.data


def test_personal_feed_answers_304_and_changes_with_the_chosen_sessions(client):
    reg_id, token, ids = setup_registration()
    post(client, f"/manage/{token}/feed")
    url = personal_url(reg_id)
    first = fetch(client, url)
    assert fetch(client, url, **{"If-None-Match": first.headers["ETag"]}).status_code == 304
    registration = reload(reg_id)
    registration.session_choices.clear()
    db.session.flush()
    response = fetch(client, url, **{"If-None-Match": first.headers["ETag"]})
    assert response.status_code == 200
    assert ids["session"].encode() not in response.data


def test_services_refuse_a_cancelled_registration(app_ctx):
    registration = reload(setup_registration(status=RegistrationStatus.CANCELLED)[0])
    with pytest.raises(InvalidState):
        services.enable_personal_feed(registration, secret_key=SECRET_KEY, now=NOW)
    services.disable_personal_feed(registration, now=NOW)  # always allowed
    assert registration.feed_digest is None


def test_the_feed_page_of_a_manage_link_is_not_cached_and_sends_no_referer(client):
    # It holds the manage token in its URL and forms, like the manage page itself.
    _, token, _ = setup_registration()
    for response in (
        fetch(client, f"/manage/{token}/feed"),
        post(client, f"/manage/{token}/feed"),
        post(client, f"/manage/{token}/feed/revoke"),
    ):
        assert response.status_code in (200, 303)
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Referrer-Policy"] == "no-referrer"
    assert fetch(client, "/feeds").headers.get("Referrer-Policy") != "no-referrer"  # public pages keep theirs
