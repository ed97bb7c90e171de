"""Search logs and ask-form drafts, for what people look for and the questions existing answers deflected.

Revision ID: edda6bfd18ac
Revises: 242e2cecab27
Create Date: 2026-11-22 12:18:07.634957

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'edda6bfd18ac'
down_revision = '242e2cecab27'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ask_drafts',
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('opened_count', sa.Integer(), nullable=False),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.Column('posted_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('token', name=op.f('pk_ask_drafts'))
    )
    with op.batch_alter_table('ask_drafts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ask_drafts_opened_at'), ['opened_at'], unique=False)

    op.create_table('search_logs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('query', sa.String(length=300), nullable=False),
    sa.Column('result_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_logs'))
    )
    with op.batch_alter_table('search_logs', schema=None) as batch_op:
        batch_op.create_index('ix_search_logs_created_at', ['created_at'], unique=False)



def downgrade():
    with op.batch_alter_table('search_logs', schema=None) as batch_op:
        batch_op.drop_index('ix_search_logs_created_at')

    op.drop_table('search_logs')
    with op.batch_alter_table('ask_drafts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ask_drafts_opened_at'))

    op.drop_table('ask_drafts')
