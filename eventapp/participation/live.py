"""Live delivery: every phone and the room's screen follow the session within two seconds.

How it works (and why not server-sent events or websockets): each room carries a version number that
goes up in the same transaction as every change a phone or the projector shows (`changed`). Devices
poll `…/live` every 1.5 s with the version they hold as an ETag. When nothing changed the answer is a
304 that costs one indexed read of one integer — and not even that within `ttl` seconds, where the
worker answers from its own copy of the version. When something changed, the answer is the page's
HTML fragment for the new version, rendered once per worker, version, language and channel and then
served to every phone from memory: the phone's own state (what it supported, what it answered)
stays in the page it loaded (each of its own actions reloads the page) and its script applies it.

This runs unchanged behind nginx on any number of gunicorn instances (sync workers, short requests;
nothing held open, so 1,000 phones do not hold 1,000 workers): the database is the one source of
truth for the version, committed with the change itself, so no message can be lost between instances,
and Redis is not needed. Short polls are also what a venue's Wi-Fi and a phone waking from sleep
cope with best: the next poll simply catches up.
"""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
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


def fragment(key: tuple, build: Callable[[], str]) -> str:
    """`build()`'s result, kept for the next device that asks with the same key (version, language…)."""
    with _lock:
        html = _fragments.get(key)
        if html is not None:
            _fragments.move_to_end(key)
            return html
    html = build()
    with _lock:
        _fragments[key] = html
        while len(_fragments) > FRAGMENTS_KEPT:
            _fragments.popitem(last=False)
    return html


def forget() -> None:
    """Drop this worker's copies (tests that reuse one app across database states)."""
    with _lock:
        _versions.clear()
        _fragments.clear()
