"""Initial schema: members, tokens, tags, questions, answers, comments, votes, revisions.

Revision ID: 8695f56d07a7
Revises: 
Create Date: 2026-11-22 11:19:50.224225

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8695f56d07a7'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    # questions and answers point at each other. SQLite accepts a reference to a table that does
    # not exist yet (and cannot add one later); PostgreSQL gets the link once answers exists.
    sqlite = op.get_bind().dialect.name == 'sqlite'
    accepted_answer_fk = [sa.ForeignKeyConstraint(['accepted_answer_id'], ['answers.id'],
                                                  name='fk_questions_accepted_answer_id_answers')] if sqlite else []
    op.create_table('tags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=35), nullable=False),
    sa.Column('question_count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tags')),
    sa.UniqueConstraint('name', name=op.f('uq_tags_name'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=30), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('reputation_points', sa.Integer(), nullable=False),
    sa.Column('session_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("role IN ('member', 'agent', 'moderator', 'admin')", name=op.f('ck_users_role_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email')),
    sqlite_autoincrement=True
    )
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('token_digest', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_digest', name=op.f('uq_api_tokens_token_digest'))
    )
    # Usernames are unique whatever their case.
    op.create_index('uq_users_username_lower', 'users', [sa.text('lower(username)')], unique=True)
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=150), nullable=False),
    sa.Column('body_source', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('answer_count', sa.Integer(), nullable=False),
    sa.Column('view_count', sa.Integer(), nullable=False),
    sa.Column('accepted_answer_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('edited_at', sa.DateTime(), nullable=True),
    sa.Column('last_activity_at', sa.DateTime(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.Column('deleted_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_questions_author_id_users')),
    sa.ForeignKeyConstraint(['deleted_by_id'], ['users.id'], name=op.f('fk_questions_deleted_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_questions')),
    *accepted_answer_fk,
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_questions_author_id'), ['author_id'], unique=False)
        batch_op.create_index('ix_questions_created_at', ['created_at'], unique=False)
        batch_op.create_index('ix_questions_last_activity_at', ['last_activity_at'], unique=False)
        batch_op.create_index('ix_questions_score', ['score'], unique=False)

    op.create_table('answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body_source', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('edited_at', sa.DateTime(), nullable=True),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.Column('deleted_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_answers_author_id_users')),
    sa.ForeignKeyConstraint(['deleted_by_id'], ['users.id'], name=op.f('fk_answers_deleted_by_id_users')),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_answers_question_id_questions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answers')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_answers_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_answers_question_id'), ['question_id'], unique=False)

    if not sqlite:
        op.create_foreign_key('fk_questions_accepted_answer_id_answers', 'questions', 'answers',
                              ['accepted_answer_id'], ['id'])
    op.create_table('question_tags',
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('tag_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_question_tags_question_id_questions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tag_id'], ['tags.id'], name=op.f('fk_question_tags_tag_id_tags')),
    sa.PrimaryKeyConstraint('question_id', 'tag_id', name=op.f('pk_question_tags'))
    )
    with op.batch_alter_table('question_tags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_tags_tag_id'), ['tag_id'], unique=False)

    op.create_table('question_votes',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('value IN (-1, 1)', name=op.f('ck_question_votes_value_is_up_or_down')),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_question_votes_question_id_questions')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_question_votes_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', 'question_id', name=op.f('pk_question_votes'))
    )
    with op.batch_alter_table('question_votes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_votes_question_id'), ['question_id'], unique=False)

    op.create_table('answer_votes',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('answer_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('value IN (-1, 1)', name=op.f('ck_answer_votes_value_is_up_or_down')),
    sa.ForeignKeyConstraint(['answer_id'], ['answers.id'], name=op.f('fk_answer_votes_answer_id_answers')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_answer_votes_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', 'answer_id', name=op.f('pk_answer_votes'))
    )
    with op.batch_alter_table('answer_votes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_answer_votes_answer_id'), ['answer_id'], unique=False)

    op.create_table('comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('answer_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['answer_id'], ['answers.id'], name=op.f('fk_comments_answer_id_answers')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_comments_author_id_users')),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_comments_question_id_questions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comments')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comments_answer_id'), ['answer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_comments_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_comments_question_id'), ['question_id'], unique=False)

    op.create_table('revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=True),
    sa.Column('answer_id', sa.Integer(), nullable=True),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('editor_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('title', sa.String(length=150), nullable=True),
    sa.Column('tags', sa.String(length=200), nullable=True),
    sa.Column('body_source', sa.Text(), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=True),
    sa.CheckConstraint('(question_id IS NULL) <> (answer_id IS NULL)', name=op.f('ck_revisions_one_post')),
    sa.ForeignKeyConstraint(['answer_id'], ['answers.id'], name=op.f('fk_revisions_answer_id_answers')),
    sa.ForeignKeyConstraint(['editor_id'], ['users.id'], name=op.f('fk_revisions_editor_id_users')),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_revisions_question_id_questions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_revisions'))
    )
    with op.batch_alter_table('revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_revisions_answer_id'), ['answer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_revisions_question_id'), ['question_id'], unique=False)



def downgrade():
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint('fk_questions_accepted_answer_id_answers', 'questions', type_='foreignkey')
    with op.batch_alter_table('revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_revisions_question_id'))
        batch_op.drop_index(batch_op.f('ix_revisions_answer_id'))

    op.drop_table('revisions')
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comments_question_id'))
        batch_op.drop_index(batch_op.f('ix_comments_author_id'))
        batch_op.drop_index(batch_op.f('ix_comments_answer_id'))

    op.drop_table('comments')
    with op.batch_alter_table('answer_votes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_answer_votes_answer_id'))

    op.drop_table('answer_votes')
    with op.batch_alter_table('question_votes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_question_votes_question_id'))

    op.drop_table('question_votes')
    with op.batch_alter_table('question_tags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_question_tags_tag_id'))

    op.drop_table('question_tags')
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_answers_question_id'))
        batch_op.drop_index(batch_op.f('ix_answers_author_id'))

    op.drop_table('answers')
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.drop_index('ix_questions_score')
        batch_op.drop_index('ix_questions_last_activity_at')
        batch_op.drop_index('ix_questions_created_at')
        batch_op.drop_index(batch_op.f('ix_questions_author_id'))

    op.drop_table('questions')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))

    op.drop_table('api_tokens')
    op.drop_table('users')
    op.drop_table('tags')
