"""The mailbox key that the per-mailbox limit reads through its index (issue 20, hot paths)."""

import pytest

from eventapp.extensions import db
from eventapp.registration import services
from eventapp.registration.models import Registration, mailbox_of
from tests.factories import make_event


def test_the_key_is_the_address_without_its_plus_tag():
    assert mailbox_of("ana+1@example.org") == "ana@example.org"
    assert mailbox_of("ana+a+b@example.org") == "ana@example.org"
    assert mailbox_of("ana@example.org") == "ana@example.org"
    assert mailbox_of("") == ""  # anonymised


def test_the_key_follows_the_address():
    registration = Registration(email="ana+club@example.org")
    assert registration.mailbox == "ana@example.org"
    registration.email = "bo@example.org"
    assert registration.mailbox == "bo@example.org"
    registration.email = ""
    assert registration.mailbox == ""


def test_the_limits_read_only_the_rows_of_the_mailbox_and_the_network(app_ctx, selects):
    """Each sum through its index, never the event's registrations one by one (a sign-up would slow
    down as the event fills, inside the event lock)."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's; PostgreSQL's plan depends on the table's statistics")
    event = make_event()
    registration = Registration(email="ana+1@example.org", seats=1)
    with selects() as seen:
        services._check_public_limits(event, registration, services.PublicSender("n" * 64, 40))
    [statement] = seen
    explain = db.session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", (None,) * statement.count("?"))
    plan = " / ".join(row[3] for row in explain)
    assert "ix_registrations_network (event_id=? AND network_digest=?)" in plan
    assert "ix_registrations_mailbox (event_id=? AND mailbox=?)" in plan
    assert "SCAN registrations" not in plan
