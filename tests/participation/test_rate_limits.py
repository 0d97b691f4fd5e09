"""Participation's rate limits, with the limiter on: a whole room joins and answers through the venue's one
public address, while one phone cannot flood a session, nor buy anything with a made-up cookie."""

import pytest

from eventapp import create_app
from eventapp.extensions import db, limiter
from eventapp.participation import views
from eventapp.participation.models import ActivityKind, Contribution, Vote
from tests.factories import make_event
from tests.live_server import fresh_database
from tests.participation.factories import join, make_activity, make_organiser

PER_MINUTE = int(views.PARTICIPANT_LIMIT.split("/")[0])


@pytest.fixture
def limited_app(tmp_path):
    # A database of its own: these tests commit their rows through requests.
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=fresh_database("sqlite", tmp_path), RATELIMIT_ENABLED=True)
    yield app
    # The limiter is one object for every app of the process: switch it back off for the rest.
    limiter.reset()
    limiter.enabled = False
    with app.app_context():
        db.engine.dispose()


def _arrange(app, kind):
    with app.test_request_context():
        event = make_event(sessions=1)
        session = event.sessions[0]
        activity = make_activity(session, make_organiser(event), kind=kind)
        db.session.commit()
        return session.uuid, activity.uuid, activity.id, [o.id for o in activity.options]


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_the_network_limit_is_for_joining_and_fits_a_venue():
    """A thousand phones join within a minute from one venue's address; nothing else is per network."""
    per_minute = int(views.JOIN_LIMIT.split("/")[0])
    assert per_minute >= 1000
    assert PER_MINUTE <= 60  # a person's allowance, not a room's


@pytest.mark.no_db_isolation
def test_a_full_room_joins_and_answers_a_poll_from_one_address(limited_app):
    session_uuid, poll_uuid, poll_id, options = _arrange(limited_app, ActivityKind.POLL)
    phones = 2 * PER_MINUTE + 5  # more phones in a minute than one phone may send answers
    for n in range(phones):
        phone = limited_app.test_client()  # a new phone, same address
        join(phone, session_uuid)
        response = phone.post(
            f"/participate/{session_uuid}/a/{poll_uuid}/vote", data={f"a{poll_id}-choice": options[n % 2]}
        )
        assert response.status_code == 303, n
    assert _count(limited_app, Vote) == phones


@pytest.mark.no_db_isolation
def test_one_phone_is_limited_and_a_made_up_cookie_buys_nothing(limited_app, monkeypatch):
    # Fewer refusals than a room's allowance, so that the test can use them all up.
    monkeypatch.setattr(views, "STRANGER_LIMIT", "5/minute")
    session_uuid, board_uuid, board_id, _ = _arrange(limited_app, ActivityKind.IDEAS)
    phone = limited_app.test_client()
    phone.set_cookie("lang", "en")
    join(phone, session_uuid)
    url = f"/participate/{session_uuid}/a/{board_uuid}/contribute"
    for n in range(PER_MINUTE):
        assert phone.post(url, data={f"a{board_id}-body": f"Idea number {n}"}).status_code == 303, n
    refused = phone.post(url, data={f"a{board_id}-body": "One more idea"})
    assert refused.status_code == 429 and "Too many requests" in refused.get_data(as_text=True)
    assert _count(limited_app, Contribution) == PER_MINUTE
    # Made-up cookies are no participants: refused, nothing stored, and they share the address's
    # allowance for refusals, however many different ones are sent.
    for n in range(5):
        forged = limited_app.test_client()
        forged.set_cookie("participant", f"made-up-{n}", path=f"/participate/{session_uuid}")
        assert forged.post(url, data={f"a{board_id}-body": f"Forged {n}"}).status_code == 403, n
    forged.set_cookie("participant", "made-up-again", path=f"/participate/{session_uuid}")
    assert forged.post(url, data={f"a{board_id}-body": "Forged again"}).status_code == 429
    assert _count(limited_app, Contribution) == PER_MINUTE
