from datetime import timedelta

import pytest
import sqlalchemy as sa

from eventapp.core.errors import Conflict, InvalidState, PermissionDenied
from eventapp.extensions import db
from eventapp.participation import queries, services
from eventapp.participation.models import (
    Access,
    Activity,
    ActivityKind,
    Channel,
    ContributionStatus,
    Moderation,
    Outcome,
    PollType,
)
from eventapp.participation.services import ROOM_CODE_ALPHABET, InvalidText
from eventapp.registration.models import RegistrationStatus
from tests.factories import NOW, make_event
from tests.participation.factories import make_activity, make_organiser, make_registration


def _ticket_holders(event, session, n: int):
    """Participants who joined with a ticket: each one's report counts (a guest's may not)."""
    return [services.join_with_ticket(session, make_registration(event), now=NOW) for _ in range(n)]


def test_activity_starts_in_draft_and_gives_the_session_a_room_code(setup):
    _event, session, organiser = setup
    activity = make_activity(session, organiser, open_=False)
    assert activity.status == "draft"
    room = queries.get_room(session)
    assert len(room.code) == 6 and set(room.code) <= set(ROOM_CODE_ALPHABET)
    assert queries.find_room_by_code(room.code.lower()[:3] + " " + room.code[3:]).id == room.id
    guest = services.join_as_guest(session, now=NOW)
    with pytest.raises(InvalidState):
        services.answer_poll(guest, activity, option_ids=[activity.options[0].id], now=NOW)


@pytest.mark.parametrize("kind", [ActivityKind.POLL, ActivityKind.IDEAS])
def test_an_answer_to_an_activity_deleted_meanwhile_says_it_is_not_open(setup, kind):
    """The session was cancelled (taking its empty activities) between loading the page's activity and
    the answer: a clear refusal, not "already answered" nor a 500."""
    _event, session, organiser = setup
    activity = make_activity(session, organiser, kind)
    guest = services.join_as_guest(session, now=NOW)
    option_id = activity.options[0].id if kind == ActivityKind.POLL else None
    db.session.execute(
        sa.delete(Activity).where(Activity.id == activity.id), execution_options={"synchronize_session": False}
    )
    with pytest.raises(InvalidState) as error:
        if kind == ActivityKind.POLL:
            services.answer_poll(guest, activity, option_ids=[option_id], now=NOW)
        else:
            services.submit_contribution(guest, activity, "More benches", now=NOW)
    assert error.value.code == "activity_not_open"


def test_only_organisers_of_the_event_manage_activities(setup):
    _event, session, _organiser = setup
    other = make_organiser(make_event())
    with pytest.raises(PermissionDenied):
        make_activity(session, other)
    assert make_activity(session, make_organiser(admin=True)).status == "open"


def test_one_vote_per_participant_enforced(setup):
    event, session, organiser = setup
    poll = make_activity(session, organiser)
    registration = make_registration(event, checked_in=1)
    participant = services.join_with_ticket(session, registration, now=NOW)
    assert services.join_with_ticket(session, registration, now=NOW).id == participant.id  # second phone
    vote = services.answer_poll(participant, poll, option_ids=[poll.options[1].id], now=NOW)
    assert vote.channel == Channel.CHECKED_IN
    with pytest.raises(Conflict) as error:
        services.answer_poll(participant, poll, option_ids=[poll.options[0].id], now=NOW)
    assert error.value.code == "already_voted"
    result = queries.poll_results(poll)
    assert result.total == 1
    assert [r.count for r in result.rows] == [0, 1, 0]


def test_channels_and_access_levels(setup):
    event, session, organiser = setup
    registered = services.join_with_ticket(session, make_registration(event), now=NOW)
    checked_in = services.join_with_ticket(session, make_registration(event, checked_in=1), now=NOW)
    guest = services.join_as_guest(session, now=NOW)
    poll = make_activity(session, organiser, access=Access.CHECKED_IN)
    with pytest.raises(PermissionDenied) as error:
        services.answer_poll(registered, poll, option_ids=[poll.options[0].id], now=NOW)
    assert error.value.code == "check_in_required"
    with pytest.raises(PermissionDenied):
        services.answer_poll(guest, poll, option_ids=[poll.options[0].id], now=NOW)
    services.answer_poll(checked_in, poll, option_ids=[poll.options[0].id], now=NOW)

    board = make_activity(session, organiser, ActivityKind.IDEAS, access=Access.REGISTERED)
    with pytest.raises(PermissionDenied) as error:
        services.submit_contribution(guest, board, "Une idée", now=NOW)
    assert error.value.code == "registration_required"
    assert services.submit_contribution(registered, board, "Une idée", now=NOW).channel == Channel.REGISTERED

    open_poll = make_activity(session, organiser)
    services.answer_poll(guest, open_poll, option_ids=[open_poll.options[2].id], now=NOW)
    services.record_show_of_hands(organiser, open_poll, count=12, option_ids=[open_poll.options[2].id], now=NOW)
    result = queries.poll_results(open_poll)
    assert result.total == 13
    assert result.rows[2].by_channel[Channel.GUEST] == 1
    assert result.rows[2].by_channel[Channel.FACILITATOR] == 12


def test_ticket_of_another_event_or_cancelled_is_refused(setup):
    event, session, _organiser = setup
    with pytest.raises(PermissionDenied):
        services.join_with_ticket(session, make_registration(make_event()), now=NOW)
    with pytest.raises(PermissionDenied):
        services.join_with_ticket(session, make_registration(event, status=RegistrationStatus.WAITLISTED), now=NOW)


def test_feedback_is_for_checked_in_attendees_only(setup):
    event, session, organiser = setup
    survey = make_activity(session, organiser, ActivityKind.FEEDBACK, access=Access.LINK)
    assert survey.access == Access.CHECKED_IN
    guest = services.join_as_guest(session, now=NOW)
    with pytest.raises(PermissionDenied):
        services.answer_poll(guest, survey, value=4, now=NOW)
    attendee = services.join_with_ticket(session, make_registration(event, checked_in=1), now=NOW)
    services.answer_poll(attendee, survey, value=4, text="Très utile", now=NOW)
    result = queries.poll_results(survey)
    assert result.average == 4.0
    assert queries.list_feedback_comments(survey) == ["Très utile"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("x" * 501, "too_long"),
        ("bad\x00byte", "control_characters"),
        ("right\u202eleft", "control_characters"),
        ("bell\x07", "control_characters"),
    ],
)
def test_hostile_text_is_refused(setup, body, code):
    _event, session, organiser = setup
    board = make_activity(session, organiser, ActivityKind.IDEAS)
    guest = services.join_as_guest(session, now=NOW)
    with pytest.raises(InvalidText) as error:
        services.submit_contribution(guest, board, body, now=NOW)
    assert error.value.code == code


def test_markup_is_stored_as_text(setup):
    _event, session, organiser = setup
    board = make_activity(session, organiser, ActivityKind.IDEAS)
    guest = services.join_as_guest(session, now=NOW)
    idea = services.submit_contribution(guest, board, "<script>alert(1)</script>\n\n\n\nok", now=NOW)
    assert idea.body == "<script>alert(1)</script>\n\nok"


def test_pre_moderation_then_post_moderation_and_reports(setup):
    event, session, organiser = setup
    pre = make_activity(session, organiser, ActivityKind.QUESTIONS)
    post = make_activity(session, organiser, ActivityKind.QUESTIONS, moderation=Moderation.POST)
    guests = [services.join_as_guest(session, now=NOW) for _ in range(3)]
    pending = services.submit_contribution(guests[0], pre, "Question ?", now=NOW)
    assert pending.status == ContributionStatus.PENDING
    assert queries.list_public_contributions(pre) == []
    services.approve(organiser, pending, now=NOW)
    assert queries.list_public_contributions(pre) == [pending]

    public = services.submit_contribution(guests[0], post, "Autre question ?", now=NOW)
    assert public.status == ContributionStatus.PUBLISHED
    readers = _ticket_holders(event, session, 3)
    assert services.report_contribution(readers[0], public, now=NOW) is True
    assert services.report_contribution(readers[0], public, now=NOW) is False  # once per participant
    services.report_contribution(readers[1], public, now=NOW)
    services.report_contribution(readers[2], public, now=NOW)
    assert public.reports == 3 and public.status == ContributionStatus.PENDING

    services.reject(organiser, pending, "Hors sujet", now=NOW)
    assert pending.status == ContributionStatus.REJECTED and pending.rejection_reason == "Hors sujet"
    assert [own.contribution for own in queries.list_own_contributions(guests[0], pre)] == [pending]
    services.hide(organiser, public, now=NOW)
    assert queries.list_public_contributions(post) == []


def test_merge_carries_upvotes_over_once(setup):
    _event, session, organiser = setup
    board = make_activity(session, organiser, ActivityKind.IDEAS, moderation=Moderation.POST)
    a, b, c, d = (services.join_as_guest(session, now=NOW) for _ in range(4))
    target = services.submit_contribution(a, board, "Plus d'arbres", now=NOW)
    duplicate = services.submit_contribution(d, board, "Des arbres partout", now=NOW)
    assert services.upvote(b, target, now=NOW) is True
    assert services.upvote(b, target, now=NOW) is False
    services.upvote(b, duplicate, now=NOW)
    services.upvote(c, duplicate, now=NOW)
    services.upvote(a, duplicate, now=NOW)  # the target's author: not carried over to their own idea
    services.merge(organiser, duplicate, target, now=NOW)
    assert duplicate.status == ContributionStatus.MERGED and duplicate.merged_into_id == target.id
    assert target.upvotes == 2  # b once, c carried over
    with pytest.raises(InvalidState):
        services.merge(organiser, target, target, now=NOW)


def test_outcome_and_answered(setup):
    _event, session, organiser = setup
    board = make_activity(session, organiser, ActivityKind.IDEAS, moderation=Moderation.POST)
    idea = services.submit_contribution(services.join_as_guest(session, now=NOW), board, "Idée", now=NOW)
    with pytest.raises(InvalidText):
        services.set_outcome(organiser, idea, Outcome.ACCEPTED, {}, now=NOW)
    services.set_outcome(organiser, idea, Outcome.STUDIED, {"fr": "À l'étude", "nl": "Wordt bestudeerd"}, now=NOW)
    assert idea.outcome == Outcome.STUDIED
    services.mark_answered(organiser, idea, now=NOW)
    assert idea.answered_at == NOW


def test_poll_types(setup):
    _event, session, organiser = setup
    guest = services.join_as_guest(session, now=NOW)
    multiple = make_activity(session, organiser, poll_type=PollType.MULTIPLE)
    services.answer_poll(guest, multiple, option_ids=[o.id for o in multiple.options[:2]], now=NOW)
    assert [r.count for r in queries.poll_results(multiple).rows] == [1, 1, 0]
    single = make_activity(session, organiser)
    with pytest.raises(InvalidState):
        services.answer_poll(guest, single, option_ids=[o.id for o in single.options[:2]], now=NOW)
    with pytest.raises(InvalidState):
        services.answer_poll(guest, single, option_ids=[multiple.options[0].id], now=NOW)
    scale = make_activity(session, organiser, poll_type=PollType.SCALE)
    with pytest.raises(InvalidState):
        services.answer_poll(guest, scale, value=6, now=NOW)
    services.answer_poll(guest, scale, value=5, now=NOW)
    assert queries.poll_results(scale).average == 5.0
    words = make_activity(session, organiser, poll_type=PollType.OPEN)
    services.answer_poll(guest, words, text=" Culture ", now=NOW)
    services.answer_poll(services.join_as_guest(session, now=NOW), words, text="culture", now=NOW)
    result = queries.poll_results(words)
    assert [(r.key, r.count) for r in result.rows] == [("culture", 2)]
    with pytest.raises(InvalidState):
        make_activity(session, organiser, options=[{"fr": "Seule"}])
    db.session.flush()


def test_closing_stops_votes_and_current_poll(setup):
    _event, session, organiser = setup
    first = make_activity(session, organiser)
    services.close_activity(organiser, first, now=NOW)
    assert queries.current_poll(session).id == first.id
    second = make_activity(session, organiser)
    assert queries.current_poll(session).id == second.id
    with pytest.raises(InvalidState):
        services.answer_poll(services.join_as_guest(session, now=NOW), first, option_ids=[first.options[0].id])


def test_an_approval_holds_against_the_reports_it_answered(setup):
    event, session, organiser = setup
    board = make_activity(session, organiser, ActivityKind.IDEAS, moderation=Moderation.POST)
    author = services.join_as_guest(session, now=NOW)
    others = _ticket_holders(event, session, 6)
    idea = services.submit_contribution(author, board, "Un parc à vélos couvert", now=NOW)
    for reader in others[:3]:
        services.report_contribution(reader, idea, now=NOW)
    assert idea.status == ContributionStatus.PENDING and idea.reports == 3

    services.approve(organiser, idea, now=NOW)
    assert idea.status == ContributionStatus.PUBLISHED and idea.reports == 0
    assert services.report_contribution(others[0], idea, now=NOW) is False  # already reported, and reviewed
    services.report_contribution(others[3], idea, now=NOW)
    services.report_contribution(others[4], idea, now=NOW)
    assert idea.status == ContributionStatus.PUBLISHED and idea.reports == 2  # the approval still holds
    services.report_contribution(others[5], idea, now=NOW)
    assert idea.status == ContributionStatus.PENDING  # three new reports: back to the organisers


def test_guests_reports_count_as_one_voice_between_two_reviews(setup):
    # A guest clears the phone's cookie and is a new participant: three "guests" may be one person.
    event, session, organiser = setup
    board = make_activity(session, organiser, ActivityKind.IDEAS, moderation=Moderation.POST)
    author, *guests = (services.join_as_guest(session, now=NOW) for _ in range(5))
    idea = services.submit_contribution(author, board, "Des fontaines", now=NOW)
    for guest in guests[:3]:
        assert services.report_contribution(guest, idea, now=NOW) is True  # each one logged
    assert idea.status == ContributionStatus.PUBLISHED and idea.reports == 1
    services.report_contribution(_ticket_holders(event, session, 1)[0], idea, now=NOW)
    assert idea.reports == 2 and idea.status == ContributionStatus.PUBLISHED

    services.approve(organiser, idea, now=NOW)  # reviewed: a later guest report counts once again
    services.report_contribution(guests[3], idea, now=NOW + timedelta(minutes=1))
    assert idea.reports == 1


def test_an_outcome_or_a_hide_also_counts_as_a_review(setup):
    _event, session, organiser = setup
    board = make_activity(session, organiser, ActivityKind.IDEAS, moderation=Moderation.POST)
    author, first, second = (services.join_as_guest(session, now=NOW) for _ in range(3))
    idea = services.submit_contribution(author, board, "Des bancs", now=NOW)
    services.report_contribution(first, idea, now=NOW)
    services.set_outcome(organiser, idea, Outcome.STUDIED, {"fr": "À l'étude"}, now=NOW)
    assert idea.reports == 0
    services.report_contribution(second, idea, now=NOW)
    services.hide(organiser, idea, now=NOW)
    assert idea.reports == 0 and idea.status == ContributionStatus.HIDDEN


def test_a_ticket_opened_on_a_guest_phone_takes_over_what_the_guest_did(setup):
    from eventapp.participation.models import ContentReport, Contribution, Participant, Upvote, Vote

    event, session, organiser = setup
    first = make_activity(session, organiser)
    second = make_activity(session, organiser, poll_type=PollType.SCALE)
    board = make_activity(session, organiser, ActivityKind.IDEAS, moderation=Moderation.POST)
    registration = make_registration(event, checked_in=1)
    other = services.join_as_guest(session, now=NOW)
    both_support, guest_supports, reported = (
        services.submit_contribution(other, board, body, now=NOW) for body in ("Arbres", "Bancs", "Fontaines")
    )

    # The ticket already took part on another phone...
    ticket = services.join_with_ticket(session, registration, now=NOW)
    services.answer_poll(ticket, first, option_ids=[first.options[0].id], now=NOW)
    services.upvote(ticket, both_support, now=NOW)
    services.report_contribution(ticket, reported, now=NOW)
    # ...and this phone joined from the room's QR code as a guest first.
    guest = services.join_as_guest(session, now=NOW)
    services.answer_poll(guest, first, option_ids=[first.options[1].id], now=NOW)
    services.answer_poll(guest, second, value=4, now=NOW)
    services.upvote(guest, both_support, now=NOW)
    services.upvote(guest, guest_supports, now=NOW)
    services.report_contribution(guest, reported, now=NOW)
    own = services.submit_contribution(guest, board, "Une idée à moi", now=NOW)
    guest_id, ticket_id = guest.id, ticket.id
    assert both_support.upvotes == 2 and reported.reports == 2

    assert services.join_with_ticket(session, registration, guest=guest, now=NOW).id == ticket_id

    assert db.session.get(Participant, guest_id) is None
    votes = db.session.execute(db.select(Vote.activity_id, Vote.participant_id, Vote.value)).all()
    assert sorted(votes) == sorted([(first.id, ticket_id, None), (second.id, ticket_id, 4)])
    assert queries.poll_results(first).total == 1  # the ticket's own answer stays, the guest's double goes
    assert db.session.get(Contribution, both_support.id).upvotes == 1
    assert db.session.get(Contribution, guest_supports.id).upvotes == 1
    assert db.session.get(Contribution, reported.id).reports == 1
    assert set(db.session.scalars(db.select(Upvote.participant_id))) == {ticket_id}
    assert set(db.session.scalars(db.select(ContentReport.participant_id))) == {ticket_id}
    assert db.session.get(Contribution, own.id).participant_id == ticket_id
    with pytest.raises(Conflict):  # and the phone cannot answer again under its ticket
        services.answer_poll(db.session.get(Participant, ticket_id), second, value=2, now=NOW)


def test_a_ticket_never_absorbs_another_ticket_or_another_session(setup):
    from eventapp.participation.models import Vote

    event, session, organiser = setup
    poll = make_activity(session, organiser)
    holder = services.join_with_ticket(session, make_registration(event), now=NOW)
    services.answer_poll(holder, poll, option_ids=[poll.options[0].id], now=NOW)
    newcomer = services.join_with_ticket(session, make_registration(event), guest=holder, now=NOW)
    assert newcomer.id != holder.id
    assert db.session.scalar(db.select(Vote.participant_id)) == holder.id
