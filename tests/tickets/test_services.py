from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from eventapp.core.errors import Conflict, InvalidState, NotFound, PermissionDenied
from eventapp.extensions import db
from eventapp.registration.models import RegistrationStatus
from eventapp.tickets.checkin import check_in, record_offline_refusal, undo_check_in, undo_scan
from eventapp.tickets.models import CheckIn, ScanAttempt, ScannerProfile, ScanResult
from eventapp.tickets.queries import build_snapshot, count_check_ins, list_late_duplicates
from eventapp.tickets.scanners import (
    authenticate_door,
    authenticate_scanner,
    create_scanner,
    pair_scanner,
    revoke_scanner,
)
from tests.factories import NOW, make_event, make_session
from tests.tickets.factories import KEY, make_registration, make_scanner


def sid() -> str:
    return uuid4().hex


@pytest.fixture
def door(app_ctx):
    event = make_event()
    scanner, _ = make_scanner(event)
    return event, scanner, event.starts_at + timedelta(minutes=5)


def scan(code, scanner, now, **kw):
    return check_in(code, scanner=scanner, scan_id=kw.pop("scan_id", None) or sid(), key=KEY, now=now, **kw)


def test_first_scan_admits_second_says_already_checked_in(door):
    event, scanner, now = door
    session = make_session(event)
    registration, code = make_registration(event, sessions=[session])
    first = scan(code, scanner, now)
    assert first.status == ScanResult.OK and first.people == 1 and first.people_remaining == 0
    assert [(s.title_fr, s.starts_at, s.room) for s in first.sessions] == [
        (session.title_fr, session.starts_at, session.room)
    ]
    second = scan(code, scanner, now + timedelta(minutes=1))
    assert second.status == ScanResult.ALREADY_CHECKED_IN
    assert second.previous_gate == "Door A" and second.previous_at == now
    assert registration.checked_in_people == 1
    assert db.session.scalar(db.select(db.func.count(CheckIn.id)).where(CheckIn.event_id == event.id)) == 1
    assert db.session.scalar(db.select(db.func.count(ScanAttempt.id)).where(ScanAttempt.event_id == event.id)) == 2


def test_codes_are_normalised_but_one_changed_character_is_invalid(door):
    event, scanner, now = door
    _, code = make_registration(event)
    changed = code[:-1] + ("A" if code[-1] != "A" else "B")
    assert scan(changed, scanner, now).status == ScanResult.INVALID
    assert scan("hello", scanner, now).status == ScanResult.INVALID
    assert scan(f"  {code.lower()}\n", scanner, now).status == ScanResult.OK
    attempts = db.session.scalars(
        db.select(ScanAttempt).where(ScanAttempt.event_id == event.id).order_by(ScanAttempt.id)
    ).all()
    assert attempts[1].code_digest is None and attempts[0].code_digest is not None


def test_ticket_minted_with_another_key_is_invalid(door):
    event, scanner, now = door
    _, code = make_registration(event)
    assert check_in(code, scanner=scanner, scan_id=sid(), key="another-key", now=now).status == ScanResult.INVALID


def test_wrong_event_cancelled_waitlisted_and_not_today(door):
    event, scanner, now = door
    other = make_event(starts_at=event.starts_at + timedelta(days=7))
    _, other_code = make_registration(other)
    result = scan(other_code, scanner, now)
    assert result.status == ScanResult.WRONG_EVENT and result.other_event == other
    _, cancelled = make_registration(event, status=RegistrationStatus.CANCELLED)
    assert scan(cancelled, scanner, now).status == ScanResult.CANCELLED
    _, waiting = make_registration(event, status=RegistrationStatus.WAITLISTED)
    assert scan(waiting, scanner, now).status == ScanResult.WAITLISTED
    _, code = make_registration(event)
    assert scan(code, scanner, now - timedelta(days=1)).status == ScanResult.NOT_TODAY
    assert scan(code, scanner, now).status == ScanResult.OK


def test_a_wrong_day_names_the_event_s_door_days_and_admits_no_one(app_ctx):
    # Friday 19:00 to Sunday 12:00 in Brussels: three door days.
    event = make_event(starts_at=datetime(2031, 6, 13, 17, tzinfo=UTC), hours=41)
    scanner, _ = make_scanner(event)
    registration, code = make_registration(event, seats=2)
    scan_id = sid()
    early = scan(code, scanner, event.starts_at - timedelta(days=2), scan_id=scan_id, people=2)
    assert early.status == ScanResult.NOT_TODAY and early.people == 0
    assert early.door_days == (date(2031, 6, 13), date(2031, 6, 15))
    again = scan(code, scanner, event.starts_at - timedelta(days=2), scan_id=scan_id, people=2)
    assert again.replayed and again.door_days == early.door_days
    assert registration.checked_in_people == 0
    assert scan(code, scanner, event.starts_at).door_days is None  # admitted: no day to show


def test_retried_scan_id_is_answered_the_same_and_counted_once(door):
    event, scanner, now = door
    registration, code = make_registration(event, seats=3)
    scan_id = sid()
    first = scan(code, scanner, now, scan_id=scan_id, people=2)
    again = scan(code, scanner, now, scan_id=scan_id, people=2)
    assert (first.status, first.people) == (again.status, again.people) == (ScanResult.OK, 2)
    assert again.replayed
    assert registration.checked_in_people == 2
    other_scanner, _ = make_scanner(event, "Door B")
    with pytest.raises(Conflict):
        scan(code, other_scanner, now, scan_id=scan_id)


def test_group_arrives_in_parts(door):
    event, scanner, now = door
    _registration, code = make_registration(event, seats=5)
    assert scan(code, scanner, now, people=3).people_remaining == 2
    too_many = scan(code, scanner, now, people=3)
    assert too_many.status == ScanResult.ALREADY_CHECKED_IN and too_many.people_remaining == 2
    rest = scan(code, scanner, now)
    assert (rest.status, rest.people, rest.people_remaining) == (ScanResult.OK, 2, 0)
    assert rest.previous_at == now
    assert scan(code, scanner, now).status == ScanResult.ALREADY_CHECKED_IN
    with pytest.raises(InvalidState):
        scan(code, scanner, now, people=0)


def test_undo_lets_the_ticket_in_again(door):
    event, scanner, now = door
    registration, code = make_registration(event)
    scan_id = sid()
    scan(code, scanner, now, scan_id=scan_id)
    with pytest.raises(PermissionDenied):
        undo_scan(scan_id, scanner=scanner, now=now)
    supervisor, _ = make_scanner(event, "Desk", ScannerProfile.SUPERVISOR)
    check = undo_scan(scan_id, scanner=supervisor, now=now)
    assert check.undone_at == now and registration.checked_in_people == 0
    with pytest.raises(InvalidState):
        undo_check_in(check, by="x", now=now)
    assert scan(code, scanner, now).status == ScanResult.OK


def test_offline_duplicate_is_discovered_and_earliest_scan_wins(door):
    event, scanner, now = door
    door_b, _ = make_scanner(event, "Door B")
    _, code = make_registration(event)
    online = scan(code, scanner, now + timedelta(minutes=5))
    assert online.ok
    # Door B was offline and let the same ticket in earlier: it keeps the admission.
    late = scan(code, door_b, now + timedelta(minutes=20), scanned_at=now)
    assert late.status == ScanResult.OK
    check = db.session.scalar(db.select(CheckIn).where(CheckIn.event_id == event.id))
    assert (check.gate, check.scanned_at) == ("Door B", now)
    duplicates = list_late_duplicates(event)
    assert [d.scan_id for d in duplicates] == [online.scan_id]
    # An offline scan later than the admission is itself the duplicate.
    later = scan(code, scanner, now + timedelta(minutes=30), scanned_at=now + timedelta(minutes=10))
    assert later.status == ScanResult.ALREADY_CHECKED_IN and later.duplicate_discovered
    assert later.previous_gate == "Door B"
    assert len(list_late_duplicates(event)) == 2


def test_offline_refusal_is_logged_without_admitting(door):
    event, scanner, now = door
    registration, code = make_registration(event)
    result = record_offline_refusal(
        code, scanner=scanner, scan_id=sid(), scanned_at=now, verdict=ScanResult.CANCELLED, now=now
    )
    assert result.status == ScanResult.CANCELLED and registration.checked_in_people == 0


def test_back_office_check_in_without_scanner(door):
    event, _, now = door
    _, code = make_registration(event)
    result = check_in(code, scanner=None, event=event, gate="Back-office", scan_id=sid(), key=KEY, now=now)
    assert result.ok
    assert count_check_ins(event, now=now).gates == {"Back-office": 1}


def test_counts_per_gate(door):
    event, scanner, now = door
    door_b, _ = make_scanner(event, "Door B")
    for _ in range(2):
        scan(make_registration(event, seats=2)[1], scanner, now)
    scan(make_registration(event)[1], door_b, now)
    make_registration(event, seats=4)
    make_registration(event, status=RegistrationStatus.WAITLISTED)
    counts = count_check_ins(event, now=now)
    assert (counts.checked_in, counts.expected, counts.tickets_used, counts.tickets) == (5, 9, 3, 4)
    assert counts.gates == {"Door A": 4, "Door B": 1}


def test_pairing_link_works_once_and_expires(app_ctx):
    event = make_event()
    scanner, pairing = create_scanner(None, event, name="Door A", now=NOW)
    assert scanner.token_digest is None
    with pytest.raises(NotFound):
        pair_scanner(pairing, now=NOW + timedelta(minutes=11))
    paired, token = pair_scanner(pairing, now=NOW + timedelta(minutes=9))
    assert paired.id == scanner.id
    assert authenticate_scanner(token, now=NOW) == scanner
    with pytest.raises(NotFound):
        pair_scanner(pairing, now=NOW)
    revoke_scanner(None, scanner, now=NOW)
    with pytest.raises(PermissionDenied):
        authenticate_scanner(token, now=NOW)


def test_the_door_snapshot_is_reused_for_its_ttl_and_forgotten_at_once_when_revoked(app_ctx):
    event = make_event()
    scanner, token = make_scanner(event)
    door = authenticate_door(token, now=NOW, ttl=60)
    assert (door.id, door.name, door.event_id, door.event.id, door.event.starts_at) == (
        scanner.id,
        "Door A",
        event.id,
        event.id,
        event.starts_at,
    )
    scanner.name = "Door B"  # a change the snapshot does not see until it expires
    db.session.flush()
    assert authenticate_door(token, now=NOW, ttl=60).name == "Door A"
    assert authenticate_door(token, now=NOW, ttl=0).name == "Door B"
    revoke_scanner(None, scanner, now=NOW)
    with pytest.raises(PermissionDenied):
        authenticate_door(token, now=NOW, ttl=60)
    with pytest.raises(PermissionDenied):
        authenticate_door("", now=NOW, ttl=60)


def test_a_scan_through_the_door_snapshot_is_judged_like_one_through_the_scanner(door):
    event, scanner, now = door
    _, token = make_scanner(event, name="Door C")
    snapshot = authenticate_door(token, now=now, ttl=60)
    _, code = make_registration(event)
    first = scan(code, snapshot, now)
    assert first.status == ScanResult.OK
    second = scan(code, scanner, now + timedelta(minutes=1))
    assert second.status == ScanResult.ALREADY_CHECKED_IN and second.previous_gate == "Door C"
    other_event_ticket = make_registration(make_event())[1]
    assert scan(other_event_ticket, snapshot, now).status == ScanResult.WRONG_EVENT


def test_gate_name_is_checked(app_ctx):
    with pytest.raises(InvalidState):
        create_scanner(None, make_event(), name="  ", now=NOW)


def test_snapshot_holds_digests_not_codes_nor_emails(door):
    event, scanner, now = door
    registration, code = make_registration(event, seats=2)
    scan(code, scanner, now, people=1)
    snapshot = build_snapshot(scanner, now=now)
    text = repr(snapshot)
    assert code not in text and registration.email not in text and registration.name not in text
    (ticket,) = snapshot["tickets"]
    assert (ticket["d"], ticket["n"], ticket["c"], ticket["g"]) == (registration.ticket_digest, 2, 1, "Door A")
    searcher, _ = make_scanner(event, "Desk", ScannerProfile.SCAN_AND_SEARCH)
    assert build_snapshot(searcher, now=now)["tickets"][0]["name"] == registration.name
