"""The care queue: care items, their reasons, clocks, notes, teams and 'I have this problem too'.

Revision ID: a5c0ffee0002
Revises: a4c0ffee0001
Create Date: 2026-11-22 14:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a5c0ffee0002'
down_revision = 'a4c0ffee0001'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
