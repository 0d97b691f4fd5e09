"""participation: a statement's language and the organisers' translations of it (issue 21)

A contribution records the language it was written in (statements of the opinion map; NULL where no one
knows: rows written before, Polis imports). The organisers' translation of a statement into another
language is a row of its own, one per statement and language, deleted with the statement.

Revision ID: participation_0007
Revises: registration_0003
Create Date: 2026-12-06 11:40:00

"""
from alembic import op
import sqlalchemy as sa
import eventapp.core.db


# revision identifiers, used by Alembic.
revision = 'participation_0007'
down_revision = 'registration_0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('participation_contributions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=2), nullable=True))
    op.create_table(
        'participation_statement_translations',
        sa.Column('statement_id', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=2), nullable=False),
        sa.Column('body', sa.String(length=140), nullable=False),
        sa.Column('translated_at', eventapp.core.db.UTCDateTime(), nullable=False),
        sa.Column('translated_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "language IN ('fr', 'nl', 'en')", name=op.f('ck_participation_statement_translations_language_code')
        ),
        sa.ForeignKeyConstraint(
            ['statement_id'],
            ['participation_contributions.id'],
            name=op.f('fk_participation_statement_translations_statement_id_participation_contributions'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['translated_by_id'],
            ['users.id'],
            name=op.f('fk_participation_statement_translations_translated_by_id_users'),
            ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('statement_id', 'language', name=op.f('pk_participation_statement_translations')),
    )


def downgrade():
    op.drop_table('participation_statement_translations')
    with op.batch_alter_table('participation_contributions', schema=None) as batch_op:
        batch_op.drop_column('language')
