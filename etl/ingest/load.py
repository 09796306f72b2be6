"""Ingest one uploaded file: read, validate, match units and store it in one transaction.

A file with any error stores nothing; the same file twice changes nothing (by sha256); a later
return adds new fact rows that supersede the earlier values key by key, which stay in history.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import deque
from collections.abc import Callable, Collection, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, bindparam, insert, select, text, update

from etl.core.formatting import fmt_number
from etl.core.normalize import clean_text, district_key, loose_key, name_key
from etl.core.problems import Problem, ProblemLog
from etl.core.vocabulary import MEASURE_OF_FORM, MEASURE_OF_TARGET, STATUS_OF_FIELD
from etl.ingest.units import UnitRecord, UnitRegistry
from etl.reading.reader import (
    DON_VI_SU_NGHIEP,
    Cell,
    EventRow,
    SheetResult,
    TargetRow,
    UnitRow,
    is_city_scope,
    read_forms,
)
from etl.reading.safety import Limits
from etl.storage import schema
from etl.storage.db import reading


@dataclass
class IngestResult:
    """What happened to one file."""

    file_name: str
    sha256: str
    status: str  # accepted | refused | duplicate
    problems: list[Problem] = field(default_factory=list)
    submission_id: int | None = None
    counts: dict[str, int] = field(default_factory=dict)
    forms: list[str] = field(default_factory=list)
    as_of: dt.date | None = None
    preview: list[dict[str, Any]] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return self.status in ("accepted", "duplicate")

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]


class _Refused(Exception):
    """Raised inside the transaction to roll it back when the file has errors."""


def _level(kind: str, district: str | None) -> str:
    if kind == "co_quan_chuyen_mon_huyen" or district:
        return "huyen"
    return "tinh"


def _load_registry(conn: Connection) -> UnitRegistry:
    """The known units for matching. Only the units a file can match are read: `_stage`
    primes the registry with the file's names and codes (same name key, same key without
    diacritics, or any code), so a national database of 50.000 units costs a few indexed
    lookups per file instead of a full read; used without priming, it reads every unit."""
    return _FileRegistry(conn)


_REGISTRY_COLUMNS = (
    "id", "name", "name_key", "loose_key", "district_key", "code", "kind", "district",
    "parent", "sector", "autonomy",
)  # fmt: skip
_UPDATED_ATTRS = ("parent", "sector", "autonomy")  # what a later return may set on a unit
_IN_CHUNK = 400  # bound parameters per IN (...) list


class _FileRegistry(UnitRegistry):
    """A `UnitRegistry` holding only the known units the names and codes of one file can
    match, which give exactly the answers of the full registry: `find` compares a code with
    every code; a name without a district with every unit of the same `name_key` or
    `loose_key`; a name with a district only with those of that district or of none."""

    def __init__(self, conn: Connection) -> None:
        super().__init__([])
        self._conn = conn
        self._primed = False

    def prime(self, names: list[tuple[str, str | None]], codes: list[str]) -> None:
        """Read the units that `names` ((name, district or None) pairs) and `codes` can
        match; before any `add`."""
        if self._primed:
            return
        # (column, key) → the districts it is looked up in ("": anywhere, i.e. every unit)
        keys: dict[tuple[str, str], set[str]] = {}
        for name, district in names:
            dkey = district_key(district) if district else ""
            keys.setdefault(("name_key", name_key(name)), set()).add(dkey)
            keys.setdefault(("loose_key", loose_key(name)), set()).add(dkey)
        groups: dict[tuple[str, str | None], list[str]] = {}  # (column, district) → keys
        for (column, key), dkeys in sorted(keys.items()):
            for where in [None] if "" in dkeys else sorted(dkeys):
                groups.setdefault((column, where), []).append(key)
        # (SQL condition, its parameters): plain SQL, since building a Core IN list of
        # hundreds of names cost more than the indexed lookup itself
        conditions: list[tuple[str, list[str]]] = [("code IS NOT NULL", [])] if codes else []
        for (column, where), wanted in groups.items():
            for i in range(0, len(wanted), _IN_CHUNK):
                chunk = wanted[i : i + _IN_CHUNK]
                condition = f"{column} IN ({', '.join(['{}'] * len(chunk))})"
                if where is not None:  # that district's units and those of none
                    condition += " AND district_key IN ({}, {})"
                    chunk = [*chunk, "", where]
                conditions.append((condition, chunk))
        rows: dict[int, Any] = {}
        for condition, params in conditions:
            for r in _select_units(self._conn, condition, params):
                rows[r.id] = r
        self._reset([rows[i] for i in sorted(rows)])

    def _load_all(self) -> None:
        u = schema.unit.c
        self._reset(self._conn.execute(select(*[u[c] for c in _REGISTRY_COLUMNS])).all())

    def _reset(self, rows: Any) -> None:
        super().__init__(
            [
                UnitRecord(
                    id=r.id,
                    name=r.name,
                    name_key=r.name_key,
                    loose_key=r.loose_key,
                    district_key=r.district_key,
                    code=r.code,
                    kind=r.kind,
                    district=r.district,
                    attrs={k: getattr(r, k) for k in _UPDATED_ATTRS},  # as stored
                )
                for r in rows
            ]
        )
        self._primed = True

    def find(self, name: str, *, code: str | None = None, district: str | None = None) -> Any:
        if not self._primed:
            self._load_all()
        return super().find(name, code=code, district=district)

    def add(self, name: str, *, code: str | None, district: str | None, kind: str) -> UnitRecord:
        if not self._primed:
            self._load_all()
        return super().add(name, code=code, district=district, kind=kind)


def _select_units(conn: Connection, condition: str, params: list[str]) -> Any:
    """Rows of `_REGISTRY_COLUMNS` of the units meeting `condition` (SQL whose `{}` are
    the places of `params`, in order)."""
    sql = f"SELECT {', '.join(_REGISTRY_COLUMNS)} FROM unit WHERE {condition}"
    mark = _PLACEHOLDER.get(conn.dialect.paramstyle)
    if mark is not None:
        return conn.exec_driver_sql(sql.format(*[mark] * len(params)), tuple(params))
    names = [f":p{i}" for i in range(len(params))]
    return conn.execute(text(sql.format(*names)), {f"p{i}": v for i, v in enumerate(params)})


class _Resolver:
    """Turns the names of one file into unit records, logging matching problems."""

    def __init__(self, registry: UnitRegistry, log: ProblemLog) -> None:
        self.registry = registry
        self.log = log

    def resolve(
        self,
        sheet: str,
        cell: Cell,
        *,
        code: str | None = None,
        district: str | None = None,
        kind: str = "",
        create: bool = True,
    ) -> UnitRecord | None:
        name = cell.value
        match = self.registry.find(name, code=code, district=district)
        where = {"sheet": sheet, "cell": cell.ref, "value": name}
        if match.unit is not None:
            unit = match.unit
            if code and not unit.code:
                self.registry.set_code(unit, code)
                unit.changed = True
            return unit
        if match.code == "name-near-match":
            names = "; ".join(f"«{c.name}»" for c in match.candidates)
            self.log.error(
                "name-near-match",
                f"Tên «{name}» chỉ khác {names} ở dấu; hãy sửa cho đúng tên đơn vị đã có "
                "(không tự gộp, không tạo đơn vị mới).",
                f"«{name}» differs from {names} only in diacritics; write the known unit's name "
                "(it is neither merged nor created).",
                **where,
            )
            return None
        if match.code == "name-ambiguous":
            places = "; ".join(sorted({c.district or "cấp thành phố" for c in match.candidates}))
            self.log.error(
                "name-ambiguous",
                f"Có nhiều đơn vị tên «{name}» ({places}); hãy ghi rõ quận, huyện hoặc mã đơn vị.",
                f"Several units are named «{name}» ({places}); give the district or unit code.",
                **where,
            )
            return None
        if not create:
            self.log.error(
                "unknown-unit",
                f"Không tìm thấy đơn vị «{name}».",
                f"No unit named «{name}» is known.",
                **where,
            )
            return None
        self.log.warning(
            "new-unit",
            f"Đơn vị «{name}» chưa có trong danh mục; đã thêm mới.",
            f"Unit «{name}» was not known; it is added as a new unit.",
            **where,
        )
        return self.registry.add(name, code=code, district=district, kind=kind)


def _event_sets(event: EventRow, before: list[UnitRecord], after: list[UnitRecord]):
    """before/after unit sets, with the receiving unit of a `Sáp nhập` counted on both sides."""
    before_ids = {id(u): u for u in before}
    after_ids = {id(u): u for u in after}
    if event.event_type == "Sáp nhập":
        before_ids.update(after_ids)
    if event.event_type == "Kiện toàn bên trong":
        merged = {**before_ids, **after_ids}
        before_ids, after_ids = dict(merged), dict(merged)
    return before_ids, after_ids


def _stage(
    results: list[SheetResult], registry: UnitRegistry, log: ProblemLog
) -> dict[str, list[Any]]:
    """Match every name to a unit; returns the rows to insert (with unit records, not ids)."""
    if isinstance(registry, _FileRegistry):
        names: list[tuple[str, str | None]] = []
        codes: list[str] = []
        for result in results:
            if result.form in MEASURE_OF_FORM:
                names += [(row.name.value, row.attrs.get("district")) for row in result.units]
                codes += [row.code for row in result.units if row.code]
            for ev in result.events:
                names += [(c.value, None) for c in (*ev.before, *ev.after)]
            names += [
                (t.scope.value, None) for t in result.targets if not is_city_scope(t.scope.value)
            ]
        registry.prime(names, codes)
    resolver = _Resolver(registry, log)
    staged: dict[str, list[Any]] = {"units": [], "events": [], "targets": []}
    for result in results:
        if result.form in MEASURE_OF_FORM:
            for row in result.units:
                unit = resolver.resolve(
                    result.sheet,
                    row.name,
                    code=row.code,
                    district=row.attrs.get("district"),
                    kind=row.attrs.get("agency_kind", ""),
                )
                if unit is not None:
                    staged["units"].append((result, row, unit))
    for result in results:
        for ev in result.events:
            kind = DON_VI_SU_NGHIEP if ev.unit_kind == "Đơn vị sự nghiệp công lập" else ""
            before = [resolver.resolve(result.sheet, c, kind=kind) for c in ev.before]
            after = [resolver.resolve(result.sheet, c, kind=kind) for c in ev.after]
            if all(u is not None for u in before + after):
                staged["events"].append((result, ev, before, after))
        for target in result.targets:
            unit = None
            if not is_city_scope(target.scope.value):
                unit = resolver.resolve(result.sheet, target.scope, create=False)
                if unit is None:
                    continue
            staged["targets"].append((result, target, unit))
    return staged


PREVIEW_ROWS = 500


def preview_rows(staged: dict[str, list[Any]], limit: int = PREVIEW_ROWS) -> list[dict[str, Any]]:
    """What the file would store, one row per unit row or event, for the upload page."""
    rows: list[dict[str, Any]] = []
    for result, row, unit in staged["units"][:limit]:
        quota = {y: c.value for (f, y), c in sorted(row.yearly.items()) if f == "quota"}
        rows.append(
            {
                "sheet": result.sheet,
                "cell": row.name.ref,
                "form": result.form,
                "unit": unit.name,
                "new_unit": unit.is_new,
                "figures": "; ".join(f"{y}: {v}" for y, v in quota.items()),
            }
        )
    for result, ev, before, after in staged["events"][: max(0, limit - len(rows))]:
        rows.append(
            {
                "sheet": result.sheet,
                "cell": ev.ref,
                "form": result.form,
                "unit": f"{ev.event_type} {ev.date:%d/%m/%Y}: "
                + "; ".join(u.name for u in before)
                + " → "
                + "; ".join(u.name for u in after),
                "new_unit": any(u.is_new for u in before + after),
                "figures": "",
            }
        )
    for result, target, _unit in staged["targets"]:
        value = f"{target.pct}%" if target.pct is not None else str(target.count)
        rows.append(
            {
                "sheet": result.sheet,
                "cell": target.scope.ref,
                "form": result.form,
                "unit": f"{target.scope.value}: {target.measure}",
                "new_unit": False,
                "figures": f"giảm {value} so với năm {target.base_year}",
            }
        )
    return rows


def _return_year(result: SheetResult, row: UnitRow) -> int | None:
    if result.header.year:
        return result.header.year
    years = [y for (f, y) in row.yearly if f == "quota"]
    return max(years) if years else None


def _unit_kind_for_event(ev: EventRow, units: list[UnitRecord]) -> str:
    if ev.unit_kind == "Đơn vị sự nghiệp công lập":
        return "don_vi_su_nghiep"
    if ev.unit_kind == "Cơ quan hành chính":
        return "co_quan_hanh_chinh"
    kinds = {u.kind for u in units if u.kind}
    return "don_vi_su_nghiep" if DON_VI_SU_NGHIEP in kinds or not kinds else "co_quan_hanh_chinh"


def _write(
    conn: Connection,
    staged: dict[str, list[Any]],
    registry: UnitRegistry,
    submission_id: int,
    as_of: dt.date | None,
) -> dict[str, int]:
    counts = {"units_new": 0, "facts": 0, "job_positions": 0, "events": 0, "targets": 0}
    # units: new ones inserted, known ones updated where a return gives other attributes
    attrs_by_unit: dict[int, dict[str, Any]] = {}
    for _result, row, unit in staged["units"]:
        attrs_by_unit.setdefault(id(unit), {}).update(
            {k: v for k, v in row.attrs.items() if k == "district" or k in _UPDATED_ATTRS}
        )
        if row.attrs.get("agency_kind"):
            unit.kind = unit.kind or row.attrs["agency_kind"]
    new_units: list[tuple[UnitRecord, dict[str, Any]]] = []
    updates: dict[tuple[str, ...], list[dict[str, Any]]] = {}  # by the columns they set
    for unit in registry.records:
        attrs = attrs_by_unit.get(id(unit), {})
        if unit.is_new:
            kind = unit.kind or DON_VI_SU_NGHIEP
            new_units.append(
                (
                    unit,
                    dict(
                        code=unit.code,
                        name=unit.name,
                        name_key=unit.name_key,
                        loose_key=unit.loose_key,
                        kind=kind,
                        level=_level(kind, unit.district),
                        district=unit.district,
                        district_key=unit.district_key,
                        parent=attrs.get("parent"),
                        sector=attrs.get("sector"),
                        autonomy=attrs.get("autonomy"),
                        created_by=submission_id,
                    ),
                )
            )
            counts["units_new"] += 1
        elif attrs or unit.changed:
            # only what differs from the stored row: an unchanged unit is not written (nor
            # logged in data_change, nor re-read by the app's refresh)
            values = {
                k: v
                for k, v in attrs.items()
                if k in _UPDATED_ATTRS and v and v != unit.attrs.get(k)
            }
            if unit.changed:
                values["code"] = unit.code
            if values:
                row = {"_id": unit.id, **{f"_{k}": v for k, v in values.items()}}
                updates.setdefault(tuple(sorted(values)), []).append(row)
    if new_units:
        _insert_units(conn, new_units)
    u = schema.unit.c
    for columns, rows in updates.items():
        statement = (
            update(schema.unit)
            .where(u.id == bindparam("_id"))
            .values({c: bindparam(f"_{c}") for c in columns})
        )
        conn.execute(statement, rows)
    fact_rows: list[tuple[Any, ...]] = []  # in the order of _FACT_COLUMNS
    job_rows: list[tuple[Any, ...]] = []  # in the order of _JOB_COLUMNS
    for result, row, unit in staged["units"]:
        measure = MEASURE_OF_FORM[result.form]
        year_of_return = _return_year(result, row)
        sheet, unit_id = result.sheet, unit.id
        for (field_name, year), cell in row.yearly.items():
            fact_rows.append(
                (
                    submission_id,
                    unit_id,
                    measure,
                    STATUS_OF_FIELD[field_name],
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
                        STATUS_OF_FIELD[field_name],
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
    for result, ev, before, after in staged["events"]:
        counts["events"] += _write_event(conn, result, ev, before, after, submission_id)
    for result, target, unit in staged["targets"]:
        _write_target(conn, result, target, unit, submission_id)
        counts["targets"] += 1
    return counts


def _insert_units(conn: Connection, new_units: list[tuple[UnitRecord, dict[str, Any]]]) -> None:
    """Insert the new units in one executemany, then read their ids back by their unique
    (name_key, district_key): SQLite's INSERT … RETURNING in parameter order runs one
    statement per row."""
    columns = tuple(new_units[0][1])
    insert_rows(conn, schema.unit, columns, [tuple(v.values()) for _unit, v in new_units])
    by_key = {(unit.name_key, unit.district_key): unit for unit, _values in new_units}
    by_district: dict[str, list[str]] = {}
    for name, district in sorted(by_key):
        by_district.setdefault(district, []).append(name)
    for district, names in by_district.items():  # seeks in the unique index, nothing more
        for i in range(0, len(names), _IN_CHUNK):
            chunk = names[i : i + _IN_CHUNK]
            condition = f"district_key = {{}} AND name_key IN ({', '.join(['{}'] * len(chunk))})"
            for r in _select_units(conn, condition, [district, *chunk]):
                unit = by_key.get((r.name_key, r.district_key))
                if unit is not None:
                    unit.id = r.id
    if any(unit.id is None for unit, _values in new_units):
        raise RuntimeError("a new unit's id was not read back")


_FACT_COLUMNS = ("submission_id", "unit_id", "measure", "status", "year", "value", "sheet", "cell")
_JOB_COLUMNS = ("submission_id", "unit_id", "status", "note", "as_of", "sheet", "cell")
_PLACEHOLDER = {"qmark": "?", "format": "%s", "pyformat": "%s"}


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
    mark = _PLACEHOLDER.get(dialect.paramstyle)
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
    before_set, after_set = _event_sets(ev, before, after)
    key_source = json.dumps(
        [
            ev.date.isoformat(),
            ev.event_type,
            sorted(u.id for u in before_set.values()),
            sorted(u.id for u in after_set.values()),
        ]
    )
    natural_key = hashlib.sha256(key_source.encode()).hexdigest()
    event_id = conn.execute(
        insert(schema.event).values(
            submission_id=submission_id,
            natural_key=natural_key,
            effective_date=ev.date,
            event_type=ev.event_type,
            doc_ref=ev.doc_ref,
            unit_kind=_unit_kind_for_event(ev, before + after),
            sector=ev.sector,
            internal_phong=ev.internal.get("phong", 0),
            internal_khoa=ev.internal.get("khoa", 0),
            internal_chi_nhanh=ev.internal.get("chi_nhanh", 0),
            internal_khac=ev.internal.get("khac", 0),
            note=ev.note,
            sheet=result.sheet,
            cell=ev.ref,
        )
    ).inserted_primary_key[0]
    rows = [dict(event_id=event_id, unit_id=u.id, role="before") for u in before_set.values()]
    rows += [dict(event_id=event_id, unit_id=u.id, role="after") for u in after_set.values()]
    conn.execute(insert(schema.event_unit), rows)
    ceased = [u for k, u in before_set.items() if k not in after_set]
    created = [u for k, u in after_set.items() if k not in before_set]
    if ceased and after_set:
        conn.execute(
            insert(schema.lineage),
            [
                dict(event_id=event_id, predecessor_id=p.id, successor_id=s.id)
                for p in ceased
                for s in after_set.values()
            ],
        )
    u = schema.unit.c
    for unit in ceased:
        conn.execute(update(schema.unit).where(u.id == unit.id).values(valid_to=ev.date))
    for unit in created:
        conn.execute(update(schema.unit).where(u.id == unit.id).values(valid_from=ev.date))
    if ev.sector:
        for unit in created:
            conn.execute(
                update(schema.unit)
                .where(u.id == unit.id, u.sector.is_(None))
                .values(sector=ev.sector)
            )
    return 1


def _write_target(
    conn: Connection,
    result: SheetResult,
    target: TargetRow,
    unit: UnitRecord | None,
    submission_id: int,
) -> None:
    conn.execute(
        insert(schema.target).values(
            submission_id=submission_id,
            scope_unit_id=unit.id if unit else None,
            measure=MEASURE_OF_TARGET[target.measure],
            base_year=target.base_year,
            pct=target.pct,
            count=target.count,
            path={str(k): v for k, v in target.path.items()},
            doc_ref=target.doc_ref,
            sheet=result.sheet,
            cell=target.scope.ref,
        )
    )


def _store_original(uploads_dir: Path, sha256: str, file_name: str, content: bytes) -> str:
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


def _display_name(file_name: str) -> str:
    return clean_text(Path(file_name).name) or "tệp"


def _read_upload(
    content: bytes, display_name: str
) -> tuple[list[Problem], list[SheetResult] | None]:
    """Read and check one file's forms (no database): its problems, and its sheets, or None
    when it is refused."""
    log = ProblemLog(display_name)
    sheets = read_forms(content, display_name, log)
    if sheets is not None and not sheets and not log.has_errors:
        log.error(
            "no-form-found",
            "Không tìm thấy biểu mẫu nào (Biểu 00, 01, 02, 03) trong tệp.",
            "No form (Biểu 00, 01, 02 or 03) was found in the file.",
        )
    return log.items, None if sheets is None or log.has_errors else sheets


def ingest_bytes(
    engine: Engine,
    content: bytes,
    file_name: str,
    *,
    uploads_dir: Path,
    uploader: str = "cli",
    max_upload_bytes: int | None = None,
    dry_run: bool = False,
    allowed_units: Collection[int] | None = None,
    on_store: Callable[[Connection, IngestResult], None] | None = None,
) -> IngestResult:
    """Read, check and (unless refused or `dry_run`) store one file, all or nothing.

    `allowed_units`, when given, are the only units the uploader may report for: a row for
    any other unit (or a new one), and any plan row, refuses the file.
    """
    return _ingest(
        engine,
        content,
        _display_name(file_name),
        None,
        uploads_dir=uploads_dir,
        uploader=uploader,
        max_upload_bytes=max_upload_bytes,
        dry_run=dry_run,
        allowed_units=allowed_units,
        on_store=on_store,
    )


def _too_large(content: bytes, max_upload_bytes: int | None) -> bool:
    return max_upload_bytes is not None and len(content) > max_upload_bytes


def _ingest(
    engine: Engine,
    content: bytes,
    display_name: str,
    read_ahead: Future[tuple[list[Problem], list[SheetResult] | None]] | None,
    *,
    uploads_dir: Path,
    uploader: str,
    max_upload_bytes: int | None,
    dry_run: bool = False,
    allowed_units: Collection[int] | None = None,
    on_store: Callable[[Connection, IngestResult], None] | None = None,
    preview: bool = True,
) -> IngestResult:
    """`ingest_bytes`; the reading may already be under way (`read_ahead`, from
    `_read_upload`), and is used only where `ingest_bytes` would have read the file.
    `preview=False` leaves `IngestResult.preview` (the upload page's table) empty."""
    sha256 = hashlib.sha256(content).hexdigest()
    log = ProblemLog(display_name)
    result = IngestResult(display_name, sha256, "refused", log.items)
    if _too_large(content, max_upload_bytes):
        assert max_upload_bytes is not None
        size_mb, limit_mb = len(content) / 1e6, max_upload_bytes / 1e6
        log.error(
            "file-too-large",
            f"Tệp lớn {fmt_number(size_mb, 1)} MB, vượt giới hạn {fmt_number(limit_mb, 1)} MB.",
            f"The file is {size_mb:.1f} MB, over the {limit_mb:.1f} MB limit.",
        )
        return result
    with reading(engine) as conn:
        known = conn.execute(
            select(schema.submission.c.id).where(schema.submission.c.sha256 == sha256)
        ).first()
    if known is not None:
        result.status = "duplicate"
        result.submission_id = known.id
        return result
    problems, sheets = read_ahead.result() if read_ahead else _read_upload(content, display_name)
    log.items.extend(problems)
    if sheets is None:
        return result
    result.forms = sorted({s.form for s in sheets})
    as_of_dates = [s.header.as_of for s in sheets if s.header.as_of]
    result.as_of = max(as_of_dates) if as_of_dates else None
    header = next((s.header for s in sheets if s.header.reporting_unit), sheets[0].header)
    try:
        with engine.begin() as conn:
            _serialise_writers(conn)
            known = conn.execute(
                select(schema.submission.c.id).where(schema.submission.c.sha256 == sha256)
            ).first()
            if known is not None:  # the same file, stored by a concurrent upload
                result.status, result.submission_id = "duplicate", known.id
                return result
            registry = _load_registry(conn)
            staged = _stage(sheets, registry, log)
            if allowed_units is not None:
                _check_allowed(staged, set(allowed_units), log)
            if preview:
                result.preview = preview_rows(staged)
            if log.has_errors or dry_run:
                raise _Refused
            stored_path = _store_original(uploads_dir, sha256, display_name, content)
            submission_id = conn.execute(
                insert(schema.submission).values(
                    file_name=display_name,
                    sha256=sha256,
                    stored_path=stored_path,
                    uploader=uploader,
                    uploaded_at=dt.datetime.now(dt.UTC),
                    status="accepted",
                    reporting_unit=header.reporting_unit or None,
                    period=header.period or None,
                    as_of=result.as_of,
                    forms=",".join(result.forms),
                    problems=[p.as_dict() for p in log.items],
                )
            ).inserted_primary_key[0]
            result.counts = _write(conn, staged, registry, submission_id, result.as_of)
            result.submission_id = submission_id
            if on_store is not None:  # e.g. the audit entry, in the same transaction
                on_store(conn, result)
    except _Refused:
        if dry_run and not log.has_errors:
            result.status = "checked"
        return result
    result.status = "accepted"
    return result


WRITER_LOCK_KEY = 7_301_2022  # PostgreSQL advisory lock: one ingest writes at a time


def _serialise_writers(conn: Connection) -> None:
    """One writer at a time: SQLite has BEGIN IMMEDIATE already; PostgreSQL takes an advisory
    lock held until the transaction ends, so concurrent uploads never interleave."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITER_LOCK_KEY})


def _check_allowed(staged: dict[str, list[Any]], allowed: set[int], log: ProblemLog) -> None:
    """An uploader may report only for the units given to them."""
    for result, row, unit in staged["units"]:
        if unit.id is None or unit.id not in allowed:
            log.error(
                "unit-not-allowed",
                f"Tài khoản này không được nộp báo cáo cho «{unit.name}» (ô {row.name.ref}).",
                f"This account may not report for «{unit.name}» (cell {row.name.ref}).",
                sheet=result.sheet,
                cell=row.name.ref,
                value=unit.name,
            )
    for result, ev, before, after in staged["events"]:
        for unit in before + after:
            if unit.id is None or unit.id not in allowed:
                log.error(
                    "unit-not-allowed",
                    f"Tài khoản này không được báo cáo sắp xếp của «{unit.name}».",
                    f"This account may not report reorganisations of «{unit.name}».",
                    sheet=result.sheet,
                    cell=ev.ref,
                    value=unit.name,
                )
    for result, target, _unit in staged["targets"]:
        log.error(
            "targets-admin-only",
            "Chỉ quản trị viên được nộp kế hoạch, chỉ tiêu (Biểu 00).",
            "Only administrators may upload plans and targets (Biểu 00).",
            sheet=result.sheet,
            cell=target.scope.ref,
        )


def ingest_many(
    engine: Engine,
    files: Iterable[tuple[str, bytes | Callable[[], bytes]]],
    *,
    uploads_dir: Path,
    uploader: str = "cli",
    max_upload_bytes: int | None = None,
    read_ahead: int | None = None,
    on_store: Callable[[Connection, IngestResult], None] | None = None,
) -> Iterator[IngestResult]:
    """`ingest_bytes` on each (name, content) in order, with the same results, one
    transaction each: while one file is matched and stored, the next `read_ahead` files
    (default: `PARSE_WORKERS`) are being read and checked in their own child processes.
    Content may be a function that returns the bytes (read when the file is first needed).
    Results are yielded in order, as each file is stored; their `preview` (the upload page's
    table) is left empty. `on_store` runs in each accepted file's transaction."""
    ahead = max(1, Limits.from_env().parse_workers if read_ahead is None else read_ahead)
    pending: deque[tuple[str, bytes, Future[Any] | None]] = deque()
    source = iter(files)
    with ThreadPoolExecutor(max_workers=ahead, thread_name_prefix="ingest-read") as pool:

        def fill() -> None:  # keep `ahead` files being read beyond the one being stored
            while len(pending) < ahead:
                item = next(source, None)
                if item is None:
                    return
                name, content = item
                if callable(content):
                    content = content()
                display_name = _display_name(name)
                future = None
                if not _too_large(content, max_upload_bytes):
                    future = pool.submit(_read_upload, content, display_name)
                pending.append((display_name, content, future))

        try:
            fill()
            while pending:
                display_name, content, future = pending.popleft()
                fill()
                yield _ingest(
                    engine,
                    content,
                    display_name,
                    future,
                    uploads_dir=uploads_dir,
                    uploader=uploader,
                    max_upload_bytes=max_upload_bytes,
                    on_store=on_store,
                    preview=False,
                )
        finally:  # stopped early (an error, or the caller stopped): no more reading
            for _name, _content, waiting in pending:
                if waiting is not None:
                    waiting.cancel()


def ingest_path(engine: Engine, path: Path, **kwargs: Any) -> IngestResult:
    """`ingest_bytes` for a file on disk."""
    return ingest_bytes(engine, Path(path).read_bytes(), Path(path).name, **kwargs)
