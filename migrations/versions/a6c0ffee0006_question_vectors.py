"""Question vectors: sentence embeddings kept so that a rebuild need not recompute them

Revision ID: a6c0ffee0006
Revises: a6c0ffee0005
Create Date: 2026-12-03 06:17:20.521228

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a6c0ffee0006'
down_revision = 'a6c0ffee0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('question_vectors',
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('model', sa.String(length=64), nullable=False),
    sa.Column('text_hash', sa.String(length=40), nullable=False),
    sa.Column('vector', sa.LargeBinary(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_question_vectors_question_id_questions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('question_id', name=op.f('pk_question_vectors'))
    )
    with op.batch_alter_table('question_vectors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_vectors_revision'), ['revision'], unique=False)



def downgrade():
    with op.batch_alter_table('question_vectors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_question_vectors_revision'))

    op.drop_table('question_vectors')
