"""An event over several days admits each ticket once a day; an evening past midnight stays one day."""

from datetime import datetime, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest

from eventapp.extensions import db
from eventapp.tickets.api import serialize_late_duplicates
from eventapp.tickets.checkin import check_in, undo_check_in
from eventapp.tickets.models import CheckIn, ScanResult
from eventapp.tickets.queries import build_snapshot, count_check_ins
from tests.factories import make_event
from tests.tickets.factories import KEY, make_registration, make_scanner

BRUSSELS = ZoneInfo("Europe/Brussels")
FRIDAY = datetime(2027, 3, 5, 9, 0, tzinfo=BRUSSELS)
SATURDAY = FRIDAY + timedelta(days=1)


@pytest.fixture
def two_days(app_ctx):
    """Friday 9:00 to Saturday 17:00, one gate."""
    event = make_event(starts_at=FRIDAY, hours=32)
    scanner, _ = make_scanner(event)
    return event, scanner


def scan(code, scanner, at, **kw):
    return check_in(code, scanner=scanner, scan_id=uuid4().hex, key=KEY, now=kw.pop("now", at), **kw)


def test_a_ticket_is_admitted_once_each_day(two_days):
    event, scanner = two_days
    registration, code = make_registration(event, seats=2)
    assert scan(code, scanner, FRIDAY + timedelta(hours=1)).people == 2
    assert scan(code, scanner, FRIDAY + timedelta(hours=2)).status == ScanResult.ALREADY_CHECKED_IN

    saturday = scan(code, scanner, SATURDAY + timedelta(hours=1))
    assert (saturday.status, saturday.people, saturday.people_remaining) == (ScanResult.OK, 2, 0)
    again = scan(code, scanner, SATURDAY + timedelta(hours=2))
    assert again.status == ScanResult.ALREADY_CHECKED_IN
    assert again.previous_at == SATURDAY + timedelta(hours=1)
    assert (registration.checked_in_people, registration.checked_in_on) == (2, SATURDAY.date())

    counts = count_check_ins(event, now=SATURDAY + timedelta(hours=3))
    assert (counts.checked_in, counts.tickets_used, counts.gates) == (2, 1, {"Door A": 2})
    snapshot = build_snapshot(scanner, now=SATURDAY + timedelta(hours=3))
    assert [t["c"] for t in snapshot["tickets"]] == [2]


def test_the_second_day_starts_with_nobody_in(two_days):
    event, scanner = two_days
    _, code = make_registration(event)
    scan(code, scanner, FRIDAY + timedelta(hours=1))
    saturday_morning = SATURDAY - timedelta(hours=1)
    counts = count_check_ins(event, now=saturday_morning)
    assert (counts.checked_in, counts.tickets_used, counts.gates) == (0, 0, {})
    assert [t["c"] for t in build_snapshot(scanner, now=saturday_morning)["tickets"]] == [0]


def test_an_evening_past_midnight_is_one_door_day(app_ctx):
    event = make_event(starts_at=datetime(2027, 3, 5, 20, 0, tzinfo=BRUSSELS), hours=6)
    scanner, _ = make_scanner(event)
    _, code = make_registration(event)
    assert scan(code, scanner, datetime(2027, 3, 5, 23, 0, tzinfo=BRUSSELS)).status == ScanResult.OK
    late = scan(code, scanner, datetime(2027, 3, 6, 0, 30, tzinfo=BRUSSELS))
    assert late.status == ScanResult.ALREADY_CHECKED_IN


def test_undoing_an_admission_of_an_earlier_day_leaves_todays_count(two_days):
    event, scanner = two_days
    registration, code = make_registration(event)
    scan(code, scanner, FRIDAY + timedelta(hours=1))
    scan(code, scanner, SATURDAY + timedelta(hours=1))
    friday = db.session.scalar(db.select(CheckIn).order_by(CheckIn.scanned_at))
    undo_check_in(friday, by="supervisor", now=SATURDAY + timedelta(hours=2))
    assert (registration.checked_in_people, registration.checked_in_on) == (1, SATURDAY.date())
    assert scan(code, scanner, SATURDAY + timedelta(hours=3)).status == ScanResult.ALREADY_CHECKED_IN


def test_an_offline_scan_of_the_day_before_uploaded_late_counts_for_its_own_day(two_days):
    event, scanner = two_days
    registration, code = make_registration(event)
    upload = SATURDAY + timedelta(hours=2)
    scan(code, scanner, SATURDAY + timedelta(hours=1))  # online on Saturday

    friday = scan(code, scanner, upload, scanned_at=FRIDAY + timedelta(hours=1))
    assert (friday.status, friday.people, friday.duplicate_discovered) == (ScanResult.OK, 1, False)
    # Saturday's count is untouched, and Saturday's admission stays Saturday's.
    assert (registration.checked_in_people, registration.checked_in_on) == (1, SATURDAY.date())
    assert scan(code, scanner, upload).status == ScanResult.ALREADY_CHECKED_IN

    # A second Friday scan of the same ticket, from another phone: a duplicate of that day.
    twice = scan(code, scanner, upload, scanned_at=FRIDAY + timedelta(hours=3))
    assert (twice.status, twice.duplicate_discovered) == (ScanResult.ALREADY_CHECKED_IN, True)
    assert db.session.scalar(db.select(db.func.count(CheckIn.id))) == 2


def test_a_late_duplicate_names_the_admission_of_its_own_day(two_days):
    event, scanner = two_days
    other_gate, _ = make_scanner(event, "Door B")
    _, code = make_registration(event)
    scan(code, scanner, FRIDAY + timedelta(hours=1))
    scan(code, scanner, SATURDAY + timedelta(hours=1))
    # Door B let the ticket in offline at 11:00 on Saturday, and uploads it at noon.
    late = scan(code, other_gate, SATURDAY + timedelta(hours=3), scanned_at=SATURDAY + timedelta(hours=2))
    assert late.duplicate_discovered
    [duplicate] = serialize_late_duplicates(event)
    assert duplicate["gate"] == "Door B"
    admitted_at = datetime.fromisoformat(duplicate["admitted"]["at"])
    assert (duplicate["admitted"]["gate"], admitted_at) == ("Door A", SATURDAY + timedelta(hours=1))


def test_the_door_opens_on_the_events_door_day_as_the_phones_judge_it(app_ctx):
    # The phone judges "today" offline with the same door days (scan.js, doorDay): before 05:00 it is
    # still the day before.
    event = make_event(starts_at=SATURDAY, hours=8)
    scanner, _ = make_scanner(event)
    _, code = make_registration(event)
    assert scan(code, scanner, SATURDAY.replace(hour=4, minute=30)).status == ScanResult.NOT_TODAY
    assert scan(code, scanner, SATURDAY.replace(hour=5, minute=30)).status == ScanResult.OK
