"""The same ticket at several gates at once, across gunicorn worker processes: admitted exactly once."""

import json
import threading
import urllib.request
from datetime import timedelta
from uuid import uuid4

import pytest

from eventapp.core.time import utcnow
from eventapp.extensions import db
from eventapp.tickets.models import CheckIn, ScanAttempt
from tests.factories import make_event
from tests.live_server import LiveServer, app_for, fresh_database
from tests.tickets.factories import make_registration, make_scanner

THREADS = 24


def post(url: str, token: str, payload: dict) -> dict:
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


@pytest.mark.slow
@pytest.mark.no_db_isolation
@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_same_ticket_at_many_gates_is_admitted_once(tmp_path, kind):
    url = fresh_database(kind, tmp_path)
    app = app_for(url)
    with app.app_context():
        event = make_event(starts_at=utcnow() - timedelta(hours=1))
        tokens = [make_scanner(event, f"Door {gate}")[1] for gate in "ABC"]
        registration, code = make_registration(event, seats=1)
        registration_id = registration.id
        db.session.commit()
        db.session.remove()
        db.engine.dispose()

    results: list[dict] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(THREADS)

    with LiveServer(url, workers=3) as server:

        def scan(i: int) -> None:
            try:
                barrier.wait()
                payload = {"code": code, "scan_id": uuid4().hex}
                results.append(post(f"{server.url}/api/v1/checkin", tokens[i % 3], payload))
            except BaseException as error:  # reported below
                errors.append(error)

        threads = [threading.Thread(target=scan, args=(i,)) for i in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert errors == []
    statuses = sorted(r["status"] for r in results)
    assert statuses.count("ok") == 1, statuses
    assert statuses.count("already_checked_in") == THREADS - 1
    with app.app_context():
        assert db.session.get(type(registration), registration_id).checked_in_people == 1
        assert db.session.scalar(db.select(db.func.count(CheckIn.id))) == 1
        assert db.session.scalar(db.select(db.func.count(ScanAttempt.id))) == THREADS
        db.session.remove()
        db.engine.dispose()
