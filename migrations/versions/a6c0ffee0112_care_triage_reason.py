"""Care queue: the reason triage gave an item its category and team

Revision ID: a6c0ffee0112
Revises: a6c0ffee0111
Create Date: 2026-12-03 14:10:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a6c0ffee0112'
down_revision = 'a6c0ffee0111'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('care_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('triage_reason', sa.String(length=300), nullable=True))


def downgrade():
    with op.batch_alter_table('care_items', schema=None) as batch_op:
        batch_op.drop_column('triage_reason')
