"""The back-office check-in by hand: judged like a scan, found by the registration it already has, audited."""

import pytest
import sqlalchemy as sa

from eventapp.accounts.models import AuditEntry
from eventapp.core.errors import PermissionDenied
from eventapp.extensions import db
from eventapp.registration.models import RegistrationStatus
from eventapp.registration.services import erase
from eventapp.tickets import codes
from eventapp.tickets.checkin import check_in_by_hand
from eventapp.tickets.checkin import ticket as door_ticket
from eventapp.tickets.models import ScanAttempt, ScanResult
from tests.factories import make_event
from tests.tickets.factories import KEY, make_registration, make_user


def _audit(event):
    return db.session.scalars(sa.select(AuditEntry).where(AuditEntry.event_id == event.id)).all()


def test_admits_all_remaining_people_without_rebuilding_the_ticket_code(app_ctx, monkeypatch):
    event = make_event()
    organiser = make_user(events=[event])
    registration, _ = make_registration(event, seats=3)

    def no_code(*args):
        raise AssertionError("the ticket code was rebuilt")

    monkeypatch.setattr(door_ticket, "ticket_code", no_code)
    monkeypatch.setattr(codes, "ticket_code", no_code)
    result = check_in_by_hand(organiser, registration, now=event.starts_at)
    assert result.ok and (result.people, result.people_remaining) == (3, 0)
    assert registration.checked_in_people == 3
    attempt = db.session.scalar(sa.select(ScanAttempt).where(ScanAttempt.registration_id == registration.id))
    assert (attempt.gate, attempt.scanner_id, attempt.code_digest) == ("Back-office", None, registration.ticket_digest)
    (entry,) = _audit(event)
    assert (entry.action, entry.actor_id, entry.target) == ("attendee.checked_in", organiser.id, str(registration.uuid))
    assert entry.details == {"result": "ok", "people": 3}

    again = check_in_by_hand(organiser, registration, now=event.starts_at)
    assert again.status == ScanResult.ALREADY_CHECKED_IN and again.previous_gate == "Back-office"


def test_is_refused_to_an_organiser_of_another_event(app_ctx):
    event = make_event()
    stranger = make_user(events=[make_event()])
    registration, _ = make_registration(event)
    with pytest.raises(PermissionDenied):
        check_in_by_hand(stranger, registration, now=event.starts_at)
    assert registration.checked_in_people == 0 and _audit(event) == []


def test_judges_like_a_scan(app_ctx):
    event = make_event()
    organiser = make_user(events=[event])
    waiting, _ = make_registration(event, status=RegistrationStatus.WAITLISTED)
    assert check_in_by_hand(organiser, waiting, now=event.starts_at).status == ScanResult.WAITLISTED
    early, _ = make_registration(event)
    assert check_in_by_hand(organiser, early, now=event.starts_at.replace(year=2020)).status == ScanResult.NOT_TODAY


def test_an_erased_registration_has_no_ticket_any_more(app_ctx):
    event = make_event()
    organiser = make_user(events=[event])
    registration, _ = make_registration(event)
    erase(registration, now=event.starts_at, key=KEY)  # after the start: the seat stays, the data goes
    result = check_in_by_hand(organiser, registration, now=event.starts_at)
    assert result.status == ScanResult.INVALID and registration.checked_in_people == 0
