"""Data retention: personal data anonymised RETENTION_DAYS after an event, aggregates kept, idempotent."""

from datetime import timedelta

import sqlalchemy as sa

from eventapp.core.time import utcnow
from eventapp.extensions import db
from eventapp.maintenance.retention import apply_retention, count_expired
from eventapp.participation.models import Participant
from eventapp.registration.models import Registration
from eventapp.tickets.checkin import check_in
from eventapp.tickets.models import CheckIn, ScanAttempt
from tests.factories import NOW, make_event, make_session
from tests.tickets.factories import KEY, make_registration, make_scanner


def _event_with_people(ended_days_ago: int, *, now=NOW):
    event = make_event(starts_at=now - timedelta(days=ended_days_ago, hours=4), hours=3, capacity=10)
    session = make_session(event)
    scanner, _ = make_scanner(event)
    people = []
    for n in range(3):
        registration, code = make_registration(event, accessibility_needs=f"wheelchair {n}")
        check_in(code, scanner=scanner, scan_id=f"scan-{event.id}-{n}", key=KEY, now=event.starts_at)
        db.session.add(Participant(session_id=session.id, registration_id=registration.id))
        people.append(registration)
    db.session.add(Participant(session_id=session.id, network="0123456789abcdef"))  # a guest
    event.seats_taken = 3
    db.session.commit()
    return event, people


def test_retention_anonymises_old_events_only_and_keeps_aggregates(app_ctx):
    old, old_people = _event_with_people(100)
    recent, recent_people = _event_with_people(10)

    assert count_expired(now=NOW, retention_days=90).registrations == 3
    report = apply_retention(now=NOW, retention_days=90)
    db.session.commit()
    assert (report.registrations, report.scans, report.participants) == (3, 3, 4)

    for registration in old_people:
        db.session.refresh(registration)
        assert (registration.name, registration.email, registration.accessibility_needs) == ("", "", "")
        assert registration.anonymised_at == NOW and registration.seats == 1
    for registration in recent_people:
        db.session.refresh(registration)
        assert registration.email and registration.accessibility_needs and registration.anonymised_at is None

    def scans(event):
        return db.session.execute(
            sa.select(ScanAttempt.registration_id, ScanAttempt.code_digest, ScanAttempt.result).where(
                ScanAttempt.event_id == event.id
            )
        ).all()

    # The door log keeps its counts, without the link to a person.
    assert [(r, c) for r, c, _ in scans(old)] == [(None, None)] * 3
    assert all(r is not None for r, _, _ in scans(recent))
    assert db.session.scalar(sa.select(sa.func.count()).where(CheckIn.event_id == old.id)) == 3
    # Participants stay (their ideas and votes with them), unlinked from the ticket.
    linked = sa.select(sa.func.count()).select_from(Participant).where(Participant.registration_id.is_not(None))
    assert db.session.scalar(linked) == 3  # the recent event's only
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Participant)) == 8
    # Guests keep their contributions, not the hash of the network they joined from.
    networks = sa.select(Participant.session_id).where(Participant.network.is_not(None))
    assert db.session.scalars(networks).all() == [recent.sessions[0].id]  # the recent event's guest only
    # Event figures unchanged.
    db.session.refresh(old)
    assert old.seats_taken == 3

    # Idempotent.
    again = apply_retention(now=NOW, retention_days=90)
    assert (again.registrations, again.scans, again.participants) == (0, 0, 0)
    assert count_expired(now=NOW, retention_days=90).registrations == 0


def test_retention_cli_dry_run_changes_nothing_then_apply(app, app_ctx):
    _, people = _event_with_people(200, now=utcnow())
    ids = [r.id for r in people]
    runner = app.test_cli_runner()

    dry = runner.invoke(args=["retention", "apply", "--dry-run"])
    assert dry.exit_code == 0 and "would be 3 registrations anonymised" in dry.output
    emails = db.session.scalars(sa.select(Registration.email).where(Registration.id.in_(ids))).all()
    assert all(emails)

    # A longer period than the event's age: nothing yet.
    assert "0 registrations" in runner.invoke(args=["retention", "apply", "--days", "365"]).output
    done = runner.invoke(args=["retention", "apply"])
    assert done.exit_code == 0 and "3 registrations anonymised, 3 door scans unlinked" in done.output
    db.session.expire_all()
    assert db.session.scalars(sa.select(Registration.email).where(Registration.id.in_(ids))).all() == ["", "", ""]
    assert runner.invoke(args=["retention", "apply", "--days", "-1"]).exit_code != 0
