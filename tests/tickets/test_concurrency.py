"""The same ticket at several gates at once, across gunicorn worker processes or connections: admitted exactly once."""

import json
import threading
import time
import urllib.request
from datetime import datetime, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest

from eventapp.core.db import transaction
from eventapp.core.time import utcnow
from eventapp.extensions import db
from eventapp.tickets.checkin import check_in
from eventapp.tickets.models import CheckIn, ScanAttempt, Scanner, ScanResult
from tests.factories import make_event
from tests.live_server import LiveServer, app_for, fresh_database
from tests.tickets.factories import KEY, make_registration, make_scanner

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


@pytest.mark.no_db_isolation
@pytest.mark.postgres
def test_two_late_uploads_of_an_earlier_days_scan_admit_the_ticket_once(tmp_path):
    """Two phones back online at once upload Friday's offline scan of a ticket admitted since on
    Saturday: no single UPDATE decides for Friday, so the row lock must."""
    url = fresh_database("postgresql", tmp_path)
    app = app_for(url)
    friday = datetime(2027, 3, 5, 9, 0, tzinfo=ZoneInfo("Europe/Brussels"))
    saturday = friday + timedelta(days=1)
    with app.app_context():
        event = make_event(starts_at=friday, hours=32)
        door_a, door_b = make_scanner(event, "Door A")[0], make_scanner(event, "Door B")[0]
        _, code = make_registration(event, seats=1)
        with transaction():
            check_in(code, scanner=door_a, scan_id=uuid4().hex, key=KEY, now=saturday)
        scanner_ids = {"a": door_a.id, "b": door_b.id}
        db.session.remove()

    first_judged, release = threading.Event(), threading.Event()
    results: dict[str, ScanResult] = {}
    errors: list[BaseException] = []

    def upload(name: str) -> None:
        try:
            with app.app_context():
                scanner = db.session.get(Scanner, scanner_ids[name])
                with transaction():
                    result = check_in(
                        code,
                        scanner=scanner,
                        scan_id=uuid4().hex,
                        scanned_at=friday + timedelta(hours=1),
                        key=KEY,
                        now=saturday + timedelta(hours=2),
                    )
                    results[name] = result.status
                    if name == "a":  # holds its transaction open while b judges the same ticket
                        first_judged.set()
                        release.wait(10)
                db.session.remove()
        except BaseException as error:  # reported below
            errors.append(error)
            first_judged.set()

    first = threading.Thread(target=upload, args=("a",))
    first.start()
    first_judged.wait(10)
    second = threading.Thread(target=upload, args=("b",))
    second.start()
    time.sleep(0.5)  # b reads Friday's admissions while a has not committed
    release.set()
    first.join()
    second.join()

    assert errors == []
    assert sorted(results.values()) == [ScanResult.ALREADY_CHECKED_IN, ScanResult.OK]
    with app.app_context():
        friday_admissions = db.session.scalar(
            db.select(db.func.count(CheckIn.id)).where(CheckIn.scanned_at < saturday, CheckIn.undone_at.is_(None))
        )
        assert friday_admissions == 1
        db.session.remove()
        db.engine.dispose()
