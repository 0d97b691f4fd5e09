"""The models and the Alembic migrations describe the same schema, on SQLite and PostgreSQL."""

import os

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from eventapp import create_app
from eventapp.extensions import db
from tests.conftest import require, reset_database


def _drift(app) -> list:
    with app.app_context():
        # The session's connection: the test's own transaction holds SQLite's write lock.
        context = MigrationContext.configure(
            db.session.connection(), opts={"compare_type": True, "render_as_batch": True}
        )
        return compare_metadata(context, db.metadata)


def test_models_match_migrations(app):
    """Fails when a model changes without a migration (the schema here was built by migrations)."""
    assert _drift(app) == []


@pytest.mark.no_db_isolation
def test_upgrade_on_empty_sqlite(tmp_path):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/fresh.db")
    with app.app_context():
        upgrade()
        tables = set(sa.inspect(db.engine).get_table_names())
    assert {"events", "sessions", "registrations", "outbox_messages", "users"} <= tables
    assert _drift(app) == []


@pytest.mark.postgres
@pytest.mark.no_db_isolation
def test_upgrade_on_empty_postgresql():
    url = os.environ.get("TEST_POSTGRES_URL")
    require(bool(url), "set TEST_POSTGRES_URL to a throwaway PostgreSQL database (.ci/run does)")
    if url == os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("the whole suite is running on this PostgreSQL database already")
    reset_database(url)
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade()
        assert db.engine.dialect.name == "postgresql"
        # Alembic compares no storage parameters: the one the models declare is checked here.
        options = db.session.scalar(sa.text("SELECT reloptions FROM pg_class WHERE relname = 'registrations'"))
        assert options == ["fillfactor=80"]
        db.session.remove()
    assert _drift(app) == []
    with app.app_context():
        db.engine.dispose()
