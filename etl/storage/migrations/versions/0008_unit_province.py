"""unit province: the province a unit was of is part of its identity; province mergers

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 10:30:00

`unit` gains `province` (display) and `province_key` (NOT NULL, "" for the deployment's own
province or none written: every existing unit), and its unique key becomes (name_key,
district_key, province_key): `Sở Y tế` of two provinces are two units. `event` gains
`provinces` (JSON), the provinces before and after a merger of provinces (Biểu 03 `Loại đơn
vị` = `Tỉnh, thành phố`). Nothing stored changes meaning (docs/domain.md, "Provinces and
mergers").

On SQLite the unique key can only change by rebuilding `unit`, which drops its triggers: the
data_change triggers of 0003 are created again, as they were.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

LATEST = "(SELECT MAX(id) FROM submission)"  # as in 0003


def _sqlite_unit_triggers() -> None:
    """The data_change triggers of `unit` (migration 0003), which a rebuild of the table drops."""

    def log(operation: str, row: str) -> str:
        return (
            "INSERT INTO data_change (table_name, operation, row_id, latest_submission) "
            f"VALUES ('unit', '{operation}', {row}, {LATEST});"
        )

    op.execute(
        "CREATE TRIGGER IF NOT EXISTS data_change_unit_insert AFTER INSERT ON unit "
        f"WHEN NEW.created_by IS NOT {LATEST} BEGIN {log('insert', 'NEW.id')} END"
    )
    op.execute(
        "CREATE TRIGGER IF NOT EXISTS data_change_unit_update AFTER UPDATE ON unit "
        f"WHEN NEW.id = OLD.id BEGIN {log('update', 'OLD.id')} END"
    )
    op.execute(
        "CREATE TRIGGER IF NOT EXISTS data_change_unit_renumber AFTER UPDATE ON unit "
        f"WHEN NEW.id IS NOT OLD.id BEGIN {log('renumber', 'OLD.id')} END"
    )
    op.execute(
        "CREATE TRIGGER IF NOT EXISTS data_change_unit_delete AFTER DELETE ON unit "
        f"BEGIN {log('delete', 'OLD.id')} END"
    )


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("province", sa.String(length=120), nullable=True))
        batch_op.add_column(
            sa.Column("province_key", sa.String(length=120), nullable=False, server_default="")
        )
        batch_op.drop_constraint("uq_unit_name_district", type_="unique")
        batch_op.create_unique_constraint(
            "uq_unit_name_district_province", ["name_key", "district_key", "province_key"]
        )
    op.add_column("event", sa.Column("provinces", sa.JSON(), nullable=True))
    if sqlite:
        _sqlite_unit_triggers()


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.drop_column("event", "provinces")
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.drop_constraint("uq_unit_name_district_province", type_="unique")
        batch_op.create_unique_constraint("uq_unit_name_district", ["name_key", "district_key"])
        batch_op.drop_column("province_key")
        batch_op.drop_column("province")
    if sqlite:
        _sqlite_unit_triggers()
