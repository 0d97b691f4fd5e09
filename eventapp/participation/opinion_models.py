"""The opinion map (activity kind "opinions", issue 21): reactions to statements, Polis ids, the computed map.

A statement is a `Contribution` of an opinions activity: written by a participant or the organiser,
moderated like an idea. A reaction is one participant's agree / disagree / pass on one statement.
"""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from eventapp.core.db import str_enum
from eventapp.core.time import utcnow
from eventapp.extensions import Model
from eventapp.participation.models import Channel

STATEMENT_MAX = 140


class Reaction(Model):
    """One participant's reaction to one statement; changing it rewrites the row (one per person)."""

    __tablename__ = "participation_reactions"

    # Someone's answer: its activity (and session) cannot be deleted from under it, as votes.
    activity_id: Mapped[int] = mapped_column(
        sa.ForeignKey("participation_activities.id", ondelete="RESTRICT"), index=True
    )
    statement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("participation_contributions.id", ondelete="CASCADE"), primary_key=True
    )
    # Erasing a participant erases their reactions: a reaction without its person is no one's opinion.
    participant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("participation_participants.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    vote: Mapped[int] = mapped_column(sa.SmallInteger)  # 1 agree, -1 disagree, 0 pass (Polis's values)
    # As of the latest reaction (in the room, registered, guest): the report's breakdown by channel.
    channel: Mapped[Channel] = mapped_column(str_enum(Channel))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.CheckConstraint("vote IN (-1, 0, 1)", name="vote_range"),)


class StatementTranslation(Model):
    """An organiser's translation of a statement into another language the phones may read it in.

    Projector, results, report and Polis export keep the original (`Contribution.body`): what people reacted
    to is the text as written; a phone in this language shows the translation.
    """

    __tablename__ = "participation_statement_translations"

    # The organisers' text about a statement: goes with it.
    statement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("participation_contributions.id", ondelete="CASCADE"), primary_key=True
    )
    language: Mapped[str] = mapped_column(sa.String(2), primary_key=True)
    body: Mapped[str] = mapped_column(sa.String(STATEMENT_MAX))
    translated_at: Mapped[datetime] = mapped_column(default=utcnow)
    translated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    __table_args__ = (sa.CheckConstraint("language IN ('fr', 'nl', 'en')", name="language_code"),)


class PolisId(Model):
    """The id Polis gave an imported participant or comment, kept so that an export gives it back.

    Exactly one of participant_id and statement_id is set. Ours get ids after the largest imported one.
    """

    __tablename__ = "participation_polis_ids"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("participation_activities.id", ondelete="CASCADE"))
    participant_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("participation_participants.id", ondelete="CASCADE")
    )
    statement_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("participation_contributions.id", ondelete="CASCADE")
    )
    polis_id: Mapped[int]

    __table_args__ = (
        sa.CheckConstraint("(participant_id IS NULL) <> (statement_id IS NULL)", name="one_target"),
        sa.Index(
            "uq_participation_polis_ids_participant",
            "activity_id",
            "polis_id",
            unique=True,
            sqlite_where=sa.text("participant_id IS NOT NULL"),
            postgresql_where=sa.text("participant_id IS NOT NULL"),
        ),
        sa.Index(
            "uq_participation_polis_ids_statement",
            "activity_id",
            "polis_id",
            unique=True,
            sqlite_where=sa.text("statement_id IS NOT NULL"),
            postgresql_where=sa.text("statement_id IS NOT NULL"),
        ),
    )


class OpinionMapRecord(Model):
    """The last computed opinion map of an activity, and what it was computed from.

    The background recompute (opinions.recompute_stale_maps) compares `reactions` and `latest_reaction_at`
    with the reactions now stored: a new, changed or erased reaction makes the map stale.
    """

    __tablename__ = "participation_opinion_maps"

    # Computed from the reactions: goes with the activity.
    activity_id: Mapped[int] = mapped_column(
        sa.ForeignKey("participation_activities.id", ondelete="CASCADE"), primary_key=True
    )
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
    reactions: Mapped[int] = mapped_column(default=0)
    latest_reaction_at: Mapped[datetime | None]
