"""The writer: one upload's staged rows stored in the one transaction of its file.

`serialise_writers` takes the writer lock, `insert_submission` keeps the original file and
records the submission, `write` stores the units (new ones inserted, a code learned for a known
one updated), the unit attributes the return sets (`unit_revision` rows: shown with the return,
never updates of `unit`), facts, job positions, events and targets. Many rows go in one DBAPI
`executemany` (`insert_rows`; on PostgreSQL one COPY). The caller (etl/ingest/load.py) owns
the transaction: a file with any error, or an exception here, stores nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Table, bindparam, insert, select, text, update

from etl.core.problems import Problem
from etl.core.provinces import PROVINCE_EVENT_KIND
from etl.core.vocabulary import (
    MEASURE_OF_FORM,
    MEASURE_OF_TARGET,
    STATUS_OF_FIELD,
    IngestStatus,
    UnitKind,
)
from etl.ingest.matching import (
    IN_CHUNK,
    PARAM_MARK,
    UPDATED_ATTRS,
    UnitRecord,
    UnitRegistry,
    select_units,
)
from etl.ingest.programmes import programme_id
from etl.ingest.staging import (
    Staged,
    district_end_district,
    event_sets,
    is_district_end,
    return_year,
    unit_kind_for_event,
    unit_level,
)
from etl.reading.records import EventRow, Header, SheetResult, TargetRow
from etl.storage import review_reads, schema

WRITER_LOCK_KEY = 7_301_2022  # PostgreSQL advisory lock: one ingest writes at a time
# the facts' codes as plain strings: sqlite3 looks for an adapter for every value of a str
# subclass (an enum member), which would double the cost of a bulk insert
_STATUS_CODE = {field_name: status.value for field_name, status in STATUS_OF_FIELD.items()}


# the statements of the rows written one at a time, built once (building a Core statement
# with its values cost more than running it)
_INSERT_SUBMISSION = insert(schema.submission)
_INSERT_EVENT = insert(schema.event)
_INSERT_EVENT_UNIT = insert(schema.event_unit)
_INSERT_LINEAGE = insert(schema.lineage)
_INSERT_TARGET = insert(schema.target)


def serialise_writers(conn: Connection) -> None:
    """One writer at a time: SQLite has BEGIN IMMEDIATE already; PostgreSQL takes an advisory
    lock held until the transaction ends, so concurrent uploads never interleave."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITER_LOCK_KEY})


def insert_submission(
    conn: Connection,
    *,
    uploads_dir: Path,
    content: bytes,
    file_name: str,
    sha256: str,
    uploader: str,
    header: Header,
    as_of: dt.date | None,
    forms: Sequence[str],
    problems: list[Problem],
    period_id: int | None = None,
) -> int:
    """Keep the original file and record its submission (in the period `period_id`, that of
    its cut-off date); returns the submission's id."""
    stored_path = store_original(uploads_dir, sha256, file_name, content)
    return conn.execute(
        _INSERT_SUBMISSION,
        dict(
            file_name=file_name,
            sha256=sha256,
            stored_path=stored_path,
            uploader=uploader,
            uploaded_at=dt.datetime.now(dt.UTC),
            status=IngestStatus.ACCEPTED,
            reporting_unit=header.reporting_unit or None,
            period=header.period or None,
            as_of=as_of,
            forms=",".join(forms),
            problems=[p.as_dict() for p in problems],
            period_id=period_id,
        ),
    ).inserted_primary_key[0]


def store_original(uploads_dir: Path, sha256: str, file_name: str, content: bytes) -> str:
    """Keep the original file, content-addressed; the uploaded name is never used as a path."""
    suffix = Path(file_name).suffix.lower()
    suffix = suffix if suffix in (".xlsx", ".xlsm", ".xls", ".ods") else ".bin"
    relative = Path(sha256[:2]) / f"{sha256}{suffix}"
    target = uploads_dir / relative
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".part")
        tmp.write_bytes(content)
        tmp.replace(target)
    return str(relative)


def write(
    conn: Connection,
    staged: Staged,
    registry: UnitRegistry,
    submission_id: int,
    as_of: dt.date | None,
) -> dict[str, int]:
    """Store the staged rows of submission `submission_id`; returns how many of each kind
    (`units_new`, `facts`, `job_positions`, `events`, `targets`). `as_of` is the file's
    cut-off, for job positions of a sheet without one."""
    counts = {"units_new": 0, "facts": 0, "job_positions": 0, "events": 0, "targets": 0}
    # units: new ones inserted, known ones given a new code; the attributes a return gives
    # become unit_revision rows (shown once the return is), never updates of `unit`
    attrs_by_unit: dict[int, dict[str, tuple[Any, str, str]]] = {}  # value, sheet, cell
    for result, row, unit in staged.units:
        attrs_by_unit.setdefault(id(unit), {}).update(
            {
                k: (v, result.sheet, row.name.ref)
                for k, v in row.attrs.items()
                if k == "district" or k in UPDATED_ATTRS
            }
        )
        if row.attrs.get("agency_kind"):
            unit.kind = unit.kind or row.attrs["agency_kind"]
    new_units: list[tuple[UnitRecord, dict[str, Any]]] = []
    codes: list[dict[str, Any]] = []
    for unit in registry.records:
        if unit.is_new:
            kind = unit.kind or UnitKind.DON_VI_SU_NGHIEP
            new_units.append(
                (
                    unit,
                    dict(
                        code=unit.code,
                        code_key=unit.code.casefold() if unit.code else None,
                        name=unit.name,
                        name_key=unit.name_key,
                        loose_key=unit.loose_key,
                        kind=kind,
                        level=unit_level(kind, unit.district),
                        district=unit.district,
                        district_key=unit.district_key,
                        commune=unit.commune,
                        commune_key=unit.commune_key,
                        parent=None,  # from its revisions, once they are shown
                        sector=None,
                        autonomy=None,
                        created_by=submission_id,
                        province=unit.province,
                        province_key=unit.province_key,
                    ),
                )
            )
            counts["units_new"] += 1
        elif unit.changed:  # a code learned: identity (matching needs it), not a figure
            codes.append({"_id": unit.id, "_code": unit.code, "_key": unit.code.casefold()})
    if new_units:
        _insert_units(conn, new_units)
    if codes:
        u = schema.unit.c
        statement = update(schema.unit).where(u.id == bindparam("_id"))
        conn.execute(statement.values(code=bindparam("_code"), code_key=bindparam("_key")), codes)
    _write_attribute_revisions(conn, registry, attrs_by_unit, submission_id)
    fact_rows: list[tuple[Any, ...]] = []  # in the order of _FACT_COLUMNS
    job_rows: list[tuple[Any, ...]] = []  # in the order of _JOB_COLUMNS
    for result, row, unit in staged.units:
        measure = MEASURE_OF_FORM[result.form].value
        year_of_return = return_year(result, row)
        sheet, unit_id = result.sheet, unit.id
        for (field_name, year), cell in row.yearly.items():
            fact_rows.append(
                (
                    submission_id,
                    unit_id,
                    measure,
                    _STATUS_CODE[field_name],
                    year,
                    cell.value,
                    sheet,
                    cell.ref,
                )
            )
        if year_of_return is not None:
            for field_name, cell in row.counts.items():
                fact_rows.append(
                    (
                        submission_id,
                        unit_id,
                        measure,
                        _STATUS_CODE[field_name],
                        year_of_return,
                        cell.value,
                        sheet,
                        cell.ref,
                    )
                )
        job = row.attrs.get("job_position")
        if job is not None:
            job_rows.append(
                (
                    submission_id,
                    unit_id,
                    job.value,
                    row.attrs.get("note"),
                    result.header.as_of or as_of,
                    sheet,
                    job.ref,
                )
            )
    insert_rows(conn, schema.fact, _FACT_COLUMNS, fact_rows)
    insert_rows(conn, schema.job_position, _JOB_COLUMNS, job_rows)
    counts["facts"] = len(fact_rows)
    counts["job_positions"] = len(job_rows)
    for result, ev, before, after in staged.events:
        counts["events"] += _write_event(conn, result, ev, before, after, submission_id)
    for result, ev, before, after in staged.provinces:
        counts["events"] += _write_province_event(conn, result, ev, before, after, submission_id)
    made: dict[str, int] = {}  # the programmes this file creates, by name
    for result, target, unit in staged.targets:
        _write_target(conn, result, target, unit, submission_id, made)
        counts["targets"] += 1
    return counts


def _write_attribute_revisions(
    conn: Connection,
    registry: UnitRegistry,
    attrs_by_unit: dict[int, dict[str, tuple[Any, str, str]]],
    submission_id: int,
) -> None:
    """A unit_revision row for each attribute (UPDATED_ATTRS) a return gives a unit, unless
    the unit is known, its approved value is the same and no return still under review (or
    returned) revised it: whatever becomes of the other returns, this one then changes nothing.
    So a return re-listing its units as they are adds no rows."""
    wanted: list[tuple[UnitRecord, str, tuple[Any, str, str]]] = [
        (unit, k, given)
        for unit in registry.records
        for k, given in attrs_by_unit.get(id(unit), {}).items()
        if k in UPDATED_ATTRS and given[0]
    ]
    known = {unit.id: unit for unit, _k, _given in wanted if not unit.is_new}
    approved, unsettled = _approved_attributes(conn, known)
    rows = [
        (submission_id, unit.id, k, value, sheet, cell)
        for unit, k, (value, sheet, cell) in wanted
        if unit.is_new
        or (unit.id, k) in unsettled
        or value != approved.get((unit.id, k), unit.attrs.get(k))
    ]
    insert_rows(conn, schema.unit_revision, _REVISION_COLUMNS, rows)


_r = schema.unit_revision.c
_REVISIONS_OF = (  # the revisions of some units (`ids`), each with its approval
    select(
        _r.unit_id,
        _r.field,
        _r.value,
        review_reads.approved_flag(_r.submission_id).label("approved"),
    )
    .where(_r.unit_id.in_(bindparam("ids", expanding=True)))
    .order_by(_r.submission_id, _r.id)
)


def _approved_attributes(
    conn: Connection, units: dict[int, UnitRecord]
) -> tuple[dict[tuple[int, str], Any], set[tuple[int, str]]]:
    """For the known `units`: (unit, field) → the approved value where approved revisions set
    it (their row overlaid with them, as `etl.measures.dataset.overlay_revisions` does), and
    the (unit, field) pairs that a submission not approved revised. A few indexed reads (and
    one seek in the reviews per revision read, not a pass over every submission's)."""
    approved: dict[tuple[int, str], Any] = {}
    unsettled: set[tuple[int, str]] = set()
    ids = sorted(units)
    for i in range(0, len(ids), IN_CHUNK):
        rows = conn.execute(_REVISIONS_OF, {"ids": ids[i : i + IN_CHUNK]})
        for unit_id, field, value, is_approved in rows:
            sets = "sector" if field == SECTOR_IF_EMPTY else field
            key = (int(unit_id), sets)
            if not is_approved:
                unsettled.add(key)
            elif field == SECTOR_IF_EMPTY:
                if not approved.get(key, units[key[0]].attrs.get("sector")):
                    approved[key] = value
            else:
                approved[key] = value
    return approved, unsettled


def _insert_units(conn: Connection, new_units: list[tuple[UnitRecord, dict[str, Any]]]) -> None:
    """Insert the new units in one executemany, then read their ids back by their unique
    (name_key, district_key, commune_key, province_key): SQLite's INSERT … RETURNING in
    parameter order runs one statement per row."""
    columns = tuple(new_units[0][1])
    insert_rows(conn, schema.unit, columns, [tuple(v.values()) for _unit, v in new_units])
    by_key = {
        (unit.name_key, unit.district_key, unit.commune_key, unit.province_key): unit
        for unit, _values in new_units
    }
    by_place: dict[tuple[str, str], list[str]] = {}
    for name, district, _commune, province in sorted(by_key):
        by_place.setdefault((district, province), []).append(name)
    for (district, province), names in by_place.items():  # seeks in the unique index
        for i in range(0, len(names), IN_CHUNK):
            chunk = names[i : i + IN_CHUNK]
            condition = (
                "district_key = {} AND province_key = {} "
                f"AND name_key IN ({', '.join(['{}'] * len(chunk))})"
            )
            for r in select_units(conn, condition, [district, province, *chunk]):
                unit = by_key.get(
                    (r.name_key, r.district_key, r.commune_key or "", r.province_key or "")
                )
                if unit is not None:
                    unit.id = r.id
    if any(unit.id is None for unit, _values in new_units):
        raise RuntimeError("a new unit's id was not read back")


_REVISION_COLUMNS = ("submission_id", "unit_id", "field", "value", "sheet", "cell")
SECTOR_IF_EMPTY = "sector_if_empty"  # a Biểu 03 event's sector, for a new unit without one
_FACT_COLUMNS = ("submission_id", "unit_id", "measure", "status", "year", "value", "sheet", "cell")
_JOB_COLUMNS = ("submission_id", "unit_id", "status", "note", "as_of", "sheet", "cell")


def insert_rows(
    conn: Connection, table: Table, columns: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> None:
    """Insert many rows (tuples in the order of `columns`) in one DBAPI `executemany` (on
    PostgreSQL one COPY): the values pass through each column type's own bind conversion (a
    date for SQLite, say), but not through SQLAlchemy's per-row parameter processing, which
    cost more than the insert."""
    if not rows:
        return
    dialect = conn.dialect
    mark = PARAM_MARK.get(dialect.paramstyle)
    if mark is None:  # a driver with another parameter style: the Core statement
        conn.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])
        return
    processors = [
        (i, table.c[c].type.dialect_impl(dialect).bind_processor(dialect))
        for i, c in enumerate(columns)
    ]
    processors = [(i, p) for i, p in processors if p is not None]
    if processors:
        converted = []
        for row in rows:
            values = list(row)
            for i, process in processors:
                values[i] = process(values[i])
            converted.append(tuple(values))
        rows = converted
    quote = dialect.identifier_preparer.quote
    names = f"{dialect.identifier_preparer.format_table(table)} ({', '.join(map(quote, columns))})"
    if dialect.driver == "psycopg":  # PostgreSQL: COPY, in the connection's transaction
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            with cursor.copy(f"COPY {names} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        finally:
            cursor.close()
        return
    conn.exec_driver_sql(f"INSERT INTO {names} VALUES ({', '.join([mark] * len(columns))})", rows)


def _write_event(
    conn: Connection,
    result: SheetResult,
    ev: EventRow,
    before: list[UnitRecord],
    after: list[UnitRecord],
    submission_id: int,
) -> int:
    before_set, after_set = event_sets(ev, before, after)
    key_parts: list[Any] = [
        ev.date.isoformat(),
        ev.event_type,
        sorted(u.id for u in before_set.values()),
        sorted(u.id for u in after_set.values()),
    ]
    district = district_key = None
    if is_district_end(ev):  # its before units are the district's, derived when read
        district, district_key = district_end_district(ev)
        key_parts.append(["district", district_key])
    key_source = json.dumps(key_parts)
    natural_key = hashlib.sha256(key_source.encode()).hexdigest()
    event_id = conn.execute(
        _INSERT_EVENT,
        dict(
            submission_id=submission_id,
            natural_key=natural_key,
            effective_date=ev.date,
            event_type=ev.event_type,
            doc_ref=ev.doc_ref,
            unit_kind=unit_kind_for_event(ev, before + after),
            sector=ev.sector,
            internal_phong=ev.internal.get("phong", 0),
            internal_khoa=ev.internal.get("khoa", 0),
            internal_chi_nhanh=ev.internal.get("chi_nhanh", 0),
            internal_khac=ev.internal.get("khac", 0),
            note=ev.note,
            sheet=result.sheet,
            cell=ev.ref,
            district=district,
            district_key=district_key,
        ),
    ).inserted_primary_key[0]
    rows = [dict(event_id=event_id, unit_id=u.id, role="before") for u in before_set.values()]
    rows += [dict(event_id=event_id, unit_id=u.id, role="after") for u in after_set.values()]
    if rows:  # a district's level ended into the province names no unit (its before is derived)
        conn.execute(_INSERT_EVENT_UNIT, rows)
    ceased = [u for k, u in before_set.items() if k not in after_set]
    created = [u for k, u in after_set.items() if k not in before_set]
    if ceased and after_set:
        conn.execute(
            _INSERT_LINEAGE,
            [
                dict(event_id=event_id, predecessor_id=p.id, successor_id=s.id)
                for p in ceased
                for s in after_set.values()
            ],
        )
    revisions = [(u.id, "valid_to", ev.date.isoformat()) for u in ceased]
    revisions += [(u.id, "valid_from", ev.date.isoformat()) for u in created]
    if ev.sector:  # the event's sector, for a new unit that has none
        revisions += [(u.id, SECTOR_IF_EMPTY, ev.sector) for u in created]
    insert_rows(
        conn,
        schema.unit_revision,
        _REVISION_COLUMNS,
        [(submission_id, i, f, v, result.sheet, ev.ref) for i, f, v in revisions],
    )
    return 1


def _write_province_event(
    conn: Connection,
    result: SheetResult,
    ev: EventRow,
    before: list[tuple[str, str]],
    after: tuple[str, str],
    submission_id: int,
) -> int:
    """A merger of provinces: an event of kind `tinh_thanh_pho` holding the provinces before
    and after (`event.provinces`), with no unit rows (docs/domain.md, "Provinces and
    mergers"); the same merger reported again supersedes it (its natural key)."""
    key_source = json.dumps(
        ["province", ev.date.isoformat(), ev.event_type, sorted(k for _n, k in before), after[1]]
    )
    conn.execute(
        _INSERT_EVENT,
        dict(
            submission_id=submission_id,
            natural_key=hashlib.sha256(key_source.encode()).hexdigest(),
            effective_date=ev.date,
            event_type=ev.event_type,
            doc_ref=ev.doc_ref,
            unit_kind=PROVINCE_EVENT_KIND,
            note=ev.note,
            sheet=result.sheet,
            cell=ev.ref,
            provinces={"before": [list(p) for p in before], "after": list(after)},
        ),
    )
    return 1


def _write_target(
    conn: Connection,
    result: SheetResult,
    target: TargetRow,
    unit: UnitRecord | None,
    submission_id: int,
    made: dict[str, int],
) -> None:
    programme, base_year = programme_id(conn, target, submission_id, made)
    conn.execute(
        _INSERT_TARGET,
        dict(
            submission_id=submission_id,
            scope_unit_id=unit.id if unit else None,
            measure=MEASURE_OF_TARGET[target.measure],
            base_year=base_year,
            programme_id=programme,
            basis=target.basis or None,
            exclude_sectors="; ".join(target.exclude_sectors) or None,
            pct=target.pct,
            count=target.count,
            path={str(k): v for k, v in target.path.items()},
            doc_ref=target.doc_ref,
            sheet=result.sheet,
            cell=target.scope.ref,
        ),
    )
