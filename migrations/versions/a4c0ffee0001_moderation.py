"""Moderation: flags, hidden and held posts, thread locks, suspensions, the audit log, settings.

Revision ID: a4c0ffee0001
Revises: a3c0ffee0000
Create Date: 2026-11-22 14:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a4c0ffee0001'
down_revision = 'a3c0ffee0000'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
