"""The care queue: care items, their reasons, clocks, notes, teams and 'I have this problem too'.

Revision ID: a5c0ffee0002
Revises: a4c0ffee0001
Create Date: 2026-11-22 14:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a5c0ffee0002'
down_revision = 'a4c0ffee0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'care_items',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('category', sa.String(length=20), nullable=False),
        sa.Column('team', sa.String(length=60), nullable=False),
        sa.Column('priority_score', sa.Integer(), nullable=False),
        sa.Column('priority_override', sa.String(length=10), nullable=True),
        sa.Column('sentiment', sa.Integer(), nullable=False),
        sa.Column('matched_words', sa.JSON(), nullable=False),
        sa.Column('assignee_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('opened_at', sa.DateTime(), nullable=False),
        sa.Column('first_response_at', sa.DateTime(), nullable=True),
        sa.Column('first_response_by_id', sa.Integer(), nullable=True),
        sa.Column('waiting_since', sa.DateTime(), nullable=True),
        sa.Column('paused_seconds', sa.Integer(), nullable=False),
        sa.Column('resolved_at', sa.DateTime(), nullable=True),
        sa.Column('resolved_by', sa.String(length=20), nullable=True),
        sa.Column('first_response_breached_at', sa.DateTime(), nullable=True),
        sa.Column('resolution_breached_at', sa.DateTime(), nullable=True),
        sa.Column('reopened_count', sa.Integer(), nullable=False),
        sa.Column('followup_asked_at', sa.DateTime(), nullable=True),
        sa.Column('satisfied', sa.Boolean(), nullable=True),
        sa.Column('satisfied_at', sa.DateTime(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("category IN ('question', 'complaint', 'compliment', 'other')",
                           name=op.f('ck_care_items_category_known')),
        sa.CheckConstraint("status IN ('new', 'acknowledged', 'in_progress', 'waiting', 'resolved')",
                           name=op.f('ck_care_items_status_known')),
        sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_care_items_assignee_id_users')),
        sa.ForeignKeyConstraint(['first_response_by_id'], ['users.id'],
                                name=op.f('fk_care_items_first_response_by_id_users')),
        sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_care_items_question_id_questions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_care_items')),
        sa.UniqueConstraint('question_id', name=op.f('uq_care_items_question_id')),
        sqlite_autoincrement=True,
    )
    op.create_index('ix_care_items_status', 'care_items', ['status'], unique=False)
    op.create_index(op.f('ix_care_items_assignee_id'), 'care_items', ['assignee_id'], unique=False)
    op.create_table(
        'care_reasons',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('ref', sa.String(length=40), nullable=False),
        sa.Column('detail', sa.Text(), nullable=True),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_care_reasons_actor_id_users')),
        sa.ForeignKeyConstraint(['item_id'], ['care_items.id'], name=op.f('fk_care_reasons_item_id_care_items'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_care_reasons')),
        sa.UniqueConstraint('item_id', 'kind', 'ref', name='uq_care_reasons_item_kind_ref'),
    )
    op.create_index(op.f('ix_care_reasons_item_id'), 'care_reasons', ['item_id'], unique=False)
    op.create_table(
        'care_notes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_care_notes_author_id_users')),
        sa.ForeignKeyConstraint(['item_id'], ['care_items.id'], name=op.f('fk_care_notes_item_id_care_items'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_care_notes')),
    )
    op.create_index(op.f('ix_care_notes_item_id'), 'care_notes', ['item_id'], unique=False)
    op.create_table(
        'care_agents',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('is_away', sa.Boolean(), nullable=False),
        sa.Column('backup_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['backup_id'], ['users.id'], name=op.f('fk_care_agents_backup_id_users')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_care_agents_user_id_users')),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_care_agents')),
    )
    op.create_table(
        'care_same_problem',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('browser_hash', sa.String(length=64), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['question_id'], ['questions.id'],
                                name=op.f('fk_care_same_problem_question_id_questions')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_care_same_problem_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_care_same_problem')),
        sa.UniqueConstraint('question_id', 'browser_hash', name='uq_care_same_problem_browser'),
        sa.UniqueConstraint('question_id', 'user_id', name='uq_care_same_problem_user'),
    )
    op.create_index(op.f('ix_care_same_problem_question_id'), 'care_same_problem', ['question_id'], unique=False)
    op.create_table(
        'care_reminders',
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_care_reminders_question_id_questions')),
        sa.PrimaryKeyConstraint('question_id', 'number', name=op.f('pk_care_reminders')),
    )


def downgrade():
    op.drop_table('care_reminders')
    op.drop_index(op.f('ix_care_same_problem_question_id'), table_name='care_same_problem')
    op.drop_table('care_same_problem')
    op.drop_table('care_agents')
    op.drop_index(op.f('ix_care_notes_item_id'), table_name='care_notes')
    op.drop_table('care_notes')
    op.drop_index(op.f('ix_care_reasons_item_id'), table_name='care_reasons')
    op.drop_table('care_reasons')
    op.drop_index(op.f('ix_care_items_assignee_id'), table_name='care_items')
    op.drop_index('ix_care_items_status', table_name='care_items')
    op.drop_table('care_items')
