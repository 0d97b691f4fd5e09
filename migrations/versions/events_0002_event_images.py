"""events: an image per event, with its alternative text in FR, NL and EN

events.image_key names the stored versions of the image (eventapp/events/images.py), empty when
there is none; an event with an image has its alternative text in French and Dutch at least.

Revision ID: events_0002
Revises: events_0001
Create Date: 2026-12-06 09:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'events_0002'
down_revision = 'events_0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('image_key', sa.String(length=80), server_default='', nullable=False))
        for lang in ('fr', 'nl', 'en'):
            batch_op.add_column(sa.Column(f'image_alt_{lang}', sa.String(length=300), server_default='', nullable=False))
        batch_op.create_check_constraint(
            op.f('ck_events_image_has_alt'), "image_key = '' OR (image_alt_fr <> '' AND image_alt_nl <> '')"
        )


def downgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_events_image_has_alt'), type_='check')
        for lang in ('en', 'nl', 'fr'):
            batch_op.drop_column(f'image_alt_{lang}')
        batch_op.drop_column('image_key')
