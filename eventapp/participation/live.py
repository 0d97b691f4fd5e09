"""Live delivery: every phone and the room's screen follow the session within two seconds.

How it works (and why not server-sent events or websockets): each room carries a version number that
goes up in the same transaction as every change a phone or the projector shows (`changed`). Devices
poll `…/live` every 1.5 s with the version they hold as an ETag. When nothing changed the answer is a
304 that costs one indexed read of one integer — and not even that within `ttl` seconds, where the
worker answers from its own copy of the version. When something changed, the answer is the page's
HTML fragment for the new version, rendered once per worker, version, language and channel and then
served to every phone from memory, compressed once too: the phone's own state (what it supported, what
it answered, its form token) stays in the page it loaded and its script applies it. Within a new
version only the cards whose counts or status changed are rendered again (`card`): while a room sends
ideas and supports, a version is a new card or one count.

This runs unchanged behind nginx on any number of gunicorn instances (sync workers, short requests;
nothing held open, so 1,000 phones do not hold 1,000 workers): the database is the one source of
truth for the version, committed with the change itself, so no message can be lost between instances,
and Redis is not needed. Short polls are also what a venue's Wi-Fi and a phone waking from sleep
cope with best: the next poll simply catches up.
"""

import gzip
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import NamedTuple
from uuid import UUID

import sqlalchemy as sa

from eventapp.events.models import Event, Session
from eventapp.events.queries import PUBLIC_STATUSES
from eventapp.extensions import db
from eventapp.participation.models import Room

POLL_INTERVAL_MS = 1500  # the phone page's polls (the projector's: every second, projector.js)


def changed(session_id: int) -> None:
    """Bump the room's version in the caller's transaction (flushes nothing else, commits nothing)."""
    db.session.execute(sa.update(Room).where(Room.session_id == session_id).values(version=Room.version + 1))


# ---------------------------------------------------------------------------- per-worker caches

_lock = threading.Lock()
_versions: dict[tuple[str, bool], tuple[float, int | None]] = {}
_fragments: OrderedDict = OrderedDict()
FRAGMENTS_KEPT = 64
_cards: OrderedDict = OrderedDict()
# Two boards' top 50 cards in three languages and a few channels, with room for their recent states.
CARDS_KEPT = 2048


def room_version(session_uuid: str, *, public: bool, ttl: float) -> int | None:
    """The room's version for a session UUID (0 before it has a room), or None when there is no such session.

    Read from the database at most once per `ttl` seconds per worker: with 1,000 phones each polling,
    the database sees a few reads a second instead of hundreds.
    """
    key = (session_uuid, public)
    now = time.monotonic()
    cached = _versions.get(key)
    if cached is not None and cached[0] > now:
        return cached[1]
    try:
        wanted = UUID(session_uuid)
    except ValueError:
        return None
    query = (
        sa.select(sa.func.coalesce(Room.version, 0))
        .select_from(Session)
        .outerjoin(Room, Room.session_id == Session.id)
        .where(Session.uuid == wanted)
    )
    if public:
        query = query.join(Event, Event.id == Session.event_id).where(Event.status.in_(PUBLIC_STATUSES))
    version = db.session.scalar(query)
    if ttl > 0:
        with _lock:
            if len(_versions) > 4096:  # unknown UUIDs must not grow it without bound
                _versions.clear()
            _versions[key] = (now + ttl, version)
    return version


class Fragment(NamedTuple):
    html: str
    gzipped: bytes | None  # for the devices that accept it, when the fragment holds no secret


def _kept(store: OrderedDict, limit: int, key: tuple, build: Callable):
    """`build()`'s result, kept in `store` (the `limit` last used) for the next request with `key`."""
    with _lock:
        value = store.get(key)
        if value is not None:
            store.move_to_end(key)
            return value
    value = build()
    with _lock:
        store[key] = value
        while len(store) > limit:
            store.popitem(last=False)
    return value


def fragment(key: tuple, build: Callable[[], str], *, compress: bool = False) -> Fragment:
    """`build()`'s HTML, kept for the next device that asks with the same key (version, language…);
    with `compress`, gzipped once here rather than once per device (only for HTML without secrets:
    compressing a token next to someone's text would let its length reveal it, BREACH)."""

    def built() -> Fragment:
        html = build()
        return Fragment(html, gzip.compress(html.encode(), compresslevel=6) if compress else None)

    return _kept(_fragments, FRAGMENTS_KEPT, key, built)


def card(key: tuple, build: Callable[[], str]) -> str:
    """`build()`'s HTML of one card of the room's fragment, kept while its `key` (the card's counts and
    status, the language…) is unchanged: a new version renders only what changed."""
    return _kept(_cards, CARDS_KEPT, key, build)


def forget() -> None:
    """Drop this worker's copies (tests that reuse one app across database states)."""
    with _lock:
        _versions.clear()
        _fragments.clear()
        _cards.clear()
