"""rule settings: the rules an administrator chooses, append-only and in the data version

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 11:00:00

A new table `rule_setting` (docs/domain.md, "Provinces and mergers"): one row per choice an
administrator makes on the administration page (today the merged-province baseline rule,
`merger_baseline_rule`); the value in force is the latest row of the rule, else the setting
`MERGER_BASELINE_RULE`. Nothing stored before changes: without a row, the setting rules as it
did.

The table is append-only (UPDATE and DELETE fail, as `review` in 0004) and every row added is
logged in `data_change` (0003): a new choice changes the data version, so every process
reloads its figures (`etl.storage.db.data_version`).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

APPEND_ONLY_VI = "Lịch sử quy tắc chỉ được ghi thêm / rule settings are append-only"
WRITER_LOCK_KEY = 7_301_2022  # etl.ingest.writer.WRITER_LOCK_KEY
TABLE = "rule_setting"
LATEST = "(SELECT MAX(id) FROM submission)"
INSERT = "INSERT INTO data_change (table_name, operation, row_id, latest_submission)"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("value", sa.String(length=60), nullable=False),
        sa.Column("set_by", sa.String(length=80), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_setting")),
    )
    op.create_index("ix_rule_setting_name", TABLE, ["name"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE FUNCTION {TABLE}_append_only() RETURNS trigger AS $$ "
            f"BEGIN RAISE EXCEPTION '{APPEND_ONLY_VI}'; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            f"CREATE TRIGGER {TABLE}_no_change BEFORE UPDATE OR DELETE ON {TABLE} "
            f"FOR EACH ROW EXECUTE FUNCTION {TABLE}_append_only()"
        )
        op.execute(
            f"CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_append_only()"
        )
        lock = f"PERFORM pg_advisory_xact_lock({WRITER_LOCK_KEY});"
        body = f"{INSERT} SELECT '{TABLE}', 'insert', n.id, {LATEST} FROM new_rows n;"
        op.execute(
            f"CREATE FUNCTION data_change_{TABLE}_insert() RETURNS trigger AS $$ BEGIN {lock} "
            f"{body} RETURN NULL; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            f"CREATE TRIGGER data_change_{TABLE}_insert AFTER INSERT ON {TABLE} "
            "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "
            f"data_change_{TABLE}_insert()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {TABLE}_no_{event.lower()} BEFORE {event} ON {TABLE} "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_VI}'); END"
            )
        op.execute(
            f"CREATE TRIGGER data_change_{TABLE}_insert AFTER INSERT ON {TABLE} "
            f"BEGIN {INSERT} VALUES ('{TABLE}', 'insert', NEW.id, {LATEST}); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS data_change_{TABLE}_insert ON {TABLE}")
        op.execute(f"DROP FUNCTION IF EXISTS data_change_{TABLE}_insert()")
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_change ON {TABLE}")
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE}")
        op.execute(f"DROP FUNCTION IF EXISTS {TABLE}_append_only()")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS data_change_{TABLE}_insert")
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_update")
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_delete")
    op.drop_index("ix_rule_setting_name", table_name=TABLE)
    op.drop_table(TABLE)
