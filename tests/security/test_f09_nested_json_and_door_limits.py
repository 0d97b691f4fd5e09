"""Finding 9: malformed JSON of any shape gets a 400 with a message, and the door endpoints are rate
limited per device.

The attack: `[[[[…]]]]` 3,000 levels deep, posted to the door API, raised RecursionError: a 500 and a
traceback in the logs for every request, and nothing limited how many.
"""

import logging

import pytest

from eventapp import create_app
from eventapp.extensions import db, limiter
from tests.factories import make_event
from tests.tickets.factories import make_scanner

DOOR_ENDPOINTS = ("/api/v1/checkin", "/api/v1/checkin/batch", "/api/v1/checkin/undo")
DEEP = "[" * 3000 + "]" * 3000
PER_PHONE = 240  # a minute: tickets.api.DOOR_LIMIT


@pytest.fixture
def door_token(app_ctx):
    _, token = make_scanner(make_event())
    db.session.commit()
    return token


@pytest.mark.parametrize("body", [DEEP, '{"scans": ' + DEEP + "}", '{"a": ' + '{"a": ' * 3000 + "1" + "}" * 3001])
def test_deeply_nested_json_is_a_400_with_a_message(client, door_token, caplog, body):
    for path in DOOR_ENDPOINTS:
        with caplog.at_level(logging.ERROR):
            response = client.post(
                path, data=body, content_type="application/json", headers={"Authorization": f"Bearer {door_token}"}
            )
        assert response.status_code == 400, path
        assert response.get_json()["error"]["message"], path
    assert "Traceback" not in caplog.text and "unhandled error" not in caplog.text


@pytest.mark.parametrize("depth", [500, 700, 800, 850, 900, 950])
def test_a_nested_structure_in_place_of_a_scan_id_is_refused_alone(client, door_token, depth):
    # Deep enough to parse but, with the answer's own nesting, too deep to serialise back.
    body = '{"scans": [{"code": "x", "scan_id": ' + "[" * depth + "]" * depth + "}]}"
    response = client.post(
        "/api/v1/checkin/batch",
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {door_token}"},
    )
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert response.get_json()["results"][0]["error"]["code"] == "invalid_scan_id"


@pytest.fixture
def limited_client(app, database_url):
    limited = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url, RATELIMIT_ENABLED=True)
    yield limited.test_client()
    limiter.reset()  # one limiter for every app of the process: switch it back off for the rest
    limiter.enabled = False
    with limited.app_context():
        db.engine.dispose()


@pytest.mark.no_db_isolation
def test_the_door_endpoints_are_limited_per_device(limited_client):
    phone = {"Authorization": "Bearer phone-a-token-not-paired"}
    for _ in range(PER_PHONE):
        assert (
            limited_client.post(
                "/api/v1/checkin", data=DEEP, content_type="application/json", headers=phone
            ).status_code
            == 400
        )
    refused = limited_client.post("/api/v1/checkin", json={}, headers=phone)
    assert refused.status_code == 429 and refused.is_json
    # Another phone on the same network (the venue's Wi-Fi) still scans.
    other = {"Authorization": "Bearer phone-b-token-not-paired"}
    assert limited_client.post("/api/v1/checkin", json={}, headers=other).status_code == 400
