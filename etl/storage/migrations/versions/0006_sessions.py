"""sign-in sessions kept by the server, and login attempts counted by address quickly

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 07:30:00

`user_session`: one row per sign-in to the dashboard, ended by logging out, a new password, a
new role, disabling the account or an administrator (docs/security.md, "Sessions"). Sessions
signed in before this migration carry no session id and are asked to sign in again.

`ix_login_attempt_remote_addr_at`: throttling counts the recent failures of an address on every
login attempt, as it counts those of a name (`ix_login_attempt_username_at`).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("remote_addr", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.String(length=255), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_user_session_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_session")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_user_session_token_sha256")),
    )
    op.create_index("ix_user_session_user_id", "user_session", ["user_id"], unique=False)
    op.create_index(
        "ix_login_attempt_remote_addr_at", "login_attempt", ["remote_addr", "at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_login_attempt_remote_addr_at", table_name="login_attempt")
    op.drop_index("ix_user_session_user_id", table_name="user_session")
    op.drop_table("user_session")
