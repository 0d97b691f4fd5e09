"""A revoked scanner is refused within SCANNER_CACHE_TTL (5 s) by every worker of every instance,
although each worker answers scans from a snapshot of the scanner (issue 20: no round trip per scan
for the device token)."""

import json
import time
import urllib.error
import urllib.request
from datetime import timedelta
from uuid import uuid4

import pytest

from eventapp.core.time import utcnow
from eventapp.extensions import db
from eventapp.tickets.models import Scanner
from eventapp.tickets.scanners import revoke_scanner
from tests.factories import make_event
from tests.live_server import LiveServer, app_for, fresh_database
from tests.tickets.factories import make_registration, make_scanner

TTL = 5.0


def scan(url: str, token: str, code: str) -> int:
    request = urllib.request.Request(
        f"{url}/api/v1/checkin",
        data=json.dumps({"code": code, "scan_id": uuid4().hex}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.slow
@pytest.mark.no_db_isolation
@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_a_revoked_scanner_is_refused_within_five_seconds_on_every_worker_and_instance(tmp_path, kind):
    url = fresh_database(kind, tmp_path)
    app = app_for(url)
    with app.app_context():
        event = make_event(starts_at=utcnow() - timedelta(hours=1))
        scanner, token = make_scanner(event)
        scanner_id = scanner.id
        _, code = make_registration(event)
        db.session.commit()
        db.session.remove()

    env = {"TEST_SCANNER_CACHE_TTL": str(TTL)}
    # A generous start: two instances booting on a busy shared machine.
    with (
        LiveServer(url, workers=2, env=env, start_timeout=120) as one,
        LiveServer(url, workers=2, env=env, start_timeout=120) as two,
    ):
        # Every worker takes its snapshot of the scanner (many scans, spread by the kernel).
        for i in range(40):
            assert scan((one, two)[i % 2].url, token, code) == 200
        with app.app_context():
            revoke_scanner(None, db.session.get_one(Scanner, scanner_id), now=utcnow())
            db.session.commit()
            db.session.remove()
        revoked = time.monotonic()
        answers = []  # (seconds after the revocation the scan was sent, status)
        while (sent := time.monotonic() - revoked) < TTL + 2:
            answers.extend((sent, scan(server.url, token, code)) for server in (one, two))
            time.sleep(0.05)

    late = [status for sent, status in answers if sent > TTL]
    assert len(late) >= 8 and set(late) == {403}, answers
    # The snapshot is in use: a worker kept answering from it for a while after the revocation.
    assert any(status == 200 for _, status in answers), answers
    with app.app_context():
        db.engine.dispose()
