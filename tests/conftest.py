"""Shared fixtures.

The suite runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL points at one
(.ci/run does both). The schema is built once per run by the Alembic migrations themselves; each
test then runs inside a transaction on one connection that is rolled back at the end, with the
session joining it through savepoints (so service code may commit freely).
"""

import contextlib
import os
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from sqlalchemy.orm import scoped_session, sessionmaker

from eventapp import create_app
from eventapp.extensions import db

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() == "true"


def require(condition: bool, reason: str) -> None:
    """Skip locally when a real part (PostgreSQL, Chromium…) is missing, but fail in CI."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


def reset_database(url: str) -> None:
    """Empty a PostgreSQL database (schema public) so migrations start from nothing."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url():
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        reset_database(url)
        yield url
        return
    with tempfile.TemporaryDirectory() as tmp:
        yield f"sqlite:///{tmp}/test.db"


@pytest.fixture(scope="session")
def app(database_url):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url)
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()  # close pooled connections before the interpreter finalises them


@pytest.fixture(autouse=True)
def _isolated_session(request, app):
    """Roll every test back, whatever it committed."""
    if "no_db_isolation" in request.keywords:
        yield
        return
    # No app context is held during the test: each request must get its own, as in production
    # (Flask-Babel caches the locale on `g`). Use the `app_ctx` fixture to call services directly.
    with app.app_context():
        connection = db.engine.connect()
    outer = connection.begin()
    original = db.session
    db.session = scoped_session(
        # expire_on_commit=False: objects a test made stay readable after a request closed the session.
        sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    )
    try:
        yield
    finally:
        db.session.remove()
        db.session = original
        outer.rollback()
        connection.close()


@pytest.fixture
def app_ctx(app):
    with app.test_request_context():
        yield app


@pytest.fixture
def selects(app):
    """`with selects() as seen:` lists the SELECT statements the database received inside the block."""

    @contextlib.contextmanager
    def counting():
        seen = []

        def record(conn, cursor, statement, *args):
            if "SELECT" in statement.upper():
                seen.append(statement)

        with app.app_context():
            engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", record)
        try:
            yield seen
        finally:
            sa.event.remove(engine, "before_cursor_execute", record)

    return counting


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def pytest_configure(config):
    config.addinivalue_line("markers", "no_db_isolation: the test manages its own database")
