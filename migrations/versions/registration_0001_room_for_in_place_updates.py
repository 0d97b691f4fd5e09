"""registrations: room on each PostgreSQL page for updates in place

Revision ID: registration_0001
Revises: tickets_0003
Create Date: 2026-11-27 20:00:00

An admission at the door updates checked_in_people and checked_in_on, which no index holds: with free
room on the row's page PostgreSQL keeps the new version there (a heap-only update) instead of adding
an entry to each of the table's eight indexes. Pages already full get the room as they are rewritten
(VACUUM FULL, or rows moving on their next update); new rows get it at once. SQLite has no such setting.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'registration_0001'
down_revision = 'tickets_0003'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE registrations SET (fillfactor = 80)")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE registrations RESET (fillfactor)")
