"""Finding 16 (second half): the door's name search gives a scanner what admits the person found at
that scanner, not their ticket code.

The attack: a "scan and search" scanner received full ticket codes in its search results, and a
ticket code is a credential beyond the door (the ticket page, joining participation as that person).
"""

from datetime import timedelta
from uuid import uuid4

import pytest

from eventapp.core.time import utcnow
from eventapp.tickets.models import ScannerProfile
from tests.factories import make_event
from tests.tickets.factories import make_registration, make_scanner


def call(client, token, path, payload=None):
    headers = {"Authorization": f"Bearer {token}"}
    if payload is None:
        return client.get(path, headers=headers)
    return client.post(path, json=payload, headers=headers)


@pytest.fixture
def door(app_ctx):
    event = make_event(starts_at=utcnow() - timedelta(hours=1))
    registration, code = make_registration(event, seats=2, name="Findable Person")
    _, searcher = make_scanner(event, "Desk", ScannerProfile.SCAN_AND_SEARCH)
    _, other_searcher = make_scanner(event, "Desk 2", ScannerProfile.SCAN_AND_SEARCH)
    _, scan_only = make_scanner(event, "Door A")
    return registration, code, searcher, other_searcher, scan_only


def test_the_search_holds_no_ticket_code_and_its_handle_admits_at_that_scanner_only(client, door):
    registration, code, searcher, other_searcher, scan_only = door
    found = call(client, searcher, "/api/v1/scanner/search?q=Findable")
    assert found.status_code == 200
    assert code not in found.get_data(as_text=True)
    (person,) = found.get_json()["results"]
    assert "code" not in person and person["d"] == registration.ticket_digest

    # The handle is not a credential: another scanner, even one allowed to search, gets nothing from it,
    # and neither does the ticket page.
    for token in (other_searcher, scan_only):
        refused = call(client, token, "/api/v1/checkin", {"code": person["handle"], "scan_id": uuid4().hex})
        assert refused.get_json()["status"] == "invalid"
    assert client.get(f"/tickets/{person['handle']}").status_code == 404

    scan = {"code": person["handle"], "scan_id": uuid4().hex, "people": 1}
    admitted = call(client, searcher, "/api/v1/checkin", scan).get_json()
    assert (admitted["status"], admitted["people_remaining"]) == ("ok", 1)
    assert registration.checked_in_people == 1
