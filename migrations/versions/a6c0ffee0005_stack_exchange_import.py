"""Where imported rows came from, so a Stack Exchange import can run twice without creating anything twice.

Revision ID: a6c0ffee0005
Revises: a6c0ffee0004
Create Date: 2026-11-22 14:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a6c0ffee0005'
down_revision = 'a6c0ffee0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('import_records',
    sa.Column('site', sa.String(length=60), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('external_id', sa.String(length=40), nullable=False),
    sa.Column('local_id', sa.Integer(), nullable=False),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('site', 'kind', 'external_id', name=op.f('pk_import_records'))
    )
    op.create_index('ix_import_records_kind_local_id', 'import_records', ['kind', 'local_id'], unique=False)


def downgrade():
    op.drop_index('ix_import_records_kind_local_id', table_name='import_records')
    op.drop_table('import_records')
