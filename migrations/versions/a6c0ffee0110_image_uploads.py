"""Image uploads: who uploaded which stored image, when, and whether a moderator removed it

Revision ID: a6c0ffee0110
Revises: a6c0ffee0109
Create Date: 2026-12-03 10:55:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a6c0ffee0110'
down_revision = 'a6c0ffee0109'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('uploads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uploader_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('content_type', sa.String(length=20), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('removed_at', sa.DateTime(), nullable=True),
    sa.Column('removed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['removed_by_id'], ['users.id'], name=op.f('fk_uploads_removed_by_id_users')),
    sa.ForeignKeyConstraint(['uploader_id'], ['users.id'], name=op.f('fk_uploads_uploader_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_uploads'))
    )
    with op.batch_alter_table('uploads', schema=None) as batch_op:
        batch_op.create_index('ix_uploads_uploader_id_created_at', ['uploader_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_uploads_name'), ['name'], unique=False)


def downgrade():
    with op.batch_alter_table('uploads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_uploads_name'))
        batch_op.drop_index('ix_uploads_uploader_id_created_at')

    op.drop_table('uploads')
