"""registrations: the mailbox each address reaches, indexed per event

Revision ID: registration_0004
Revises: participation_0007
Create Date: 2026-12-06 12:20:00

Issue 20 (hot paths): the per-mailbox limit of issue 17 summed the seats of the event's registrations
whose address is the mailbox or one of its "+" variants, with a LIKE no index serves: every sign-up
read every active registration of its event, inside the event lock. `mailbox` (the address without
its "+tag", kept by the model with the address) and an index on (event, mailbox) let it read only
that mailbox's rows. Existing rows get theirs here, computed as the model does.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'registration_0004'
down_revision = 'participation_0007'
branch_labels = None
depends_on = None


def _mailbox_of(email):
    # registration.models.mailbox_of as of this revision (a migration does not follow later code).
    local, at, domain = email.rpartition("@")
    return f"{local.split('+', 1)[0]}{at}{domain}"


def upgrade():
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mailbox', sa.String(length=254), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, email FROM registrations")).all()
    if rows:
        connection.execute(
            sa.text("UPDATE registrations SET mailbox = :mailbox WHERE id = :id"),
            [{"id": id_, "mailbox": _mailbox_of(email)} for id_, email in rows],
        )
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.create_index('ix_registrations_mailbox', ['event_id', 'mailbox'], unique=False)


def downgrade():
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_index('ix_registrations_mailbox')
        batch_op.drop_column('mailbox')
