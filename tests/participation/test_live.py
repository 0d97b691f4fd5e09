"""The live room: the version every visible change bumps, the phones' and projector's polls, and the
organiser's controls of the room screen (services and views; the browser tests are in tests/browser)."""

import gzip
import re

import pytest

from eventapp.core.errors import InvalidState, NotFound, PermissionDenied
from eventapp.events.models import Session
from eventapp.extensions import db
from eventapp.participation import live, queries, services
from eventapp.participation import projector as screens
from eventapp.participation.models import ActivityKind, ActivityStatus, Moderation, Room, Screen
from tests.factories import NOW, make_event
from tests.participation.factories import join, make_activity, make_organiser


@pytest.fixture
def room(app_ctx):
    event = make_event(sessions=1)
    session = event.sessions[0]
    organiser = make_organiser(event)
    poll = make_activity(session, organiser)
    ideas = make_activity(session, organiser, ActivityKind.IDEAS, moderation=Moderation.POST)
    return session, organiser, poll, ideas


def _version(session) -> int:
    return db.session.scalar(db.select(Room.version).where(Room.session_id == session.id))


def _each_bumps_once(session, steps) -> None:
    for step in steps:
        before = _version(session)
        step()
        assert _version(session) == before + 1, step


def test_every_change_the_room_sees_bumps_the_version(room):
    session, organiser, poll, ideas = room
    guest = services.join_as_guest(session, now=NOW)
    other = services.join_as_guest(session, now=NOW)
    steps = [
        lambda: services.answer_poll(guest, poll, option_ids=[poll.options[0].id], now=NOW),
        lambda: services.reveal_results(organiser, poll),
        lambda: services.submit_contribution(guest, ideas, "Plus de bancs", now=NOW),
        lambda: services.upvote(other, queries.list_public_contributions(ideas)[0], now=NOW),
        lambda: services.pin(organiser, queries.list_public_contributions(ideas)[0], now=NOW),
        lambda: services.hide(organiser, queries.list_public_contributions(ideas)[0], now=NOW),
        lambda: services.record_show_of_hands(organiser, poll, count=3, option_ids=[poll.options[1].id], now=NOW),
        lambda: services.close_activity(organiser, poll, now=NOW),
        lambda: services.show_on_screen(organiser, session, Screen.IDEAS),
    ]
    _each_bumps_once(session, steps)


def test_short_answers_and_withdrawals_bump_the_version(room):
    session, organiser, _poll, ideas = room
    cloud = make_activity(session, organiser, ActivityKind.SHORT_ANSWERS, moderation=Moderation.POST)
    guest = services.join_as_guest(session, now=NOW)
    idea = services.submit_contribution(guest, ideas, "Plus de bancs", now=NOW)
    steps = [
        lambda: services.submit_short_answers(guest, cloud, ["Vélo", "Parc"], now=NOW),
        lambda: services.withdraw_contribution(guest, idea),
    ]
    _each_bumps_once(session, steps)


def test_the_word_cloud_screen_shows_the_short_answers(room):
    session, organiser, _poll, _ideas = room
    first = make_activity(session, organiser, ActivityKind.SHORT_ANSWERS, moderation=Moderation.POST)
    services.submit_short_answers(services.join_as_guest(session, now=NOW), first, ["Vélo"], now=NOW)
    services.show_on_screen(organiser, session, Screen.WORDS)
    view = screens.screen_view(session, queries.get_room(session))
    assert view.activity == first and [w.text for w in view.words] == ["Vélo"]
    second = make_activity(session, organiser, ActivityKind.SHORT_ANSWERS)
    assert services.screen_for(second) == Screen.WORDS
    services.show_on_screen(organiser, session, Screen.WORDS, second)
    view = screens.screen_view(session, queries.get_room(session))
    assert view.activity == second and view.words == []


def test_nothing_seen_changes_nothing(room):
    session, _organiser, _poll, ideas = room
    guest = services.join_as_guest(session, now=NOW)
    contribution = services.submit_contribution(guest, ideas, "Une idée", now=NOW)
    services.upvote(services.join_as_guest(session, now=NOW), contribution, now=NOW)
    before = _version(session)
    upvoter = db.session.scalar(db.select(type(guest)).where(type(guest).id != guest.id))
    assert services.upvote(upvoter, contribution, now=NOW) is False  # already counted
    assert _version(session) == before


def test_pinned_contributions_come_first_and_only_public_ones_pin(room):
    session, organiser, _poll, ideas = room
    guest = services.join_as_guest(session, now=NOW)
    first = services.submit_contribution(guest, ideas, "Première", now=NOW)
    second = services.submit_contribution(guest, ideas, "Seconde", now=NOW)
    services.upvote(services.join_as_guest(session, now=NOW), first, now=NOW)
    services.pin(organiser, second, now=NOW)
    assert [c.body for c in queries.list_public_contributions(ideas, pinned_first=True)] == ["Seconde", "Première"]
    assert [c.body for c in queries.list_public_contributions(ideas)] == ["Première", "Seconde"]  # reports: by support
    services.hide(organiser, first, now=NOW)
    with pytest.raises(InvalidState):
        services.pin(organiser, first, now=NOW)
    services.pin(organiser, second, pinned=False, now=NOW)
    assert second.pinned_at is None


def test_the_screen_shows_what_the_organiser_chose(room):
    session, organiser, poll, ideas = room
    room_row = queries.get_room(session)
    assert room_row.screen == Screen.JOIN and queries.screen_activity(session, room_row) is None
    services.show_on_screen(organiser, session, Screen.IDEAS)
    assert queries.screen_activity(session, room_row) == ideas  # the latest opened board
    services.show_on_screen(organiser, session, Screen.POLL, poll)
    assert queries.screen_activity(session, room_row) == poll
    with pytest.raises(InvalidState):
        services.show_on_screen(organiser, session, Screen.IDEAS, poll)
    stranger = make_organiser(make_event())
    with pytest.raises(PermissionDenied):
        services.show_on_screen(stranger, session, Screen.JOIN)
    elsewhere = make_activity(make_event(sessions=1).sessions[0], make_organiser(admin=True))
    with pytest.raises(NotFound):
        services.show_on_screen(organiser, session, Screen.POLL, elsewhere)


def test_next_activity_closes_the_one_on_screen_and_opens_the_next(room):
    session, organiser, poll, ideas = room
    questions = make_activity(session, organiser, ActivityKind.QUESTIONS, open_=False)
    services.show_on_screen(organiser, session, Screen.POLL, poll)
    assert services.next_activity(organiser, session, now=NOW) == ideas
    assert poll.status == ActivityStatus.CLOSED and ideas.status == ActivityStatus.OPEN
    assert services.next_activity(organiser, session, now=NOW) == questions
    assert ideas.status == ActivityStatus.CLOSED and questions.status == ActivityStatus.OPEN
    room_row = queries.get_room(session)
    assert room_row.screen == Screen.QUESTIONS and room_row.screen_activity_id == questions.id
    with pytest.raises(InvalidState):
        services.next_activity(organiser, session, now=NOW)
    assert questions.status == ActivityStatus.OPEN  # the last one stays open


# ---------------------------------------------------------------------------- views


@pytest.fixture
def arranged(app):
    with app.test_request_context():
        event = make_event(sessions=1)
        session = event.sessions[0]
        organiser = make_organiser(event)
        make_activity(session, organiser, ActivityKind.IDEAS, moderation=Moderation.POST)
        db.session.commit()
        values = {"uuid": str(session.uuid), "organiser": organiser.id, "session_id": session.id}
    live.forget()
    return values


def _publish(app, session_id, body):
    with app.test_request_context():
        session = db.session.get(Session, session_id)
        board = queries.list_activities(session)[0]
        contribution = services.submit_contribution(services.join_as_guest(session), board, body, now=NOW)
        db.session.commit()
        return str(contribution.uuid)


def test_a_phone_gets_304_until_something_changes_then_the_rooms_fragment(client, app, arranged):
    url = f"/participate/{arranged['uuid']}/live?lang=fr&channel=guest"
    first = client.get(url)
    assert first.status_code == 200 and first.headers["Cache-Control"] == "no-cache, private"
    etag = first.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    _publish(app, arranged["session_id"], "Des arbres rue Haute")
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    html = changed.get_data(as_text=True)
    assert "Des arbres rue Haute" in html and "Nouvelle idée : Des arbres rue Haute" in html
    assert "<html" not in html  # a fragment, not a page
    nl = client.get(f"/participate/{arranged['uuid']}/live?lang=nl&channel=guest")
    assert nl.headers["ETag"] != changed.headers["ETag"] and "Nieuw idee" in nl.get_data(as_text=True)


def test_the_live_fragment_is_the_same_for_every_phone(client, app, arranged):
    """It holds nothing of one phone's own: the page's script applies what the phone supported."""
    idea = _publish(app, arranged["session_id"], "Un banc")
    page = f"/participate/{arranged['uuid']}"
    join(client, arranged["uuid"])
    assert client.post(f"{page}/c/{idea}/upvote").status_code == 303  # this phone now supports it
    own_page = client.get(f"{page}?lang=fr").get_data(as_text=True)
    assert '<span class="meta supported">' in own_page
    fragment = client.get(f"{page}/live?lang=fr&channel=guest").get_data(as_text=True)
    assert '<span class="meta supported" hidden>' in fragment
    assert client.get(f"{page}/live?lang=fr&channel=nonsense").headers["ETag"] == '"3-fr-guest"'  # open, idea, support


def test_the_rooms_fragment_holds_no_form_token_and_is_sent_compressed(client, app, arranged):
    """No phone's token in what every phone gets (the script puts each one's own in): with no secret next to
    participants' text, the fragment may be gzipped (BREACH), once per version, for the phones that accept it."""
    _publish(app, arranged["session_id"], "Un banc")
    page = f"/participate/{arranged['uuid']}"
    join(client, arranged["uuid"])
    own_page = client.get(f"{page}?lang=fr").get_data(as_text=True)
    assert re.search(r'name="csrf_token" value="[^"]+"', own_page)  # the page, for the form posts
    url = f"{page}/live?lang=fr&channel=guest"
    plain = client.get(url)
    html = plain.get_data(as_text=True)
    assert 'name="csrf_token" value=""' in html and not re.search(r'name="csrf_token" value="[^"]+"', html)
    assert "Content-Encoding" not in plain.headers and "Accept-Encoding" in plain.headers["Vary"]
    packed = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert packed.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed.headers["Vary"]
    assert gzip.decompress(packed.get_data()).decode() == html
    assert packed.headers["ETag"] == "W/" + plain.headers["ETag"]
    # Either validator is the same version: nothing to send again.
    for held in (packed.headers["ETag"], plain.headers["ETag"]):
        assert client.get(url, headers={"If-None-Match": held, "Accept-Encoding": "gzip"}).status_code == 304


def test_a_new_version_renders_again_only_the_cards_that_changed(client, app, arranged, monkeypatch):
    first, second = (_publish(app, arranged["session_id"], body) for body in ("Un banc", "Une fontaine"))
    rendered = []
    kept = live.card

    def counting(key, build):
        return kept(key, lambda: rendered.append(key) or build())

    monkeypatch.setattr(live, "card", counting)
    url = f"/participate/{arranged['uuid']}/live?lang=fr&channel=guest"
    assert "Un banc" in client.get(url).get_data(as_text=True) and len(rendered) == 2
    with app.test_request_context():
        session = db.session.get(Session, arranged["session_id"])
        supporter = services.join_as_guest(session, now=NOW)
        services.upvote(supporter, queries.get_contribution(session, first), now=NOW)
        db.session.commit()
    html = client.get(url).get_data(as_text=True)
    assert len(rendered) == 3 and rendered[-1][1:3] == ("Un banc", 1)  # only the supported card: body, count
    assert "1 soutien" in html and second in html
    live.forget()  # what the kept cards gave is what rendering them all gives
    assert client.get(url).get_data(as_text=True) == html


def test_live_polls_of_unknown_sessions_are_404(client, arranged):
    assert client.get("/participate/not-a-uuid/live").status_code == 404
    assert client.get("/participate/00000000-0000-0000-0000-000000000000/live").status_code == 404


def test_the_organiser_switches_the_screen_from_the_projector_keys(client, app, arranged):
    with client.session_transaction() as s:
        s["_user_id"] = str(arranged["organiser"])
        s["_fresh"] = True
    base = f"/participate/{arranged['uuid']}"
    page = client.get(f"{base}/projector?lang=fr").get_data(as_text=True)
    assert (
        'id="room-code"' in page
        and 'data-keys="j=join i=ideas q=questions p=poll r=results w=words o=opinions"' in page
    )
    response = client.post(f"{base}/manage/screen", data={"screen": "ideas"}, headers={"X-Requested-With": "live"})
    assert response.status_code == 204
    _publish(app, arranged["session_id"], "Une piste cyclable")
    html = client.get(f"{base}/projector/live").get_data(as_text=True)
    assert "Une piste cyclable" in html and html.count("Une piste cyclable") == 1  # participants' text once
    assert client.post(f"{base}/manage/screen", data={"screen": "nonsense"}).status_code == 400
    assert client.post(f"{base}/manage/next", headers={"X-Requested-With": "live"}).status_code == 422  # no next
