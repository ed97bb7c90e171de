"""Closing questions: when, by whom, why, and the original a duplicate points to.

Revision ID: e47a3f533bff
Revises: edda6bfd18ac
Create Date: 2026-11-22 12:26:52.447381

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e47a3f533bff'
down_revision = 'edda6bfd18ac'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('questions', sa.Column('closed_at', sa.DateTime(), nullable=True))
    op.add_column('questions', sa.Column('close_reason', sa.String(length=20), nullable=True))
    references = {'closed_by_id': ('users', 'fk_questions_closed_by_id_users'),
                  'duplicate_of_id': ('questions', 'fk_questions_duplicate_of_id_questions')}
    for column, (table, name) in references.items():
        if op.get_bind().dialect.name == 'sqlite':
            # SQLite cannot add a constraint to a table, only a column that carries one; and a
            # batch rebuild would drop AUTOINCREMENT, so ids could be reused (RELIABILITY.md 5).
            op.execute(f'ALTER TABLE questions ADD COLUMN {column} INTEGER CONSTRAINT {name} REFERENCES {table} (id)')
        else:
            op.add_column('questions', sa.Column(column, sa.Integer(), nullable=True))
            op.create_foreign_key(name, 'questions', table, [column], ['id'])


def downgrade():
    columns = ('duplicate_of_id', 'close_reason', 'closed_by_id', 'closed_at')
    if op.get_bind().dialect.name == 'sqlite':
        # Dropping a column that carries a reference needs a rebuild on SQLite.
        with op.batch_alter_table('questions', schema=None) as batch_op:
            for column in columns:
                batch_op.drop_column(column)
        return
    op.drop_constraint('fk_questions_duplicate_of_id_questions', 'questions', type_='foreignkey')
    op.drop_constraint('fk_questions_closed_by_id_users', 'questions', type_='foreignkey')
    for column in columns:
        op.drop_column('questions', column)
