"""The fingerprint micro-cache behind the feeds' 304 answers."""

from eventapp.core.cache import TTLCache


def test_ttl_cache_reuses_within_ttl_and_recomputes_without_one():
    cache, calls = TTLCache(max_entries=2), []

    def compute():
        calls.append(1)
        return len(calls)

    assert cache.get_or_compute("a", 60, compute) == 1
    assert cache.get_or_compute("a", 60, compute) == 1  # reused
    assert cache.get_or_compute("a", 0, compute) == 2  # ttl 0: always fresh (the tests' setting)
    cache.get_or_compute("b", 60, compute)
    cache.get_or_compute("c", 60, compute)  # evicts "a" (bounded)
    assert cache.get_or_compute("a", 60, compute) == 5
    assert len(cache._entries) == 2


def test_feed_changes_show_at_once_when_ttl_is_zero(app):
    assert app.config["FEED_STATE_TTL"] == 0
