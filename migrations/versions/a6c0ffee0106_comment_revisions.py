"""Comment edits: when a comment was last edited, and the text before each edit

Revision ID: a6c0ffee0106
Revises: a6c0ffee0006
Create Date: 2026-12-03 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a6c0ffee0106'
down_revision = 'a6c0ffee0006'
branch_labels = None
depends_on = None


def upgrade():
    # Not in a batch: on SQLite a batch rebuild of comments would drop AUTOINCREMENT, so ids could be reused.
    op.add_column('comments', sa.Column('edited_at', sa.DateTime(), nullable=True))
    op.create_table('comment_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('edited_at', sa.DateTime(), nullable=False),
    sa.Column('editor_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], name=op.f('fk_comment_revisions_comment_id_comments')),
    sa.ForeignKeyConstraint(['editor_id'], ['users.id'], name=op.f('fk_comment_revisions_editor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comment_revisions'))
    )
    with op.batch_alter_table('comment_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comment_revisions_comment_id'), ['comment_id'], unique=False)


def downgrade():
    with op.batch_alter_table('comment_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comment_revisions_comment_id'))

    op.drop_table('comment_revisions')
    op.drop_column('comments', 'edited_at')
