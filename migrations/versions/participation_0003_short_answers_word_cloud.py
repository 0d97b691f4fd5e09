"""participation: short answers (word cloud), at most three per participant

A short answer is a contribution of a `short_answers` activity (the kind is a VARCHAR, no type to
alter). `answer_slot` (1 to 3) and `answer_key` (the answer as the cloud groups it) are unique per
participant and activity, so the database itself holds everyone to three different answers.

On SQLite batch mode rebuilds the table for the CHECK constraint; migrations/env.py turns foreign keys
off for it, or dropping the old table would cascade to upvotes and reports.

Revision ID: participation_0003
Revises: accounts_0001
Create Date: 2026-12-06 05:10:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'participation_0003'
down_revision = 'accounts_0001'
branch_labels = None
depends_on = None

TABLE = 'participation_contributions'


def upgrade():
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.add_column(sa.Column('answer_slot', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('answer_key', sa.String(length=60), nullable=True))
        batch_op.create_check_constraint(
            op.f(f'ck_{TABLE}_answer_slot_range'), 'answer_slot IS NULL OR (answer_slot BETWEEN 1 AND 3)'
        )
    for name, column in (('answer_slot', 'answer_slot'), ('answer_key', 'answer_key')):
        op.create_index(
            f'uq_participation_contributions_{name}',
            TABLE,
            ['activity_id', 'participant_id', column],
            unique=True,
            sqlite_where=sa.text(f'{column} IS NOT NULL'),
            postgresql_where=sa.text(f'{column} IS NOT NULL'),
        )


def downgrade():
    # Short answers have no place in the older schema: they go, with their activities.
    op.execute(
        "DELETE FROM participation_contributions WHERE activity_id IN "
        "(SELECT id FROM participation_activities WHERE kind = 'short_answers')"
    )
    op.execute("DELETE FROM participation_activities WHERE kind = 'short_answers'")
    for name in ('answer_key', 'answer_slot'):
        op.drop_index(f'uq_participation_contributions_{name}', table_name=TABLE)
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_constraint(op.f(f'ck_{TABLE}_answer_slot_range'), type_='check')
        batch_op.drop_column('answer_key')
        batch_op.drop_column('answer_slot')
