"""registrations: confirmed addresses, seats held until then, unconfirmed seats per network; outbox by recipient; no search text in the audit

Revision ID: registration_0002
Revises: participation_live_room
Create Date: 2026-12-07 10:00:00

Security review (issue 17): a group registration holds its seats only once its address is confirmed
(`email_confirmed_at`, `seats_held_until`), the unconfirmed seats of one network are capped per event
(`network_digest`), one address receives a bounded number of emails an hour (the outbox's index by
recipient), and the audit log keeps no text typed in the attendee search of an export (what was
kept so far is replaced by a mark that a search was used). Existing registrations stay as they are:
not confirmed, holding nothing, counted against no network.
"""
from alembic import op
import sqlalchemy as sa
import eventapp.core.db


# revision identifiers, used by Alembic.
revision = 'registration_0002'
down_revision = 'participation_live_room'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_confirmed_at', eventapp.core.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('seats_held_until', eventapp.core.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('network_digest', sa.String(length=64), nullable=True))
    op.create_index(
        'ix_registrations_network', 'registrations', ['event_id', 'network_digest'],
        sqlite_where=sa.text('network_digest IS NOT NULL'), postgresql_where=sa.text('network_digest IS NOT NULL'),
    )
    op.create_index(
        'ix_registrations_held', 'registrations', ['seats_held_until'],
        sqlite_where=sa.text('seats_held_until IS NOT NULL'), postgresql_where=sa.text('seats_held_until IS NOT NULL'),
    )
    op.create_index('ix_outbox_messages_recipient', 'outbox_messages', ['recipient', 'created_at'])

    # The search text of past exports: JSON, read and written here rather than queried per database.
    audit = sa.table('audit_entries', sa.column('id', sa.Integer), sa.column('action', sa.String),
                     sa.column('details', sa.JSON))
    bind = op.get_bind()
    rows = bind.execute(sa.select(audit.c.id, audit.c.details).where(audit.c.action == 'attendees.exported')).all()
    for entry_id, details in rows:
        filters = (details or {}).get('filters') or {}
        if isinstance(filters, dict) and filters.get('q') not in (None, True):
            bind.execute(
                sa.update(audit).where(audit.c.id == entry_id)
                .values(details={**details, 'filters': {**filters, 'q': True}})
            )


def downgrade():
    op.drop_index('ix_outbox_messages_recipient', table_name='outbox_messages')
    op.drop_index('ix_registrations_held', table_name='registrations')
    op.drop_index('ix_registrations_network', table_name='registrations')
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_column('network_digest')
        batch_op.drop_column('seats_held_until')
        batch_op.drop_column('email_confirmed_at')
