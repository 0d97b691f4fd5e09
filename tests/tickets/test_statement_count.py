"""The statements a scan sends to the database, counted through the real endpoint (issue 20): the door
is the busiest request at a crowded event, and each statement is a round trip on PostgreSQL.

Counted with SQLAlchemy's `before_cursor_execute`, on a database of its own (the suite's savepoint per
test would add statements of its own), with the scanner snapshot as in production (SCANNER_CACHE_TTL
of 5 s). SQLite's BEGIN IMMEDIATE is a statement the app sends, so it counts; psycopg starts
PostgreSQL's transaction itself, so there it does not show.
"""

from datetime import timedelta
from uuid import uuid4

import pytest
import sqlalchemy as sa

from eventapp.core.time import utcnow
from eventapp.extensions import db
from eventapp.tickets.models import CheckIn, ScanAttempt
from tests.factories import make_event
from tests.live_server import app_for, fresh_database
from tests.tickets.factories import make_registration, make_scanner

# At most, per scan, the scanner's authentication included. Issue 20 asks for 2 on PostgreSQL and 3 on
# SQLite. SQLite has no data-modifying CTEs: a valid scan writes three tables (the scan's log row,
# the registration's count, the check-in), so three statements after its BEGIN IMMEDIATE; only
# triggers (a second copy of the admission rule, in the schema) would take it lower.
LIMITS = {"postgresql": {"ok": 2, "already_checked_in": 1}, "sqlite": {"ok": 4, "already_checked_in": 2}}


@pytest.mark.no_db_isolation
@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_a_valid_and_a_duplicate_scan_send_two_statements_at_most_on_postgresql(tmp_path, kind):
    app = app_for(fresh_database(kind, tmp_path), SCANNER_CACHE_TTL=5)
    with app.app_context():
        event = make_event(starts_at=utcnow() - timedelta(hours=1))
        _, token = make_scanner(event)
        codes = [make_registration(event)[1] for _ in range(3)]
        db.session.commit()
        engine = db.engine
    client = app.test_client()

    def scan(code: str) -> tuple[str, list[str]]:
        statements: list[str] = []

        def record(conn, cursor, statement, *args):
            statements.append(statement)

        sa.event.listen(engine, "before_cursor_execute", record)
        try:
            response = client.post(
                "/api/v1/checkin",
                json={"code": code, "scan_id": uuid4().hex},
                headers={"Authorization": f"Bearer {token}"},
            )
        finally:
            sa.event.remove(engine, "before_cursor_execute", record)
        assert response.status_code == 200, response.get_json()
        return response.get_json()["status"], statements

    # The first scan of a worker loads the scanner and its event (then kept for SCANNER_CACHE_TTL).
    status, first = scan(codes[0])
    assert status == "ok"
    assert any("FROM scanners" in s for s in first)

    status, valid = scan(codes[1])
    assert status == "ok"
    assert len(valid) <= LIMITS[kind]["ok"], valid
    assert not any("scanners" in s for s in valid)  # the device token cost no round trip

    status, duplicate = scan(codes[1])
    assert status == "already_checked_in"
    assert len(duplicate) <= LIMITS[kind]["already_checked_in"], duplicate

    with app.app_context():  # what was counted did the whole job: logged every scan, admitted two
        assert db.session.scalar(sa.select(sa.func.count(ScanAttempt.id))) == 3
        assert db.session.scalar(sa.select(sa.func.count(CheckIn.id))) == 2
        db.session.remove()
        db.engine.dispose()
