"""unit revisions: the unit attributes a return sets, kept apart until the return is approved

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 08:00:00

Ingest used to update `unit` at once (parent, sector, autonomy from a Biểu 01/02 row; valid
from/to and an empty sector from a Biểu 03 event), so a return waiting for review already
changed what viewers see. From now on it appends `unit_revision` rows, and the figures overlay
the revisions of the submissions they show (`etl.measures.dataset.overlay_revisions`).

Nothing to convert: every stored return is approved (0004) and its updates are in `unit`
already. The table is append-only (triggers, as `review` in 0004) and in the data_change
trigger set of 0003: a row added for an older submission, or any other change, is logged.
The downgrade folds the approved submissions' revisions back into `unit`, in submission order.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

APPEND_ONLY_VI = "Lịch sử thuộc tính đơn vị chỉ được ghi thêm / unit revisions are append-only"
WRITER_LOCK_KEY = 7_301_2022  # etl.ingest.writer.WRITER_LOCK_KEY
TABLE = "unit_revision"
OWNER = "n.submission_id"  # the submission a new row belongs to (SQL over the new row `n`)
LATEST = "(SELECT MAX(id) FROM submission)"
OPERATIONS = ("insert", "update", "renumber", "delete", "truncate")


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=20), nullable=False),
        sa.Column("value", sa.String(length=255), nullable=True),
        sa.Column("sheet", sa.String(length=120), nullable=False),
        sa.Column("cell", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submission.id"],
            name=op.f("fk_unit_revision_submission_id_submission"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_unit_revision_unit_id_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_revision")),
    )
    op.create_index("ix_unit_revision_submission", TABLE, ["submission_id"], unique=False)
    op.create_index("ix_unit_revision_unit", TABLE, ["unit_id", "field"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_triggers()
    else:
        _sqlite_triggers()


def _sqlite_triggers() -> None:
    """Append-only (UPDATE and DELETE fail) and logged in data_change as 0003 logs a table."""
    for event in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER {TABLE}_no_{event.lower()} BEFORE {event} ON {TABLE} "
            f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_VI}'); END"
        )

    def log(operation: str, row: str) -> str:
        return (
            "INSERT INTO data_change (table_name, operation, row_id, latest_submission) "
            f"VALUES ('{TABLE}', '{operation}', {row}, {LATEST});"
        )

    owner_new = OWNER.replace("n.", "NEW.")
    op.execute(
        f"CREATE TRIGGER data_change_{TABLE}_insert AFTER INSERT ON {TABLE} "
        f"WHEN {owner_new} IS NOT {LATEST} BEGIN {log('insert', 'NEW.id')} END"
    )
    op.execute(
        f"CREATE TRIGGER data_change_{TABLE}_update AFTER UPDATE ON {TABLE} "
        f"WHEN NEW.id = OLD.id BEGIN {log('update', 'OLD.id')} END"
    )
    op.execute(
        f"CREATE TRIGGER data_change_{TABLE}_renumber AFTER UPDATE ON {TABLE} "
        f"WHEN NEW.id IS NOT OLD.id BEGIN {log('renumber', 'OLD.id')} END"
    )
    op.execute(
        f"CREATE TRIGGER data_change_{TABLE}_delete AFTER DELETE ON {TABLE} "
        f"BEGIN {log('delete', 'OLD.id')} END"
    )


def _postgresql_triggers() -> None:
    op.execute(
        f"CREATE FUNCTION {TABLE}_append_only() RETURNS trigger AS $$ "
        f"BEGIN RAISE EXCEPTION '{APPEND_ONLY_VI}'; END; $$ LANGUAGE plpgsql"
    )
    op.execute(
        f"CREATE TRIGGER {TABLE}_no_change BEFORE UPDATE OR DELETE ON {TABLE} "
        f"FOR EACH ROW EXECUTE FUNCTION {TABLE}_append_only()"
    )
    lock = f"PERFORM pg_advisory_xact_lock({WRITER_LOCK_KEY});"
    insert = "INSERT INTO data_change (table_name, operation, row_id, latest_submission)"
    functions = {
        "insert": (
            f"{insert} SELECT '{TABLE}', 'insert', n.id, m.latest FROM new_rows n, "
            f"(SELECT {LATEST} AS latest) m WHERE {OWNER} IS DISTINCT FROM m.latest;"
        ),
        "update": (
            f"{insert} SELECT '{TABLE}', CASE WHEN n.id IS NULL THEN 'renumber' "
            f"ELSE 'update' END, o.id, {LATEST} FROM old_rows o "
            "LEFT JOIN new_rows n ON n.id = o.id;"
        ),
        "delete": f"{insert} SELECT '{TABLE}', 'delete', o.id, {LATEST} FROM old_rows o;",
        "truncate": f"{insert} VALUES ('{TABLE}', 'truncate', NULL, {LATEST});",
    }
    referencing = {
        "insert": "REFERENCING NEW TABLE AS new_rows",
        "update": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "delete": "REFERENCING OLD TABLE AS old_rows",
        "truncate": "",
    }
    for operation, body in functions.items():
        name = f"data_change_{TABLE}_{operation}"
        op.execute(
            f"CREATE FUNCTION {name}() RETURNS trigger AS $$ BEGIN {lock} {body} "
            "RETURN NULL; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            f"CREATE TRIGGER {name} AFTER {operation.upper()} ON {TABLE} "
            f"{referencing[operation]} FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
        )


# the latest review row of each submission is `da_duyet` (etl.storage.review_reads, frozen)
APPROVED_SQL = (
    "SELECT r.submission_id FROM review r WHERE r.status = 'da_duyet' AND r.id = "
    "(SELECT MAX(r2.id) FROM review r2 WHERE r2.submission_id = r.submission_id)"
)
COLUMN_OF = {
    "parent": "parent",
    "sector": "sector",
    "autonomy": "autonomy",
    "valid_from": "valid_from",
    "valid_to": "valid_to",
}


def _fold_approved() -> None:
    """Write the approved submissions' revisions into `unit`, as ingest used to (the later
    submission wins; `sector_if_empty` only fills an empty sector)."""
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            f"SELECT unit_id, field, value FROM {TABLE} WHERE submission_id IN ({APPROVED_SQL})"
            " ORDER BY submission_id, id"
        )
    ).all()
    unit = sa.table(
        "unit",
        sa.column("id", sa.Integer),
        sa.column("parent", sa.String),
        sa.column("sector", sa.String),
        sa.column("autonomy", sa.String),
        sa.column("valid_from", sa.Date),
        sa.column("valid_to", sa.Date),
    )
    for unit_id, field, value in rows:
        if field == "sector_if_empty":
            conn.execute(
                unit.update()
                .where(unit.c.id == unit_id, unit.c.sector.is_(None))
                .values(sector=value)
            )
        elif field in COLUMN_OF:
            if field in ("valid_from", "valid_to") and value is not None:
                value = dt.date.fromisoformat(value)
            conn.execute(
                unit.update().where(unit.c.id == unit_id).values({COLUMN_OF[field]: value})
            )


def downgrade() -> None:
    _fold_approved()
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_change ON {TABLE}")
        op.execute(f"DROP FUNCTION IF EXISTS {TABLE}_append_only()")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_update")
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_delete")
    for operation in OPERATIONS:
        name = f"data_change_{TABLE}_{operation}"
        if postgresql and operation != "renumber":
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {TABLE}")
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
        elif not postgresql and operation != "truncate":
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_index("ix_unit_revision_unit", table_name=TABLE)
    op.drop_index("ix_unit_revision_submission", table_name=TABLE)
    op.drop_table(TABLE)
