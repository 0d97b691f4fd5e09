"""participation: opinion map (issue 21): reactions to statements, Polis ids, the computed map

A statement is a contribution of an `opinions` activity (the kind is a VARCHAR, no type to alter). A
reaction is one per participant and statement (the primary key), erased with its participant. The map is
recomputed in the background and stored with the reactions it was computed from.

Revision ID: participation_0006
Revises: events_0002
Create Date: 2026-12-06 09:10:00

"""
from alembic import op
import sqlalchemy as sa
import eventapp.core.db


# revision identifiers, used by Alembic.
revision = 'participation_0006'
down_revision = 'events_0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'participation_reactions',
        sa.Column('activity_id', sa.Integer(), nullable=False),
        sa.Column('statement_id', sa.Integer(), nullable=False),
        sa.Column('participant_id', sa.Integer(), nullable=False),
        sa.Column('vote', sa.SmallInteger(), nullable=False),
        sa.Column(
            'channel',
            sa.Enum('checked_in', 'registered', 'guest', 'facilitator', name='channel', native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column('created_at', eventapp.core.db.UTCDateTime(), nullable=False),
        sa.Column('updated_at', eventapp.core.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint('vote IN (-1, 0, 1)', name=op.f('ck_participation_reactions_vote_range')),
        sa.ForeignKeyConstraint(
            ['activity_id'],
            ['participation_activities.id'],
            name=op.f('fk_participation_reactions_activity_id_participation_activities'),
            ondelete='RESTRICT',
        ),
        sa.ForeignKeyConstraint(
            ['participant_id'],
            ['participation_participants.id'],
            name=op.f('fk_participation_reactions_participant_id_participation_participants'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['statement_id'],
            ['participation_contributions.id'],
            name=op.f('fk_participation_reactions_statement_id_participation_contributions'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('statement_id', 'participant_id', name=op.f('pk_participation_reactions')),
    )
    op.create_index(
        op.f('ix_participation_reactions_activity_id'), 'participation_reactions', ['activity_id'], unique=False
    )
    op.create_index(
        op.f('ix_participation_reactions_participant_id'), 'participation_reactions', ['participant_id'], unique=False
    )
    op.create_table(
        'participation_polis_ids',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('activity_id', sa.Integer(), nullable=False),
        sa.Column('participant_id', sa.Integer(), nullable=True),
        sa.Column('statement_id', sa.Integer(), nullable=True),
        sa.Column('polis_id', sa.Integer(), nullable=False),
        sa.CheckConstraint(
            '(participant_id IS NULL) <> (statement_id IS NULL)', name=op.f('ck_participation_polis_ids_one_target')
        ),
        sa.ForeignKeyConstraint(
            ['activity_id'],
            ['participation_activities.id'],
            name=op.f('fk_participation_polis_ids_activity_id_participation_activities'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['participant_id'],
            ['participation_participants.id'],
            name=op.f('fk_participation_polis_ids_participant_id_participation_participants'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['statement_id'],
            ['participation_contributions.id'],
            name=op.f('fk_participation_polis_ids_statement_id_participation_contributions'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_participation_polis_ids')),
    )
    for target in ('participant', 'statement'):
        op.create_index(
            f'uq_participation_polis_ids_{target}',
            'participation_polis_ids',
            ['activity_id', 'polis_id'],
            unique=True,
            sqlite_where=sa.text(f'{target}_id IS NOT NULL'),
            postgresql_where=sa.text(f'{target}_id IS NOT NULL'),
        )
    op.create_table(
        'participation_opinion_maps',
        sa.Column('activity_id', sa.Integer(), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('computed_at', eventapp.core.db.UTCDateTime(), nullable=False),
        sa.Column('reactions', sa.Integer(), nullable=False),
        sa.Column('latest_reaction_at', eventapp.core.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ['activity_id'],
            ['participation_activities.id'],
            name=op.f('fk_participation_opinion_maps_activity_id_participation_activities'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('activity_id', name=op.f('pk_participation_opinion_maps')),
    )


def downgrade():
    # Opinions have no place in the older schema: they go, with their statements and activities.
    op.drop_table('participation_opinion_maps')
    op.drop_table('participation_polis_ids')
    op.drop_table('participation_reactions')
    op.execute(
        "DELETE FROM participation_contributions WHERE activity_id IN "
        "(SELECT id FROM participation_activities WHERE kind = 'opinions')"
    )
    op.execute("DELETE FROM participation_activities WHERE kind = 'opinions'")
