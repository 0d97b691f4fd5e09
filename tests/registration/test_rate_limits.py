import pytest

from eventapp import create_app
from eventapp.extensions import db, limiter


@pytest.fixture
def limited_client(database_url):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url, RATELIMIT_ENABLED=True)
    yield app.test_client()
    # The limiter is one object for every app of the process: switch it back off for the rest.
    limiter.reset()
    limiter.enabled = False
    with app.app_context():
        db.engine.dispose()


@pytest.mark.no_db_isolation
def test_registration_and_manage_endpoints_are_rate_limited(limited_client):
    for _ in range(10):
        assert limited_client.post("/events/no-such-event/register", data={}).status_code == 404
    refused = limited_client.post("/events/no-such-event/register?lang=en", data={})
    assert refused.status_code == 429 and "Too many requests" in refused.get_data(as_text=True)
    token = "A" * 26
    for _ in range(10):
        assert limited_client.post(f"/manage/{token}/cancel", data={}).status_code == 404
    assert limited_client.post(f"/manage/{token}/cancel", data={}).status_code == 429
    # Reading pages is not affected by the write limits.
    assert limited_client.get("/privacy").status_code == 200
