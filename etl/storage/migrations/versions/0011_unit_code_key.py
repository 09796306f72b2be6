"""unit.code_key: a unit's code case-folded, indexed, for matching a file's codes

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 10:30:00

Codes compare without regard to case (docs/domain.md, Name matching). Matching a file read
every unit with a code to compare them; with the case-folded code stored and indexed it looks
up only the codes the file names (`code_key IN (…)`, etl/ingest/matching.py). Python's
`str.casefold` is what the comparison uses (SQL `lower` folds only ASCII in SQLite), so the
existing codes are folded here, in Python, in batches.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade() -> None:
    op.add_column("unit", sa.Column("code_key", sa.String(length=120), nullable=True))
    op.create_index("ix_unit_code_key", "unit", ["code_key"], unique=False)
    conn = op.get_bind()
    unit = sa.table("unit", sa.column("id", sa.Integer), sa.column("code", sa.String),
                    sa.column("code_key", sa.String))  # fmt: skip
    rows = conn.execute(sa.select(unit.c.id, unit.c.code).where(unit.c.code.is_not(None))).all()
    update = (
        sa.update(unit)
        .where(unit.c.id == sa.bindparam("_id"))
        .values(code_key=sa.bindparam("_key"))
    )
    for i in range(0, len(rows), BATCH):
        batch = rows[i : i + BATCH]
        conn.execute(update, [{"_id": r.id, "_key": r.code.casefold()} for r in batch])


def downgrade() -> None:
    op.drop_index("ix_unit_code_key", table_name="unit")
    # ALTER TABLE … DROP COLUMN, also in SQLite (3.35+): a batch copy of `unit` would drop the
    # table the facts' foreign keys point at
    op.drop_column("unit", "code_key")
