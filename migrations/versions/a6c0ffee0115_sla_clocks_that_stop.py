"""Care SLA clocks: the first-response clock stops when the item is resolved first, and keeps its own pauses

An item resolved (by staff or by the community) before any staff response had its first-response
clock still running, so it breached after the fact: `first_response_closed_at` now records that
stop, filled in here for the items already resolved that way. `first_response_paused_seconds`
holds the pauses while that clock ran: for items without a response yet, all of their pauses so far.

Revision ID: a6c0ffee0115
Revises: a6c0ffee0114
Create Date: 2026-12-03 15:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a6c0ffee0115'
down_revision = 'a6c0ffee0114'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('care_items', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('first_response_closed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('first_response_paused_seconds', sa.Integer(), nullable=False,
                                      server_default='0'))
    op.execute("UPDATE care_items SET first_response_closed_at = resolved_at "
               "WHERE first_response_at IS NULL AND resolved_at IS NOT NULL")
    op.execute("UPDATE care_items SET first_response_paused_seconds = paused_seconds WHERE first_response_at IS NULL")
    # A breach marked after the item was resolved in time was never one.
    op.execute("UPDATE care_items SET first_response_breached_at = NULL "
               "WHERE first_response_closed_at IS NOT NULL AND first_response_breached_at > first_response_closed_at")


def downgrade():
    with op.batch_alter_table('care_items', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_column('first_response_paused_seconds')
        batch_op.drop_column('first_response_closed_at')
