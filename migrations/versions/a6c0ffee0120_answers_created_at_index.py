"""Answers and care reminders by the time they were written: the care sweep's reminder step finds a day of each

Without them every sweep read every answer and every reminder (2.2 s a minute at a million questions). On
PostgreSQL the indexes are built CONCURRENTLY, outside the migration's transaction, so hosts still serving keep
writing.

Revision ID: a6c0ffee0120
Revises: a6c0ffee0119
Create Date: 2026-12-04 19:00:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a6c0ffee0120'
down_revision = 'a6c0ffee0119'
branch_labels = None
depends_on = None


def upgrade():
    with op.get_context().autocommit_block():
        op.create_index('ix_answers_created_at', 'answers', ['created_at'], postgresql_concurrently=True)
        op.create_index(op.f('ix_care_reminders_created_at'), 'care_reminders', ['created_at'],
                        postgresql_concurrently=True)


def downgrade():
    with op.get_context().autocommit_block():
        op.drop_index(op.f('ix_care_reminders_created_at'), table_name='care_reminders', postgresql_concurrently=True)
        op.drop_index('ix_answers_created_at', table_name='answers', postgresql_concurrently=True)
