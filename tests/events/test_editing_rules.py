"""Rules of event and session editing found in review: stale forms, session capacity, session
cancellation, moving an event with its programme."""

import ast
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from eventapp.accounts.models import AuditEntry
from eventapp.core.db import transaction
from eventapp.core.errors import Conflict, InvalidState
from eventapp.core.outbox import OutboxMessage
from eventapp.events import editing, event_changes, session_changes
from eventapp.events.models import Event, Session
from eventapp.extensions import db
from eventapp.participation import services as participation
from eventapp.participation.models import (
    Activity,
    ActivityKind,
    Channel,
    Contribution,
    Participant,
    PollOption,
    Room,
    Vote,
)
from eventapp.registration import notices
from eventapp.registration.models import RegistrationSession, RegistrationStatus
from eventapp.registration.services import RegistrationData, cancel, register
from tests.accounts.factories import make_admin, make_user
from tests.backoffice.factories import make_registration
from tests.factories import NOW, make_event, make_session
from tests.live_server import app_for, fresh_database
from tests.participation.factories import make_activity, make_organiser

MAILING = notices.Mailing(key="testing-secret", base_url="http://events.test")


def count(query) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))


# ---------------------------------------------------------------- stale edit forms


def test_a_stale_event_form_is_refused_and_writes_nothing(app_ctx):
    event = make_event()
    for _ in range(3):
        make_registration(event)
    admin, organiser = make_admin(), make_user(events=[event])
    stale = editing.edit_token(event)  # the organiser opens the edit page
    moved = event.starts_at + timedelta(hours=2)
    event_changes.update_event(
        admin,
        event,
        {"starts_at": moved, "ends_at": event.ends_at + timedelta(hours=2)},
        now=NOW,
        mailing=MAILING,
        expected_token=editing.edit_token(event),
    )
    db.session.commit()  # the admin's change is saved (a savepoint in tests)
    mails = count(sa.select(OutboxMessage.id))
    audits = count(sa.select(AuditEntry.id))
    # The organiser's page still holds the old times: saving a typo fix must not bring them back.
    with pytest.raises(Conflict) as caught:
        event_changes.update_event(
            organiser,
            event,
            {"summary_en": "Fixed a typo", "starts_at": moved - timedelta(hours=2)},
            now=NOW + timedelta(minutes=5),
            mailing=MAILING,
            expected_token=stale,
        )
    assert caught.value.code == "edit_conflict" and caught.value.field == "edit_token"
    db.session.rollback()  # what the edge does with a domain error
    event = db.session.get(Event, event.id)
    assert event.starts_at == moved and event.summary_en == "Summary" and event.sequence == 1
    assert count(sa.select(OutboxMessage.id)) == mails == 3 and count(sa.select(AuditEntry.id)) == audits


def test_the_edit_token_ignores_what_the_form_does_not_show(app_ctx):
    event = make_event()
    token = editing.edit_token(event)
    make_registration(event)  # seats taken
    session_changes.create_session(
        make_admin(),
        event,
        {
            "slug": "extra",
            "kind": "plenary",
            "title_fr": "En plus",
            "starts_at": event.starts_at,
            "ends_at": event.ends_at,
        },
        now=NOW,
    )
    assert event_changes.update_event(
        make_admin(), event, {"title_en": "Better title"}, now=NOW, mailing=MAILING, expected_token=token
    ) == {"title_en"}
    assert editing.edit_token(event) != token


def test_a_stale_session_form_is_refused(app_ctx):
    event = make_event()
    session = make_session(event)
    admin = make_admin()
    stale = editing.edit_token(session)
    session_changes.update_session(admin, session, {"room": "Salle 2"}, now=NOW, mailing=MAILING, expected_token=stale)
    db.session.commit()
    with pytest.raises(Conflict):
        session_changes.update_session(
            admin, session, {"room": "Room A"}, now=NOW, mailing=MAILING, expected_token=stale
        )
    db.session.rollback()
    assert db.session.get(Session, session.id).room == "Salle 2"


# ---------------------------------------------------------------- session capacity


def _choose(event, session, n, *, status=RegistrationStatus.CONFIRMED, seats=1):
    return [make_registration(event, sessions=[session], status=status, seats=seats) for _ in range(n)]


def test_own_capacity_below_the_people_already_in_the_session_is_refused(app_ctx):
    event = make_event(capacity=100)
    session = make_session(event)
    _choose(event, session, 12)
    with pytest.raises(InvalidState) as caught:
        session_changes.update_session(make_admin(), session, {"capacity": 10}, now=NOW, mailing=MAILING)
    assert caught.value.code == "capacity_below_taken" and caught.value.field == "capacity"
    db.session.rollback()
    assert db.session.get(Session, session.id).capacity is None


def test_own_capacity_counts_the_seats_already_held_and_then_holds(app_ctx):
    event = make_event(capacity=100)
    session = make_session(event)
    _choose(event, session, 5, seats=2)  # 10 people
    _choose(event, session, 2, status=RegistrationStatus.WAITLISTED)
    _choose(event, session, 1, status=RegistrationStatus.CANCELLED)
    session_changes.update_session(make_admin(), session, {"capacity": 12}, now=NOW, mailing=MAILING)
    assert session.capacity == 12 and session.seats_taken == 10
    holds = db.session.scalars(
        sa.select(RegistrationSession.holds_seat).where(RegistrationSession.session_id == session.id)
    ).all()
    assert sorted(holds) == [False] * 3 + [True] * 5
    # Two more seats, then the session is full even though the event is not.
    data = RegistrationData(name="Late", email="late@example.org", seats=2, session_ids=(session.id,), consent=True)
    register(event, data, key="testing-secret", now=NOW, privacy_version="v")
    assert session.seats_taken == 12
    with pytest.raises(InvalidState):
        full = RegistrationData(name="Full", email="full@example.org", session_ids=(session.id,), consent=True)
        register(event, full, key="testing-secret", now=NOW, privacy_version="v")


def test_sharing_the_event_seats_again_releases_the_session_counter(app_ctx):
    event = make_event(capacity=100)
    session = make_session(event)
    people = _choose(event, session, 4)
    admin = make_admin()
    session_changes.update_session(admin, session, {"capacity": 4}, now=NOW, mailing=MAILING)
    session_changes.update_session(admin, session, {"capacity": None}, now=NOW, mailing=MAILING)
    assert session.capacity is None and session.seats_taken == 0
    cancel(people[0], key="testing-secret", now=NOW, actor=admin)  # nothing held: nothing to release
    session_changes.update_session(admin, session, {"capacity": 3}, now=NOW, mailing=MAILING)
    assert session.seats_taken == 3


def test_promotion_respects_a_session_capacity_set_afterwards(app_ctx):
    event = make_event(capacity=3)
    full, roomy = make_session(event), make_session(event)
    _choose(event, full, 3)
    waiting = make_registration(event, sessions=[full, roomy], status=RegistrationStatus.WAITLISTED)
    admin = make_admin()
    session_changes.update_session(admin, full, {"capacity": 3}, now=NOW, mailing=MAILING)
    session_changes.update_session(admin, roomy, {"capacity": 5}, now=NOW, mailing=MAILING)
    promoted = event_changes.set_capacity(admin, event, 4, now=NOW, mailing=MAILING)
    assert promoted == [waiting] and waiting.status == RegistrationStatus.CONFIRMED
    assert [c.session_id for c in waiting.session_choices] == [roomy.id]  # the full session was dropped
    assert full.seats_taken == 3 and roomy.seats_taken == 1


# ---------------------------------------------------------------- cancelling a session


def test_a_session_with_answers_cannot_be_cancelled(app_ctx):
    event = make_event(sessions=1)
    session = event.sessions[0]
    poll = make_activity(session, make_organiser(event))
    participant = participation.join_as_guest(session, now=NOW)
    participation.answer_poll(participant, poll, option_ids=[poll.options[0].id], now=NOW)
    db.session.commit()
    with pytest.raises(InvalidState) as caught:
        session_changes.cancel_session(make_admin(), session, now=NOW, mailing=MAILING)
    assert caught.value.code == "session_has_results"
    db.session.rollback()
    assert db.session.get(Session, session.id) is not None and count(sa.select(Vote.id)) == 1


def test_a_session_with_ideas_cannot_be_cancelled(app_ctx):
    event = make_event(sessions=1)
    session = event.sessions[0]
    ideas = make_activity(session, make_organiser(event), ActivityKind.IDEAS)
    participant = participation.join_as_guest(session, now=NOW)
    participation.submit_contribution(participant, ideas, "More benches", now=NOW)
    with pytest.raises(InvalidState) as caught:
        session_changes.check_session_cancellable(session, now=NOW)
    assert caught.value.code == "session_has_results"


def test_a_session_whose_activities_are_empty_can_be_cancelled(app_ctx):
    event = make_event(sessions=1)
    session = event.sessions[0]
    organiser = make_organiser(event)
    make_activity(session, organiser)  # a poll with its options, and the session's room code
    make_activity(session, organiser, ActivityKind.IDEAS)
    participation.join_as_guest(session, now=NOW)  # someone opened the link but said nothing
    session_changes.cancel_session(make_admin(), session, now=NOW, mailing=MAILING)
    assert event.sessions == []
    for model in (Activity, PollOption, Room, Participant):
        assert count(sa.select(model)) == 0, model


def test_the_events_domain_does_not_import_participation():
    """Participation comes after events: it registers its check with events (`session_content_check`),
    and the demo command that loads both lives above them (`eventapp/demo_cli.py`)."""
    modules = set()
    for path in Path(session_changes.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text())
        modules |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        modules |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert [m for m in modules if m and m.startswith("eventapp.participation")] == []


def _answer(session, kind: ActivityKind) -> None:
    """A guest's answer in a new activity of the session: a poll vote or an idea."""
    activity = make_activity(session, make_organiser(session.event), kind)
    guest = participation.join_as_guest(session, now=NOW)
    if kind == ActivityKind.POLL:
        participation.answer_poll(guest, activity, option_ids=[activity.options[0].id], now=NOW)
    else:
        participation.submit_contribution(guest, activity, "More benches", now=NOW)


@pytest.mark.parametrize("kind", [ActivityKind.POLL, ActivityKind.IDEAS])
def test_an_answer_that_arrives_after_the_check_still_stops_the_cancellation(app_ctx, monkeypatch, kind):
    """The database refuses to delete answers: a vote or idea sent between the friendly check and the
    DELETE (another request, committed meanwhile) is not cascaded away with the session."""
    event = make_event(sessions=1)
    session = event.sessions[0]
    checked = session_changes.check_session_cancellable

    def check_then_someone_answers(session, *, now):
        checked(session, now=now)
        _answer(session, kind)

    monkeypatch.setattr(session_changes, "check_session_cancellable", check_then_someone_answers)
    with pytest.raises(InvalidState) as caught:
        session_changes.cancel_session(make_admin(), session, now=NOW, mailing=MAILING)
    assert caught.value.code == "session_has_results"
    # The refusal left the transaction usable (a savepoint, as PostgreSQL needs) and the answer in place.
    assert db.session.get(Session, session.id) is not None
    assert count(sa.select(Vote.id)) + count(sa.select(Contribution.id)) == 1


@pytest.mark.postgres
@pytest.mark.no_db_isolation
def test_a_vote_committed_by_another_request_after_the_check_stops_the_cancellation(tmp_path, monkeypatch):
    """The race itself, on PostgreSQL: the vote is committed by another connection between the check and
    the DELETE (SQLite serialises writers, so there it cannot happen)."""
    url = fresh_database("postgresql", tmp_path)
    app, other = app_for(url), sa.create_engine(url)
    with app.app_context():
        try:
            event = make_event(sessions=1)
            session = event.sessions[0]
            poll = make_activity(session, make_organiser(event))
            admin = make_admin()
            db.session.commit()
            vote = {"activity_id": poll.id, "channel": Channel.GUEST, "text": "", "weight": 1, "created_at": NOW}
            checked = session_changes.check_session_cancellable

            def check_then_another_request_votes(session, *, now):
                checked(session, now=now)
                with other.begin() as connection:
                    connection.execute(sa.insert(Vote).values(**vote))

            monkeypatch.setattr(session_changes, "check_session_cancellable", check_then_another_request_votes)
            with pytest.raises(InvalidState) as caught, transaction():
                session_changes.cancel_session(admin, session, now=NOW, mailing=MAILING)
            assert caught.value.code == "session_has_results"
            assert db.session.get(Session, session.id) is not None and count(sa.select(Vote.id)) == 1
        finally:
            db.session.remove()
            db.engine.dispose()
            other.dispose()


@pytest.mark.parametrize("kind", [ActivityKind.POLL, ActivityKind.IDEAS])
def test_the_database_refuses_to_delete_a_session_with_answers(app_ctx, kind):
    """Without any service in the way: answers hold on to their activity, and the activity to its session."""
    event = make_event(sessions=1)
    session = event.sessions[0]
    _answer(session, kind)
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.delete(session)
        db.session.flush()
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.execute(sa.delete(Activity).where(Activity.session_id == session.id))
    assert count(sa.select(Activity.id)) == 1
    assert count(sa.select(Vote.id)) + count(sa.select(Contribution.id)) == 1


def test_a_session_that_started_cannot_be_cancelled(app_ctx):
    event = make_event()
    session = make_session(event)
    make_registration(event, sessions=[session])
    for now in (session.starts_at, session.ends_at + timedelta(days=1)):
        with pytest.raises(InvalidState) as caught:
            session_changes.cancel_session(make_admin(), session, now=now, mailing=MAILING)
        assert caught.value.code == "session_started"
        db.session.rollback()
    assert count(sa.select(OutboxMessage.id).where(OutboxMessage.kind == "events.session_cancelled")) == 0


# ---------------------------------------------------------------- moving an event


def test_moving_the_event_away_from_its_sessions_is_refused_and_names_them(app_ctx):
    event = make_event(sessions=2)
    first = event.sessions[0]
    later = event.starts_at + timedelta(days=7)
    with pytest.raises(InvalidState) as caught:
        event_changes.update_event(
            make_admin(),
            event,
            {"starts_at": later, "ends_at": later + timedelta(hours=5)},  # not the same length: no shift
            now=NOW,
            mailing=MAILING,
        )
    assert caught.value.code == "sessions_outside_event" and caught.value.field == "starts_at"
    assert first.title_fr in str(caught.value.message) and "2 sessions" in str(caught.value.message)
    db.session.rollback()
    assert db.session.get(Event, event.id).sequence == 0


def test_moving_the_whole_event_moves_its_sessions_with_one_notice_each(app_ctx):
    event = make_event(sessions=2)
    first, second = event.sessions
    make_registration(event, sessions=[first])
    week = timedelta(days=7)
    starts = [(s.starts_at + week, s.ends_at + week) for s in event.sessions]
    event_changes.update_event(
        make_admin(),
        event,
        {"starts_at": event.starts_at + week, "ends_at": event.ends_at + week},
        now=NOW,
        mailing=MAILING,
    )
    assert [(s.starts_at, s.ends_at) for s in (first, second)] == starts
    assert [m.kind for m in db.session.scalars(sa.select(OutboxMessage))] == ["registration.event_changed"]
    audit = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "event.updated"))
    assert audit.details["sessions_moved"] == 2


def test_shortening_the_event_under_a_session_is_refused_on_the_end(app_ctx):
    event = make_event(hours=3)
    make_session(event, starts_at=event.starts_at + timedelta(hours=2), ends_at=event.ends_at)
    with pytest.raises(InvalidState) as caught:
        event_changes.update_event(
            make_admin(), event, {"ends_at": event.ends_at - timedelta(hours=1)}, now=NOW, mailing=MAILING
        )
    assert caught.value.field == "ends_at"


def test_widening_the_event_around_its_sessions_is_fine(app_ctx):
    event = make_event(sessions=2)
    changed = event_changes.update_event(
        make_admin(),
        event,
        {"starts_at": event.starts_at - timedelta(hours=1), "ends_at": event.ends_at + timedelta(hours=1)},
        now=NOW,
        mailing=MAILING,
    )
    assert changed == {"starts_at", "ends_at"}
