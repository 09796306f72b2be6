"""communes: a unit's commune, and Biểu 03 rows that end a district's level

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 10:30:00

`unit` gains `commune` and `commune_key` (NOT NULL, "" for every unit stored so far) and its
identity becomes (name_key, district_key, commune_key), so `Phòng Kinh tế` exists once per
commune; `event` gains `district` and `district_key`, set on a row recording the end of a
district's level (docs/domain.md, "The end of the district level"). Nothing stored changes.
"""

from __future__ import annotations


import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMN: a batch (copy and rename) would drop the data_change triggers of 0003
    op.add_column("unit", sa.Column("commune", sa.String(length=120), nullable=True))
    op.add_column(
        "unit", sa.Column("commune_key", sa.String(length=120), nullable=False, server_default="")
    )
    op.add_column("event", sa.Column("district", sa.String(length=120), nullable=True))
    op.add_column("event", sa.Column("district_key", sa.String(length=120), nullable=True))
    _replace_identity(OLD, NEW)


def downgrade() -> None:
    _replace_identity(NEW, OLD)
    op.drop_column("event", "district_key")  # plain DROP COLUMN, as in 0004
    op.drop_column("event", "district")
    op.drop_column("unit", "commune_key")
    op.drop_column("unit", "commune")


OLD = ("uq_unit_name_district", ["name_key", "district_key"])
NEW = ("uq_unit_identity", ["name_key", "district_key", "commune_key"])


def _replace_identity(old: tuple[str, list[str]], new: tuple[str, list[str]]) -> None:
    """The unit's unique identity constraint replaced. SQLite drops a constraint only by
    rebuilding the table (`_rebuild_sqlite_unit`); elsewhere by ALTER TABLE."""
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite_unit(old, new)
        return
    op.drop_constraint(old[0], "unit", type_="unique")
    op.create_unique_constraint(new[0], "unit", new[1])


def _rebuild_sqlite_unit(old: tuple[str, list[str]], new: tuple[str, list[str]]) -> None:
    """`unit` rebuilt with `new` instead of `old`, its rows, indexes and triggers kept, inside
    the migration's transaction, where foreign keys cannot be switched off: with them deferred,
    dropping the table leaves the rows that refer to it (facts, events …) unmatched for a
    moment, and inserting the same rows into the table of the same name matches them again
    (a batch would rename a copy into place, which SQLite never counts as matching them)."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.text("SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'unit'")
    ).all()
    create = next(sql for kind, name, sql in rows if kind == "table" and name == "unit")
    others = [sql for kind, _name, sql in rows if kind in ("index", "trigger") and sql]
    before = f"CONSTRAINT {old[0]} UNIQUE ({', '.join(old[1])})"
    after = f"CONSTRAINT {new[0]} UNIQUE ({', '.join(new[1])})"
    if before not in create:
        raise RuntimeError(f"unit: «{before}» not found in its definition")
    op.execute("PRAGMA defer_foreign_keys = ON")
    op.execute("CREATE TABLE _unit_rows AS SELECT * FROM unit")
    op.execute("DROP TABLE unit")
    op.execute(create.replace(before, after))
    op.execute("INSERT INTO unit SELECT * FROM _unit_rows")
    op.execute("DROP TABLE _unit_rows")
    for sql in others:
        op.execute(sql)
