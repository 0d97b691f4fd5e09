"""The opinion map's phone page (no JavaScript: one statement, agree / disagree / pass, skip, add a statement,
erase) and the map page."""

import html
import re

import pytest
import sqlalchemy as sa

from eventapp.accounts.models import User
from eventapp.extensions import db
from eventapp.participation import opinions, services
from eventapp.participation.models import Access, Activity, ActivityKind, Contribution, ContributionStatus
from eventapp.participation.opinion_models import Reaction
from tests.factories import NOW, make_event
from tests.participation.factories import join, make_activity, make_opinions_room, make_organiser


@pytest.fixture
def room(app):
    with app.test_request_context():
        session, organiser, activity, _ = make_opinions_room(
            ["More trees on the square", "Fewer cars in the centre", "A night market"]
        )
        db.session.commit()
        base = f"/participate/{session.uuid}/a/{activity.uuid}"
        return {
            "uuid": session.uuid,
            "session": f"/participate/{session.uuid}",
            "base": base,
            "activity_id": activity.id,
            "organiser": organiser.id,
        }


@pytest.fixture(autouse=True)
def english(client):
    client.set_cookie("lang", "en")


def _statement_on(html: str) -> str:
    for body in ("More trees on the square", "Fewer cars in the centre", "A night market"):
        if f">{body}</p>" in html:
            return body
    return ""


def _uuid_of(body):
    return db.session.scalar(sa.select(Contribution.uuid).where(Contribution.body == body))


def test_a_phone_joins_then_reacts_to_one_statement_after_the_other_and_may_skip(client, room):
    page = client.get(room["base"] + "/opinions")
    assert page.status_code == 200
    assert f'action="{room["session"]}/join"' in page.get_data(as_text=True)  # joining is a step of its own
    refused = client.post(
        f"{room['base']}/opinions/{_uuid_of('More trees on the square')}/react", data={"vote": "agree"}
    )
    assert refused.status_code == 303 and db.session.scalar(sa.select(sa.func.count()).select_from(Reaction)) == 0
    join(client, room["uuid"])
    page = client.get(room["base"] + "/opinions")
    assert f'action="{room["session"]}/join"' not in page.get_data(as_text=True)
    first = _statement_on(page.get_data(as_text=True))
    assert first == "More trees on the square"  # none reacted to yet: the oldest

    answer = client.post(f"{room['base']}/opinions/{_uuid_of(first)}/react", data={"vote": "agree"})
    assert answer.status_code == 303
    assert db.session.scalars(sa.select(Reaction.vote)).all() == [1]

    html = client.get(room["base"] + "/opinions").get_data(as_text=True)
    second = _statement_on(html)
    assert second not in ("", first)
    skip = client.get(room["base"] + f"/opinions?skip={_uuid_of(second)}").get_data(as_text=True)
    assert _statement_on(skip) not in ("", first, second)

    client.post(f"{room['base']}/opinions/{_uuid_of(first)}/react", data={"vote": "disagree"})  # changed
    assert db.session.scalars(sa.select(Reaction.vote)).all() == [-1]
    assert client.post(f"{room['base']}/opinions/{_uuid_of(first)}/react", data={"vote": "maybe"}).status_code == 303
    assert db.session.scalars(sa.select(Reaction.vote)).all() == [-1]


def test_a_phone_adds_a_statement_and_erases_its_reactions(client, room):
    join(client, room["uuid"])
    sent = client.post(room["base"] + "/opinions/statement", data={"body": "Benches in the shade"})
    assert sent.status_code == 303
    assert db.session.scalar(sa.select(Contribution.status).where(Contribution.body == "Benches in the shade")) == (
        ContributionStatus.PENDING
    )
    too_long = client.post(room["base"] + "/opinions/statement", data={"body": "x" * 141})
    assert too_long.status_code == 422 and "140" in too_long.get_data(as_text=True)

    client.post(f"{room['base']}/opinions/{_uuid_of('A night market')}/react", data={"vote": "pass"})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Reaction)) == 1
    assert client.post(room["base"] + "/opinions/erase").status_code == 303
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Reaction)) == 0


def test_no_reaction_to_a_statement_not_yet_moderated(client, room):
    join(client, room["uuid"])
    client.post(room["base"] + "/opinions/statement", data={"body": "Pending one"})
    response = client.post(f"{room['base']}/opinions/{_uuid_of('Pending one')}/react", data={"vote": "agree"})
    assert response.status_code == 404


def test_a_registered_only_activity_turns_a_guest_away(client, room):
    activity = db.session.get(Activity, room["activity_id"])
    activity.access = Access.REGISTERED
    db.session.commit()
    response = client.post(f"{room['base']}/opinions/{_uuid_of('A night market')}/react", data={"vote": "agree"})
    assert response.status_code == 303
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Reaction)) == 0
    assert "registered participants" in client.get(response.location).get_data(as_text=True)


def test_a_draft_activity_has_no_pages(client, app):
    with app.test_request_context():
        event = make_event(sessions=1)
        session = event.sessions[0]
        activity = make_activity(session, make_organiser(event), ActivityKind.OPINIONS, open_=False)
        db.session.commit()
        base = f"/participate/{session.uuid}/a/{activity.uuid}"
    assert client.get(base + "/opinions").status_code == 404
    assert client.get(base + "/opinion-map").status_code == 404


def test_the_session_page_links_the_activity_and_the_map_page_shows_groups_and_consensus(client, room, app):
    html = client.get(room["session"]).get_data(as_text=True)
    assert room["base"] + "/opinions" in html and "Opinion map" in html
    assert "appears once people have reacted" in client.get(room["base"] + "/opinion-map").get_data(as_text=True)

    with app.test_request_context():
        activity = db.session.get(Activity, room["activity_id"])
        statements = opinions.list_statements(activity)
        # Two camps of six on the first two statements, everyone agreeing on the night market.
        for i in range(12):
            guest = services.join_as_guest(activity.session, now=NOW)
            camp = "agree" if i % 2 else "disagree"
            other = "disagree" if i % 2 else "agree"
            opinions.react(guest, statements[0], camp, now=NOW)
            opinions.react(guest, statements[1], other, now=NOW)
            opinions.react(guest, statements[2], "agree", now=NOW)
        opinions.recompute_stale_maps(now=NOW)
        db.session.commit()
    html = client.get(room["base"] + "/opinion-map").get_data(as_text=True)
    assert html.count("<circle") >= 12
    assert "Group A" in html and "Group B" in html
    assert "What unites the room" in html and '<q lang="fr">A night market</q>' in html.split("What sets group A")[0]
    assert client.get(room["session"].replace("/participate/", "/participate/") + "/results").status_code == 200


def test_the_phone_pages_live_part_answers_304_until_the_room_changes_then_lists_the_new_statement(client, room, app):
    join(client, room["uuid"])
    page = client.get(room["base"] + "/opinions").get_data(as_text=True)
    found = re.search(r'id="opinion-live" data-live-url="([^"]+)" data-etag="([^"]+)"', page)
    url, etag = html.unescape(found.group(1)), found.group(2)
    assert client.get(url, headers={"If-None-Match": f'"{etag}"'}).status_code == 304
    with app.test_request_context():
        activity = db.session.get_one(Activity, room["activity_id"])
        organiser = db.session.get_one(User, room["organiser"])
        added = str(opinions.seed_statement(organiser, activity, "Een avondmarkt", language="nl", now=NOW).uuid)
        db.session.commit()
    changed = client.get(url, headers={"If-None-Match": f'"{etag}"'})
    assert changed.status_code == 200 and changed.headers["ETag"] != f'"{etag}"'
    fragment = changed.get_data(as_text=True)
    assert added in fragment and 'data-open="true"' in fragment and added not in page
    unknown = url.replace(room["base"].rsplit("/a/", 1)[1], "00000000-0000-0000-0000-000000000000")
    assert client.get(unknown).status_code == 404
