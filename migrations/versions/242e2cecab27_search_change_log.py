"""Search change log: every committed change to searchable content, for the index to apply in order.

Revision ID: 242e2cecab27
Revises: 8695f56d07a7
Create Date: 2026-11-22 12:12:20.844374

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '242e2cecab27'
down_revision = '8695f56d07a7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('search_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_changes')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('search_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_changes_question_id'), ['question_id'], unique=False)



def downgrade():
    with op.batch_alter_table('search_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_changes_question_id'))

    op.drop_table('search_changes')
