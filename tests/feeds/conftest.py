import pytest

from eventapp.feeds import views
from eventapp.feeds.views import feed_cache
from tests.factories import NOW


@pytest.fixture(autouse=True)
def _feeds_clock_and_cache(monkeypatch):
    """Feeds' windows follow the clock: pin it to NOW. Start each test with an empty feed cache."""
    monkeypatch.setattr(views, "utcnow", lambda: NOW)
    feed_cache.clear()
    yield
    feed_cache.clear()
