"""unit: the index on loose_key also holds district_key, for matching a district's names

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 13:30:00

Matching a return of a district looks its names up by their key without diacritics among the
units of that district and of none (`loose_key IN (…) AND district_key IN ('', …)`,
etl/ingest/matching.py). The district offices have the same names in every district
(`Phòng Nội vụ`: 340 units at national scale), so an index on `loose_key` alone found about
4.000 units for one district's return, each read from the table to check its district: 2-4 ms
of every such upload. With `district_key` in the index the lookup is a seek. The index on
`loose_key` alone is dropped: the new one serves every query it served.
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_unit_loose_key_district", "unit", ["loose_key", "district_key"])
    op.drop_index("ix_unit_loose_key", table_name="unit")


def downgrade() -> None:
    op.create_index("ix_unit_loose_key", "unit", ["loose_key"])
    op.drop_index("ix_unit_loose_key_district", table_name="unit")
