"""Opinion map services: statements, reactions (one per person, changeable, erasable), the background recompute,
the next statement a phone shows."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from eventapp.core.errors import InvalidState, NotFound
from eventapp.extensions import db
from eventapp.participation import opinions, services
from eventapp.participation.models import ActivityKind, ContributionStatus, Moderation, Participant
from eventapp.participation.opinion_groups import compute_opinion_map
from eventapp.participation.opinion_models import OpinionMapRecord, Reaction
from eventapp.participation.services import InvalidText
from tests.factories import NOW
from tests.participation.factories import make_activity
from tests.participation.opinion_rooms import adjusted_rand_index, planted_room


@pytest.fixture
def room(setup):
    _event, session, organiser = setup
    activity = make_activity(session, organiser, ActivityKind.OPINIONS)
    statements = [
        opinions.seed_statement(organiser, activity, f"Statement {i}", language="fr", now=NOW) for i in range(3)
    ]
    return session, organiser, activity, statements


def _reactions(activity):
    return db.session.execute(
        sa.select(Reaction.participant_id, Reaction.statement_id, Reaction.vote).where(
            Reaction.activity_id == activity.id
        )
    ).all()


def test_a_participant_statement_is_moderated_and_at_most_140_characters(room):
    session, organiser, activity, _ = room
    guest = services.join_as_guest(session, now=NOW)
    statement = opinions.submit_statement(guest, activity, "Trams every five minutes", now=NOW)
    assert activity.moderation == Moderation.PRE and statement.status == ContributionStatus.PENDING
    assert statement not in opinions.list_statements(activity)
    services.approve(organiser, statement, now=NOW)
    assert statement in opinions.list_statements(activity)
    with pytest.raises(InvalidText):
        opinions.submit_statement(guest, activity, "x" * 141, now=NOW)
    opinions.submit_statement(guest, activity, "x" * 140, now=NOW)


def test_one_reaction_per_person_and_statement_which_they_may_change(room):
    session, _organiser, activity, (first, second, _) = room
    guest = services.join_as_guest(session, now=NOW)
    opinions.react(guest, first, "agree", now=NOW)
    opinions.react(guest, second, "pass", now=NOW)
    opinions.react(guest, first, "disagree", now=NOW + timedelta(seconds=5))
    assert sorted(_reactions(activity)) == sorted([(guest.id, first.id, -1), (guest.id, second.id, 0)])
    assert opinions.get_reactions_of(guest, activity) == {first.id: -1, second.id: 0}
    with pytest.raises(InvalidState):
        opinions.react(guest, first, "maybe", now=NOW)


def test_no_reaction_to_an_unpublished_statement_or_a_closed_activity(room):
    session, organiser, activity, (first, *_) = room
    guest = services.join_as_guest(session, now=NOW)
    pending = opinions.submit_statement(guest, activity, "Not yet moderated", now=NOW)
    with pytest.raises(NotFound):
        opinions.react(guest, pending, "agree", now=NOW)
    services.close_activity(organiser, activity, now=NOW)
    with pytest.raises(InvalidState):
        opinions.react(guest, first, "agree", now=NOW)


def test_a_participant_erases_their_reactions_and_erasing_the_participant_erases_them_too(room):
    session, _organiser, activity, statements = room
    one, other = services.join_as_guest(session, now=NOW), services.join_as_guest(session, now=NOW)
    for s in statements:
        opinions.react(one, s, "agree", now=NOW)
        opinions.react(other, s, "disagree", now=NOW)
    assert opinions.erase_reactions(one, activity) == 3
    assert {p for p, _, _ in _reactions(activity)} == {other.id}
    db.session.execute(sa.delete(Participant).where(Participant.id == other.id))
    assert _reactions(activity) == []


def test_the_map_is_recomputed_only_when_reactions_or_moderation_changed(room):
    session, organiser, activity, statements = room
    guest = services.join_as_guest(session, now=NOW)
    opinions.react(guest, statements[0], "agree", now=NOW)
    assert db.session.get(OpinionMapRecord, activity.id) is None  # recording a reaction computes nothing
    assert opinions.recompute_stale_maps(now=NOW) == [activity.id]
    assert opinions.recompute_stale_maps(now=NOW) == []
    opinions.react(guest, statements[0], "disagree", now=NOW + timedelta(seconds=1))  # changed
    assert opinions.recompute_stale_maps(now=NOW) == [activity.id]
    services.hide(organiser, statements[1], now=NOW)  # a statement moderated out
    assert opinions.recompute_stale_maps(now=NOW) == [activity.id]
    assert opinions.get_map(activity)["hidden"] == [statements[1].id]
    assert opinions.recompute_stale_maps(now=NOW) == []
    services.close_activity(organiser, activity, now=NOW)
    assert opinions.recompute_stale_maps(now=NOW) == []  # closed: no longer looked at ...
    opinions.erase_reactions(guest, activity)
    assert opinions.recompute_stale_maps(now=NOW) == [activity.id]  # ... unless someone erased reactions
    assert opinions.get_map(activity)["n_participants"] == 0
    assert opinions.recompute_stale_maps(now=NOW) == []


def test_the_stored_map_is_the_computed_map_of_the_reactions_and_keeps_no_one_on_its_dots(room):
    session, organiser, activity, _ = room
    planted = planted_room(3, people=60, statements=20, noise=0.1, coverage=(0.6, 1.0), seed=2)
    statements = [
        opinions.seed_statement(organiser, activity, f"Planted {j}", language="fr", now=NOW) for j in range(20)
    ]
    people = [services.join_as_guest(session, now=NOW) for _ in range(60)]
    names = {1: "agree", -1: "disagree", 0: "pass"}
    for p, s, vote in planted.votes:
        opinions.react(people[p], statements[s], names[vote], now=NOW)
    opinions.recompute_stale_maps(now=NOW)
    data = opinions.get_map(activity)
    found = {int(p): g for p, g in data["members"].items()}
    expected = compute_opinion_map([(people[p].id, statements[s].id, vote) for p, s, vote in planted.votes])
    assert found == expected.group_of and len(found) == 60
    assert adjusted_rand_index([planted.planted[p] for p in range(60)], [found[people[p].id] for p in range(60)]) > 0.9
    assert len(data["groups"]) == 3 and sum(g["size"] for g in data["groups"]) == len(data["points"])
    assert all(len(point) == 3 for point in data["points"])  # x, y, group: no participant


def test_the_next_statement_is_the_least_reacted_to_then_the_one_that_splits_the_groups(room):
    session, _organiser, activity, (a, b, c) = room
    me, others = services.join_as_guest(session, now=NOW), [services.join_as_guest(session, now=NOW) for _ in range(2)]
    for other in others:
        opinions.react(other, a, "agree", now=NOW)
    opinions.react(others[0], b, "agree", now=NOW)
    assert opinions.next_statement(me, activity) == c  # no reaction yet
    assert opinions.next_statement(me, activity, skipped=[c.id]) == b
    opinions.react(me, c, "pass", now=NOW)
    opinions.react(me, b, "pass", now=NOW)
    assert opinions.next_statement(me, activity) == a
    opinions.react(me, a, "pass", now=NOW)
    assert opinions.next_statement(me, activity) is None


def test_the_worker_command_recomputes_stale_maps(runner, room):
    session, _organiser, activity, statements = room
    guest = services.join_as_guest(session, now=NOW)
    opinions.react(guest, statements[0], "agree", now=NOW)
    result = runner.invoke(args=["participation", "opinions-worker"])
    assert result.exit_code == 0, result.output
    assert "recomputed: 1" in result.output
    assert opinions.get_map(activity)["n_participants"] == 1
