"""Private messages: conversations, their members' read state, messages, blocks; reports of messages

Revision ID: a6c0ffee0111
Revises: a6c0ffee0110
Create Date: 2026-12-03 11:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a6c0ffee0111'
down_revision = 'a6c0ffee0110'
branch_labels = None
depends_on = None

OLD_POST_TYPES = "post_type IN ('question', 'answer', 'comment')"
NEW_POST_TYPES = "post_type IN ('question', 'answer', 'comment', 'message')"


def upgrade():
    op.create_table('conversations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('first_user_id', sa.Integer(), nullable=False),
    sa.Column('second_user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_message_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('first_user_id < second_user_id', name=op.f('ck_conversations_ordered_pair')),
    sa.ForeignKeyConstraint(['first_user_id'], ['users.id'], name=op.f('fk_conversations_first_user_id_users')),
    sa.ForeignKeyConstraint(['second_user_id'], ['users.id'], name=op.f('fk_conversations_second_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conversations')),
    sa.UniqueConstraint('first_user_id', 'second_user_id', name='uq_conversations_pair'),
    sqlite_autoincrement=True
    )
    op.create_index(op.f('ix_conversations_second_user_id'), 'conversations', ['second_user_id'], unique=False)
    op.create_index(op.f('ix_conversations_last_message_at'), 'conversations', ['last_message_at'], unique=False)
    op.create_table('conversation_members',
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('last_read_message_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'],
                            name=op.f('fk_conversation_members_conversation_id_conversations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_conversation_members_user_id_users')),
    sa.PrimaryKeyConstraint('conversation_id', 'user_id', name=op.f('pk_conversation_members'))
    )
    op.create_index(op.f('ix_conversation_members_user_id'), 'conversation_members', ['user_id'], unique=False)
    op.create_table('messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_messages_author_id_users')),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'],
                            name=op.f('fk_messages_conversation_id_conversations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_messages')),
    sqlite_autoincrement=True
    )
    op.create_index(op.f('ix_messages_author_id'), 'messages', ['author_id'], unique=False)
    op.create_index('ix_messages_conversation_id_id', 'messages', ['conversation_id', 'id'], unique=False)
    op.create_table('member_blocks',
    sa.Column('blocker_id', sa.Integer(), nullable=False),
    sa.Column('blocked_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('blocker_id <> blocked_id', name=op.f('ck_member_blocks_not_self')),
    sa.ForeignKeyConstraint(['blocked_id'], ['users.id'], name=op.f('fk_member_blocks_blocked_id_users')),
    sa.ForeignKeyConstraint(['blocker_id'], ['users.id'], name=op.f('fk_member_blocks_blocker_id_users')),
    sa.PrimaryKeyConstraint('blocker_id', 'blocked_id', name=op.f('pk_member_blocks'))
    )
    op.create_index(op.f('ix_member_blocks_blocked_id'), 'member_blocks', ['blocked_id'], unique=False)

    # SQLite cannot add a foreign key in place: the batch rebuilds notifications, keeping its AUTOINCREMENT.
    with op.batch_alter_table('notifications', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('conversation_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_notifications_conversation_id'), ['conversation_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_notifications_conversation_id_conversations'), 'conversations',
                                    ['conversation_id'], ['id'], ondelete='CASCADE')

    # A reported message has no thread, and "message" becomes a kind of post; the rebuild keeps AUTOINCREMENT.
    for table in ('review_items', 'flags'):
        with op.batch_alter_table(table, schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
            batch_op.alter_column('question_id', existing_type=sa.Integer(), nullable=True)
            batch_op.drop_constraint(op.f(f'ck_{table}_post_type_known'), type_='check')
            batch_op.create_check_constraint(op.f(f'ck_{table}_post_type_known'), NEW_POST_TYPES)


def downgrade():
    op.execute("DELETE FROM flags WHERE post_type = 'message'")
    op.execute("DELETE FROM review_items WHERE post_type = 'message'")
    for table in ('flags', 'review_items'):
        with op.batch_alter_table(table, schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
            batch_op.drop_constraint(op.f(f'ck_{table}_post_type_known'), type_='check')
            batch_op.create_check_constraint(op.f(f'ck_{table}_post_type_known'), OLD_POST_TYPES)
            batch_op.alter_column('question_id', existing_type=sa.Integer(), nullable=False)

    with op.batch_alter_table('notifications', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_conversation_id'))
        batch_op.drop_constraint(op.f('fk_notifications_conversation_id_conversations'), type_='foreignkey')
        batch_op.drop_column('conversation_id')
    op.drop_index(op.f('ix_member_blocks_blocked_id'), table_name='member_blocks')
    op.drop_table('member_blocks')
    op.drop_index('ix_messages_conversation_id_id', table_name='messages')
    op.drop_index(op.f('ix_messages_author_id'), table_name='messages')
    op.drop_table('messages')
    op.drop_index(op.f('ix_conversation_members_user_id'), table_name='conversation_members')
    op.drop_table('conversation_members')
    op.drop_index(op.f('ix_conversations_last_message_at'), table_name='conversations')
    op.drop_index(op.f('ix_conversations_second_user_id'), table_name='conversations')
    op.drop_table('conversations')
