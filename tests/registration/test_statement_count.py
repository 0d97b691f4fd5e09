"""The statements a sign-up sends to the database, counted through the real endpoint (issue 20): the
registration rush serialises sign-ups on the event row, so every statement inside that lock is
time nobody else can sign up, and each one is a round trip on PostgreSQL.

Counted with SQLAlchemy's `before_cursor_execute`, on a database of its own (the suite's savepoint per
test would add statements of its own). SQLite's BEGIN and BEGIN IMMEDIATE are statements the app sends,
so they count; psycopg starts PostgreSQL's transaction itself, so there they do not show.
"""

import pytest
import sqlalchemy as sa

from eventapp.core.outbox import OutboxMessage
from eventapp.extensions import db
from eventapp.registration.models import Registration
from tests.factories import make_event
from tests.live_server import app_for, fresh_database

# What a sign-up sends, in order (bench/README.md, "Registration rush"): the event and its sessions
# read for the form; then, in the write transaction, the event lock (UPDATE … RETURNING the event), the
# registration's INSERT in a savepoint (the unique index tells an address already registered), the
# network and mailbox limits in one SELECT, the seat counter's UPDATE, the recipient's hourly count
# and the outbox row. Its email is rendered later, by the outbox worker: no venue read, no template.
LIMITS = {"sqlite": 12, "postgresql": 10}  # SQLite: + BEGIN (the read) and BEGIN IMMEDIATE (the write)


@pytest.mark.no_db_isolation
@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_a_sign_up_sends_a_bounded_number_of_statements(tmp_path, kind):
    app = app_for(fresh_database(kind, tmp_path))
    with app.app_context():
        slug = make_event(capacity=10).slug
        db.session.commit()
        engine = db.engine
    client = app.test_client()

    def sign_up(n: int) -> list[str]:
        statements: list[str] = []

        def record(conn, cursor, statement, *args):
            statements.append(statement)

        sa.event.listen(engine, "before_cursor_execute", record)
        try:
            response = client.post(
                f"/events/{slug}/register",
                data={
                    "name": f"Rush {n}",
                    "email": f"rush-{n}@example.org",
                    "language": "fr",
                    "seats": "1",
                    "consent": "y",
                },
            )
        finally:
            sa.event.remove(engine, "before_cursor_execute", record)
        assert response.status_code == 303
        return statements

    sign_up(0)  # the first request of a process fills caches (compiled statements, the privacy version)
    statements = sign_up(1)
    assert len(statements) <= LIMITS[kind], "\n".join(statements)
    assert not any("FROM venues" in s for s in statements)  # the email is not rendered in the request

    with app.app_context():  # what was counted did the whole job: two registrations, two emails to send
        assert db.session.scalar(sa.select(sa.func.count(Registration.id))) == 2
        assert db.session.scalars(sa.select(OutboxMessage.render_from)).all() == ["registration.email"] * 2
        db.session.remove()
        db.engine.dispose()
