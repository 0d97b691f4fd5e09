"""tickets: admissions counted per day

Revision ID: tickets_0003
Revises: participation_0002
Create Date: 2026-11-27 19:11:52.260829

An event over several days admits each ticket once a day: registrations.checked_in_on is the Brussels
day their checked_in_people counts. Existing rows keep NULL, which counts for any day (as before).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'tickets_0003'
down_revision = 'participation_0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checked_in_on', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_column('checked_in_on')
