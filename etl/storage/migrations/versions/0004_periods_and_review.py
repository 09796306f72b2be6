"""periods and review: reporting periods, the append-only review of each submission, e-mail

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 05:00:00

Returns already stored become approved and get periods from their cut-off dates, so every
figure is the same after the upgrade: one period per distinct `submission.as_of` (closed but
the latest), `submission.period_id` from it, and one `da_duyet` review row per submission.

`submission` gets its column by a plain ADD COLUMN: a batch (copy and rename) would drop the
data_change triggers of migration 0003.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

APPEND_ONLY_VI = "Lịch sử duyệt chỉ được ghi thêm / the review history is append-only"
GRACE_DAYS = 15  # the deadline of a period made here: its as_of + 15 days


def default_name(as_of: dt.date) -> str:
    """A frozen copy of `etl.storage.periods.default_name` (a migration never changes)."""
    if (as_of.month, as_of.day) == (12, 31):
        return f"Năm {as_of.year}"
    if (as_of.month, as_of.day) == (6, 30):
        return f"6 tháng đầu năm {as_of.year}"
    return f"Kỳ tính đến {as_of:%d/%m/%Y}"


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
    if op.get_bind().dialect.name == "postgresql":
        op.add_column("submission", sa.Column("period_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_submission_period_id_period"), "submission", "period", ["period_id"], ["id"]
        )
    else:  # SQLite adds a column with its reference in one statement (alembic would batch)
        op.execute(
            "ALTER TABLE submission ADD COLUMN period_id INTEGER "
            "CONSTRAINT fk_submission_period_id_period REFERENCES period (id)"
        )
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
    op.create_index("ix_review_submission_id", "review", ["submission_id", "id"], unique=False)
    op.add_column("user_account", sa.Column("email", sa.String(length=254), nullable=True))
    _review_append_only()
    _existing_returns()


def _review_append_only() -> None:
    """UPDATE and DELETE on review fail, in the database itself (as audit_log, 0002)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION review_append_only() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION '{APPEND_ONLY_VI}'; END; $$ LANGUAGE plpgsql;
            """
        )
        op.execute(
            "CREATE TRIGGER review_no_change BEFORE UPDATE OR DELETE ON review "
            "FOR EACH ROW EXECUTE FUNCTION review_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER review_no_{event.lower()} BEFORE {event} ON review "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_VI}'); END"
            )


def _existing_returns() -> None:
    """Periods from the stored cut-off dates, and every stored submission approved."""
    conn = op.get_bind()
    period = sa.table(
        "period",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("as_of", sa.Date),
        sa.column("deadline", sa.Date),
        sa.column("state", sa.String),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("created_by", sa.String),
        sa.column("closed_at", sa.DateTime(timezone=True)),
    )
    submission = sa.table(
        "submission",
        sa.column("id", sa.Integer),
        sa.column("as_of", sa.Date),
        sa.column("uploaded_at", sa.DateTime(timezone=True)),
        sa.column("period_id", sa.Integer),
    )
    review = sa.table(
        "review",
        sa.column("submission_id", sa.Integer),
        sa.column("status", sa.String),
        sa.column("actor", sa.String),
        sa.column("at", sa.DateTime(timezone=True)),
        sa.column("comment", sa.Text),
    )
    dates = sorted(
        _date(d)
        for d in conn.execute(
            sa.select(submission.c.as_of).where(submission.c.as_of.is_not(None)).distinct()
        ).scalars()
    )
    now = dt.datetime.now(dt.UTC)
    for as_of in dates:
        latest = as_of == dates[-1]
        conn.execute(
            period.insert().values(
                name=default_name(as_of),
                as_of=as_of,
                deadline=as_of + dt.timedelta(days=GRACE_DAYS),
                state="mo" if latest else "dong",
                created_at=now,
                created_by="migration",
                closed_at=None if latest else now,
            )
        )
    if dates:  # one UPDATE for all: the data_change triggers (0003) log it once per row
        conn.execute(
            submission.update()
            .where(submission.c.as_of.is_not(None))
            .values(
                period_id=sa.select(period.c.id)
                .where(period.c.as_of == submission.c.as_of)
                .scalar_subquery()
            )
        )
    rows = conn.execute(
        sa.select(submission.c.id, submission.c.uploaded_at).order_by(submission.c.id)
    ).all()
    if rows:
        conn.execute(
            review.insert(),
            [
                {
                    "submission_id": r.id,
                    "status": "da_duyet",
                    "actor": "migration",
                    "at": r.uploaded_at,
                    "comment": "Duyệt khi nâng cấp",
                }
                for r in rows
            ],
        )


def _date(value: dt.date | str) -> dt.date:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS review_no_change ON review")
        op.execute("DROP FUNCTION IF EXISTS review_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS review_no_update")
        op.execute("DROP TRIGGER IF EXISTS review_no_delete")
    op.drop_column("user_account", "email")
    op.drop_index("ix_review_submission_id", table_name="review")
    op.drop_table("review")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("fk_submission_period_id_period", "submission", type_="foreignkey")
    op.drop_column("submission", "period_id")  # plain DROP COLUMN: no batch (0003's triggers)
    op.drop_table("period")
