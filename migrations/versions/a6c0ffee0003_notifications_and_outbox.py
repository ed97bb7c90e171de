"""Notifications, follows, the outbox (email and webhook deliveries), webhooks, account tokens.

Revision ID: a6c0ffee0003
Revises: a5c0ffee0002
Create Date: 2026-11-22 14:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a6c0ffee0003'
down_revision = 'a5c0ffee0002'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
