"""Issue 17, beyond the list: random values posted into every form of a participatory session — the
organiser's (activities, moderation, the screen, pausing guests, seeding statements) and the phone's
(ideas, votes, supports, reports, reactions) — never make a 5xx.

Every POST route under /participate/ is fuzzed (a new route is picked up by itself); each gets the
field names of the pages that hold its forms, plus the names its view reads.
"""

import pytest
from flask import url_for
from hypothesis import given
from hypothesis import strategies as st

from eventapp import create_app
from eventapp.extensions import db
from eventapp.participation import services
from eventapp.participation.models import ActivityKind, Moderation, Participant
from eventapp.participation.opinions import seed_statement
from tests.factories import NOW, make_event
from tests.participation.factories import join, make_activity, make_organiser
from tests.security.test_f10_form_numbers import FUZZ, VALUE, FieldNames

# The <action> part of the two moderation routes: every action the views know, and one they do not.
ACTIONS = {
    "participation.activity_action": ["open", "close", "reveal", "conceal", "nonsense"],
    "participation.contribution_action": [
        "approve",
        "hide",
        "answered",
        "unanswered",
        "pin",
        "unpin",
        "reject",
        "merge",
        "outcome",
        "nonsense",
    ],
}
EXTRA_NAMES = {"target", "reason", "screen", "activity", "paused", "body", "value", "option", "text", "code"}


def participation_forms(app) -> list[str]:
    return sorted(
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/participate/") and "POST" in rule.methods
    )


def test_every_participation_form_is_fuzzed(app):
    forms = participation_forms(app)
    assert {"participation.contribute", "participation.vote", "participation.show_on_screen"} <= set(forms)
    assert len(forms) >= 15


@pytest.fixture
def room(client):
    event = make_event(sessions=1)
    session = event.sessions[0]
    organiser = make_organiser(event, admin=True)
    ideas = make_activity(session, organiser, ActivityKind.IDEAS, moderation=Moderation.POST)
    poll = make_activity(session, organiser, ActivityKind.POLL)
    opinions = make_activity(session, organiser, ActivityKind.OPINIONS, moderation=Moderation.POST)
    statement = seed_statement(organiser, opinions, "Plus de bancs dans les parcs.", language="fr", now=NOW)
    someone = Participant(session_id=session.id, created_at=NOW)
    db.session.add(someone)
    db.session.flush()
    idea = services.submit_contribution(someone, ideas, "Une bibliothèque ouverte le dimanche.", now=NOW)
    organiser_id = organiser.id
    db.session.commit()
    join(client, session.uuid)
    with client.session_transaction() as cookie:
        cookie["_user_id"] = str(organiser_id)
    names = set(EXTRA_NAMES)
    for path in (f"/participate/{session.uuid}", f"/participate/{session.uuid}/manage"):
        parser = FieldNames()
        parser.feed(client.get(path).get_data(as_text=True))
        names |= parser.names
    return {
        "session_uuid": str(session.uuid),
        "ideas": str(ideas.uuid),
        "opinions": str(opinions.uuid),
        "poll": str(poll.uuid),
        "contribution_uuid": str(idea.uuid),
        "statement_uuid": str(statement.uuid),
        "names": sorted(names),
    }


def _path(app, endpoint: str, room: dict, action: str) -> str:
    (rule,) = [r for r in app.url_map.iter_rules() if r.endpoint == endpoint]
    values = {name: room[name] for name in rule.arguments if name in room}
    if "activity_uuid" in rule.arguments:  # the activity each form belongs to
        kind = "opinions" if "opinions" in rule.rule else "poll" if endpoint == "participation.vote" else "ideas"
        values["activity_uuid"] = room[kind]
    if "action" in rule.arguments:
        values["action"] = action
    with app.test_request_context():
        return url_for(endpoint, **values)


@pytest.mark.parametrize("endpoint", participation_forms(create_app("testing")))
def test_random_values_in_every_participation_form_never_make_a_5xx(app, client, room, endpoint):
    actions = ACTIONS.get(endpoint, ["-"])

    @FUZZ
    @given(action=st.sampled_from(actions), data=st.fixed_dictionaries({name: VALUE for name in room["names"]}))
    def post_random_values(action, data):
        path = _path(app, endpoint, room, action)
        response = client.post(path, data=data)
        assert response.status_code < 500, (path, response.status_code)
        script = client.post(path, data=data, headers={"Accept": "application/json"})
        assert script.status_code < 500, (path, "json", script.status_code)

    post_random_values()
