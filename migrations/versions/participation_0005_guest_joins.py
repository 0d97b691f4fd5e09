"""participation (guest joins): the moderator can pause new guests; guests remember their network's hash

A guest joins a room by an explicit step; the room can refuse new guests for a while
(participation_rooms.guests_paused), and each guest keeps a keyed hash of the network it joined from
(participation_participants.network) so that a surge from one network shows on the manage page.

Revision ID: participation_0005_guest_joins
Revises: registration_0002
Create Date: 2026-12-06 08:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'participation_0005_guest_joins'
down_revision = 'registration_0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('participation_rooms', schema=None) as batch_op:
        batch_op.add_column(sa.Column('guests_paused', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('participation_participants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('network', sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table('participation_participants', schema=None) as batch_op:
        batch_op.drop_column('network')
    with op.batch_alter_table('participation_rooms', schema=None) as batch_op:
        batch_op.drop_column('guests_paused')
