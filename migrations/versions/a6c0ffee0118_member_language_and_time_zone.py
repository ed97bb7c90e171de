"""Members: a language and a time zone of their own

Both are empty for every existing member: they keep following their browser's language and the
community's time zone until they choose.

Revision ID: a6c0ffee0118
Revises: a6c0ffee0117
Create Date: 2026-12-04 10:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a6c0ffee0118'
down_revision = 'a6c0ffee0117'
branch_labels = None
depends_on = None


def upgrade():
    # Not in a batch: two nullable columns need no rebuild of users, which on SQLite would have to
    # carry AUTOINCREMENT and the expression index on lower(username) across (see a6c0ffee0107).
    op.add_column('users', sa.Column('locale', sa.String(length=16), nullable=True))
    op.add_column('users', sa.Column('time_zone', sa.String(length=64), nullable=True))


def downgrade():
    op.drop_column('users', 'time_zone')
    op.drop_column('users', 'locale')
