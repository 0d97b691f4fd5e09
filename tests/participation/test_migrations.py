"""Migration participation_0002 (answers hold on to their activity) on a database that holds answers."""

import os
from datetime import timedelta
from uuid import uuid4

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from eventapp import create_app
from eventapp.core.db import UTCDateTime
from eventapp.extensions import db
from eventapp.participation.models import ContentReport, Upvote
from tests.conftest import require, reset_database
from tests.factories import NOW

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
    types = {name: UTCDateTime() for name in ("created_at", "updated_at", "starts_at", "ends_at")} | {"uuid": sa.Uuid()}
    columns = [sa.column(name, types.get(name)) for name in values]
    statement = sa.insert(sa.table(table, sa.column("id"), *columns)).values(values)
    return db.session.scalar(statement.returning(sa.column("id")))


def _session_of_the_old_schema() -> int:
    """An event with one session, written with the columns of BEFORE: the models' later columns (an
    event's facilities, a venue's UiTdatabank id…) do not exist yet in that schema."""
    names = {f"name_{lang}": "Smart City" for lang in ("fr", "nl", "en")}
    series = _insert("series", slug="series", **names)
    theme = _insert("themes", slug="theme", **names)
    venue = _insert(
        "venues",
        slug="venue",
        name="Venue",
        street="Rue Royale 2",
        postcode="1000",
        commune_nis="21004",
        city_fr="Bruxelles",
        city_nl="Brussel",
        latitude=50.8443,
        longitude=4.3613,
    )
    texts = {f"{field}_{lang}": "Texte" for field in ("title", "summary", "description") for lang in ("fr", "nl", "en")}
    times = {"starts_at": NOW + timedelta(days=30), "ends_at": NOW + timedelta(days=30, hours=3)}
    event = _insert(
        "events",
        uuid=uuid4(),
        slug="event",
        series_id=series,
        theme_id=theme,
        venue_id=venue,
        status="published",
        capacity=50,
        seats_taken=0,
        seats_waiting=0,
        max_seats_per_registration=4,
        version=0,
        sequence=1,
        created_at=NOW,
        updated_at=NOW,
        **texts,
        **times,
    )
    session_texts = {f"{field}_{lang}": "" for field in ("title", "description") for lang in ("fr", "nl", "en")}
    return _insert(
        "sessions",
        uuid=uuid4(),
        event_id=event,
        slug="session",
        kind="participatory",
        room="",
        languages="fr nl",
        seats_taken=0,
        updated_at=NOW,
        **session_texts,
        **times,
    )


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
        session_id = _session_of_the_old_schema()
        _answers_of_the_old_schema(session_id)
        db.session.commit()
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
