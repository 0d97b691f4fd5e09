"""participation: answers refuse the deletion of their activity

Votes and contributions hold on to their activity (ON DELETE RESTRICT), and a vote's choices to the
options they name, so cancelling a session whose activities hold answers fails in the database
instead of cascading the answers away. Empty activities still go with their session.

On SQLite batch mode rebuilds the three tables; migrations/env.py turns foreign keys off for it, or
dropping the old tables would cascade to vote choices, upvotes and reports.

Revision ID: participation_0002
Revises: tickets_0002
Create Date: 2026-11-27 17:59:42.776396

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'participation_0002'
down_revision = 'tickets_0002'
branch_labels = None
depends_on = None


# (table, column, referred table): the foreign keys whose ON DELETE changes.
ANSWERS = (
    ('participation_contributions', 'activity_id', 'participation_activities'),
    ('participation_vote_choices', 'option_id', 'participation_poll_options'),
    ('participation_votes', 'activity_id', 'participation_activities'),
)


def _on_delete(action):
    for table, column, referred in ANSWERS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            name = batch_op.f(f'fk_{table}_{column}_{referred}')
            batch_op.drop_constraint(name, type_='foreignkey')
            batch_op.create_foreign_key(name, referred, [column], ['id'], ondelete=action)


def upgrade():
    _on_delete('RESTRICT')


def downgrade():
    _on_delete('CASCADE')
