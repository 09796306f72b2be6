"""unit province: the province a unit was of is part of its identity; province mergers

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 10:30:00

`unit` gains `province` (display) and `province_key` (NOT NULL, "" for the deployment's own
province or none written: every existing unit), and its unique key becomes (name_key,
district_key, commune_key, province_key): `Sở Y tế` of two provinces are two units. `event` gains
`provinces` (JSON), the provinces before and after a merger of provinces (Biểu 03 `Loại đơn
vị` = `Tỉnh, thành phố`). Nothing stored changes meaning (docs/domain.md, "Provinces and
mergers").

On SQLite the unique key can only change by rebuilding `unit` (`_sqlite_swap_key`), its
indexes and the data_change triggers of 0003 created again as they were.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

OLD_COLUMNS = ["name_key", "district_key", "commune_key"]  # 0008's identity
NEW_COLUMNS = [*OLD_COLUMNS, "province_key"]
KEY = "uq_unit_identity"
OLD_KEY = f"CONSTRAINT {KEY} UNIQUE ({', '.join(OLD_COLUMNS)})"
NEW_KEY = f"CONSTRAINT {KEY} UNIQUE ({', '.join(NEW_COLUMNS)})"


def _sqlite_swap_key(old: str, new: str) -> None:
    """SQLite cannot drop a table constraint: `unit` is rebuilt with `new` in place of `old`.
    Other tables refer to it and foreign keys are on (a pragma a transaction cannot change),
    so their checks are deferred to the commit: the old rows are copied aside, the table
    dropped (its rows then count as missing parents), created again and refilled with the
    same ids (the parents are back), its indexes and triggers created again as they were."""
    conn = op.get_bind()
    conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
    create = conn.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'unit'"
    ).scalar_one()
    if old not in create:
        raise RuntimeError(f"unit has no {old!r}")
    extras = conn.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE tbl_name = 'unit' AND type IN ('index', 'trigger')"
        " AND sql IS NOT NULL ORDER BY type"
    ).scalars().all()
    columns = ", ".join(r[1] for r in conn.exec_driver_sql("PRAGMA table_info(unit)"))
    conn.exec_driver_sql("CREATE TABLE _unit_0009 AS SELECT * FROM unit")
    conn.exec_driver_sql("DROP TABLE unit")
    conn.exec_driver_sql(create.replace(old, new))
    conn.exec_driver_sql(f"INSERT INTO unit ({columns}) SELECT {columns} FROM _unit_0009")
    conn.exec_driver_sql("DROP TABLE _unit_0009")
    for sql in extras:
        conn.exec_driver_sql(sql)


def upgrade() -> None:
    op.add_column("unit", sa.Column("province", sa.String(length=120), nullable=True))
    op.add_column(
        "unit",
        sa.Column("province_key", sa.String(length=120), nullable=False, server_default=""),
    )
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_swap_key(OLD_KEY, NEW_KEY)
    else:
        op.drop_constraint(KEY, "unit", type_="unique")
        op.create_unique_constraint(KEY, "unit", NEW_COLUMNS)
    op.add_column("event", sa.Column("provinces", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("event", "provinces")
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_swap_key(NEW_KEY, OLD_KEY)
    else:
        op.drop_constraint(KEY, "unit", type_="unique")
        op.create_unique_constraint(KEY, "unit", OLD_COLUMNS)
    op.drop_column("unit", "province_key")
    op.drop_column("unit", "province")
