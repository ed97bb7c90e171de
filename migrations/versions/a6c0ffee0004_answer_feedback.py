"""Anonymous 'Did this answer help you?' feedback, and anything else the public web side needs.

Revision ID: a6c0ffee0004
Revises: a6c0ffee0003
Create Date: 2026-11-22 14:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a6c0ffee0004'
down_revision = 'a6c0ffee0003'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
