"""Demo participation: an open idea board, an open poll and an open word cloud in each participatory
demo session.

So that `make run` shows the participation side at once: join with the printed room code (or the
ticket's link), send an idea, vote, and watch the projector. Idempotent: a session that already has
activities (the demo's, or an organiser's) is left alone.
"""

from datetime import datetime

import sqlalchemy as sa

from eventapp.events.models import Event, SessionKind
from eventapp.extensions import db
from eventapp.participation.models import (
    Access,
    Activity,
    ActivityKind,
    ActivityStatus,
    Moderation,
    PollOption,
    PollType,
    Room,
)
from eventapp.participation.services import ensure_room

IDEAS_PROMPT = (
    "Quelle est votre idée pour Bruxelles sur ce thème ?",
    "Wat is uw idee voor Brussel rond dit thema?",
    "What is your idea for Brussels on this theme?",
)
POLL_PROMPT = (
    "Comment avez-vous entendu parler de cet événement ?",
    "Hoe hebt u over dit evenement gehoord?",
    "How did you hear about this event?",
)
WORDS_PROMPT = (
    "En un mot, la Bruxelles que vous voulez ?",
    "In één woord: welk Brussel wilt u?",
    "In one word, the Brussels you want?",
)
POLL_OPTIONS = [
    ("Réseaux sociaux", "Sociale media", "Social media"),
    ("Amis ou famille", "Vrienden of familie", "Friends or family"),
    ("École ou travail", "School of werk", "School or work"),
    ("Affiches ou presse", "Affiches of pers", "Posters or press"),
]


def _activity(session_id: int, position: int, kind: ActivityKind, prompt: tuple[str, str, str], now, **values):
    return Activity(
        session_id=session_id,
        kind=kind,
        status=ActivityStatus.OPEN,
        access=Access.LINK,
        prompt_fr=prompt[0],
        prompt_nl=prompt[1],
        prompt_en=prompt[2],
        position=position,
        created_at=now,
        opened_at=now,
        **values,
    )


def load_demo_activities(events: list[Event], now: datetime) -> list[Room]:
    """Activities for the participatory sessions of `events`; returns their rooms. Does not commit."""
    rooms = []
    for event in events:
        for session in event.sessions:
            if session.kind != SessionKind.PARTICIPATORY:
                continue
            if not db.session.scalar(sa.select(sa.exists().where(Activity.session_id == session.id))):
                poll = _activity(session.id, 2, ActivityKind.POLL, POLL_PROMPT, now, poll_type=PollType.SINGLE)
                poll.options = [
                    PollOption(position=i, label_fr=fr, label_nl=nl, label_en=en)
                    for i, (fr, nl, en) in enumerate(POLL_OPTIONS)
                ]
                ideas = _activity(session.id, 1, ActivityKind.IDEAS, IDEAS_PROMPT, now, moderation=Moderation.POST)
                words = _activity(
                    session.id, 3, ActivityKind.SHORT_ANSWERS, WORDS_PROMPT, now, moderation=Moderation.POST
                )
                db.session.add_all([ideas, poll, words])
                db.session.flush()
            rooms.append(ensure_room(session, now=now))
    return rooms
