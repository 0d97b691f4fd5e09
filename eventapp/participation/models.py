"""Participation in sessions: activities (ideas, questions, polls, feedback), participants, contributions, votes."""

import enum
from datetime import datetime
from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventapp.core.db import str_enum
from eventapp.core.time import utcnow
from eventapp.events.models import Session
from eventapp.extensions import Model
from eventapp.registration.models import Registration


class ActivityKind(enum.StrEnum):
    IDEAS = "ideas"
    QUESTIONS = "questions"
    POLL = "poll"
    FEEDBACK = "feedback"
    SHORT_ANSWERS = "short_answers"  # one to three words or short phrases each, shown as a word cloud
    OPINIONS = "opinions"  # short statements others agree or disagree with, grouped into an opinion map


class ActivityStatus(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class Access(enum.StrEnum):
    LINK = "link"  # anyone with the session link or room code
    REGISTERED = "registered"
    CHECKED_IN = "checked_in"


class Moderation(enum.StrEnum):
    PRE = "pre"  # an organiser approves before anything is public
    POST = "post"  # public at once, organisers hide afterwards


class PollType(enum.StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    SCALE = "scale"  # 1-5
    OPEN = "open"  # short words, shown as a word list


class Channel(enum.StrEnum):
    CHECKED_IN = "checked_in"
    REGISTERED = "registered"
    GUEST = "guest"
    FACILITATOR = "facilitator"


class ContributionStatus(enum.StrEnum):
    PENDING = "pending"
    PUBLISHED = "published"
    HIDDEN = "hidden"
    REJECTED = "rejected"
    MERGED = "merged"


class Outcome(enum.StrEnum):
    ACCEPTED = "accepted"
    STUDIED = "studied"
    NOT_RETAINED = "not_retained"


# Cancelling a session deletes its row (events.session_changes.cancel_session); what hangs off it is decided
# per foreign key. What people answered or contributed (votes and their choices, ideas and questions)
# holds on with ON DELETE RESTRICT, so the database itself refuses to delete it, even when an answer
# arrives between the service's check and the DELETE. Rows that carry no one's input (room code,
# activities, poll options, participants who joined) CASCADE: an unused session still goes away whole.
# Upvotes, reports and vote choices CASCADE from their contribution or vote, which is protected.


class Screen(enum.StrEnum):
    """What the room's screen (the projector) shows, chosen by the organiser."""

    JOIN = "join"  # QR code and room code
    IDEAS = "ideas"
    QUESTIONS = "questions"
    POLL = "poll"  # live tally, or hidden until the organiser reveals it
    RESULTS = "results"  # every poll whose results are revealed
    WORDS = "words"  # short answers as a word cloud
    OPINIONS = "opinions"  # the opinion map: groups, what unites them


class Room(Model):
    """The room of a session: its short code, what its screen shows, and the live version.

    `version` goes up in the same transaction as every change a phone or the projector shows
    (live.changed), so a device that has seen version N knows with one integer whether it is up to date.
    """

    __tablename__ = "participation_rooms"

    id: Mapped[int] = mapped_column(primary_key=True)
    # An organiser-made code, no input: goes with the session.
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("sessions.id", ondelete="CASCADE"), unique=True)
    code: Mapped[str] = mapped_column(sa.String(12), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=0, server_default="0")
    screen: Mapped[Screen] = mapped_column(str_enum(Screen), default=Screen.JOIN, server_default=Screen.JOIN.value)
    # The activity the screen shows; none: the latest opened of the screen's kind.
    screen_activity_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("participation_activities.id", ondelete="SET NULL")
    )
    # The moderator stopped new guests from joining (a flood from one network); ticket holders still join.
    guests_paused: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    session: Mapped[Session] = relationship()


class Activity(Model):
    __tablename__ = "participation_activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[UUID] = mapped_column(sa.Uuid, unique=True, default=uuid4)
    # The organiser's question goes with the session; its answers (RESTRICT below) stop that.
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ActivityKind] = mapped_column(str_enum(ActivityKind))
    status: Mapped[ActivityStatus] = mapped_column(str_enum(ActivityStatus), default=ActivityStatus.DRAFT)
    access: Mapped[Access] = mapped_column(str_enum(Access), default=Access.LINK)
    moderation: Mapped[Moderation] = mapped_column(str_enum(Moderation), default=Moderation.PRE)
    poll_type: Mapped[PollType | None] = mapped_column(str_enum(PollType))
    prompt_fr: Mapped[str] = mapped_column(sa.String(300), default="")
    prompt_nl: Mapped[str] = mapped_column(sa.String(300), default="")
    prompt_en: Mapped[str] = mapped_column(sa.String(300), default="")
    results_revealed: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    session: Mapped[Session] = relationship()
    options: Mapped[list["PollOption"]] = relationship(
        back_populates="activity", order_by="PollOption.position", cascade="all, delete-orphan"
    )

    __table_args__ = (sa.CheckConstraint("(kind = 'poll') = (poll_type IS NOT NULL)", name="poll_type_for_polls"),)

    @property
    def is_open(self) -> bool:
        return self.status == ActivityStatus.OPEN


class PollOption(Model):
    __tablename__ = "participation_poll_options"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Written by the organiser; a chosen option is held by its vote choice (RESTRICT there).
    activity_id: Mapped[int] = mapped_column(
        sa.ForeignKey("participation_activities.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    label_fr: Mapped[str] = mapped_column(sa.String(200), default="")
    label_nl: Mapped[str] = mapped_column(sa.String(200), default="")
    label_en: Mapped[str] = mapped_column(sa.String(200), default="")

    activity: Mapped[Activity] = relationship(back_populates="options")


class Participant(Model):
    """Someone taking part in one session: a ticket holder (registration) or a guest (no account)."""

    __tablename__ = "participation_participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[UUID] = mapped_column(sa.Uuid, unique=True, default=uuid4)
    # Joining is no answer: goes with the session (what the participant sent refuses, RESTRICT below).
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    registration_id: Mapped[int | None] = mapped_column(sa.ForeignKey("registrations.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Guests only: which network they joined from, as a keyed hash (never the address), so that the
    # moderator sees a surge of new guests from one network (identity.network_of_request).
    network: Mapped[str | None] = mapped_column(sa.String(16))

    registration: Mapped[Registration | None] = relationship()

    __table_args__ = (
        # One participant per ticket and session, however many phones open the link.
        sa.UniqueConstraint("session_id", "registration_id", name="uq_participation_participants_session_reg"),
    )


# How many short answers one participant may give to one short-answer activity.
SHORT_ANSWERS_PER_PARTICIPANT = 3


def _unique_per_participant(column: str) -> sa.Index:
    """One `column` value per participant and activity, where it is set (short answers)."""
    where = sa.text(f"{column} IS NOT NULL")
    return sa.Index(
        f"uq_participation_contributions_{column}",
        "activity_id",
        "participant_id",
        column,
        unique=True,
        sqlite_where=where,
        postgresql_where=where,
    )


class Contribution(Model):
    """An idea, a question or a short answer (a word or a short phrase of a word cloud)."""

    __tablename__ = "participation_contributions"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[UUID] = mapped_column(sa.Uuid, unique=True, default=uuid4)
    # Someone's idea or question: its activity (and session) cannot be deleted from under it.
    activity_id: Mapped[int] = mapped_column(
        sa.ForeignKey("participation_activities.id", ondelete="RESTRICT"), index=True
    )
    participant_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("participation_participants.id", ondelete="SET NULL"), index=True
    )
    channel: Mapped[Channel] = mapped_column(str_enum(Channel))
    body: Mapped[str] = mapped_column(sa.String(1000))
    status: Mapped[ContributionStatus] = mapped_column(str_enum(ContributionStatus))
    rejection_reason: Mapped[str] = mapped_column(sa.String(300), default="")
    merged_into_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("participation_contributions.id", ondelete="SET NULL")
    )
    # Upvotes and reports, counted by atomic UPDATEs alongside their rows; `reports` counts only those
    # made since the last moderation decision (a decision resets it), so an approval holds.
    upvotes: Mapped[int] = mapped_column(default=0)
    reports: Mapped[int] = mapped_column(default=0)
    answered_at: Mapped[datetime | None]  # a question answered in the room
    pinned_at: Mapped[datetime | None]  # pinned by the organisers: first on the projector and the phones
    outcome: Mapped[Outcome | None] = mapped_column(str_enum(Outcome))  # what organisers did with an idea
    outcome_reason_fr: Mapped[str] = mapped_column(sa.String(1000), default="")
    outcome_reason_nl: Mapped[str] = mapped_column(sa.String(1000), default="")
    outcome_reason_en: Mapped[str] = mapped_column(sa.String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    moderated_at: Mapped[datetime | None]
    moderated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # Short answers only. `answer_slot` (1 to 3) is which of the participant's answers this is: a unique
    # index on it holds everyone to three, however many phones or workers send at once. `answer_key` is
    # the answer as the word cloud groups it (case and surrounding punctuation aside): unique per
    # participant, so no one makes a word bigger by giving it three times.
    answer_slot: Mapped[int | None]
    answer_key: Mapped[str | None] = mapped_column(sa.String(60))
    # Statements of the opinion map: the language it was written in ("fr", "nl", "en"), so that phones mark
    # it (`lang`) and organisers can translate it. None where no one knows (written before it was recorded,
    # imported from Polis).
    language: Mapped[str | None] = mapped_column(sa.String(2))

    activity: Mapped[Activity] = relationship()
    participant: Mapped[Participant | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint("upvotes >= 0", name="upvotes_non_negative"),
        sa.CheckConstraint(
            f"answer_slot IS NULL OR (answer_slot BETWEEN 1 AND {SHORT_ANSWERS_PER_PARTICIPANT})",
            name="answer_slot_range",
        ),
        sa.Index("ix_participation_contributions_board", "activity_id", "status", "upvotes"),
        _unique_per_participant("answer_slot"),
        _unique_per_participant("answer_key"),
    )


class Upvote(Model):
    __tablename__ = "participation_upvotes"

    contribution_id: Mapped[int] = mapped_column(
        sa.ForeignKey("participation_contributions.id", ondelete="CASCADE"), primary_key=True
    )
    participant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("participation_participants.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ContentReport(Model):
    __tablename__ = "participation_reports"

    contribution_id: Mapped[int] = mapped_column(
        sa.ForeignKey("participation_contributions.id", ondelete="CASCADE"), primary_key=True
    )
    participant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("participation_participants.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Vote(Model):
    """One answer to a poll or feedback survey; facilitator entries carry a count (`weight`) and no participant."""

    __tablename__ = "participation_votes"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Someone's answer: its activity (and session) cannot be deleted from under it.
    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("participation_activities.id", ondelete="RESTRICT"))
    participant_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("participation_participants.id", ondelete="SET NULL")
    )
    channel: Mapped[Channel] = mapped_column(str_enum(Channel))
    value: Mapped[int | None]  # scale and feedback rating, 1-5
    text: Mapped[str] = mapped_column(sa.String(500), default="")  # open answer, feedback comment
    weight: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    choices: Mapped[list["VoteChoice"]] = relationship(cascade="all, delete-orphan")

    __table_args__ = (
        # One vote per participant and poll, whatever the number of phones or workers.
        sa.Index(
            "uq_participation_votes_participant",
            "activity_id",
            "participant_id",
            unique=True,
            sqlite_where=sa.text("participant_id IS NOT NULL"),
            postgresql_where=sa.text("participant_id IS NOT NULL"),
        ),
        sa.CheckConstraint("value IS NULL OR (value BETWEEN 1 AND 5)", name="value_range"),
        sa.CheckConstraint("weight >= 1", name="weight_positive"),
        sa.CheckConstraint("(participant_id IS NULL) OR weight = 1", name="one_voice_per_participant"),
    )


class VoteChoice(Model):
    __tablename__ = "participation_vote_choices"

    # Part of its vote, which is protected. The option it names cannot go: that would rewrite the answer.
    vote_id: Mapped[int] = mapped_column(sa.ForeignKey("participation_votes.id", ondelete="CASCADE"), primary_key=True)
    option_id: Mapped[int] = mapped_column(
        sa.ForeignKey("participation_poll_options.id", ondelete="RESTRICT"), primary_key=True, index=True
    )


class ExportLevel(enum.StrEnum):
    PUBLIC = "public"
    RESEARCH = "research"
    RESTRICTED = "restricted"


class ExportLog(Model):
    """Who downloaded personal data, when (restricted and research exports)."""

    __tablename__ = "participation_export_logs"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), index=True)
    level: Mapped[ExportLevel] = mapped_column(str_enum(ExportLevel))
    format: Mapped[str] = mapped_column(sa.String(10))
    rows: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
