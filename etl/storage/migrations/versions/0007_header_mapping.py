"""header mapping: how a reporting unit's header cells are read (the upload's mapping step)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 07:30:00

One row per reporting unit, form and normalised header text (etl/storage/mappings.py); a new
table only, so nothing stored changes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "header_mapping",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_key", sa.String(length=255), nullable=False),
        sa.Column("owner", sa.String(length=255), nullable=False),
        sa.Column("form", sa.String(length=2), nullable=False),
        sa.Column("header_key", sa.String(length=500), nullable=False),
        sa.Column("header_text", sa.String(length=500), nullable=False),
        sa.Column("target", sa.String(length=40), nullable=False),
        sa.Column("saved_by", sa.String(length=120), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_header_mapping")),
        sa.UniqueConstraint(
            "owner_key", "form", "header_key", name=op.f("uq_header_mapping_owner_key")
        ),
    )


def downgrade() -> None:
    op.drop_table("header_mapping")
