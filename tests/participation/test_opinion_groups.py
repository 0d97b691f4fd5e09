"""Opinion groups (Polis's method): planted groups are found, Polis's own groups on a real conversation are
reproduced, and the statements reported as representative or consensual are the right ones."""

import random
from pathlib import Path

import pytest

from eventapp.participation.opinion_groups import MIN_GROUP_SIZE, compute_opinion_map
from eventapp.participation.polis_format import MODERATED_OUT, read_conversation, render_conversation
from tests.participation.opinion_rooms import adjusted_rand_index, planted_room

SEATTLE = Path(__file__).parent / "data" / "polis" / "15-per-hour-seattle"


def _agreement(found, planted) -> float:
    placed = sorted(found.group_of)
    return adjusted_rand_index([planted[p] for p in placed], [found.group_of[p] for p in placed])


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("groups", [2, 3, 4])
def test_planted_groups_are_found(groups, seed):
    room = planted_room(groups, seed=seed, noise=0.2, coverage=(0.3, 1.0))
    found = compute_opinion_map(room.votes)
    assert len(found.groups) == groups
    assert found.placed == len(room.planted)  # everyone reacted to at least 12 of 40 statements
    assert _agreement(found, room.planted) >= 0.95


def test_seattle_groups_agree_with_polis_after_a_round_trip_through_its_format(tmp_path):
    conversation = read_conversation(SEATTLE)
    hidden = [c.comment_id for c in conversation.comments if c.moderated == MODERATED_OUT]
    found = compute_opinion_map(
        [(v.voter_id, v.comment_id, v.vote) for v in conversation.latest_votes()], hidden_statements=hidden
    )
    files = render_conversation(conversation.comments, conversation.latest_votes(), groups=found.group_of)
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    ours = read_conversation(tmp_path).groups

    polis = conversation.groups
    assert len(ours) == len(polis) == 339
    # The same 138 people are placed: those with at least 7 votes.
    assert {p for p, g in ours.items() if g is not None} == {p for p, g in polis.items() if g is not None}
    placed = sorted(p for p, g in polis.items() if g is not None)
    assert len(placed) == 138
    assert len(found.groups) == 2  # as Polis
    assert adjusted_rand_index([polis[p] for p in placed], [ours[p] for p in placed]) >= 0.85  # 0.884 measured


def test_the_same_reactions_give_the_same_map_whatever_their_order():
    room = planted_room(3, seed=7)
    first = compute_opinion_map(room.votes)
    shuffled = room.votes[:]
    random.Random(1).shuffle(shuffled)
    again = compute_opinion_map(shuffled)
    assert again == first


def test_a_changed_reaction_replaces_the_earlier_one():
    votes = [(p, s, 1) for p in range(10) for s in range(8)]
    changed = votes + [(0, s, -1) for s in range(8)]
    found = compute_opinion_map(changed)
    assert found.groups[0].votes[3].disagree + sum(g.votes[3].disagree for g in found.groups[1:]) == 1
    assert sum(g.votes[3].seen for g in found.groups) == 10


def test_only_people_with_enough_reactions_are_placed():
    room = planted_room(2, statements=30, coverage=(1.0, 1.0), seed=3)
    sparse = [(1000, s, 1) for s in range(6)] + [(1001, s, 1) for s in range(7)]
    found = compute_opinion_map(room.votes + sparse)
    assert found.min_votes == 7
    assert 1000 not in found.positions and 1000 not in found.group_of
    assert 1001 in found.positions and 1001 in found.group_of
    assert found.n_participants == len(room.planted) + 2

    few_statements = [(p, s, 1 if p % 2 else -1) for p in range(20) for s in range(4)] + [(50, 0, 1)]
    found = compute_opinion_map(few_statements)
    assert found.min_votes == 4  # min(7, statements)
    assert found.placed == 20 and 50 not in found.positions


def test_a_sparse_voter_is_placed_with_the_group_they_side_with():
    """Polis scales a sparse voter's projection by sqrt(statements / reactions): someone who reacted to 7 of
    40 statements exactly as a group does lands in that group's cloud, not near the centre."""
    room = planted_room(2, statements=40, coverage=(0.8, 1.0), noise=0.1, seed=5)
    sided = [s for s in range(40) if room.opinions[0][s] != 0][:7]
    found = compute_opinion_map(room.votes + [(999, s, room.opinions[0][s]) for s in sided])
    group_zero = {found.group_of[p] for p, g in room.planted.items() if g == 0}
    assert found.group_of[999] in group_zero
    x, y = found.positions[999]
    cx, cy = found.groups[found.group_of[999]].centre
    assert (x * x + y * y) ** 0.5 > 0.5 * (cx * cx + cy * cy) ** 0.5


def test_a_group_under_five_people_is_not_shown_on_its_own():
    rng = random.Random(2)
    votes = [(p, s, 1 if rng.random() > 0.1 else 0) for p in range(40) for s in range(20)]
    votes += [(100 + p, s, -1) for p in range(MIN_GROUP_SIZE - 1) for s in range(20)]
    found = compute_opinion_map(votes)
    sizes = [(g.size, g.shown) for g in found.groups]
    assert sizes == [(40, True), (MIN_GROUP_SIZE - 1, False)]


def test_representative_and_consensus_statements():
    """Statement 0 splits the room; statement 1 has everyone agreeing; statement 2 everyone disagreeing."""
    rng = random.Random(4)
    votes = []
    for p in range(60):
        side = 1 if p < 35 else -1
        votes += [(p, 0, side), (p, 1, 1), (p, 2, -1)]
        votes += [(p, s, side if rng.random() > 0.2 else -side) for s in range(3, 12)]
    found = compute_opinion_map(votes)
    assert [g.size for g in found.groups] == [35, 25]
    for group, direction in zip(found.groups, ("agree", "disagree"), strict=True):
        assert (0, direction) in {(r.statement, r.direction) for r in group.representative}
        assert all(r.p_success > 0.5 for r in group.representative)
    # The second group agrees with nothing but the consensus: Polis still shows one thing the group agrees
    # with first, as agreement (25 of 25), not as "0 of 25 disagree".
    best = found.groups[1].representative[0]
    assert (best.statement, best.direction, best.n_success, best.best_agree) == (1, "agree", 25, True)
    assert all(r.statement not in (1, 2) for r in found.groups[0].representative)
    assert {(c.statement, c.direction) for c in found.consensus} == {(1, "agree"), (2, "disagree")}
    assert all(len(c.p_by_group) == 2 and min(c.p_by_group) > 0.9 for c in found.consensus)


def test_hidden_statements_are_never_reported_but_their_votes_count_for_placement():
    votes = [(p, s, 1 if (p < 20) == (s % 2 == 0) else -1) for p in range(40) for s in range(10)]
    votes += [(p, 10, 1) for p in range(40)] + [(41, s, 1) for s in (0, 2, 4, 6, 8, 10, 1)]
    found = compute_opinion_map(votes, hidden_statements=[10])
    assert 41 in found.positions  # six visible reactions and one on the hidden statement
    assert all(10 not in g.votes for g in found.groups)
    assert all(r.statement != 10 for g in found.groups for r in g.representative)
    assert all(c.statement != 10 for c in found.consensus)


def test_edge_cases():
    assert compute_opinion_map([]).groups == ()
    alone = compute_opinion_map([(1, s, 1) for s in range(8)])
    assert [g.members for g in alone.groups] == [(1,)] and alone.silhouette is None
    same = compute_opinion_map([(p, s, 1) for p in range(10) for s in range(8)])
    assert len(same.groups) == 1 and same.groups[0].size == 10
    with pytest.raises(ValueError, match="vote must be"):
        compute_opinion_map([(1, 1, 2)])
