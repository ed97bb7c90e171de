"""Email verification: when a member proved they read the address they signed up with

Revision ID: a6c0ffee0107
Revises: a6c0ffee0106
Create Date: 2026-12-03 11:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a6c0ffee0107'
down_revision = 'a6c0ffee0106'
branch_labels = None
depends_on = None


def upgrade():
    # Not in a batch: on SQLite a batch rebuild of users would drop AUTOINCREMENT, so ids could be reused.
    op.add_column('users', sa.Column('email_verified_at', sa.DateTime(), nullable=True))
    # Members from before verification existed keep what they could do: nobody is locked out on deploy.
    op.execute("UPDATE users SET email_verified_at = created_at")


def downgrade():
    op.drop_column('users', 'email_verified_at')
