import sqlalchemy as sa

from eventapp.events.models import Event, Session, SessionKind
from eventapp.extensions import db


def test_demo_load_is_idempotent(runner):
    for _ in range(2):
        result = runner.invoke(args=["demo", "load"])
        assert result.exit_code == 0, result.output
    events = db.session.scalars(sa.select(Event)).all()
    assert len(events) == 6
    assert {e.theme.slug for e in events} == {"education", "culture"}
    for event in events:
        assert 2 <= len(event.sessions) <= 4
        assert any(s.kind == SessionKind.PARTICIPATORY for s in event.sessions)
        assert all(getattr(event, f"title_{lang}") for lang in ("fr", "nl", "en"))
        assert 20 <= event.capacity <= 500
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Session)) == sum(len(e.sessions) for e in events)
