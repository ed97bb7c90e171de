"""Stored images in the database: every host serves every upload, and a host's folder is only its copy.

Revision ID: 5d1e0c7a9b42
Revises: a6c0ffee0118
Create Date: 2026-12-04 01:30:00

"""
from pathlib import Path

import sqlalchemy as sa
from alembic import op
from flask import current_app

# revision identifiers, used by Alembic.
revision = '5d1e0c7a9b42'
down_revision = 'a6c0ffee0118'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'stored_images',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_stored_images')),
    )
    # The files this host kept so far become the shared copies (an upgrade runs on one host, which holds them all
    # when the deployment had only one; run `flask uploads load-folder` on each other host that kept files).
    folder = Path(current_app.config.get('UPLOADS_DIR', ''))
    connection = op.get_bind()
    live = connection.execute(sa.text('SELECT DISTINCT name FROM uploads WHERE removed_at IS NULL')).scalars().all()
    for name in live:
        path = folder / name
        if path.is_file():
            connection.execute(sa.text(
                'INSERT INTO stored_images (name, data, created_at) SELECT name, :data, MIN(created_at) '
                'FROM uploads WHERE name = :name GROUP BY name').bindparams(sa.bindparam('data', type_=sa.LargeBinary)),
                {'name': name, 'data': path.read_bytes()})


def downgrade():
    op.drop_table('stored_images')
