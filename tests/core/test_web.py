import json
import urllib.request

import pytest

from tests.live_server import LiveServer, fresh_database


def test_healthz_and_readyz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client.get("/readyz").get_json()["database"] == "up"


def test_security_headers_on_pages(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.slow
@pytest.mark.no_db_isolation
def test_live_server_serves_the_catalogue(tmp_path):
    url = fresh_database("sqlite", tmp_path)
    with LiveServer(url, workers=2) as server, urllib.request.urlopen(f"{server.url}/api/v1/events") as response:
        assert json.load(response)["total"] == 0
