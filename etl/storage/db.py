"""Database access: engines, migrations and the reads the metrics need. The only SQL lives here
and in etl/ingest/ (matching.py, writer.py)."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, inspect, select, text

from etl.storage import review_reads, schema

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


MAX_KEY = 2**31 - 1  # an Integer primary key, on PostgreSQL too: anything larger names nothing


def stored_key(value: object) -> int | None:
    """`value` when it can be a stored row's id (a whole number from 1 to MAX_KEY, not a
    bool), else None: what a page or route is handed cannot overflow the database driver."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 < value <= MAX_KEY else None


def normalise_url(url: str) -> str:
    """`postgresql://` → psycopg 3 driver; other URLs unchanged."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str, *, busy_timeout_ms: int = 30000) -> Engine:
    """An engine; SQLite gets WAL, foreign keys and a busy timeout on every connection."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": busy_timeout_ms / 1000})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # noqa: ANN001
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):  # noqa: ANN001
            # writers take the lock at once (no upgrade deadlocks); reads opened with
            # reading() stay DEFERRED, so WAL lets them run beside an upload
            mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
            conn.exec_driver_sql(f"BEGIN {'DEFERRED' if mode == 'DEFERRED' else 'IMMEDIATE'}")

        return engine
    return create_engine(url, pool_pre_ping=True)


def reading(engine: Engine) -> Connection:
    """A connection for reads only: on SQLite its transaction is DEFERRED, so it never waits
    for (or blocks) a writer; use engine.begin() for writes."""
    return engine.connect().execution_options(sqlite_begin="DEFERRED")


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema to the latest migration."""
    cfg = alembic_config(str(engine.url.render_as_string(hide_password=False)))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


@functools.cache
def head_revision() -> str:
    """The latest migration's revision (what `migrate` brings a database to)."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head() or ""


def schema_revision(engine: Engine) -> str | None:
    """The revision the database's schema is at, or None when it has none yet."""
    with reading(engine) as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT MAX(version_num) FROM alembic_version")).scalar()


def schema_is_current(engine: Engine) -> bool:
    """True when the schema is at the latest migration: not missing, not behind."""
    return schema_revision(engine) == head_revision()


def is_empty(engine: Engine) -> bool:
    """True when no submission has been stored yet."""
    with reading(engine) as conn:
        return conn.execute(select(schema.submission.c.id).limit(1)).first() is None


# ---------------------------------------------------------------- the figures, as frames


class DataVersion(NamedTuple):
    """What the stored figures are at: the latest submission, the latest entry of
    `data_change` (every change but a new submission's own rows, logged by triggers: see
    migration 0003; an administrator's choice of a rule too, 0012), the schema's revision and
    the latest review row (an approval or a return changes which figures are shown). Equal
    versions mean equal figures."""

    submission: int | None
    change: int | None
    revision: str | None
    review: int | None = None


VERSION_SQL = text(
    "SELECT (SELECT MAX(id) FROM submission), (SELECT MAX(id) FROM data_change),"
    " (SELECT MAX(version_num) FROM alembic_version), (SELECT MAX(id) FROM review)"
)


def data_version(engine: Engine) -> DataVersion:
    """Changes with every accepted upload and with any other change to the stored figures."""
    with reading(engine) as conn:
        return _version(conn)


def _version(conn: Connection) -> DataVersion:
    submission, change, revision, review = conn.execute(VERSION_SQL).one()
    return DataVersion(submission, change, revision, review)


# The columns the metrics read, with how each becomes a column of a frame: int (NOT NULL
# integer → int64), float (nullable number → float64, NaN for NULL), str (→ the str dtype,
# each distinct text held once), date (→ datetime64[s]), timestamp (→ datetime64[us]), value
# (objects as SQLAlchemy's types make them: JSON, dates).
COLUMNS: dict[str, dict[str, str]] = {
    "unit": {
        "id": "int", "code": "str", "name": "str", "name_key": "str", "loose_key": "str",
        "kind": "str", "level": "str", "district": "str", "district_key": "str",
        "parent": "str", "sector": "str", "autonomy": "str", "valid_from": "date",
        "valid_to": "date", "created_by": "int", "commune": "str", "commune_key": "str",
        "province": "str", "province_key": "str",
    },
    "fact": {
        "id": "int", "submission_id": "int", "unit_id": "int", "measure": "str",
        "status": "str", "year": "int", "value": "int", "sheet": "str", "cell": "str",
    },
    "job_position": {
        "id": "int", "submission_id": "int", "unit_id": "int", "status": "str",
        "note": "str", "as_of": "date", "sheet": "str", "cell": "str",
    },
    "event": {
        "id": "int", "submission_id": "int", "natural_key": "str", "effective_date": "date",
        "event_type": "str", "doc_ref": "str", "unit_kind": "str", "sector": "str",
        "internal_phong": "int", "internal_khoa": "int", "internal_chi_nhanh": "int",
        "internal_khac": "int", "note": "str", "sheet": "str", "cell": "str",
        "district": "str", "district_key": "str",
        "provinces": "value",
    },
    "event_unit": {"id": "int", "event_id": "int", "unit_id": "int", "role": "str"},
    # the unit attributes each return sets (overlaid on `unit` for the returns shown)
    "unit_revision": {
        "id": "int", "submission_id": "int", "unit_id": "int", "field": "str", "value": "str",
        "sheet": "str", "cell": "str",
    },
    "target": {
        "id": "int", "submission_id": "int", "scope_unit_id": "float", "measure": "str",
        "base_year": "int", "pct": "float", "count": "float", "path": "value",
        "doc_ref": "str", "sheet": "str", "cell": "str", "programme_id": "float",
        "basis": "str", "exclude_sectors": "str",
    },
    # the programmes (a handful): read whole each time
    "programme": {
        "id": "int", "name": "str", "basis": "str", "baseline_year": "int",
        "start_year": "int", "end_year": "float", "submission_id": "float",
        "created_at": "timestamp",
    },
    "submission": {
        "id": "int", "file_name": "str", "uploaded_at": "timestamp", "uploader": "str",
        "reporting_unit": "str", "as_of": "value", "forms": "str", "period_id": "float",
    },
    # the review rows (a submission's status: its row with the greatest id) and the periods
    "review": {
        "id": "int", "submission_id": "int", "status": "str", "actor": "str",
        "at": "timestamp", "comment": "str",
    },
    "period": {
        "id": "int", "name": "str", "as_of": "date", "deadline": "date", "state": "str",
        "created_at": "timestamp", "created_by": "str", "closed_at": "timestamp",
    },
    # the rules an administrator chose (etl.core.rules): a handful, read whole each time
    "rule_setting": {
        "id": "int", "name": "str", "value": "str", "set_by": "str", "set_at": "timestamp",
    },
}  # fmt: skip
TABLES = tuple(COLUMNS)
# the tables whose rows belong to a submission (by submission_id)
OWNED = ("fact", "job_position", "event", "target", "unit_revision")
# the order those are read in: one that the index on submission_id gives (ordered by id after)
ADDED_ORDER = {n: "submission_id, id" for n in OWNED}


@dataclass
class Snapshot:
    """The stored figures at one version, read in one transaction: the rows of the submissions
    `shown` (`etl.storage.review_reads.shown_ids`: approved, or approved and waiting) are what
    the figures are made of. The frames hold every row of every table: the reader keeps the
    rows of `shown` (and the units they need).

    With `since` (an earlier version, whose shown submissions were `shown_before`): the
    figures moved only by `added` (shown submissions, each later than every one shown before)
    and by updates of unit rows (a code learned): `frames` hold only the rows of `added`, the
    unit rows they create or refer to, and every unit row updated since (`added` may be
    empty: then only the updated unit rows; none when nothing changed at all)."""

    version: DataVersion
    frames: dict[str, pd.DataFrame]
    since: DataVersion | None = None
    shown: frozenset[int] | None = None
    added: frozenset[int] = frozenset()


def read_tables(engine: Engine) -> dict[str, pd.DataFrame]:
    """Every row of every table the metrics need, as frames (every submission's, whatever its
    review status)."""
    with _snapshot(engine) as conn:
        return {n: _read(conn, n) for n in TABLES}


def read_snapshot(
    engine: Engine,
    since: DataVersion | None = None,
    *,
    figures: str = "approved",
    shown_before: frozenset[int] | None = None,
) -> Snapshot:
    """The stored figures `figures` shows and their version, from one consistent snapshot of
    the database; only what was added after `since` (when `shown_before`, the submissions
    shown at `since`, are given) when that is all that changed (see `Snapshot`)."""
    with _snapshot(engine) as conn:
        version = _version(conn)
        if since is not None and version == since:  # nothing changed
            return Snapshot(version, {}, since, shown_before)
        shown = review_reads.shown_ids(conn, figures)
        if since is not None and shown_before is not None and _incremental(conn, since, version):
            added = shown - shown_before
            if shown_before <= shown and (
                not added or not shown_before or min(added) > max(shown_before)
            ):
                return Snapshot(version, _read_added(conn, since, added), since, shown, added)
        return Snapshot(version, {n: _read(conn, n) for n in TABLES}, None, shown)


def _read_added(conn: Connection, since: DataVersion, added: frozenset[int]) -> dict[str, Any]:
    """The rows of the submissions `added`, and the unit rows they create or refer to or that
    were updated after `since`."""
    ids = ", ".join(str(int(i)) for i in sorted(added)) or "NULL"
    of_added = f"submission_id IN ({ids})"
    where = {n: of_added for n in OWNED}
    where["submission"] = f"id IN ({ids})"
    where["review"] = f"id > {int(since.review or 0)}"  # every review row since: a handful
    where["period"] = None  # every period: a handful, and they may change
    where["programme"] = None  # every programme: a handful, and an administrator edits them
    where["rule_setting"] = None  # every choice of a rule: a handful
    where["event_unit"] = f"event_id IN (SELECT id FROM event WHERE {of_added})"
    # one set of ids (a UNION), looked up by the primary key: an OR of IN (subquery) makes
    # SQLite scan every unit (a quarter of a second at national size, after every upload)
    where["unit"] = (
        "id IN ("
        + " UNION ".join(
            [
                f"SELECT id FROM unit WHERE created_by IN ({ids})",
                "SELECT row_id FROM data_change WHERE table_name = 'unit'"
                f" AND id > {int(since.change or 0)}",
                f"SELECT unit_id FROM fact WHERE {of_added}",
                f"SELECT unit_id FROM job_position WHERE {of_added}",
                f"SELECT unit_id FROM event_unit WHERE {where['event_unit']}",
                f"SELECT scope_unit_id FROM target WHERE {of_added}",
                f"SELECT unit_id FROM unit_revision WHERE {of_added}",
            ]
        )
        + ")"
    )
    return {n: _read(conn, n, where[n], None, ADDED_ORDER.get(n)) for n in TABLES}


def _snapshot(engine: Engine) -> Connection:
    """A read connection whose statements all see the same committed state: SQLite's read
    transaction does; PostgreSQL needs REPEATABLE READ (READ COMMITTED would let an upload
    land between two tables)."""
    conn = reading(engine)
    if engine.dialect.name == "postgresql":
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
    return conn


def _incremental(conn: Connection, since: DataVersion, now: DataVersion) -> bool:
    """True when the data moved from `since` to `now` by new submissions and new review rows
    only (whose uploads may also have given a known unit its code, the only update of a unit
    row ingest makes, logged in data_change); anything else — a deletion, an update of any
    other row, a row added for an older submission, a migration — is not."""
    if since.revision != now.revision or since.submission is None or now.submission is None:
        return False
    if now.submission < since.submission or (now.review or 0) < (since.review or 0):
        return False
    if now.change == since.change:
        return True
    others = conn.execute(
        text(
            "SELECT COUNT(*) FROM data_change WHERE id > :change AND NOT ("
            " table_name = 'unit' AND operation = 'update' AND latest_submission > :since)"
        ),
        {"change": since.change or 0, "since": since.submission},
    ).scalar_one()
    return others == 0


FETCH_ROWS = 50_000
# NOT NULL texts with few distinct values, read joined into one text a row (the driver makes
# one object instead of four: at national size the facts read in half the time)
PACKED = {"fact": ("measure", "status", "sheet", "cell")}
SEPARATOR = "\x1f"  # the reader refuses control characters in uploaded text


def _read(
    conn: Connection,
    name: str,
    where: str | None = None,
    params: dict[str, int] | None = None,
    order: str | None = None,
) -> pd.DataFrame:
    """Rows of a table (those matching `where`) in the order of their ids, as a frame whose
    columns have the dtypes of COLUMNS whatever the rows (none, all NULL …), so that frames
    read at different times concatenate to the frame read at once. `order`: the order to
    read them in (the frame is then sorted by id)."""
    frame = _read_ordered(conn, name, where, params, order or "id")
    if order and order != "id" and not frame["id"].is_monotonic_increasing:
        frame = frame.sort_values("id", kind="stable", ignore_index=True)
    return frame


def _read_ordered(
    conn: Connection, name: str, where: str | None, params: dict[str, int] | None, order: str
) -> pd.DataFrame:
    kinds = COLUMNS[name]
    clause = (f" WHERE {where}" if where else "") + f" ORDER BY {order}"
    if {"value", "timestamp"} & set(kinds.values()):  # small tables: SQLAlchemy's types
        table = schema.metadata.tables[name]
        sql = f'SELECT {", ".join(kinds)} FROM "{name}"{clause}'
        rows = conn.execute(text(sql).columns(*(table.c[c] for c in kinds)), params or {}).all()
        cells = dict(zip(kinds, zip(*rows, strict=True), strict=True)) if rows else {}
        return pd.DataFrame({c: _column(list(cells.get(c, ())), k) for c, k in kinds.items()})
    for key, value in (params or {}).items():  # integers only: safe as literals
        clause = clause.replace(f":{key}", str(int(value)))
    data: dict[str, Any] = {}
    # NOT NULL integers: straight into one int64 matrix
    ints = [c for c, k in kinds.items() if k == "int"]
    batches = [
        np.array(rows, dtype=np.int64)
        for rows in _fetch(conn, f'SELECT {", ".join(ints)} FROM "{name}"{clause}')
    ]
    matrix = np.concatenate(batches) if batches else np.zeros((0, len(ints)), dtype=np.int64)
    data.update({c: matrix[:, i].copy() for i, c in enumerate(ints)})
    packed = PACKED.get(name, ())
    if packed:
        data.update(_read_packed(conn, name, packed, clause))
    # the rest, column by column from the rows, each distinct text held once
    rest = [c for c in kinds if c not in data]
    values: dict[str, list[Any]] = {c: [] for c in rest}
    texts: dict[str, str] = {}
    for rows in _fetch(conn, f'SELECT {", ".join(rest)} FROM "{name}"{clause}') if rest else ():
        for column, cells in zip(rest, zip(*rows, strict=True), strict=True):
            if kinds[column] == "str":
                values[column] += [texts.setdefault(v, v) if v is not None else v for v in cells]
            else:
                values[column] += cells
    data.update({c: _column(values.pop(c), kinds[c]) for c in rest})
    return pd.DataFrame({c: data[c] for c in kinds})


def _read_packed(
    conn: Connection, name: str, columns: tuple[str, ...], clause: str
) -> dict[str, Any]:
    """NOT NULL text columns read as one joined text a row, split once per distinct value."""
    joined = f" || '{SEPARATOR}' || ".join(columns)
    index: dict[str, int] = {}
    codes = np.concatenate(
        [np.zeros(0, dtype=np.intp)]
        + [
            np.fromiter((index.setdefault(r[0], len(index)) for r in rows), np.intp, len(rows))
            for rows in _fetch(conn, f'SELECT {joined} FROM "{name}"{clause}')
        ]
    )
    parts = [value.split(SEPARATOR) for value in index]
    if any(len(p) != len(columns) for p in parts):  # a separator in the data: read them plainly
        return {}
    return {
        c: pd.array([p[i] for p in parts], dtype="str").take(codes) for i, c in enumerate(columns)
    }


def _fetch(conn: Connection, sql: str) -> Iterator[list[Any]]:
    """Batches of rows of `sql` from the driver's own cursor, in this transaction."""
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(FETCH_ROWS):
            yield rows
    finally:
        cursor.close()


def _column(values: list[Any], kind: str) -> Any:
    if kind == "int":
        return np.fromiter(values, dtype=np.int64, count=len(values))
    if kind == "float":
        return np.array(values, dtype=np.float64)
    if kind == "str":
        return pd.array(values, dtype="str")
    if kind == "date":  # SQLite returns ISO texts, PostgreSQL dates
        return pd.to_datetime(pd.Series(values, dtype=object), format="ISO8601").astype(
            "datetime64[s]"
        )
    if kind == "timestamp":
        return pd.to_datetime(pd.Series(values, dtype=object)).dt.as_unit("us")
    return pd.Series(values, dtype=object)


def superseded_count(conn: Connection, submission_id: int) -> int:
    """How many figures of a submission replaced an earlier value for the same key."""
    sql = text(
        "SELECT COUNT(*) FROM fact f WHERE f.submission_id = :s AND EXISTS ("
        " SELECT 1 FROM fact e WHERE e.unit_id = f.unit_id AND e.measure = f.measure"
        " AND e.status = f.status AND e.year = f.year AND e.submission_id < :s)"
    )
    return int(conn.execute(sql, {"s": submission_id}).scalar_one())
