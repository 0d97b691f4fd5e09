"""outbox: content rendered at sending time; registrations: an address change waiting for its confirmation

Revision ID: registration_0003
Revises: participation_0006
Create Date: 2026-12-06 09:15:00

Issue 20 (registration rush): a sign-up's email is rendered by the outbox worker when it sends it
(`render_from`, `render_args`), not inside the sign-up's event lock. Issue 18: a registrant may change
their email address; the new one (`new_email`, asked at `new_email_requested_at`) replaces the old
only once the link sent to it is opened. Existing rows: rendered already, no change waiting.
"""
from alembic import op
import sqlalchemy as sa
import eventapp.core.db


# revision identifiers, used by Alembic.
revision = 'registration_0003'
down_revision = 'participation_0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('render_from', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('render_args', sa.JSON(), nullable=True))
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('new_email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('new_email_requested_at', eventapp.core.db.UTCDateTime(), nullable=True))


def downgrade():
    # Messages still pending with render_from would then be sent empty: deliver the outbox first.
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_column('new_email_requested_at')
        batch_op.drop_column('new_email')
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('render_args')
        batch_op.drop_column('render_from')
