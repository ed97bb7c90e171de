"""Where imported rows came from, so a Stack Exchange import can run twice without creating anything twice.

Revision ID: a6c0ffee0005
Revises: a6c0ffee0004
Create Date: 2026-11-22 14:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a6c0ffee0005'
down_revision = 'a6c0ffee0004'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
