"""The changes events announces to the domains built on it.

Events comes first: registration (notices to registrants, seat counts) and participation (what
people contributed in a session) come after it and keep rows of their own under an event or a
session. Events imports none of them; they subscribe here, at import (`eventapp.connect_domains`
imports every subscriber), and are called in order of subscription, inside the caller's
transaction, so that what they write commits or rolls back with the change itself.
"""

from collections.abc import Callable
from typing import Generic, TypeVar

Result = TypeVar("Result")


class Hook(Generic[Result]):
    """A change other domains may follow: calling it calls every subscriber, returning their results."""

    def __init__(self) -> None:
        self._subscribers: list[Callable[..., Result]] = []

    def subscribe(self, subscriber: Callable[..., Result]) -> Callable[..., Result]:
        """Add `subscriber` (usable as a decorator; subscribing twice, e.g. on a re-import, adds it once)."""
        if subscriber not in self._subscribers:
            self._subscribers.append(subscriber)
        return subscriber

    @property
    def subscribers(self) -> tuple[Callable[..., Result], ...]:
        return tuple(self._subscribers)

    def __call__(self, *args, **kwargs) -> list[Result]:
        return [subscriber(*args, **kwargs) for subscriber in self._subscribers]


# `mailing` below is what the subscribers need to write to people (registration's `Mailing`: the key
# of their manage links and the site's address). Events passes it on untouched: it writes to nobody.

# A published event's time or place changed; its `sequence` has moved and is flushed.
# Called as (event, *, now, mailing); each subscriber returns how many people it told.
event_moved: Hook[int] = Hook()

# The event is cancelled. Called as (event, *, now, mailing); returns how many people were told.
event_cancelled: Hook[int] = Hook()

# The event's capacity rose, under the event lock. Called as (event, *, now, mailing); each
# subscriber returns the registrations it gave the new seats to.
seats_added: Hook[list] = Hook()

# A session is about to get its own capacity, change it or share the event's seats again (None),
# under the event lock, before events writes it. Called as (session, capacity); the seats its
# registrations hold are counted by registration, which raises InvalidState (see
# `capacity_below_taken`) when they would not fit.
session_capacity_changing: Hook[None] = Hook()

# A session's time or room changed on a published event. Called as (session, *, now, mailing);
# returns how many people were told.
session_moved: Hook[int] = Hook()

# A session is about to be deleted (cancelled), under the event lock. Called as
# (session, *, now, mailing); returns how many people were told.
session_cancelling: Hook[int] = Hook()

# Other domains keep rows of their own under a session (participation: activities, votes, ideas).
# Those that must not disappear with it hold on in the database (ON DELETE RESTRICT), so that
# `cancel_session` fails at the DELETE, whatever arrived meanwhile; each such domain also registers
# here a check `(session) -> bool` ("it holds what people contributed"), so that the refusal can be
# explained before the organiser clicks.
session_holds_content: Hook[bool] = Hook()


def session_content_check(check: Callable) -> Callable:
    """Register `check` (a decorator): True when the session holds what people answered or contributed."""
    return session_holds_content.subscribe(check)
