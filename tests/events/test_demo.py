from datetime import UTC, date, datetime, time

import pytest
import sqlalchemy as sa

from eventapp.core.time import BRUSSELS
from eventapp.events.demo import DOOR_OPEN_TODAY, load_demo
from eventapp.events.models import Event, Session, SessionKind
from eventapp.extensions import db
from eventapp.participation.models import Activity, ActivityKind, ActivityStatus, Room
from eventapp.tickets.days import door_day


def test_demo_load_is_idempotent(runner):
    outputs = []
    for _ in range(2):
        result = runner.invoke(args=["demo", "load"])
        assert result.exit_code == 0, result.output
        outputs.append(result.output)
    events = db.session.scalars(sa.select(Event)).all()
    assert len(events) == 6
    assert {e.theme.slug for e in events} == {"education", "culture"}
    for event in events:
        assert 2 <= len(event.sessions) <= 4
        assert any(s.kind == SessionKind.PARTICIPATORY for s in event.sessions)
        assert all(getattr(event, f"title_{lang}") for lang in ("fr", "nl", "en"))
        assert 20 <= event.capacity <= 500
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Session)) == sum(len(e.sessions) for e in events)
    # Each participatory session has an open idea board, poll and word cloud, once, and a room code.
    participatory = [s for e in events for s in e.sessions if s.kind == SessionKind.PARTICIPATORY]
    for session in participatory:
        activities = db.session.scalars(sa.select(Activity).where(Activity.session_id == session.id)).all()
        assert sorted(a.kind for a in activities) == sorted(
            [ActivityKind.IDEAS, ActivityKind.POLL, ActivityKind.SHORT_ANSWERS]
        )
        assert {a.status for a in activities} == {ActivityStatus.OPEN}
        assert all(a.prompt_fr and a.prompt_nl and a.prompt_en for a in activities)
    codes = db.session.scalars(sa.select(Room.code)).all()
    assert len(codes) == len(participatory)
    assert outputs[0] == outputs[1] and all(code in outputs[1] for code in codes)


def test_a_guest_can_join_a_demo_room_and_see_its_poll(runner, client):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    code = db.session.scalars(sa.select(Room.code)).first()
    response = client.post("/join?lang=en", data={"code": code}, follow_redirects=True)
    assert response.status_code == 200
    assert "How did you hear about this event?" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("local_now", "bookable"),
    [
        ("10:00", True),  # an evening event later today
        ("20:30", True),  # past 18:00: the next whole hour
        ("02:00", True),  # after midnight: still the door day that began yesterday at 05:00
        ("04:30", False),  # the door day is ending: the door is open, registration has closed
    ],
)
def test_one_demo_event_has_its_door_open_today(local_now, bookable):
    hour, minute = map(int, local_now.split(":"))
    now = datetime.combine(date(2026, 12, 6), time(hour, minute), tzinfo=BRUSSELS).astimezone(UTC)
    events = load_demo(door_day(now), now)
    [tonight] = [e for e in events if e.slug == DOOR_OPEN_TODAY]
    assert door_day(tonight.starts_at) == door_day(now)  # tickets.services admits on this day, not "not today"
    assert (tonight.starts_at > now) is bookable  # registration closes at the start
    assert all(door_day(e.starts_at) > door_day(now) for e in events if e is not tonight)


def test_demo_load_names_the_event_whose_door_is_open_today(runner):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert f"Door open today: Creative tech and performing arts (http://events.test/events/{DOOR_OPEN_TODAY}" in (
        result.output
    )
    assert f"flask scanners create {DOOR_OPEN_TODAY}" in result.output
