import sqlalchemy as sa

from eventapp.events.models import Event, Session, SessionKind
from eventapp.extensions import db
from eventapp.participation.models import Activity, ActivityKind, ActivityStatus, Room


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
