"""programmes: targets belong to a programme (giai đoạn) with its baseline year and end year

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 10:30:00

A new table `programme` and, on `target`, the programme a row belongs to, its `Căn cứ` and its
sectors kept stable (docs/domain.md, "Programme targets"). The plan rows stored before are
attached to programmes made from their own rows, one per baseline year (`base_year`): it
starts the year after, and ends in the last year of the rows' yearly path, else in the last
year of a `giai đoạn 2022 - 2026` their document names, else is left without an end year
(an administrator sets it on the administration page). Nothing else changes.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# etl.core.programme_names, as it is when this migration is written
_RANGE = re.compile(r"giai\s+đoạn\s*:?\s*(\d{4})\s*[-‐‑‒–—―]\s*(\d{4})", re.IGNORECASE)


def upgrade() -> None:
    op.create_table(
        "programme",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("basis", sa.String(length=255), nullable=True),
        sa.Column("baseline_year", sa.Integer(), nullable=False),
        sa.Column("start_year", sa.Integer(), nullable=False),
        sa.Column("end_year", sa.Integer(), nullable=True),
        sa.Column("submission_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submission.id"],
            name=op.f("fk_programme_submission_id_submission"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme")),
        sa.UniqueConstraint("name", name=op.f("uq_programme_name")),
    )
    if _sqlite():  # a column-level reference: SQLite cannot add a table constraint
        op.execute("ALTER TABLE target ADD COLUMN programme_id INTEGER REFERENCES programme (id)")
    else:
        op.add_column("target", sa.Column("programme_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_target_programme_id_programme"), "target", "programme",
            ["programme_id"], ["id"],
        )  # fmt: skip
    op.add_column("target", sa.Column("basis", sa.String(length=255), nullable=True))
    op.add_column("target", sa.Column("exclude_sectors", sa.String(length=500), nullable=True))
    _attach_stored_rows()


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _attach_stored_rows() -> None:
    conn = op.get_bind()
    rows = conn.execute(
        sa.text("SELECT id, submission_id, base_year, path, doc_ref FROM target ORDER BY id")
    ).all()
    groups: dict[int, list[tuple]] = {}
    for row in rows:
        groups.setdefault(int(row[2]), []).append(row)
    now = dt.datetime.now(dt.UTC)
    for base_year, members in sorted(groups.items()):
        start = base_year + 1
        ends = []
        for _id, _sub, _base, path, doc_ref in members:
            years = json.loads(path) if isinstance(path, str) else (path or {})
            ends += [int(y) for y in years]
            if (found := _RANGE.search(doc_ref or "")) and int(found.group(2)) >= start:
                ends.append(int(found.group(2)))
        end = max(ends) if ends else None
        name = f"{start} - {end}" if end is not None else f"Từ năm {start}"
        programme_id = conn.execute(
            sa.text(
                "INSERT INTO programme (name, basis, baseline_year, start_year, end_year,"
                " submission_id, created_at) VALUES (:name, NULL, :base, :start, :end, :sub,"
                " :now) RETURNING id"
            ),
            {
                "name": name, "base": base_year, "start": start, "end": end,
                "sub": min(m[1] for m in members), "now": now,
            },
        ).scalar_one()  # fmt: skip
        ids = ", ".join(str(int(m[0])) for m in members)
        conn.execute(sa.text(f"UPDATE target SET programme_id = {int(programme_id)} WHERE id IN ({ids})"))


def downgrade() -> None:
    if not _sqlite():
        op.drop_constraint(op.f("fk_target_programme_id_programme"), "target", type_="foreignkey")
    op.drop_column("target", "exclude_sectors")
    op.drop_column("target", "basis")
    op.drop_column("target", "programme_id")
    op.drop_table("programme")
