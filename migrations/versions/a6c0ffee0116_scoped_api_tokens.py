"""API tokens get scopes, an expiry and a binding to the password they were issued under

Tokens existing at migration time keep working as before, as far as their member's role allows
today: a member's get `read write`; an agent's add `care:read care:write`; a moderator's and an
admin's add `moderate` too. Each of them expires 90 days after the migration runs (new tokens
choose 7, 30, 90 or 365 days), and is bound to the member's current password, so the next
password change or reset ends it.

Revision ID: a6c0ffee0116
Revises: a6c0ffee0115
Create Date: 2026-12-03 15:00:00.000000

"""
import hashlib
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a6c0ffee0116'
down_revision = 'a6c0ffee0115'
branch_labels = None
depends_on = None

EXISTING_TOKEN_DAYS = 90
# The scopes each role allowed at this revision (app/auth/scopes.py), frozen here as migrations must be.
SCOPES_BY_ROLE = {
    "member": "read write",
    "agent": "read write care:read care:write",
    "moderator": "read write care:read care:write moderate",
    "admin": "read write care:read care:write moderate",
}


def _binding(password_hash):
    """app.auth.services.password_binding: the first 24 hex digits of the hash's SHA-256."""
    return hashlib.sha256(password_hash.encode("utf-8", "surrogatepass")).hexdigest()[:24]


def upgrade():
    expires_at = datetime.now(UTC).replace(tzinfo=None, microsecond=0) + timedelta(days=EXISTING_TOKEN_DAYS)
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scopes', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('password_binding', sa.String(length=24), nullable=True))

    connection = op.get_bind()
    tokens = sa.table('api_tokens', sa.column('id', sa.Integer()), sa.column('user_id', sa.Integer()),
                      sa.column('scopes', sa.String()), sa.column('expires_at', sa.DateTime()),
                      sa.column('password_binding', sa.String()))
    users = sa.table('users', sa.column('id', sa.Integer()), sa.column('role', sa.String()),
                     sa.column('password_hash', sa.String()))
    rows = connection.execute(sa.select(tokens.c.id, users.c.role, users.c.password_hash)
                              .join(users, users.c.id == tokens.c.user_id)).all()
    for token_id, role, password_hash in rows:
        connection.execute(tokens.update().where(tokens.c.id == token_id).values(
            scopes=SCOPES_BY_ROLE.get(role, SCOPES_BY_ROLE["member"]), expires_at=expires_at,
            password_binding=_binding(password_hash)))

    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.alter_column('scopes', existing_type=sa.String(length=200), nullable=False)
        batch_op.alter_column('expires_at', existing_type=sa.DateTime(), nullable=False)
        batch_op.alter_column('password_binding', existing_type=sa.String(length=24), nullable=False)


def downgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('password_binding')
        batch_op.drop_column('expires_at')
        batch_op.drop_column('scopes')
