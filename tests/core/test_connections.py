"""Pooled PostgreSQL connections that the server closed are replaced before a request uses them."""

import os
import time

import pytest
import sqlalchemy as sa

from eventapp import create_app
from eventapp.extensions import db
from tests.conftest import require


@pytest.fixture
def postgresql_app():
    url = os.environ.get("TEST_POSTGRES_URL", "")
    require(bool(url), "set TEST_POSTGRES_URL to a throwaway PostgreSQL database (.ci/run does)")
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    yield app
    with app.app_context():
        db.engine.dispose()


def _backend_pid(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        return connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()


@pytest.mark.no_db_isolation
def test_a_connection_the_server_ended_is_replaced_at_checkout(postgresql_app):
    with postgresql_app.app_context():
        engine = db.engine
        pooled = _backend_pid(engine)  # back in the pool, idle
        # The server ends it, as a restart or an idle timeout would.
        other = sa.create_engine(engine.url, poolclass=sa.pool.NullPool)
        with other.connect() as connection:
            assert connection.exec_driver_sql(f"SELECT pg_terminate_backend({pooled})").scalar_one()
        other.dispose()
        time.sleep(0.2)  # the server's goodbye reaches the idle socket

        # Without the check this first use fails (OperationalError: the connection is closed).
        assert _backend_pid(engine) != pooled


@pytest.mark.no_db_isolation
def test_a_healthy_pooled_connection_is_kept_and_not_pinged(postgresql_app):
    with postgresql_app.app_context():
        engine = db.engine
        pooled = _backend_pid(engine)
        assert engine.pool._pre_ping is False  # the liveness check costs no round trip
        assert _backend_pid(engine) == pooled
