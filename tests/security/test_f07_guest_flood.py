"""Finding 7: guests flooded participation. Each request without the participant cookie was a new guest,
and one network was allowed 600 requests a minute: 25 spam ideas appeared on a post-moderated board in
1.7 s, 20 poll votes came from one network in 1.3 s.

Taking part now needs a participant who joined the room, an explicit step that sets the cookie: a
request without it stores nothing and tells the person, in their language, how to join. The only limit
per network is on joining, sized for a venue whose thousand phones share one address; a surge of new
guests from one network shows on the manage page, where the moderator can pause new guests.
"""

import pytest

from eventapp import create_app
from eventapp.extensions import db, limiter
from eventapp.participation.models import ActivityKind, Contribution, Moderation, Participant, Vote
from tests.factories import make_event
from tests.live_server import fresh_database
from tests.participation.factories import join, make_activity, make_organiser

pytestmark = pytest.mark.no_db_isolation


@pytest.fixture
def limited_app(tmp_path):
    # As in production: the limiter on. A database of its own, since requests commit.
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=fresh_database("sqlite", tmp_path), RATELIMIT_ENABLED=True)
    yield app
    limiter.reset()  # one limiter for every app of the process: switch it back off for the rest
    limiter.enabled = False
    with app.app_context():
        db.engine.dispose()


def _arrange(app, kind, **values):
    with app.test_request_context():
        event = make_event(sessions=1)
        session = event.sessions[0]
        organiser = make_organiser(event)
        activity = make_activity(session, organiser, kind=kind, **values)
        db.session.commit()
        return {
            "session": str(session.uuid),
            "activity": str(activity.uuid),
            "field": f"a{activity.id}-",
            "options": [o.id for o in activity.options],
            "organiser": organiser.id,
        }


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_25_spam_ideas_from_one_network_without_a_cookie_store_nothing(limited_app):
    room = _arrange(limited_app, ActivityKind.IDEAS, moderation=Moderation.POST)
    url = f"/participate/{room['session']}/a/{room['activity']}/contribute"
    for n in range(25):
        bot = limited_app.test_client()  # no cookie kept between requests
        bot.set_cookie("lang", "fr")
        response = bot.post(url, data={room["field"] + "body": f"Spam {n}: www.evil-refund.example"})
        html = response.get_data(as_text=True)
        assert response.status_code == 403, n
        assert "Pour participer, rejoignez d&#39;abord la session" in html  # told, in their language
        assert f'action="/participate/{room["session"]}/join"' in html  # and how
        assert bot.get_cookie("participant", path=f"/participate/{room['session']}") is None
    assert _count(limited_app, Contribution) == 0
    assert _count(limited_app, Participant) == 0


def test_20_poll_votes_from_one_network_without_a_cookie_count_nothing(limited_app):
    room = _arrange(limited_app, ActivityKind.POLL)
    url = f"/participate/{room['session']}/a/{room['activity']}/vote"
    for n in range(20):
        bot = limited_app.test_client()
        bot.set_cookie("lang", "nl")
        response = bot.post(url, data={room["field"] + "choice": room["options"][0]})
        assert response.status_code == 403, n
        assert "sluit u eerst aan bij de sessie" in response.get_data(as_text=True)
    # The page's script gets the same refusal as JSON, with what to offer: joining.
    scripted = limited_app.test_client().post(
        url, data={room["field"] + "choice": room["options"][0]}, headers={"X-Requested-With": "live"}
    )
    assert scripted.status_code == 403 and scripted.get_json()["join"] is True
    assert _count(limited_app, Vote) == 0
    assert _count(limited_app, Participant) == 0


def test_a_surge_of_new_guests_shows_to_the_moderator_who_pauses_it(limited_app):
    room = _arrange(limited_app, ActivityKind.POLL)
    phones = [limited_app.test_client() for _ in range(40)]
    for phone in phones:  # forty phones join from one network within a minute
        join(phone, room["session"])
    moderator = limited_app.test_client()
    moderator.set_cookie("lang", "en")
    with moderator.session_transaction() as s:
        s["_user_id"], s["_fresh"] = str(room["organiser"]), True
    manage = f"/participate/{room['session']}/manage"
    page = moderator.get(manage).get_data(as_text=True)
    assert "40 guests joined in the last 10 minutes." in page and "The most from one network: 40." in page
    assert 'id="guest-surge"' in page

    assert moderator.post(f"{manage}/guests", data={"paused": "1"}).status_code == 303
    latecomer = limited_app.test_client()
    latecomer.set_cookie("lang", "en")
    refused = latecomer.post(f"/participate/{room['session']}/join", follow_redirects=True)
    assert "paused new guests" in refused.get_data(as_text=True)
    assert _count(limited_app, Participant) == 40
    # Who joined before the pause still takes part; allowed again, newcomers join.
    vote = f"/participate/{room['session']}/a/{room['activity']}/vote"
    assert phones[0].post(vote, data={room["field"] + "choice": room["options"][0]}).status_code == 303
    assert _count(limited_app, Vote) == 1
    assert moderator.post(f"{manage}/guests", data={"paused": "0"}).status_code == 303
    join(latecomer, room["session"])
    assert _count(limited_app, Participant) == 41
