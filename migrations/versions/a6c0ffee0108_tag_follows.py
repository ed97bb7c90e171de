"""Following tags: which members follow which tags

Revision ID: a6c0ffee0108
Revises: a6c0ffee0107
Create Date: 2026-12-03 10:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a6c0ffee0108'
down_revision = 'a6c0ffee0107'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('tag_follows',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('tag_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['tag_id'], ['tags.id'], name=op.f('fk_tag_follows_tag_id_tags'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_tag_follows_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'tag_id', name=op.f('pk_tag_follows'))
    )
    with op.batch_alter_table('tag_follows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tag_follows_tag_id'), ['tag_id'], unique=False)


def downgrade():
    with op.batch_alter_table('tag_follows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tag_follows_tag_id'))

    op.drop_table('tag_follows')
