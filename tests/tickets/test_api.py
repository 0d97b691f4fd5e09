from datetime import timedelta
from uuid import uuid4

import pytest
import sqlalchemy as sa

from eventapp.core.time import utcnow
from eventapp.extensions import db
from eventapp.registration.models import RegistrationStatus
from eventapp.tickets.models import ScanAttempt, ScannerProfile
from eventapp.tickets.qr import qr_png, qr_svg, qr_version
from eventapp.tickets.scanners import revoke_scanner
from tests.factories import make_event, make_session
from tests.tickets.factories import make_registration, make_scanner
from tests.tickets.qrdecode import decode_png, decode_svg


@pytest.fixture
def door(app_ctx):
    """An event under way now (the API uses the real clock), with a paired scanner."""
    event = make_event(starts_at=utcnow() - timedelta(hours=1), slug="tonight")
    scanner, token = make_scanner(event)
    return event, scanner, token


def post(client, token, payload, path="/api/v1/checkin"):
    return client.post(path, json=payload, headers={"Authorization": f"Bearer {token}"})


def scan(client, token, code, **extra):
    response = post(client, token, {"code": code, "scan_id": extra.pop("scan_id", uuid4().hex), **extra})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


@pytest.mark.parametrize("kind", ["png", "svg"])
def test_decoded_ticket_is_admitted_once(client, door, kind):
    event, _, token = door
    session = make_session(event)
    _, code = make_registration(event, sessions=[session])
    assert qr_version(code) <= 4
    decoded = decode_png(qr_png(code)) if kind == "png" else decode_svg(qr_svg(code))
    assert decoded == [(code, "QRCode")]
    text = decoded[0][0]
    first = scan(client, token, text)
    assert first["status"] == "ok" and first["people"] == 1 and first["people_remaining"] == 0
    assert first["sessions"][0]["title"] == session.title_fr
    second = scan(client, token, text)
    assert second["status"] == "already_checked_in"
    assert second["previous"]["gate"] == "Door A"
    changed = text[:-1] + ("A" if text[-1] != "A" else "B")
    assert scan(client, token, changed)["status"] == "invalid"


def test_other_event_cancelled_and_retried_scan_id(client, door):
    event, _, token = door
    other = make_event(starts_at=event.starts_at, title_en="Other night")
    _, other_code = make_registration(other)
    wrong = scan(client, token, other_code, lang="en")
    assert wrong["status"] == "wrong_event" and wrong["other_event"]["slug"] == other.slug
    _, cancelled = make_registration(event, status=RegistrationStatus.CANCELLED)
    assert scan(client, token, cancelled)["status"] == "cancelled"
    registration, code = make_registration(event, seats=4)
    scan_id = uuid4().hex
    first = scan(client, token, code, scan_id=scan_id, people=2)
    again = scan(client, token, code, scan_id=scan_id, people=2)
    assert (first["status"], first["people"]) == (again["status"], again["people"]) == ("ok", 2)
    assert again["replayed"] is True
    assert registration.checked_in_people == 2


def test_names_only_for_search_profiles(client, door):
    event, _, token = door
    registration, code = make_registration(event, seats=2)
    assert "name" not in scan(client, token, code, people=1)
    _, search_token = make_scanner(event, "Desk", ScannerProfile.SCAN_AND_SEARCH)
    assert scan(client, search_token, code, people=1)["name"] == registration.name
    found = post_get(client, search_token, f"/api/v1/scanner/search?q={registration.name[:4]}")
    assert found.status_code == 200 and found.get_json()["results"][0]["d"] == registration.ticket_digest
    assert post_get(client, token, "/api/v1/scanner/search?q=Pers").status_code == 403


def post_get(client, token, path):
    return client.get(path, headers={"Authorization": f"Bearer {token}"})


def test_missing_unknown_or_revoked_token_is_refused(client, door):
    _, scanner, token = door
    assert client.post("/api/v1/checkin", json={"code": "x", "scan_id": uuid4().hex}).status_code == 403
    assert post(client, "nope", {"code": "x", "scan_id": uuid4().hex}).status_code == 403
    revoke_scanner(None, scanner, now=utcnow())
    response = post(client, token, {"code": "x", "scan_id": uuid4().hex})
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "scanner_unauthorised"


@pytest.mark.parametrize(
    "payload",
    [
        {"scan_id": "abcdefgh1"},
        {"code": "EA1-X", "scan_id": "short"},
        {"code": "EA1-X", "scan_id": "abcdefgh1", "people": 0},
        {"code": "EA1-X", "scan_id": "abcdefgh1", "people": "2"},
        {"code": "EA1-X", "scan_id": "abcdefgh1", "scanned_at": "yesterday"},
        {"code": "EA1-X", "scan_id": "abcdefgh1", "scanned_at": "2027-03-01T10:00:00"},
        ["not", "an", "object"],
    ],
)
def test_malformed_requests_are_json_errors(client, door, payload):
    _, _, token = door
    response = post(client, token, payload)
    assert response.status_code in (400, 422)
    assert "code" in response.get_json()["error"]


def test_snapshot_batch_and_duplicates(client, door):
    event, _, token = door
    registration, code = make_registration(event)
    snapshot = post_get(client, token, "/api/v1/scanner/snapshot").get_json()
    assert snapshot["event"]["slug"] == event.slug
    assert snapshot["tickets"][0]["d"] == registration.ticket_digest
    assert code not in str(snapshot) and registration.email not in str(snapshot)
    _, door_b = make_scanner(event, "Door B")
    online = scan(client, door_b, code)
    assert online["status"] == "ok"
    earlier = (utcnow() - timedelta(minutes=10)).isoformat()
    later = (utcnow() - timedelta(minutes=1)).isoformat()
    _, refused_code = make_registration(event)
    batch = post(
        client,
        token,
        {
            "scans": [
                {"code": code, "scan_id": "offline-0001", "scanned_at": later},
                {"code": code, "scan_id": "offline-0002", "scanned_at": earlier},
                {"code": refused_code, "scan_id": "offline-0003", "scanned_at": later, "verdict": "invalid"},
                {"code": code, "scan_id": "bad"},
            ]
        },
        path="/api/v1/checkin/batch",
    ).get_json()["results"]
    by_id = {r["scan_id"]: r for r in batch}
    # The earliest scan (offline, Door A) keeps the admission; both others were duplicates.
    assert by_id["offline-0002"]["status"] == "ok"
    assert by_id["offline-0001"]["status"] == "already_checked_in"
    assert by_id["offline-0001"]["duplicate_discovered"] is True
    assert by_id["offline-0003"]["status"] == "invalid"
    assert "error" in by_id["bad"]
    status = post_get(client, token, "/api/v1/scanner/status").get_json()
    assert status["counts"]["checked_in"] == 1 and status["counts"]["gates"] == {"Door A": 1}
    assert {d["scan_id"] for d in status["duplicates"]} == {"offline-0001", online["scan_id"]}


def test_supervisor_undo(client, door):
    event, _, token = door
    registration, code = make_registration(event)
    admitted = scan(client, token, code)
    assert post(client, token, {"scan_id": admitted["scan_id"]}, "/api/v1/checkin/undo").status_code == 403
    _, supervisor = make_scanner(event, "Desk", ScannerProfile.SUPERVISOR)
    undone = post(client, supervisor, {"scan_id": admitted["scan_id"]}, "/api/v1/checkin/undo")
    assert undone.status_code == 200 and undone.get_json()["people_remaining"] == 1
    assert registration.checked_in_people == 0


def test_openapi_describes_the_door(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/api/v1/checkin", "/api/v1/checkin/batch", "/api/v1/scanner/snapshot"} <= set(paths)


@pytest.mark.parametrize("scanned_at", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "2026-11-27T10:00"])
def test_a_scan_time_without_offset_or_beyond_the_calendar_is_refused_and_logs_nothing(client, door, scanned_at):
    event, _, token = door
    _, code = make_registration(event)
    single = post(client, token, {"code": code, "scan_id": uuid4().hex, "scanned_at": scanned_at})
    assert single.status_code == 400 and single.get_json()["error"]["code"] == "invalid_scanned_at"
    scans = [
        {"code": code, "scan_id": uuid4().hex, "scanned_at": scanned_at, "verdict": verdict}
        for verdict in ("ok", "invalid")
    ]
    batch = post(client, token, {"scans": scans}, path="/api/v1/checkin/batch")
    assert batch.status_code == 200
    assert [r["error"]["code"] for r in batch.get_json()["results"]] == ["invalid_scanned_at"] * 2
    assert db.session.scalar(sa.select(sa.func.count(ScanAttempt.id)).where(ScanAttempt.event_id == event.id)) == 0


@pytest.mark.parametrize("scanned_at", ["0001-01-01T00:00:00Z", "1970-01-01T00:00:00+00:00", "2424-01-01T09:00+01:00"])
def test_a_phone_clock_decades_off_gets_its_scan_judged_on_arrival(client, door, scanned_at):
    # Found by the OpenAPI fuzz test: year 1 in UTC has no door day (05:00 in Brussels the day before).
    event, _, token = door
    _, code = make_registration(event)
    scan_id = uuid4().hex
    batch = post(
        client,
        token,
        {"scans": [{"code": code, "scan_id": scan_id, "scanned_at": scanned_at}]},
        path="/api/v1/checkin/batch",
    )
    assert batch.status_code == 200 and batch.get_json()["results"][0]["status"] == "ok"
    attempt = db.session.scalar(sa.select(ScanAttempt).where(ScanAttempt.scan_id == scan_id))
    assert attempt.offline and abs(attempt.scanned_at - utcnow()) < timedelta(minutes=1)


@pytest.mark.parametrize("verdict", [{"a": 1}, ["ok"], 3, "admitted"])
def test_a_malformed_offline_verdict_is_refused_alone(client, door, verdict):
    event, _, token = door
    _, bad_code = make_registration(event)
    _, good_code = make_registration(event)
    bad, good = uuid4().hex, uuid4().hex
    scans = [
        {"code": bad_code, "scan_id": bad, "scanned_at": utcnow().isoformat(), "verdict": verdict},
        {"code": good_code, "scan_id": good, "scanned_at": utcnow().isoformat(), "verdict": "ok"},
    ]
    batch = post(client, token, {"scans": scans}, path="/api/v1/checkin/batch")
    assert batch.status_code == 200
    by_id = {r["scan_id"]: r for r in batch.get_json()["results"]}
    assert by_id[bad]["error"]["code"] == "invalid_verdict"
    assert by_id[good]["status"] == "ok"


def test_the_scanner_key_names_the_scanner_across_pairings(client, door):
    from eventapp.tickets.scanners import pair_scanner, renew_pairing

    event, scanner, token = door
    first = client.get("/api/v1/scanner/status", headers={"Authorization": f"Bearer {token}"}).get_json()
    key = first["scanner"]["key"]
    new_token = pair_scanner(renew_pairing(None, scanner, now=utcnow()), now=utcnow())[1]
    db.session.commit()
    again = client.get("/api/v1/scanner/snapshot", headers={"Authorization": f"Bearer {new_token}"}).get_json()
    assert again["scanner"]["key"] == key
    _, other_token = make_scanner(event, name="Door B")
    other = client.get("/api/v1/scanner/status", headers={"Authorization": f"Bearer {other_token}"}).get_json()
    assert other["scanner"]["key"] != key and str(scanner.id) not in key
