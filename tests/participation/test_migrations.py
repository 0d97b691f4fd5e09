"""Migration participation_0002 (answers hold on to their activity) on a database that holds answers."""

import os
from uuid import uuid4

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from eventapp import create_app
from eventapp.core.db import UTCDateTime
from eventapp.extensions import db
from eventapp.participation.models import ContentReport, Upvote
from tests.conftest import require, reset_database
from tests.factories import NOW, make_event

BEFORE = "participation_0002-1"
TABLES = (
    "participation_votes",
    "participation_vote_choices",
    "participation_contributions",
    "participation_upvotes",
    "participation_reports",
    "participation_poll_options",
)


def _database(kind: str, tmp_path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path}/answers.db"
    url = os.environ.get("TEST_POSTGRES_URL", "")
    require(bool(url), "set TEST_POSTGRES_URL to a throwaway PostgreSQL database (.ci/run does)")
    if url == os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("the whole suite is running on this PostgreSQL database already")
    reset_database(url)
    return url


def _insert(table: str, **values) -> int:
    """A row written with only the columns `table` had at BEFORE (the models have more by now)."""
    types = {"created_at": UTCDateTime(), "uuid": sa.Uuid()}
    columns = [sa.column(name, types.get(name)) for name in values]
    statement = sa.insert(sa.table(table, sa.column("id"), *columns)).values(values)
    return db.session.scalar(statement.returning(sa.column("id")))


def _answers_of_the_old_schema(session_id: int) -> None:
    """A poll answered once and an idea supported and reported once, in the old schema."""
    activity = {"session_id": session_id, "status": "open", "access": "link", "moderation": "pre", "created_at": NOW}
    activity |= {"prompt_fr": "Quoi ?", "prompt_nl": "Wat?", "prompt_en": "", "results_revealed": False}
    poll = _insert("participation_activities", uuid=uuid4(), kind="poll", poll_type="single", position=1, **activity)
    ideas = _insert("participation_activities", uuid=uuid4(), kind="ideas", position=2, **activity)
    option = _insert(
        "participation_poll_options", activity_id=poll, position=0, label_fr="A", label_nl="A", label_en="A"
    )
    voter, supporter = (
        _insert("participation_participants", uuid=uuid4(), session_id=session_id, created_at=NOW) for _ in range(2)
    )
    vote = _insert(
        "participation_votes",
        activity_id=poll,
        participant_id=voter,
        channel="guest",
        text="",
        weight=1,
        created_at=NOW,
    )
    db.session.execute(
        sa.insert(sa.table("participation_vote_choices", sa.column("vote_id"), sa.column("option_id"))).values(
            vote_id=vote, option_id=option
        )
    )
    idea = _insert(
        "participation_contributions",
        uuid=uuid4(),
        activity_id=ideas,
        participant_id=voter,
        channel="guest",
        body="More benches",
        status="pending",
        rejection_reason="",
        upvotes=0,
        reports=0,
        outcome_reason_fr="",
        outcome_reason_nl="",
        outcome_reason_en="",
        created_at=NOW,
    )
    db.session.add_all(
        [
            Upvote(contribution_id=idea, participant_id=supporter, created_at=NOW),
            ContentReport(contribution_id=idea, participant_id=supporter, created_at=NOW),
        ]
    )


def _counts() -> dict[str, int]:
    with db.engine.connect() as connection:
        return {table: connection.scalar(sa.select(sa.func.count()).select_from(sa.table(table))) for table in TABLES}


def _delete_session_refused(session_id: int) -> bool:
    with db.engine.connect() as connection:
        try:
            connection.execute(sa.text("DELETE FROM sessions WHERE id = :id"), {"id": session_id})
        except sa.exc.IntegrityError:
            return True
        finally:
            connection.rollback()
    return False


@pytest.mark.no_db_isolation
@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_the_migration_keeps_every_answer_and_then_protects_them(tmp_path, kind):
    """SQLite rebuilds the tables (batch mode): dropping the old ones must not cascade to vote choices,
    upvotes and reports. Afterwards the database refuses to delete a session that holds answers."""
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=_database(kind, tmp_path))
    with app.app_context():
        upgrade(revision=BEFORE)
        event = make_event(sessions=1)
        session = event.sessions[0]
        _answers_of_the_old_schema(session.id)
        db.session.commit()
        session_id = session.id
        db.session.remove()
        before = _counts()
        assert min(before.values()) == 1
        assert not _delete_session_refused(session_id)  # the old schema cascades (rolled back)

        upgrade()
        assert _counts() == before
        assert _delete_session_refused(session_id)

        downgrade(revision=BEFORE)
        assert _counts() == before
        db.engine.dispose()
