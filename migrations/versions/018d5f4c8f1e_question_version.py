"""A version on each question that moves whenever its page would change: the page cache key.

Revision ID: 018d5f4c8f1e
Revises: e47a3f533bff
Create Date: 2026-11-22 12:49:43.822857

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '018d5f4c8f1e'
down_revision = 'e47a3f533bff'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN: no table rebuild, so SQLite keeps AUTOINCREMENT.
    op.add_column('questions', sa.Column('version', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    op.drop_column('questions', 'version')
