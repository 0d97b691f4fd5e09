"""Reads of participation: activities, boards, poll results, moderation queue, reports."""

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from eventapp.core.errors import NotFound
from eventapp.events.hooks import session_content_check
from eventapp.events.models import Event, Session
from eventapp.events.queries import PUBLIC_STATUSES
from eventapp.extensions import db
from eventapp.participation.models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    Channel,
    Contribution,
    ContributionStatus,
    Participant,
    PollOption,
    PollType,
    Room,
    Screen,
    Upvote,
    Vote,
    VoteChoice,
)

CHANNELS = tuple(Channel)
# Pinned contributions first (the latest pinned on top), then the others.
PINNED_FIRST = sa.case((Contribution.pinned_at.is_(None), 1), else_=0)


def _uuid(value: str) -> UUID:
    try:
        return UUID(str(value))
    except ValueError:
        raise NotFound() from None


def get_session(session_uuid: str, *, public: bool = True) -> Session:
    """A session by its UUID; for the public only sessions of published (or cancelled) events."""
    query = sa.select(Session).join(Session.event).where(Session.uuid == _uuid(session_uuid))
    if public:
        query = query.where(Event.status.in_(PUBLIC_STATUSES))
    session = db.session.scalar(query)
    if session is None:
        raise NotFound()
    return session


def get_room(session: Session) -> Room | None:
    return db.session.scalar(sa.select(Room).where(Room.session_id == session.id))


def find_room_by_code(code: str) -> Room | None:
    """The room whose code is `code`, typed in any case, with or without spaces or dashes."""
    code = "".join(ch for ch in code.upper() if ch.isalnum())
    if not code or len(code) > 12:
        return None
    return db.session.scalar(sa.select(Room).where(Room.code == code))


def get_participant(session: Session, participant_uuid: str | None) -> Participant | None:
    if not participant_uuid:
        return None
    try:
        key = UUID(participant_uuid)
    except ValueError:
        return None
    return db.session.scalar(
        sa.select(Participant)
        .where(Participant.uuid == key, Participant.session_id == session.id)
        .options(selectinload(Participant.registration))
    )


def list_activities(session: Session, *, visible_only: bool = False) -> list[Activity]:
    query = (
        sa.select(Activity)
        .where(Activity.session_id == session.id)
        .options(selectinload(Activity.options))
        .order_by(Activity.position, Activity.id)
    )
    if visible_only:
        query = query.where(Activity.status != ActivityStatus.DRAFT)
    return list(db.session.scalars(query))


def get_activity(session: Session, activity_uuid: str) -> Activity:
    activity = db.session.scalar(
        sa.select(Activity).where(Activity.session_id == session.id, Activity.uuid == _uuid(activity_uuid))
    )
    if activity is None:
        raise NotFound()
    return activity


def get_contribution(session: Session, contribution_uuid: str) -> Contribution:
    contribution = db.session.scalar(
        sa.select(Contribution)
        .join(Contribution.activity)
        .where(Activity.session_id == session.id, Contribution.uuid == _uuid(contribution_uuid))
    )
    if contribution is None:
        raise NotFound()
    return contribution


def list_public_contributions(
    activity: Activity, *, limit: int = 50, unanswered_only: bool = False, pinned_first: bool = False
) -> list[Contribution]:
    """Public ideas or questions by support; in the room (`pinned_first`) what the organisers pinned on top."""
    order = (PINNED_FIRST,) if pinned_first else ()
    query = (
        sa.select(Contribution)
        .where(Contribution.activity_id == activity.id, Contribution.status == ContributionStatus.PUBLISHED)
        .order_by(*order, Contribution.upvotes.desc(), Contribution.created_at, Contribution.id)
        .limit(limit)
    )
    if unanswered_only:
        query = query.where(Contribution.answered_at.is_(None))
    return list(db.session.scalars(query))


def list_answered_questions(activity: Activity, *, limit: int = 3) -> list[Contribution]:
    """The questions answered last in the room, most recent first."""
    return list(
        db.session.scalars(
            sa.select(Contribution)
            .where(
                Contribution.activity_id == activity.id,
                Contribution.status == ContributionStatus.PUBLISHED,
                Contribution.answered_at.is_not(None),
            )
            .order_by(Contribution.answered_at.desc(), Contribution.id.desc())
            .limit(limit)
        )
    )


def count_public_contributions(activity: Activity) -> tuple[int, int]:
    """Published contributions of the activity, and how many of them were answered in the room."""
    published, answered = db.session.execute(
        sa.select(sa.func.count(), sa.func.count(Contribution.answered_at)).where(
            Contribution.activity_id == activity.id, Contribution.status == ContributionStatus.PUBLISHED
        )
    ).one()
    return int(published), int(answered)


# The activities each screen of the room can show.
def _screen_filter(screen: Screen) -> sa.ColumnElement[bool] | None:
    if screen == Screen.IDEAS:
        return Activity.kind == ActivityKind.IDEAS
    if screen == Screen.QUESTIONS:
        return Activity.kind == ActivityKind.QUESTIONS
    if screen == Screen.WORDS:
        return Activity.kind == ActivityKind.SHORT_ANSWERS
    if screen == Screen.POLL:
        return Activity.kind.in_((ActivityKind.POLL, ActivityKind.FEEDBACK))
    if screen == Screen.OPINIONS:
        return Activity.kind == ActivityKind.OPINIONS
    return None


def screen_activity(session: Session, room: Room) -> Activity | None:
    """The activity the room's screen shows: the organiser's choice, else the latest opened of its kind."""
    if room.screen_activity_id is not None:
        chosen = db.session.get(Activity, room.screen_activity_id)
        if chosen is not None:
            return chosen
    where = _screen_filter(room.screen)
    if where is None:
        return None
    return db.session.scalar(
        sa.select(Activity)
        .where(Activity.session_id == session.id, Activity.status != ActivityStatus.DRAFT, where)
        .options(selectinload(Activity.options))
        .order_by(Activity.opened_at.desc(), Activity.id.desc())
        .limit(1)
    )


def list_revealed_polls(session: Session) -> list[Activity]:
    """Polls whose results the organisers revealed, in the session's order."""
    return list(
        db.session.scalars(
            sa.select(Activity)
            .where(
                Activity.session_id == session.id,
                Activity.kind == ActivityKind.POLL,
                Activity.results_revealed.is_(True),
                Activity.status != ActivityStatus.DRAFT,
            )
            .options(selectinload(Activity.options))
            .order_by(Activity.position, Activity.id)
        )
    )


def withdrawable() -> sa.ColumnElement[bool]:
    """The SQL condition under which an author may still withdraw a contribution: no organiser has dealt
    with it yet (no moderation decision, answer or outcome; nothing merged into it), whether it waits
    for approval or went public at once under post-moderation."""
    merged_in = sa.orm.aliased(Contribution)
    return sa.and_(
        Contribution.status.in_((ContributionStatus.PENDING, ContributionStatus.PUBLISHED)),
        Contribution.moderated_at.is_(None),
        Contribution.answered_at.is_(None),
        Contribution.outcome.is_(None),
        ~sa.exists().where(merged_in.merged_into_id == Contribution.id),
    )


@dataclass
class OwnContribution:
    contribution: Contribution
    withdrawable: bool


def list_own_contributions(participant: Participant | None, activity: Activity) -> list[OwnContribution]:
    """Everything the participant sent to the activity, newest first, each saying whether they may still
    withdraw it: they see where each one stands (waiting, published, answered, merged, hidden, refused)."""
    if participant is None:
        return []
    rows = db.session.execute(
        sa.select(Contribution, withdrawable())
        .where(Contribution.activity_id == activity.id, Contribution.participant_id == participant.id)
        .order_by(Contribution.created_at.desc(), Contribution.id.desc())
    )
    return [OwnContribution(contribution, bool(flag)) for contribution, flag in rows]


def upvoted_ids(participant: Participant | None) -> set[int]:
    if participant is None:
        return set()
    return set(db.session.scalars(sa.select(Upvote.contribution_id).where(Upvote.participant_id == participant.id)))


def answered_activity_ids(participant: Participant | None) -> set[int]:
    if participant is None:
        return set()
    return set(db.session.scalars(sa.select(Vote.activity_id).where(Vote.participant_id == participant.id)))


class GuestJoins(NamedTuple):
    """New guests of a session since a time: all of them, and how many came from the busiest network."""

    total: int
    busiest_network: int


def count_guest_joins(session: Session, since: datetime) -> GuestJoins:
    """How many guests joined since `since`, and how many of them share one network (a venue's Wi-Fi
    or a flood: the moderator judges, and can pause new guests)."""
    per_network = (
        sa.select(sa.func.count().label("joined"))
        .where(
            Participant.session_id == session.id,
            Participant.registration_id.is_(None),
            Participant.created_at >= since,
        )
        .group_by(Participant.network)
        .subquery()
    )
    total, busiest = db.session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(per_network.c.joined), 0),
            sa.func.coalesce(sa.func.max(per_network.c.joined), 0),
        )
    ).one()
    return GuestJoins(int(total), int(busiest))


def moderation_stamp(session: Session) -> str:
    """Changes whenever an organiser decides on one of the session's contributions or marks a question
    answered (not with upvotes): phones ask for their own contributions' status again only then."""
    decided = db.session.execute(
        sa.select(
            sa.func.max(Contribution.moderated_at),
            sa.func.max(Contribution.answered_at),
            sa.func.count(Contribution.answered_at),  # un-answering lowers it
        )
        .join(Contribution.activity)
        .where(Activity.session_id == session.id)
    ).one()
    return "|".join(str(value or "") for value in decided)


def list_contributions_for_moderation(session: Session) -> list[Contribution]:
    """Every contribution of the session, pending first, then by support."""
    pending_first = sa.case((Contribution.status == ContributionStatus.PENDING, 0), else_=1)
    return list(
        db.session.scalars(
            sa.select(Contribution)
            .join(Contribution.activity)
            .where(Activity.session_id == session.id)
            .options(selectinload(Contribution.participant).selectinload(Participant.registration))
            .order_by(pending_first, Contribution.reports.desc(), Contribution.upvotes.desc(), Contribution.id)
        )
    )


@session_content_check
def session_has_answers(session: Session) -> bool:
    """Whether the session's activities hold answers (votes) or contributions.

    Registered with events, which then explains before the click why such a session cannot be
    cancelled; the database refuses the deletion in any case (answers hold on to their activity).
    """
    in_session = Activity.session_id == session.id
    return bool(
        db.session.scalar(
            sa.select(
                sa.or_(
                    sa.exists().where(Vote.activity_id == Activity.id, in_session),
                    sa.exists().where(Contribution.activity_id == Activity.id, in_session),
                )
            )
        )
    )


# ---------------------------------------------------------------------------- results


@dataclass
class Row:
    """One bar of a result: a label key (option id, scale value or word), the count, and its split by channel."""

    key: int | str  # an option's id, a scale value or a word
    count: int = 0
    by_channel: dict[Channel, int] = field(default_factory=lambda: dict.fromkeys(CHANNELS, 0))
    option: PollOption | None = None

    def share(self, total: int) -> int:
        return round(100 * self.count / total) if total else 0


@dataclass
class PollResult:
    activity: Activity
    total: int  # people who answered (facilitator counts included)
    by_channel: dict[Channel, int]
    rows: list[Row]
    average: float | None = None

    @property
    def max_count(self) -> int:
        return max((r.count for r in self.rows), default=0)


def poll_results(activity: Activity) -> PollResult:
    """Counts per option (or scale value, or word), each split by channel."""
    weight = sa.func.sum(Vote.weight)
    totals = dict.fromkeys(CHANNELS, 0)
    for channel, count in db.session.execute(
        sa.select(Vote.channel, weight).where(Vote.activity_id == activity.id).group_by(Vote.channel)
    ):
        totals[Channel(channel)] = int(count)
    total = sum(totals.values())
    rows: list[Row] = []
    average = None
    if activity.kind == ActivityKind.POLL and activity.poll_type in (PollType.SINGLE, PollType.MULTIPLE):
        by_option = {o.id: Row(o.id, option=o) for o in activity.options}
        for option_id, channel, count in db.session.execute(
            sa.select(VoteChoice.option_id, Vote.channel, weight)
            .join(Vote, Vote.id == VoteChoice.vote_id)
            .where(Vote.activity_id == activity.id)
            .group_by(VoteChoice.option_id, Vote.channel)
        ):
            row = by_option[option_id]
            row.by_channel[Channel(channel)] += int(count)
            row.count += int(count)
        rows = list(by_option.values())
    elif activity.kind == ActivityKind.FEEDBACK or activity.poll_type == PollType.SCALE:
        scale = range(1, 6)
        by_value: dict[int | None, Row] = {v: Row(v) for v in scale}
        for value, channel, count in db.session.execute(
            sa.select(Vote.value, Vote.channel, weight)
            .where(Vote.activity_id == activity.id, Vote.value.is_not(None))
            .group_by(Vote.value, Vote.channel)
        ):
            row = by_value[value]
            row.by_channel[Channel(channel)] += int(count)
            row.count += int(count)
        rows = list(by_value.values())
        if total:
            average = round(sum(value * by_value[value].count for value in scale) / total, 1)
    elif activity.poll_type == PollType.OPEN:
        words: dict[str, Row] = {}
        counter: Counter[str] = Counter()
        for text, channel, count in db.session.execute(
            sa.select(Vote.text, Vote.channel, weight)
            .where(Vote.activity_id == activity.id)
            .group_by(Vote.text, Vote.channel)
        ):
            word = text.strip().lower()
            row = words.setdefault(word, Row(word))
            row.by_channel[Channel(channel)] += int(count)
            row.count += int(count)
            counter[word] += int(count)
        rows = [words[w] for w, _ in counter.most_common(30)]
    return PollResult(activity, total, totals, rows, average)


class CloudWord(NamedTuple):
    """One word (or short phrase) of a word cloud: as most people wrote it, how many gave it, its size step."""

    text: str
    weight: int  # how many published answers group under it
    size: int  # 1 (smallest) to CLOUD_SIZES, computed here so every screen draws the same cloud


CLOUD_SIZES = 6


def word_cloud(activity: Activity, *, limit: int = 60) -> list[CloudWord]:
    """The published short answers of an activity grouped as one word each, the most given first (then
    alphabetically, so that the order only moves when a count does). Sizes grow with the square root of
    the count, from 1 for a word given once to CLOUD_SIZES for the most given one: a word's area, not its
    height, follows the count, or the most given word would crowd out all others."""
    spellings: dict[str, Counter[str]] = {}
    for key, body, count in db.session.execute(
        sa.select(Contribution.answer_key, Contribution.body, sa.func.count())
        .where(Contribution.activity_id == activity.id, Contribution.status == ContributionStatus.PUBLISHED)
        .where(Contribution.answer_key.is_not(None))
        .group_by(Contribution.answer_key, Contribution.body)
    ):
        # answer_key is set on every short answer (the query keeps only those).
        spellings.setdefault(str(key), Counter())[body] += int(count)
    counted = sorted(
        ((min(c.items(), key=lambda item: (-item[1], item[0]))[0], c.total()) for c in spellings.values()),
        key=lambda word: (-word[1], word[0].casefold()),
    )[:limit]
    top = math.sqrt(counted[0][1]) if counted else 1
    return [
        CloudWord(text, weight, 1 + round((CLOUD_SIZES - 1) * (math.sqrt(weight) - 1) / max(top - 1, 1)))
        for text, weight in counted
    ]


def count_short_answers(activity: Activity) -> tuple[int, int]:
    """Published short answers of the activity, and the people who gave them (paper cards each count one)."""
    paper = sa.func.coalesce(sa.func.sum(sa.case((Contribution.participant_id.is_(None), 1), else_=0)), 0)
    answers, people, cards = db.session.execute(
        sa.select(sa.func.count(), sa.func.count(sa.distinct(Contribution.participant_id)), paper).where(
            Contribution.activity_id == activity.id, Contribution.status == ContributionStatus.PUBLISHED
        )
    ).one()
    return int(answers), int(people) + int(cards)


def list_feedback_comments(activity: Activity, *, limit: int = 100) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(Vote.text)
            .where(Vote.activity_id == activity.id, Vote.text != "")
            .order_by(Vote.created_at)
            .limit(limit)
        )
    )


def current_poll(session: Session) -> Activity | None:
    """The poll shown on the projector: the most recently opened poll that is open, else the last one closed."""
    return _current(session, ActivityKind.POLL)


def current_word_cloud(session: Session) -> tuple[Activity | None, list[CloudWord]]:
    """The short-answer activity the projector shows (chosen as `current_poll` chooses a poll) and its
    word cloud, for templates/participation/_wordcloud.html (`words`, with the activity's prompt as `label`)."""
    activity = _current(session, ActivityKind.SHORT_ANSWERS)
    return activity, word_cloud(activity) if activity is not None else []


def _current(session: Session, kind: ActivityKind) -> Activity | None:
    for status in (ActivityStatus.OPEN, ActivityStatus.CLOSED):
        activity = db.session.scalar(
            sa.select(Activity)
            .where(Activity.session_id == session.id, Activity.kind == kind, Activity.status == status)
            .options(selectinload(Activity.options))
            .order_by(Activity.opened_at.desc(), Activity.id.desc())
            .limit(1)
        )
        if activity is not None:
            return activity
    return None


def top_questions(session: Session, *, limit: int = 5) -> list[Contribution]:
    return list(
        db.session.scalars(
            sa.select(Contribution)
            .join(Contribution.activity)
            .where(
                Activity.session_id == session.id,
                Activity.kind == ActivityKind.QUESTIONS,
                Contribution.status == ContributionStatus.PUBLISHED,
                Contribution.answered_at.is_(None),
            )
            .order_by(Contribution.upvotes.desc(), Contribution.created_at, Contribution.id)
            .limit(limit)
        )
    )


def list_participatory_sessions(event: Event) -> list[Session]:
    """Sessions of the event that have at least one activity (or are participatory by kind)."""
    with_activities = sa.select(Activity.session_id).distinct()
    return list(
        db.session.scalars(
            sa.select(Session)
            .where(Session.event_id == event.id)
            .where(sa.or_(Session.kind == "participatory", Session.id.in_(with_activities)))
            .order_by(Session.starts_at, Session.id)
        )
    )
