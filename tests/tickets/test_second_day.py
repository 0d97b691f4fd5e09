"""The second day of an event over several days: what the scanner API and the ticket page say of a
ticket is today's (yesterday's admissions do not use it up)."""

from datetime import datetime, time, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest

from eventapp.core.time import utcnow
from eventapp.tickets.checkin import check_in
from eventapp.tickets.days import door_day
from eventapp.tickets.models import ScannerProfile
from tests.factories import make_event
from tests.tickets.factories import KEY, make_registration, make_scanner

BRUSSELS = ZoneInfo("Europe/Brussels")


@pytest.fixture
def second_day(app_ctx):
    """An event that started yesterday at 9:00 and goes on until tomorrow (the API uses the real
    clock), a supervisor scanner (may search and undo), a group of 2 that came yesterday one by one."""
    yesterday = datetime.combine(door_day(utcnow()) - timedelta(days=1), time(9), tzinfo=BRUSSELS)
    event = make_event(starts_at=yesterday, hours=48)
    scanner, token = make_scanner(event, "Desk", ScannerProfile.SUPERVISOR)
    registration, code = make_registration(event, seats=2, name="Yesterday Group")
    first, second = uuid4().hex, uuid4().hex
    for scan_id, at in ((first, yesterday), (second, yesterday + timedelta(hours=1))):
        assert check_in(code, scanner=scanner, people=1, scan_id=scan_id, key=KEY, now=at).people == 1
    return token, registration, first, code


def test_a_search_shows_who_came_in_today(client, second_day):
    token, _registration, _scan_id, _code = second_day
    found = client.get("/api/v1/scanner/search?q=Yesterday", headers={"Authorization": f"Bearer {token}"})
    assert [(r["checked_in"], r["seats"]) for r in found.get_json()["results"]] == [(0, 2)]


def test_undoing_an_admission_of_yesterday_says_who_may_still_come_today(client, second_day):
    token, registration, scan_id, _code = second_day
    undone = client.post(
        "/api/v1/checkin/undo", json={"scan_id": scan_id}, headers={"Authorization": f"Bearer {token}"}
    )
    assert undone.status_code == 200
    assert undone.get_json()["people_remaining"] == 2  # nobody of it came in today
    assert registration.checked_in_people == 1  # yesterday's other person


def test_the_ticket_page_does_not_say_yesterdays_people_were_admitted(client, second_day):
    token, _registration, _scan_id, code = second_day
    assert "of this ticket have been admitted" not in client.get(f"/tickets/{code}?lang=en").get_data(as_text=True)
    scanned = client.post(
        "/api/v1/checkin", json={"code": code, "scan_id": uuid4().hex}, headers={"Authorization": f"Bearer {token}"}
    )
    assert scanned.get_json()["people"] == 2
    assert "2 people of this ticket have been admitted" in client.get(f"/tickets/{code}?lang=en").get_data(as_text=True)
