"""An event over several days: a ticket takes part "from the room" in a session when it went through
the door on that session's day, whatever day it is answered on."""

from datetime import datetime, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from eventapp.core.errors import PermissionDenied
from eventapp.extensions import db
from eventapp.participation import services
from eventapp.participation.models import Access, Channel
from eventapp.tickets.checkin import check_in, undo_check_in
from eventapp.tickets.models import CheckIn
from tests.factories import make_event, make_session
from tests.participation.factories import make_activity, make_organiser
from tests.tickets.factories import KEY, make_registration, make_scanner

BRUSSELS = ZoneInfo("Europe/Brussels")
FRIDAY = datetime(2027, 3, 5, 9, 0, tzinfo=BRUSSELS)
SATURDAY = FRIDAY + timedelta(days=1)
SUNDAY = SATURDAY + timedelta(days=1)


@pytest.fixture
def two_days(app_ctx):
    """Friday 9:00 to Saturday 17:00, a session each day, one gate."""
    event = make_event(starts_at=FRIDAY, hours=32)
    friday = make_session(event, starts_at=FRIDAY + timedelta(hours=1), ends_at=FRIDAY + timedelta(hours=2))
    saturday = make_session(event, starts_at=SATURDAY + timedelta(hours=1), ends_at=SATURDAY + timedelta(hours=2))
    scanner, _ = make_scanner(event)
    return event, friday, saturday, scanner


def admit(code, scanner, at):
    assert check_in(code, scanner=scanner, scan_id=uuid4().hex, key=KEY, now=at).people == 1


def channels(registration, *sessions):
    return [services.channel_of(services.join_with_ticket(s, registration, now=SUNDAY)) for s in sessions]


def test_a_ticket_admitted_on_friday_only_is_not_in_saturdays_room(two_days):
    event, friday, saturday, scanner = two_days
    registration, code = make_registration(event)
    admit(code, scanner, FRIDAY)
    assert channels(registration, friday, saturday) == [Channel.CHECKED_IN, Channel.REGISTERED]

    survey = make_activity(saturday, make_organiser(event), access=Access.CHECKED_IN)
    participant = services.join_with_ticket(saturday, registration, now=SUNDAY)
    with pytest.raises(PermissionDenied) as error:
        services.answer_poll(participant, survey, option_ids=[survey.options[0].id], now=SUNDAY)
    assert error.value.code == "check_in_required"


def test_friday_stays_from_the_room_after_saturdays_admission_and_its_undoing(two_days):
    event, friday, saturday, scanner = two_days
    registration, code = make_registration(event)
    admit(code, scanner, FRIDAY)
    admit(code, scanner, SATURDAY)
    assert channels(registration, friday, saturday) == [Channel.CHECKED_IN, Channel.CHECKED_IN]

    saturdays = db.session.scalar(sa.select(CheckIn).where(CheckIn.scanned_at >= SATURDAY))
    undo_check_in(saturdays, by="supervisor", now=SATURDAY + timedelta(hours=1))
    assert channels(registration, friday, saturday) == [Channel.CHECKED_IN, Channel.REGISTERED]
    # A survey of Friday's session, answered on Sunday, still takes the Friday attendee.
    survey = make_activity(friday, make_organiser(event), access=Access.CHECKED_IN)
    participant = services.join_with_ticket(friday, registration, now=SUNDAY)
    vote = services.answer_poll(participant, survey, option_ids=[survey.options[0].id], now=SUNDAY)
    assert vote.channel == Channel.CHECKED_IN
