"""participation (live room): the room's live version and screen, pinned contributions

Every change a phone or the projector shows bumps participation_rooms.version in its own transaction;
the organiser chooses what the room's screen shows (screen, screen_activity_id); a contribution can be
pinned to the top.

Revision ID: participation_live_room
Revises: participation_0003
Create Date: 2026-12-06 05:10:00

"""
from alembic import op
import sqlalchemy as sa
import eventapp.core.db


# revision identifiers, used by Alembic.
revision = 'participation_live_room'
down_revision = 'participation_0003'
branch_labels = None
depends_on = None

SCREENS = ('join', 'ideas', 'questions', 'poll', 'results', 'words')


def upgrade():
    with op.batch_alter_table('participation_rooms', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(
            sa.Column(
                'screen',
                sa.Enum(*SCREENS, name='screen', native_enum=False, length=20),
                server_default='join',
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column('screen_activity_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_participation_rooms_screen_activity_id_participation_activities'),
            'participation_activities',
            ['screen_activity_id'],
            ['id'],
            ondelete='SET NULL',
        )
    with op.batch_alter_table('participation_contributions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pinned_at', eventapp.core.db.UTCDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('participation_contributions', schema=None) as batch_op:
        batch_op.drop_column('pinned_at')
    with op.batch_alter_table('participation_rooms', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_participation_rooms_screen_activity_id_participation_activities'), type_='foreignkey'
        )
        batch_op.drop_column('screen_activity_id')
        batch_op.drop_column('screen')
        batch_op.drop_column('version')
