import re

from eventapp.extensions import db
from eventapp.tickets.models import Scanner
from tests.factories import make_event


def test_create_list_revoke(runner, app_ctx):
    event = make_event(slug="cli-night")
    result = runner.invoke(args=["scanners", "create", "cli-night", "--name", "Door A"])
    assert result.exit_code == 0, result.output
    assert re.search(r"http://events\.test/scan/pair/[\w-]{20,}", result.output)
    result = runner.invoke(
        args=["scanners", "create", "cli-night", "--name", "Desk", "--profile", "supervisor", "--token"]
    )
    assert result.exit_code == 0 and "Device token" in result.output
    scanners = db.session.scalars(db.select(Scanner).where(Scanner.event_id == event.id).order_by(Scanner.id)).all()
    assert [s.name for s in scanners] == ["Door A", "Desk"]
    assert scanners[1].token_digest and scanners[0].pairing_digest
    listing = runner.invoke(args=["scanners", "list", "cli-night"]).output
    assert "Door A" in listing and "waiting for pairing" in listing and "supervisor" in listing
    assert runner.invoke(args=["scanners", "revoke", str(scanners[1].id)]).exit_code == 0
    db.session.refresh(scanners[1])
    assert scanners[1].revoked_at is not None and scanners[1].token_digest is None


def test_unknown_event_or_scanner(runner, app_ctx):
    assert runner.invoke(args=["scanners", "create", "nope", "--name", "A"]).exit_code != 0
    assert runner.invoke(args=["scanners", "revoke", "999999"]).exit_code != 0


def test_a_second_gate_of_the_same_name_is_refused_unless_asked(runner, app_ctx):
    event = make_event(slug="cli-gates")
    assert runner.invoke(args=["scanners", "create", "cli-gates", "--name", "Door A"]).exit_code == 0
    again = runner.invoke(args=["scanners", "create", "cli-gates", "--name", "door a "])
    assert again.exit_code != 0
    assert "already exists" in again.output and "--same-name" in again.output

    def names():
        return db.session.scalars(db.select(Scanner.name).where(Scanner.event_id == event.id)).all()

    assert names() == ["Door A"]
    asked = runner.invoke(args=["scanners", "create", "cli-gates", "--name", "Door A", "--same-name"])
    assert asked.exit_code == 0, asked.output
    assert names() == ["Door A", "Door A"]


def test_a_revoked_gate_leaves_its_name_free(runner, app_ctx):
    event = make_event(slug="cli-lost-phone")
    assert runner.invoke(args=["scanners", "create", "cli-lost-phone", "--name", "Door A"]).exit_code == 0
    lost = db.session.scalar(db.select(Scanner).where(Scanner.event_id == event.id))
    assert runner.invoke(args=["scanners", "revoke", str(lost.id)]).exit_code == 0
    result = runner.invoke(args=["scanners", "create", "cli-lost-phone", "--name", "Door A"])
    assert result.exit_code == 0, result.output
