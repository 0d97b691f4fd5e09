"""participation: answers refuse the deletion of their activity

Votes and contributions hold on to their activity (ON DELETE RESTRICT), and a vote's choices to the
options they name, so cancelling a session whose activities hold answers fails in the database
instead of cascading the answers away. Empty activities still go with their session.

On SQLite batch mode rebuilds the three tables; migrations/env.py turns foreign keys off for it, or
dropping the old tables would cascade to vote choices, upvotes and reports.

Revision ID: participation_0002
Revises: outbox_0001
Create Date: 2026-11-27 17:59:42.776396

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'participation_0002'
down_revision = 'outbox_0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('participation_contributions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_participation_contributions_activity_id_participation_activities'), type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_participation_contributions_activity_id_participation_activities'), 'participation_activities', ['activity_id'], ['id'], ondelete='RESTRICT')

    with op.batch_alter_table('participation_vote_choices', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_participation_vote_choices_option_id_participation_poll_options'), type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_participation_vote_choices_option_id_participation_poll_options'), 'participation_poll_options', ['option_id'], ['id'], ondelete='RESTRICT')

    with op.batch_alter_table('participation_votes', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_participation_votes_activity_id_participation_activities'), type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_participation_votes_activity_id_participation_activities'), 'participation_activities', ['activity_id'], ['id'], ondelete='RESTRICT')


def downgrade():
    with op.batch_alter_table('participation_votes', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_participation_votes_activity_id_participation_activities'), type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_participation_votes_activity_id_participation_activities'), 'participation_activities', ['activity_id'], ['id'], ondelete='CASCADE')

    with op.batch_alter_table('participation_vote_choices', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_participation_vote_choices_option_id_participation_poll_options'), type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_participation_vote_choices_option_id_participation_poll_options'), 'participation_poll_options', ['option_id'], ['id'], ondelete='CASCADE')

    with op.batch_alter_table('participation_contributions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_participation_contributions_activity_id_participation_activities'), type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_participation_contributions_activity_id_participation_activities'), 'participation_activities', ['activity_id'], ['id'], ondelete='CASCADE')
