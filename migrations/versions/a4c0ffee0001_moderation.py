"""Moderation: flags, hidden and held posts, thread locks, suspensions, the audit log, settings.

Revision ID: a4c0ffee0001
Revises: a3c0ffee0000
Create Date: 2026-11-22 14:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a4c0ffee0001'
down_revision = 'a3c0ffee0000'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('suspensions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('moderator_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(length=500), nullable=False),
        sa.Column('starts_at', sa.DateTime(), nullable=False),
        sa.Column('ends_at', sa.DateTime(), nullable=False),
        sa.Column('lifted_at', sa.DateTime(), nullable=True),
        sa.Column('lifted_by_id', sa.Integer(), nullable=True),
        sa.Column('lift_reason', sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(['lifted_by_id'], ['users.id'], name=op.f('fk_suspensions_lifted_by_id_users')),
        sa.ForeignKeyConstraint(['moderator_id'], ['users.id'], name=op.f('fk_suspensions_moderator_id_users')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_suspensions_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_suspensions')),
        sqlite_autoincrement=True
        )
    op.create_index(op.f('ix_suspensions_user_id'), 'suspensions', ['user_id'], unique=False)
    op.create_table('review_items',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('post_type', sa.String(length=10), nullable=False),
        sa.Column('post_id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('hold_reason', sa.String(length=300), nullable=True),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('flag_count', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('resolved_at', sa.DateTime(), nullable=True),
        sa.Column('resolved_by_id', sa.Integer(), nullable=True),
        sa.Column('resolution', sa.String(length=20), nullable=True),
        sa.Column('resolution_note', sa.Text(), nullable=True),
        sa.CheckConstraint("kind IN ('flagged', 'held')", name=op.f('ck_review_items_kind_known')),
        sa.CheckConstraint("post_type IN ('question', 'answer', 'comment')", name=op.f('ck_review_items_post_type_known')),
        sa.CheckConstraint("status IN ('pending', 'agreed', 'disagreed', 'ignored', 'approved', 'rejected')", name=op.f('ck_review_items_status_known')),
        sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_review_items_author_id_users')),
        sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_review_items_question_id_questions')),
        sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_review_items_resolved_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_review_items')),
        sqlite_autoincrement=True
        )
    op.create_index(op.f('ix_review_items_author_id'), 'review_items', ['author_id'], unique=False)
    op.create_index(op.f('ix_review_items_question_id'), 'review_items', ['question_id'], unique=False)
    op.create_index('ix_review_items_status_created_at', 'review_items', ['status', 'created_at'], unique=False)
    op.create_index('uq_review_items_pending_post', 'review_items', ['post_type', 'post_id'], unique=True, sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))
    op.create_table('flags',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('post_type', sa.String(length=10), nullable=False),
        sa.Column('post_id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('post_author_id', sa.Integer(), nullable=False),
        sa.Column('flagger_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(length=10), nullable=False),
        sa.Column('text', sa.String(length=500), nullable=True),
        sa.Column('weight', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('review_item_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('resolved_at', sa.DateTime(), nullable=True),
        sa.Column('resolved_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint("post_type IN ('question', 'answer', 'comment')", name=op.f('ck_flags_post_type_known')),
        sa.CheckConstraint("reason IN ('spam', 'rude', 'off-topic', 'staff', 'other')", name=op.f('ck_flags_reason_known')),
        sa.CheckConstraint("status IN ('open', 'agreed', 'disagreed', 'ignored')", name=op.f('ck_flags_status_known')),
        sa.ForeignKeyConstraint(['flagger_id'], ['users.id'], name=op.f('fk_flags_flagger_id_users')),
        sa.ForeignKeyConstraint(['post_author_id'], ['users.id'], name=op.f('fk_flags_post_author_id_users')),
        sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_flags_question_id_questions')),
        sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_flags_resolved_by_id_users')),
        sa.ForeignKeyConstraint(['review_item_id'], ['review_items.id'], name=op.f('fk_flags_review_item_id_review_items')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_flags')),
        sqlite_autoincrement=True
        )
    op.create_index('ix_flags_flagger_created_at', 'flags', ['flagger_id', 'created_at'], unique=False)
    op.create_index('ix_flags_post', 'flags', ['post_type', 'post_id'], unique=False)
    op.create_index(op.f('ix_flags_post_author_id'), 'flags', ['post_author_id'], unique=False)
    op.create_index(op.f('ix_flags_question_id'), 'flags', ['question_id'], unique=False)
    op.create_index(op.f('ix_flags_review_item_id'), 'flags', ['review_item_id'], unique=False)
    op.create_index('uq_flags_open_per_member', 'flags', ['flagger_id', 'post_type', 'post_id'], unique=True, sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))
    for table in ('questions', 'answers', 'comments'):
        op.add_column(table, sa.Column('hidden_at', sa.DateTime(), nullable=True))
        op.add_column(table, sa.Column('hidden_reason', sa.String(length=20), nullable=True))
    op.add_column('questions', sa.Column('locked_at', sa.DateTime(), nullable=True))
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite cannot add a constraint to a table, only a column that carries one; a batch
        # rebuild would drop AUTOINCREMENT, so ids could be reused (RELIABILITY.md 5).
        op.execute('ALTER TABLE questions ADD COLUMN locked_by_id INTEGER '
                   'CONSTRAINT fk_questions_locked_by_id_users REFERENCES users (id)')
    else:
        op.add_column('questions', sa.Column('locked_by_id', sa.Integer(), nullable=True))
        op.create_foreign_key('fk_questions_locked_by_id_users', 'questions', 'users', ['locked_by_id'], ['id'])
    op.add_column('users', sa.Column('suspended_until', sa.DateTime(), nullable=True))
    op.add_column('users', sa.Column('suspension_reason', sa.String(length=500), nullable=True))


def downgrade():
    op.drop_column('users', 'suspension_reason')
    op.drop_column('users', 'suspended_until')
    if op.get_bind().dialect.name == 'sqlite':
        # Dropping a column that carries a reference needs a rebuild on SQLite.
        with op.batch_alter_table('questions', schema=None) as batch_op:
            batch_op.drop_column('locked_by_id')
    else:
        op.drop_constraint('fk_questions_locked_by_id_users', 'questions', type_='foreignkey')
        op.drop_column('questions', 'locked_by_id')
    op.drop_column('questions', 'locked_at')
    for table in ('comments', 'answers', 'questions'):
        op.drop_column(table, 'hidden_reason')
        op.drop_column(table, 'hidden_at')
    op.drop_index('uq_flags_open_per_member', table_name='flags', sqlite_where=sa.text("status = 'open'"),
                  postgresql_where=sa.text("status = 'open'"))
    op.drop_table('flags')
    op.drop_index('uq_review_items_pending_post', table_name='review_items',
                  sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))
    op.drop_table('review_items')
    op.drop_table('suspensions')
