"""periods and review (engineer B's minimal stand-in; engineer A's migration replaces it)

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "period",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_period")),
        sa.UniqueConstraint("as_of", name=op.f("uq_period_as_of")),
    )
    # plain ADD COLUMN: a batch recreate of submission would drop 0003's triggers
    if op.get_bind().dialect.name == "sqlite":  # ADD COLUMN … REFERENCES, no constraint ALTER
        op.execute("ALTER TABLE submission ADD COLUMN period_id INTEGER REFERENCES period (id)")
    else:
        op.add_column("submission", sa.Column("period_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_submission_period_id_period"), "submission", "period", ["period_id"], ["id"]
        )
    op.add_column("user_account", sa.Column("email", sa.String(length=254), nullable=True))
    op.create_table(
        "review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["submission_id"], ["submission.id"], name=op.f("fk_review_submission_id_submission")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review")),
    )
    op.create_index("ix_review_submission_id", "review", ["submission_id", "id"])
    op.execute(
        "INSERT INTO review (submission_id, status, actor, at, comment)"
        " SELECT id, 'da_duyet', 'migration', uploaded_at, 'Duyệt khi nâng cấp'"
        " FROM submission ORDER BY id"
    )


def downgrade() -> None:
    op.drop_index("ix_review_submission_id", table_name="review")
    op.drop_table("review")
    op.drop_column("user_account", "email")
    op.drop_column("submission", "period_id")
    op.drop_table("period")
