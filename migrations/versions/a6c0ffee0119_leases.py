"""Leases: one holder at a time across the deployment (the in-app care sweeper first)

A lease's expiry is written by the database's clock, so hosts' clocks never decide who holds it.

Revision ID: a6c0ffee0119
Revises: 5d1e0c7a9b42
Create Date: 2026-12-04 12:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a6c0ffee0119'
down_revision = '5d1e0c7a9b42'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('leases',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('holder', sa.String(length=200), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_leases'))
    )


def downgrade():
    op.drop_table('leases')
