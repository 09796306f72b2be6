"""data change log: every change to the stored figures other than a new submission's rows

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 17:40:00

The app keeps the figures in memory per process and keys them by the data version
(`etl.storage.db.data_version`): the latest submission and the latest entry of `data_change`. An upload
only adds rows that belong to its (new, latest) submission and updates unit rows (attributes,
validity dates); anything else (an update or deletion of any row, a row added for an older
submission, TRUNCATE) is written to `data_change` by these triggers, in the database itself,
whoever makes the change. The app then reloads everything (or, for unit updates, those units).

On PostgreSQL the triggers take the same advisory lock as an upload, so entries (and submission
ids) become visible in the order of their ids and a reader never misses a smaller id committed
later.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

WRITER_LOCK_KEY = 7_301_2022  # etl.ingest.writer.WRITER_LOCK_KEY

# table -> the submission a new row belongs to (SQL over the new row `n`)
OWNER = {
    "submission": "n.id",
    "unit": "n.created_by",
    "fact": "n.submission_id",
    "job_position": "n.submission_id",
    "event": "n.submission_id",
    "target": "n.submission_id",
    "event_unit": "(SELECT e.submission_id FROM event e WHERE e.id = n.event_id)",
    "lineage": "(SELECT e.submission_id FROM event e WHERE e.id = n.event_id)",
}
LATEST = "(SELECT MAX(id) FROM submission)"


def upgrade() -> None:
    op.create_table(
        "data_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("table_name", sa.String(length=40), nullable=False),
        sa.Column("operation", sa.String(length=20), nullable=False),
        sa.Column("row_id", sa.Integer(), nullable=True),
        sa.Column("latest_submission", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_change")),
    )
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_triggers()
    else:
        _sqlite_triggers()


def _sqlite_triggers() -> None:
    def log(table: str, operation: str, row: str) -> str:
        return (
            "INSERT INTO data_change (table_name, operation, row_id, latest_submission) "
            f"VALUES ('{table}', '{operation}', {row}, {LATEST});"
        )

    for table, owner in OWNER.items():
        owner_new = owner.replace("n.", "NEW.")
        op.execute(
            f"CREATE TRIGGER data_change_{table}_insert AFTER INSERT ON {table} "
            f"WHEN {owner_new} IS NOT {LATEST} "
            f"BEGIN {log(table, 'insert', 'NEW.id')} END"
        )
        op.execute(
            f"CREATE TRIGGER data_change_{table}_update AFTER UPDATE ON {table} "
            f"WHEN NEW.id = OLD.id BEGIN {log(table, 'update', 'OLD.id')} END"
        )
        op.execute(
            f"CREATE TRIGGER data_change_{table}_renumber AFTER UPDATE ON {table} "
            f"WHEN NEW.id IS NOT OLD.id BEGIN {log(table, 'renumber', 'OLD.id')} END"
        )
        op.execute(
            f"CREATE TRIGGER data_change_{table}_delete AFTER DELETE ON {table} "
            f"BEGIN {log(table, 'delete', 'OLD.id')} END"
        )


def _postgresql_triggers() -> None:
    lock = f"PERFORM pg_advisory_xact_lock({WRITER_LOCK_KEY});"
    insert = "INSERT INTO data_change (table_name, operation, row_id, latest_submission)"
    for table, owner in OWNER.items():
        functions = {
            "insert": (
                f"{insert} SELECT '{table}', 'insert', n.id, m.latest FROM new_rows n, "
                f"(SELECT {LATEST} AS latest) m WHERE {owner} IS DISTINCT FROM m.latest;"
            ),
            "update": (
                f"{insert} SELECT '{table}', CASE WHEN n.id IS NULL THEN 'renumber' "
                f"ELSE 'update' END, o.id, {LATEST} FROM old_rows o "
                "LEFT JOIN new_rows n ON n.id = o.id;"
            ),
            "delete": f"{insert} SELECT '{table}', 'delete', o.id, {LATEST} FROM old_rows o;",
            "truncate": f"{insert} VALUES ('{table}', 'truncate', NULL, {LATEST});",
        }
        for operation, body in functions.items():
            name = f"data_change_{table}_{operation}"
            op.execute(
                f"CREATE FUNCTION {name}() RETURNS trigger AS $$ BEGIN {lock} {body} "
                "RETURN NULL; END; $$ LANGUAGE plpgsql"
            )
            referencing = {
                "insert": "REFERENCING NEW TABLE AS new_rows",
                "update": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
                "delete": "REFERENCING OLD TABLE AS old_rows",
                "truncate": "",
            }[operation]
            op.execute(
                f"CREATE TRIGGER {name} AFTER {operation.upper()} ON {table} {referencing} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
            )


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in OWNER:
        for operation in ("insert", "update", "renumber", "delete", "truncate"):
            name = f"data_change_{table}_{operation}"
            if postgresql and operation != "renumber":
                op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
                op.execute(f"DROP FUNCTION IF EXISTS {name}()")
            elif not postgresql and operation != "truncate":
                op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("data_change")
