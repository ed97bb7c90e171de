"""Care queue: exempt imported history, withdraw items of hidden questions, warn before a breach, agents' teams

Every question an earlier import created becomes exempt (its import record says so), so the next
sweep queues none of them and reminds no one: imported history never entered the queue knowingly.
Items whose question is hidden or deleted now are withdrawn at the migration's time.

Revision ID: a6c0ffee0117
Revises: a6c0ffee0116
Create Date: 2026-12-03 14:00:00.000000

"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a6c0ffee0117'
down_revision = 'a6c0ffee0116'
branch_labels = None
depends_on = None

OLD_STATUSES = "status IN ('new', 'acknowledged', 'in_progress', 'waiting', 'resolved')"
NEW_STATUSES = "status IN ('new', 'acknowledged', 'in_progress', 'waiting', 'resolved', 'withdrawn')"


def upgrade():
    now = datetime.now(UTC).replace(tzinfo=None)
    op.create_table('care_exemptions',
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=60), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_care_exemptions_question_id_questions'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('question_id', name=op.f('pk_care_exemptions'))
    )
    with op.batch_alter_table('care_items', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('first_response_warned_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('resolution_warned_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(), nullable=True))
        batch_op.drop_constraint(op.f('ck_care_items_status_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_care_items_status_known'), NEW_STATUSES)
        batch_op.create_index('ix_care_items_updated', ['updated_at', 'id'], unique=False)
    with op.batch_alter_table('care_agents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('teams', sa.JSON(), nullable=True))

    op.execute(sa.text(
        "INSERT INTO care_exemptions (question_id, reason, created_at) "
        "SELECT DISTINCT local_id, 'imported: ' || site, :now FROM import_records "
        "WHERE kind = 'question' AND local_id IN (SELECT id FROM questions)").bindparams(now=now))
    op.execute(sa.text(
        "UPDATE care_items SET status = 'withdrawn', withdrawn_at = :now, updated_at = :now "
        "WHERE status <> 'resolved' AND question_id IN "
        "(SELECT id FROM questions WHERE deleted_at IS NOT NULL OR hidden_at IS NOT NULL)").bindparams(now=now))


def downgrade():
    op.execute("UPDATE care_items SET status = 'new' WHERE status = 'withdrawn'")
    with op.batch_alter_table('care_agents', schema=None) as batch_op:
        batch_op.drop_column('teams')
    with op.batch_alter_table('care_items', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_constraint(op.f('ck_care_items_status_known'), type_='check')
        batch_op.drop_index('ix_care_items_updated')
        batch_op.create_check_constraint(op.f('ck_care_items_status_known'), OLD_STATUSES)
        batch_op.drop_column('withdrawn_at')
        batch_op.drop_column('resolution_warned_at')
        batch_op.drop_column('first_response_warned_at')
    op.drop_table('care_exemptions')
