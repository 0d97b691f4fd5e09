"""events: accessibility facilities of an event, UiTdatabank place id of a venue

events.facilities holds the UiTdatabank facility term ids the organiser ticked (space-separated);
venues.uitdatabank_place_id is the venue's place in UiTdatabank, which the UiTdatabank export refers to.

Revision ID: events_0001
Revises: participation_0005_guest_joins
Create Date: 2026-12-06 08:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'events_0001'
down_revision = 'participation_0005_guest_joins'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('facilities', sa.String(length=200), server_default='', nullable=False))
    with op.batch_alter_table('venues', schema=None) as batch_op:
        batch_op.add_column(sa.Column('uitdatabank_place_id', sa.Uuid(), nullable=True))


def downgrade():
    with op.batch_alter_table('venues', schema=None) as batch_op:
        batch_op.drop_column('uitdatabank_place_id')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('facilities')
