"""Services of issue 16 (items 4 and 5): short answers and their word cloud, one's own contributions."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from eventapp.core.errors import Conflict, InvalidState, NotFound, PermissionDenied
from eventapp.extensions import db
from eventapp.participation import queries, services
from eventapp.participation.models import ActivityKind, Contribution, ContributionStatus, Moderation, Upvote
from eventapp.participation.services import InvalidText
from eventapp.participation.text import answer_key
from tests.factories import NOW
from tests.participation.factories import make_activity, make_registration


def _guests(session, n):
    return [services.join_as_guest(session, now=NOW) for _ in range(n)]


# ---------------------------------------------------------------------------- short answers


def test_answer_key_groups_case_and_surrounding_punctuation_but_not_accents():
    assert answer_key("  Vélo ! ") == answer_key("«vélo»") == "vélo"
    assert answer_key("Parc") != answer_key("Parć")
    assert answer_key("plus de  bancs.") == "plus de bancs"
    assert answer_key("?!") == ""


def test_a_participant_gives_up_to_three_different_short_answers(setup):
    _event, session, organiser = setup
    cloud = make_activity(session, organiser, ActivityKind.SHORT_ANSWERS, moderation=Moderation.POST)
    guest = _guests(session, 1)[0]
    first = services.submit_short_answers(guest, cloud, ["Vélo", "", "  "], now=NOW)
    assert [(c.body, c.answer_slot, c.status) for c in first] == [("Vélo", 1, ContributionStatus.PUBLISHED)]
    with pytest.raises(Conflict) as same:
        services.submit_short_answers(guest, cloud, ["vélo !"], now=NOW)
    assert same.value.code == "same_answer"
    with pytest.raises(Conflict) as twice:
        services.submit_short_answers(guest, cloud, ["Parc", "parc"], now=NOW)
    assert twice.value.code == "same_answer"
    with pytest.raises(Conflict) as too_many:
        services.submit_short_answers(guest, cloud, ["Parc", "Tram", "Bancs"], now=NOW)
    assert too_many.value.code == "too_many_answers" and "encore donner 2 réponses" in str(too_many.value.message)
    services.submit_short_answers(guest, cloud, ["Parc", "Tram"], now=NOW)
    with pytest.raises(Conflict) as full:
        services.submit_short_answers(guest, cloud, ["Bancs"], now=NOW)
    assert "donné vos 3 réponses" in str(full.value.message)  # the default language: French
    with pytest.raises(InvalidText):
        services.submit_short_answers(_guests(session, 1)[0], cloud, ["…"], now=NOW)
    with pytest.raises(InvalidText):
        services.submit_short_answers(_guests(session, 1)[0], cloud, ["x" * 41], now=NOW)


def test_the_database_holds_everyone_to_three_answers(setup):
    """Two phones of one participant sending at once both find slot 1 free: the unique index refuses one."""
    _event, session, organiser = setup
    cloud = make_activity(session, organiser, ActivityKind.SHORT_ANSWERS)
    guest = _guests(session, 1)[0]
    services.submit_short_answers(guest, cloud, ["Vélo"], now=NOW)
    raced = Contribution(
        activity_id=cloud.id,
        participant_id=guest.id,
        channel="guest",
        body="Tram",
        status=ContributionStatus.PENDING,
        answer_slot=1,
        answer_key="tram",
    )
    with pytest.raises(Conflict) as error:
        services._add_answer(raced, duplicate=Conflict("busy", code="busy"))
    assert error.value.code == "busy"
    with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
        db.session.execute(sa.update(Contribution).where(Contribution.participant_id == guest.id).values(answer_slot=4))


def test_short_answers_are_moderated_like_ideas_and_form_the_cloud(setup):
    _event, session, organiser = setup
    cloud = make_activity(session, organiser, ActivityKind.SHORT_ANSWERS)  # pre-moderation
    guests = _guests(session, 5)
    for guest, answers in zip(
        guests, (["Vélo", "Parc"], ["vélo"], ["VÉLO !", "Tram"], ["Vélo", "Insulte"], ["vélo"]), strict=True
    ):
        services.submit_short_answers(guest, cloud, answers, now=NOW)
    assert queries.word_cloud(cloud) == []  # nothing public before moderation
    for c in db.session.scalars(sa.select(Contribution).where(Contribution.activity_id == cloud.id)):
        if c.body == "Insulte":
            services.reject(organiser, c, "Pas d'insultes", now=NOW)
        else:
            services.approve(organiser, c, now=NOW)
    services.enter_paper_card(organiser, cloud, "Parc.", now=NOW)
    words = queries.word_cloud(cloud)
    # The most written spelling names the word; the most given word is the biggest.
    assert [(w.text, w.weight) for w in words] == [("Vélo", 5), ("Parc", 2), ("Tram", 1)]
    assert words[0].size == queries.CLOUD_SIZES and words[-1].size == 1
    assert 1 < words[1].size < queries.CLOUD_SIZES
    assert queries.count_short_answers(cloud) == (8, 6)  # 7 answers of 5 people, and one paper card


def test_the_projector_shows_the_cloud_open_now_else_the_last_closed(setup):
    _event, session, organiser = setup
    assert queries.current_word_cloud(session) == (None, [])
    first = make_activity(session, organiser, ActivityKind.SHORT_ANSWERS, moderation=Moderation.POST)
    second = make_activity(session, organiser, ActivityKind.SHORT_ANSWERS, moderation=Moderation.POST, open_=False)
    services.submit_short_answers(_guests(session, 1)[0], first, ["Vélo"], now=NOW)
    assert queries.current_word_cloud(session) == (first, [queries.CloudWord("Vélo", 1, 1)])
    services.open_activity(organiser, second, now=NOW + timedelta(minutes=5))
    assert queries.current_word_cloud(session) == (second, [])
    services.close_activity(organiser, second, now=NOW + timedelta(minutes=6))
    assert queries.current_word_cloud(session)[0] == first  # still open


def test_no_support_in_a_word_cloud(setup):
    _event, session, organiser = setup
    cloud = make_activity(session, organiser, ActivityKind.SHORT_ANSWERS, moderation=Moderation.POST)
    author, other = _guests(session, 2)
    (answer,) = services.submit_short_answers(author, cloud, ["Vélo"], now=NOW)
    with pytest.raises(NotFound):
        services.upvote(other, answer, now=NOW)


def test_short_answers_go_through_their_own_service(setup):
    _event, session, organiser = setup
    cloud = make_activity(session, organiser, ActivityKind.SHORT_ANSWERS)
    ideas = make_activity(session, organiser, ActivityKind.IDEAS)
    guest = _guests(session, 1)[0]
    with pytest.raises(NotFound):
        services.submit_contribution(guest, cloud, "Vélo", now=NOW)
    with pytest.raises(NotFound):
        services.submit_short_answers(guest, ideas, ["Vélo"], now=NOW)
    services.close_activity(organiser, cloud, now=NOW)
    with pytest.raises(InvalidState):
        services.submit_short_answers(guest, cloud, ["Vélo"], now=NOW)


# ---------------------------------------------------------------------------- own contributions


@pytest.mark.parametrize("kind", [ActivityKind.IDEAS, ActivityKind.QUESTIONS])
def test_no_one_supports_their_own_contribution(setup, kind):
    _event, session, organiser = setup
    board = make_activity(session, organiser, kind, moderation=Moderation.POST)
    author, other = _guests(session, 2)
    mine = services.submit_contribution(author, board, "Plus de bancs", now=NOW)
    with pytest.raises(PermissionDenied) as error:
        services.upvote(author, mine, now=NOW)
    assert error.value.code == "own_contribution"
    assert services.upvote(other, mine, now=NOW) is True
    assert mine.upvotes == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Upvote)) == 1


def test_the_author_sees_where_each_contribution_stands(setup):
    _event, session, organiser = setup
    ideas = make_activity(session, organiser, ActivityKind.IDEAS)
    author = _guests(session, 1)[0]
    sent = {body: services.submit_contribution(author, ideas, body, now=NOW) for body in "ABCDEF"}
    services.approve(organiser, sent["B"], now=NOW)
    services.reject(organiser, sent["C"], "Hors sujet", now=NOW)
    services.hide(organiser, sent["D"], reason="Doublon", now=NOW)
    services.approve(organiser, sent["E"], now=NOW)
    services.merge(organiser, sent["F"], sent["E"], now=NOW)
    own = {o.contribution.body: o for o in queries.list_own_contributions(author, ideas)}
    assert {body: o.contribution.status for body, o in own.items()} == {
        "A": "pending",
        "B": "published",
        "C": "rejected",
        "D": "hidden",
        "E": "published",
        "F": "merged",
    }
    assert own["C"].contribution.rejection_reason == "Hors sujet"
    assert own["D"].contribution.rejection_reason == "Doublon"
    assert [body for body, o in own.items() if o.withdrawable] == ["A"]
    assert queries.list_own_contributions(None, ideas) == []
    assert queries.list_own_contributions(_guests(session, 1)[0], ideas) == []


def test_withdrawing_until_an_organiser_deals_with_it(setup):
    _event, session, organiser = setup
    questions = make_activity(session, organiser, ActivityKind.QUESTIONS, moderation=Moderation.POST)
    author, other = _guests(session, 2)
    waiting = services.submit_contribution(author, questions, "Quand ?", now=NOW)
    answered = services.submit_contribution(author, questions, "Où ?", now=NOW)
    services.upvote(other, waiting, now=NOW)
    services.mark_answered(organiser, answered, now=NOW)
    with pytest.raises(NotFound):
        services.withdraw_contribution(other, waiting)
    with pytest.raises(NotFound):
        services.withdraw_contribution(None, waiting)
    with pytest.raises(InvalidState) as error:
        services.withdraw_contribution(author, answered)
    assert error.value.code == "moderated"
    # Published at once (post-moderation) and not yet looked at: it goes, with its support.
    services.withdraw_contribution(author, waiting)
    assert [c.body for c in db.session.scalars(sa.select(Contribution))] == ["Où ?"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Upvote)) == 0


def test_a_decision_taken_meanwhile_wins_over_the_withdrawal(setup):
    """The author's page still offered "withdraw" when a moderator approved: the DELETE's own condition refuses."""
    _event, session, organiser = setup
    ideas = make_activity(session, organiser, ActivityKind.IDEAS)
    author = _guests(session, 1)[0]
    idea = services.submit_contribution(author, ideas, "Des arbres", now=NOW)
    target = services.submit_contribution(author, ideas, "Plus d'arbres", now=NOW)
    db.session.execute(sa.update(Contribution).where(Contribution.id == idea.id).values(moderated_at=NOW))
    with pytest.raises(InvalidState):
        services.withdraw_contribution(author, idea)
    other = services.submit_contribution(_guests(session, 1)[0], ideas, "Arbres", now=NOW)
    services.merge(organiser, other, target, now=NOW)  # something was merged into it: the organisers use it
    with pytest.raises(InvalidState):
        services.withdraw_contribution(author, target)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Contribution)) == 3


def test_a_withdrawn_short_answer_frees_its_place(setup):
    _event, session, organiser = setup
    cloud = make_activity(session, organiser, ActivityKind.SHORT_ANSWERS)
    author = _guests(session, 1)[0]
    answers = services.submit_short_answers(author, cloud, ["Vélo", "Parc", "Tram"], now=NOW)
    services.withdraw_contribution(author, answers[1])
    (again,) = services.submit_short_answers(author, cloud, ["Bancs"], now=NOW)
    assert again.answer_slot == 2


def test_a_guest_opening_their_ticket_keeps_three_answers_and_no_support_for_their_own(setup):
    """The phone's guest doings move to the ticket: the unique places must not refuse the move (it
    raised IntegrityError), and the one person does not end up supporting their own idea."""
    event, session, organiser = setup
    cloud = make_activity(session, organiser, ActivityKind.SHORT_ANSWERS, moderation=Moderation.POST)
    ideas = make_activity(session, organiser, ActivityKind.IDEAS, moderation=Moderation.POST)
    registration = make_registration(event)
    ticket = services.join_with_ticket(session, registration, now=NOW)
    guest = _guests(session, 1)[0]
    services.submit_short_answers(ticket, cloud, ["Vélo", "Parc"], now=NOW)
    services.submit_short_answers(guest, cloud, ["vélo", "Tram", "Bancs"], now=NOW)
    ticket_idea = services.submit_contribution(ticket, ideas, "Des arbres", now=NOW)
    guest_idea = services.submit_contribution(guest, ideas, "Des bancs", now=NOW)
    services.upvote(guest, ticket_idea, now=NOW)
    services.upvote(ticket, guest_idea, now=NOW)
    services.upvote(_guests(session, 1)[0], guest_idea, now=NOW)

    ticket = services.join_with_ticket(session, registration, guest=guest, now=NOW)
    answers = db.session.execute(
        sa.select(Contribution.answer_slot, Contribution.body)
        .where(Contribution.activity_id == cloud.id)
        .order_by(Contribution.answer_slot)
    ).all()
    assert [tuple(a) for a in answers] == [(1, "Vélo"), (2, "Parc"), (3, "Tram")]  # "vélo" repeated, "Bancs" 4th
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Upvote)) == 1  # the third person's
    assert db.session.get(Contribution, ticket_idea.id).upvotes == 0
    assert db.session.get(Contribution, guest_idea.id).upvotes == 1
