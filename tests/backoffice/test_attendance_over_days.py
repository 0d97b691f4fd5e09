"""People who came to an event over several days: at least once each, a group with its best day's
people (not the last day's, not the sum), an undone admission of a later day leaving the earlier one.
The organiser's report, the series dashboard and the attendee list say the same."""

import csv
import io
from datetime import datetime, time, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from eventapp.backoffice.queries import AttendeeFilter, count_attendees, list_attendees, series_figures
from eventapp.core.communes import get_commune
from eventapp.core.time import utcnow
from eventapp.extensions import db
from eventapp.participation.reports import attendance
from eventapp.registration.models import Audience
from eventapp.tickets.checkin import check_in, undo_check_in
from eventapp.tickets.days import door_day
from eventapp.tickets.models import CheckIn
from tests.accounts.factories import login, make_admin
from tests.factories import make_event
from tests.tickets.factories import KEY, make_registration, make_scanner, make_user

BRUSSELS = ZoneInfo("Europe/Brussels")
FRIDAY = datetime(2027, 3, 5, 9, 0, tzinfo=BRUSSELS)
SATURDAY = FRIDAY + timedelta(days=1)
IXELLES, UCCLE = "21009", "21016"


def scan(code, scanner, at, people=None):
    return check_in(code, scanner=scanner, people=people, scan_id=uuid4().hex, key=KEY, now=at)


def came(reg, code, scanner, *days):
    """Admit `people` of the ticket on each (day, people) given."""
    for at, people in days:
        assert scan(code, scanner, at, people).people == people, (reg.seats, at, people)


def figure_of(event):
    admin = make_user(admin=True)
    totals, rows = series_figures(admin, "en")
    return dict((e.id, f.checked_in_people) for e, f in rows)[event.id], totals.checked_in_people


def registration(event, seats, commune):
    return make_registration(event, seats=seats, commune=commune, audience=Audience.RESIDENT)


def test_a_single_day_event_gives_the_figures_it_always_gave(app_ctx):
    event = make_event(starts_at=FRIDAY, hours=8)
    scanner, _ = make_scanner(event)
    group, group_code = registration(event, 6, IXELLES)
    came(group, group_code, scanner, (FRIDAY, 2), (FRIDAY + timedelta(hours=1), 4))
    other, other_code = registration(event, 5, UCCLE)
    came(other, other_code, scanner, (FRIDAY, 5))
    registration(event, 2, UCCLE)  # never came

    report = attendance(event, "en")
    assert report.checked_in_people == 11
    assert report.by_commune == [(get_commune(IXELLES).name("en"), "6"), (get_commune(UCCLE).name("en"), "5")]
    assert figure_of(event) == (11, 11)


@pytest.fixture
def two_days(app_ctx):
    """Friday 9:00 to Saturday 17:00, one gate; a group of 5 from Ixelles who brought 2 people on
    Friday and 5 on Saturday, a group of 6 from Uccle who brought 6 on Friday and 2 on Saturday."""
    event = make_event(starts_at=FRIDAY, hours=32)
    scanner, _ = make_scanner(event)
    more_later, code = registration(event, 5, IXELLES)
    came(more_later, code, scanner, (FRIDAY, 2), (SATURDAY, 5))
    fewer_later, code = registration(event, 6, UCCLE)
    came(fewer_later, code, scanner, (FRIDAY, 6), (SATURDAY, 2))
    return event, scanner


def test_a_group_came_with_the_people_of_its_best_day(two_days):
    event, _scanner = two_days
    report = attendance(event, "en")
    assert report.checked_in_people == 11  # 5 + 6: not Saturday's 5 + 2, not the sum of both days
    assert report.by_commune == [(get_commune(UCCLE).name("en"), "6"), (get_commune(IXELLES).name("en"), "5")]
    assert report.by_audience == [("resident", "11")]
    assert figure_of(event) == (11, 11)


def came_on_friday_only(event, scanner, seats=5, friday=FRIDAY, saturday=SATURDAY):
    """A group from Uccle admitted on both days, Saturday's admission undone."""
    reg, code = registration(event, seats, UCCLE)
    came(reg, code, scanner, (friday, seats), (saturday, seats))
    second = db.session.scalar(
        sa.select(CheckIn).where(CheckIn.registration_id == reg.id).order_by(CheckIn.scanned_at.desc()).limit(1)
    )
    undo_check_in(second, by="supervisor", now=saturday)
    assert reg.checked_in_people == 0  # nobody of it in today...
    return reg


def test_an_undone_admission_of_the_second_day_leaves_the_first(two_days):
    event, scanner = two_days
    came_on_friday_only(event, scanner)
    report = attendance(event, "en")  # ...but they came on Friday
    assert report.checked_in_people == 16
    assert dict(report.by_commune)[get_commune(UCCLE).name("en")] == "11"
    assert figure_of(event) == (16, 16)


def test_the_attendee_list_filters_on_who_came_on_any_day(two_days):
    event, scanner = two_days
    reg = came_on_friday_only(event, scanner)
    organiser = make_user(events=[event])
    in_list = [r.id for r in list_attendees(organiser, event, AttendeeFilter(checked_in="yes")).items]
    assert reg.id in in_list and len(in_list) == 3
    assert count_attendees(organiser, event, AttendeeFilter(checked_in="no")) == 0


def test_nobody_who_never_came_is_listed_as_checked_in(two_days):
    event, scanner = two_days
    reg, code = registration(event, 1, UCCLE)
    came(reg, code, scanner, (SATURDAY, 1))
    undo_check_in(db.session.scalar(sa.select(CheckIn).where(CheckIn.registration_id == reg.id)), by="x", now=SATURDAY)
    organiser = make_user(events=[event])
    assert [r.id for r in list_attendees(organiser, event, AttendeeFilter(checked_in="no")).items] == [reg.id]
    assert count_attendees(organiser, event, AttendeeFilter(checked_in="yes")) == 2
    assert attendance(event, "en").checked_in_people == 11


def test_the_attendee_page_and_export_on_the_second_day(client):
    """Today is the second day: the list and the export say who came (on any day), and a ticket fully
    admitted yesterday can still be checked in by hand today."""
    today = door_day(utcnow())
    yesterday = datetime.combine(today - timedelta(days=1), time(9), tzinfo=BRUSSELS)
    event = make_event(starts_at=yesterday, hours=48)
    scanner, _ = make_scanner(event)
    group, code = registration(event, 2, UCCLE)
    came(group, code, scanner, (yesterday, 2))
    undone = came_on_friday_only(event, scanner, 1, yesterday, utcnow())
    slug, group_uuid, undone_uuid = event.slug, group.uuid, undone.uuid
    email = make_admin().email
    db.session.commit()
    login(client, email)

    html = client.get(f"/admin/events/{slug}/attendees?lang=en").get_data(as_text=True)
    rows = {uuid: next(row for row in html.split("<tr>") if str(uuid) in row) for uuid in (group_uuid, undone_uuid)}
    assert "<td>2 / 2</td>" in rows[group_uuid]  # came yesterday...
    assert f"/attendees/{group_uuid}/check-in" in rows[group_uuid]  # ...and may come again today
    assert "<td>1 / 1</td>" in rows[undone_uuid]

    response = client.post(f"/admin/events/{slug}/attendees/export?lang=en")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][4] == "Checked in"
    assert sorted(row[4] for row in rows[1:]) == ["1", "2"]
