"""A small in-process cache of built responses (calendar feeds, catalogue pages), keyed by ETag.

The ETag is computed from the data the body is built from (e.g. feeds.queries.FeedState), so an
entry never goes stale: a change gives another key. Bounded, so the memory a worker spends on it is too.
"""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

MAX_ENTRIES = 64
MAX_BODY = 2 * 1024 * 1024  # bytes; larger bodies are built each time rather than held

T = TypeVar("T")
Body = TypeVar("Body", bytes, str)


class BuildCache(Generic[Body]):
    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._entries: OrderedDict[str, Body] = OrderedDict()
        self._lock = threading.Lock()
        self.max_entries = max_entries
        self.builds = 0  # how many bodies were built (tests and benchmarks read it)

    def get_or_build(self, key: str, build: Callable[[], Body]) -> Body:
        with self._lock:
            body = self._entries.get(key)
            if body is not None:
                self._entries.move_to_end(key)
                return body
        body = build()  # outside the lock: two workers threads may build the same feed once each
        with self._lock:
            self.builds += 1
            if len(body) <= MAX_BODY:
                self._entries[key] = body
                self._entries.move_to_end(key)
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
        return body

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class TTLCache(Generic[T]):
    """Values computed at most once every `ttl` seconds per key, per process (for cheap-but-not-free
    fingerprints polled far more often than they change). ttl=0 computes every time."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._entries: OrderedDict[str, tuple[float, T]] = OrderedDict()
        self._lock = threading.Lock()
        self.max_entries = max_entries

    def get_or_compute(self, key: str, ttl: float, compute: Callable[[], T]) -> T:
        if ttl <= 0:
            return compute()
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and now - entry[0] < ttl:
                return entry[1]
        value = compute()
        with self._lock:
            self._entries[key] = (now, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value

    def discard(self, key: str) -> None:
        """Forget `key` now (its source changed in this process); other processes wait out the ttl."""
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
