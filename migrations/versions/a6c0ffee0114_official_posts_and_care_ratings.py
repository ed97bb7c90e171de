"""Official answers and comments stamped on the post; every answer to "Did this solve your problem?" kept

`answers.official` and `comments.official` record that brand staff wrote the post, at write time,
so a later change of role no longer rewrites past posts and the staff-response figures. History
before this migration has no record of anyone's role at the time, so the backfill uses the best
available one: the authors' roles when the migration runs (staff now = official), except for imported
posts (import_records), which are never official. A member promoted or demoted before this
migration therefore keeps the mark their current role gives; from here on the stamp is exact.

`care_ratings` keeps one row per resolution an asker rated (solved yes/no, an optional 1-5 score and
comment). Each item's surviving answer (`care_items.satisfied`, which every earlier answer
overwrote) becomes one rating without a score: a "yes" for the item's current resolution, a "no"
for the one before (a "no" reopened the item). Answers overwritten before this migration are gone.

Revision ID: a6c0ffee0114
Revises: a6c0ffee0112
Create Date: 2026-12-03 15:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a6c0ffee0114'
down_revision = 'a6c0ffee0112'
branch_labels = None
depends_on = None

STAFF_ROLES = ('agent', 'moderator', 'admin')


def upgrade():
    for table in ('answers', 'comments'):
        # The rebuild (if the dialect needs one) keeps AUTOINCREMENT: ids are never reused.
        with op.batch_alter_table(table, schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
            batch_op.add_column(sa.Column('official', sa.Boolean(), server_default=sa.false(), nullable=False))
    connection = op.get_bind()
    for table, kind in (('answers', 'answer'), ('comments', 'comment')):
        connection.execute(sa.text(
            f"UPDATE {table} SET official = :official WHERE author_id IN "
            "(SELECT id FROM users WHERE role IN :roles) AND NOT EXISTS "
            f"(SELECT 1 FROM import_records r WHERE r.kind = :kind AND r.local_id = {table}.id)"
        ).bindparams(sa.bindparam('roles', expanding=True)),
            {'official': True, 'roles': list(STAFF_ROLES), 'kind': kind})

    op.create_table('care_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('episode', sa.Integer(), nullable=False),
    sa.Column('solved', sa.Boolean(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('rater_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('episode >= 1', name=op.f('ck_care_ratings_episode_positive')),
    sa.CheckConstraint('score BETWEEN 1 AND 5', name=op.f('ck_care_ratings_score_in_scale')),
    sa.ForeignKeyConstraint(['item_id'], ['care_items.id'], name=op.f('fk_care_ratings_item_id_care_items'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rater_id'], ['users.id'], name=op.f('fk_care_ratings_rater_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_ratings')),
    sa.UniqueConstraint('item_id', 'episode', name='uq_care_ratings_item_episode')
    )
    op.create_index(op.f('ix_care_ratings_rater_id'), 'care_ratings', ['rater_id'], unique=False)
    # A "yes" left the item resolved (its current resolution); a "no" reopened it (the one before).
    connection.execute(sa.text(
        "INSERT INTO care_ratings (item_id, episode, solved, score, comment, rater_id, created_at) "
        "SELECT i.id, CASE WHEN i.satisfied = :yes THEN i.reopened_count + 1 ELSE i.reopened_count END, "
        "i.satisfied, NULL, NULL, q.author_id, COALESCE(i.satisfied_at, i.updated_at) "
        "FROM care_items i JOIN questions q ON q.id = i.question_id "
        "WHERE i.satisfied IS NOT NULL AND (i.satisfied = :yes OR i.reopened_count >= 1)"),
        {'yes': True})


def downgrade():
    op.drop_index(op.f('ix_care_ratings_rater_id'), table_name='care_ratings')
    op.drop_table('care_ratings')
    for table in ('comments', 'answers'):
        with op.batch_alter_table(table, schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
            batch_op.drop_column('official')
