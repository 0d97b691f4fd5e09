"""tickets: fewer indexes written per scan

Revision ID: tickets_0002
Revises: outbox_0001
Create Date: 2026-11-27 18:10:00

A door scan inserts a scan_attempts row and, when it admits, a check_ins row. Indexes that no query
needs cost a page write each per scan: scan_attempts.scanner_id and .registration_id (scanners and
registrations are never deleted, so their foreign keys are never searched) and check_ins.event_id
(the first column of ix_check_ins_event_gate). scan_attempts' event index gains scanner_id, which the
per-scanner counts group by.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'tickets_0002'
down_revision = 'outbox_0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('scan_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scan_attempts_scanner_id'))
        batch_op.drop_index(batch_op.f('ix_scan_attempts_registration_id'))
        batch_op.drop_index(batch_op.f('ix_scan_attempts_event_id'))
        batch_op.create_index('ix_scan_attempts_event_scanner', ['event_id', 'scanner_id'], unique=False)

    with op.batch_alter_table('check_ins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_check_ins_event_id'))


def downgrade():
    with op.batch_alter_table('check_ins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_check_ins_event_id'), ['event_id'], unique=False)

    with op.batch_alter_table('scan_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_scan_attempts_event_scanner')
        batch_op.create_index(batch_op.f('ix_scan_attempts_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_scan_attempts_registration_id'), ['registration_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_scan_attempts_scanner_id'), ['scanner_id'], unique=False)
