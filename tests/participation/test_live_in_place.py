"""Issue 16's last pieces, without a browser: votes, supports and ideas answered to the phone's script as JSON
(the form post still works without it), a phone's own contributions asked for again only when an
organiser decided something, the manage page following the room, and joining as an explicit step the
moderator can pause (security finding 7)."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from eventapp.core.errors import InvalidState
from eventapp.extensions import db
from eventapp.participation import live, queries, services
from eventapp.participation.models import ActivityKind, Contribution, Moderation, Vote
from tests.factories import NOW, make_event
from tests.participation.factories import join, make_activity, make_organiser, make_registration

SCRIPT = {"X-Requested-With": "live"}


@pytest.fixture
def room(app):
    with app.test_request_context():
        event = make_event(sessions=1)
        session = event.sessions[0]
        organiser = make_organiser(event)
        poll = make_activity(session, organiser)
        board = make_activity(session, organiser, ActivityKind.IDEAS, moderation=Moderation.PRE)
        db.session.commit()
        values = {
            "uuid": str(session.uuid),
            "session_id": session.id,
            "organiser": organiser.id,
            "poll": str(poll.uuid),
            "poll_field": f"a{poll.id}-choice",
            "option": poll.options[1].id,
            "board": str(board.uuid),
            "board_field": f"a{board.id}-body",
        }
    live.forget()
    return values


@pytest.fixture(autouse=True)
def english(client):
    client.set_cookie("lang", "en")


def _login(client, user_id):
    with client.session_transaction() as s:
        s["_user_id"], s["_fresh"] = str(user_id), True


def _approve_all(app, room):
    from eventapp.accounts.models import User

    with app.test_request_context():
        organiser = db.session.get(User, room["organiser"])
        for contribution in db.session.scalars(sa.select(Contribution).where(Contribution.status == "pending")):
            services.approve(organiser, contribution, now=NOW)
        db.session.commit()


def _idea(app, room, body="Un potager au parc"):
    """A published idea of another guest; its UUID."""
    author = app.test_client()
    join(author, room["uuid"])
    author.post(f"/participate/{room['uuid']}/a/{room['board']}/contribute", data={room["board_field"]: body})
    _approve_all(app, room)
    with app.test_request_context():
        return str(db.session.scalar(sa.select(Contribution.uuid).where(Contribution.body == body)))


def test_a_support_from_the_script_answers_the_new_count(client, app, room):
    idea = _idea(app, room)
    join(client, room["uuid"])
    url = f"/participate/{room['uuid']}/c/{idea}/upvote"
    first = client.post(url, headers=SCRIPT)
    assert first.status_code == 200 and first.headers["Cache-Control"] == "no-store"
    assert first.get_json() == {"message": "Your support has been counted.", "count": "1 support"}
    again = client.post(url, headers=SCRIPT).get_json()
    assert again == {"message": "You already support this one.", "count": "1 support"}
    # Without the script the same form post answers with the page, as before.
    assert client.post(url).status_code == 303


def test_a_vote_from_the_script_answers_json_and_its_refusals_too(client, app, room):
    url = f"/participate/{room['uuid']}/a/{room['poll']}/vote"
    not_joined = client.post(url, data={room["poll_field"]: room["option"]}, headers=SCRIPT)
    assert not_joined.status_code == 403 and not_joined.get_json()["join"] is True
    join(client, room["uuid"])
    nothing = client.post(url, data={}, headers=SCRIPT)
    assert nothing.status_code == 422 and nothing.get_json()["message"]
    counted = client.post(url, data={room["poll_field"]: room["option"]}, headers=SCRIPT)
    assert counted.status_code == 200 and counted.get_json()["message"] == "Thank you, your answer has been counted."
    twice = client.post(url, data={room["poll_field"]: room["option"]}, headers=SCRIPT)
    assert twice.status_code == 409 and "already answered" in twice.get_json()["message"]
    assert twice.get_json()["join"] is False
    with app.test_request_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Vote)) == 1


def test_an_idea_from_the_script_answers_json_with_what_the_phone_sent(client, app, room):
    """The page's script sends an idea in place (no reload of a whole board): JSON with the message and
    the phone's "What you sent" block; the same form without the script still answers post/redirect/get."""
    url = f"/participate/{room['uuid']}/a/{room['board']}/contribute"
    not_joined = client.post(url, data={room["board_field"]: "Des bancs"}, headers=SCRIPT)
    assert not_joined.status_code == 403 and not_joined.get_json()["join"] is True
    join(client, room["uuid"])
    empty = client.post(url, data={room["board_field"]: "  "}, headers=SCRIPT)
    assert empty.status_code == 422 and empty.get_json()["message"]
    sent = client.post(url, data={room["board_field"]: "Des bancs"}, headers=SCRIPT)
    assert sent.status_code == 200 and sent.headers["Cache-Control"] == "no-store"
    answer = sent.get_json()
    assert answer["message"] == "Thank you! Your contribution will appear once a moderator has approved it."
    mine = answer["mine"]
    assert mine.strip().startswith(f'<div id="mine-{room["board"]}" data-live-keep>')
    assert "Des bancs" in mine and "Awaiting moderation" in mine and "Withdraw" in mine
    by_form = client.post(url, data={room["board_field"]: "Des arbres"})
    assert by_form.status_code == 303 and by_form.headers["Location"].endswith(f"#a-{room['board']}")
    with app.test_request_context():
        assert set(db.session.scalars(sa.select(Contribution.body))) == {"Des bancs", "Des arbres"}


def test_ones_own_contributions_are_asked_for_when_an_organiser_decides(client, app, room):
    mine = f"/participate/{room['uuid']}/mine"
    assert client.get(mine).status_code == 204  # not joined: nothing of its own
    join(client, room["uuid"])
    client.post(f"/participate/{room['uuid']}/a/{room['board']}/contribute", data={room["board_field"]: "Des bancs"})
    fragment = f"/participate/{room['uuid']}/live?lang=en&channel=guest"
    stamp = _stamp(client.get(fragment).get_data(as_text=True))
    waiting = client.get(mine)
    assert waiting.headers["Cache-Control"] == "no-store"
    assert f'id="mine-{room["board"]}"' in waiting.get_data(as_text=True)
    assert "Awaiting moderation" in waiting.get_data(as_text=True)
    # Someone's support changes the room, not the stamp: no phone asks for its own again.
    _idea(app, room, "Une fontaine")
    live.forget()
    after_other_approval = _stamp(client.get(fragment).get_data(as_text=True))
    assert after_other_approval != stamp  # an approval is a decision
    with app.test_request_context():
        other = services.join_as_guest(queries.get_session(room["uuid"]), now=NOW)
        services.upvote(other, db.session.scalar(sa.select(Contribution).filter_by(body="Une fontaine")), now=NOW)
        db.session.commit()
    live.forget()
    assert _stamp(client.get(fragment).get_data(as_text=True)) == after_other_approval
    _approve_all(app, room)
    published = client.get(mine).get_data(as_text=True)
    assert "Published" in published and "Awaiting moderation" not in published
    assert 'data-announce="What you sent has changed: Des bancs"' in published


def _stamp(html: str) -> str:
    return re.search(r'id="moderation-stamp" hidden data-stamp="([^"]*)"', html).group(1)


def test_the_manage_page_follows_new_contributions_and_guests(client, app, room):
    manage_live = f"/participate/{room['uuid']}/manage/live"
    assert client.get(manage_live).status_code in (302, 401, 403)  # organisers only
    _login(client, room["organiser"])
    first = client.get(manage_live)
    etag = first.headers["ETag"]
    assert first.status_code == 200 and "<html" not in first.get_data(as_text=True)
    assert client.get(manage_live, headers={"If-None-Match": etag}).status_code == 304
    phone = app.test_client()
    join(phone, room["uuid"])  # a new guest: the figures change, with no room version
    joined = client.get(manage_live, headers={"If-None-Match": etag})
    assert joined.status_code == 200 and "1 guest joined in the last 10 minutes." in joined.get_data(as_text=True)
    etag = joined.headers["ETag"]
    phone.post(f"/participate/{room['uuid']}/a/{room['board']}/contribute", data={room["board_field"]: "Un kiosque"})
    live.forget()
    pending = client.get(manage_live, headers={"If-None-Match": etag})
    html = pending.get_data(as_text=True)
    assert pending.status_code == 200 and "Un kiosque" in html and "Awaiting moderation" in html
    assert 'data-announce="New contribution: Un kiosque"' in html
    # Each card's reason field is labelled (the field's id is the card's, and so is its label's target).
    reason_id = re.search(r'<textarea[^>]* id="(reason-\d+)"|<input[^>]* id="(reason-\d+)"', html)
    assert reason_id and f'<label for="{reason_id.group(1) or reason_id.group(2)}"' in html
    # Another event's organiser may not follow it.
    with app.test_request_context():
        stranger = make_organiser(make_event()).id
        db.session.commit()
    other = app.test_client()
    _login(other, stranger)
    assert other.get(manage_live).status_code == 404  # as for an unknown session (security finding 16)


def test_paused_guests_cannot_join_but_ticket_holders_can(app_ctx):
    event = make_event(sessions=1)
    session = event.sessions[0]
    organiser = make_organiser(event)
    early = services.join_as_guest(session, network="venue", now=NOW)
    services.pause_guest_joins(organiser, session)
    with pytest.raises(InvalidState) as refused:
        services.join_as_guest(session, network="venue", now=NOW)
    assert refused.value.code == "guests_paused"
    holder = services.join_with_ticket(session, make_registration(event), now=NOW)
    assert holder.registration_id is not None and early.id
    services.pause_guest_joins(organiser, session, paused=False)
    services.join_as_guest(session, network="other", now=NOW)
    joins = queries.count_guest_joins(session, NOW - timedelta(minutes=10))
    assert joins == queries.GuestJoins(total=2, busiest_network=1)
    assert queries.count_guest_joins(session, NOW + timedelta(minutes=1)) == queries.GuestJoins(0, 0)
