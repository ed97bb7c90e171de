"""Badges and reputation history: every reputation change as an event, and the badges members earned

Revision ID: a6c0ffee0109
Revises: a6c0ffee0108
Create Date: 2026-12-03 11:00:00.000000

"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a6c0ffee0109'
down_revision = 'a6c0ffee0108'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reputation_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=30), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=True),
    sa.Column('answer_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['answer_id'], ['answers.id'],
                            name=op.f('fk_reputation_events_answer_id_answers'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'],
                            name=op.f('fk_reputation_events_question_id_questions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                            name=op.f('fk_reputation_events_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reputation_events')),
    sqlite_autoincrement=True
    )
    op.create_index('ix_reputation_events_user_created', 'reputation_events', ['user_id', 'created_at'], unique=False)
    op.create_table('badge_awards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('badge', sa.String(length=30), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=True),
    sa.Column('answer_id', sa.Integer(), nullable=True),
    sa.Column('awarded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['answer_id'], ['answers.id'],
                            name=op.f('fk_badge_awards_answer_id_answers'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'],
                            name=op.f('fk_badge_awards_question_id_questions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                            name=op.f('fk_badge_awards_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_badge_awards')),
    sa.UniqueConstraint('user_id', 'badge', name=op.f('uq_badge_awards_user_id')),
    sqlite_autoincrement=True
    )
    op.create_index('ix_badge_awards_badge', 'badge_awards', ['badge'], unique=False)

    # What earned the points so far is not known (the votes have no dates of their own), so each member with
    # points gets one event holding them all: every member's history then sums to their points.
    users = sa.table('users', sa.column('id', sa.Integer()), sa.column('reputation_points', sa.Integer()))
    events = sa.table('reputation_events', sa.column('user_id', sa.Integer()), sa.column('amount', sa.Integer()),
                      sa.column('reason', sa.String()), sa.column('created_at', sa.DateTime()))
    now = datetime.now(UTC).replace(tzinfo=None)
    op.execute(events.insert().from_select(
        ['user_id', 'amount', 'reason', 'created_at'],
        sa.select(users.c.id, users.c.reputation_points, sa.literal('before_history', sa.String()),
                  sa.literal(now, sa.DateTime())).where(users.c.reputation_points != 0),
    ))


def downgrade():
    op.drop_index('ix_badge_awards_badge', table_name='badge_awards')
    op.drop_table('badge_awards')
    op.drop_index('ix_reputation_events_user_created', table_name='reputation_events')
    op.drop_table('reputation_events')
