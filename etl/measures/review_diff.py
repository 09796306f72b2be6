"""What approving a return would change: every figure of the return that differs from the
currently approved value of its key (unit, measure, status, year), with the cell it came
from; changes of past years, and above all of the 2021 baseline, are flagged. And every unit
attribute it would change (parent, sector, autonomy, validity dates: its `unit_revision`
rows), old → new.

`diff_figures` and `diff_units` are pure (frames in, rows out); `review_diff` reads what they
need: the return's figures and revisions, the approved figures and revisions of the same units
(from every approved submission but the return itself) and the units' rows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, text

from etl.core.formatting import fmt_date
from etl.core.vocabulary import FactStatus
from etl.measures.dataset import FACT_KEY, SECTOR_IF_EMPTY, latest_by, overlay_revisions
from etl.storage import db, review_reads


@dataclass(frozen=True)
class DiffRow:
    """One figure the return changes: `old` is None when no approved value exists yet."""

    unit_id: int
    unit_name: str
    measure: str
    status: str
    year: int
    old: int | None
    new: int
    sheet: str
    cell: str
    baseline: bool  # the year is a programme's baseline year
    past_year: bool  # the year is before the return's cut-off year


@dataclass(frozen=True)
class UnitChange:
    """One unit attribute the return changes: `old` is the approved value (None: none),
    `new` the value once the return is approved too; dates as ISO text."""

    unit_id: int
    unit_name: str
    field: str  # parent | sector | autonomy | valid_from | valid_to
    old: str | None
    new: str | None
    sheet: str
    cell: str
    new_unit: bool  # the return creates the unit


@dataclass(frozen=True)
class ReviewDiff:
    """The figures a return changes (baseline rows first, then past years, then the rest, each
    by unit, measure, status and year) and how many of its figures equal the approved ones;
    the unit attributes it changes (by unit, then field)."""

    submission_id: int | None
    rows: tuple[DiffRow, ...]
    unchanged: int
    unit_changes: tuple[UnitChange, ...] = ()

    @property
    def baseline_rows(self) -> tuple[DiffRow, ...]:
        return tuple(r for r in self.rows if r.baseline)


FACT_COLUMNS = ["id", "submission_id", *FACT_KEY, "value", "sheet", "cell"]
REVISION_COLUMNS = ["id", "submission_id", "unit_id", "field", "value", "sheet", "cell"]
UNIT_COLUMNS = [
    "id", "name", "parent", "sector", "autonomy", "valid_from", "valid_to", "created_by",
]  # fmt: skip
UNIT_FIELDS = ("parent", "sector", "autonomy", "valid_from", "valid_to")
UNIT_FIELD_LABELS = {
    "parent": "Cơ quan chủ quản",
    "sector": "Lĩnh vực",
    "autonomy": "Mức tự chủ",
    "valid_from": "Ngày thành lập",
    "valid_to": "Ngày kết thúc hoạt động",
}
EMPTY_VALUE = "(trống)"


def unit_value_text(field: str, value: str | None) -> str:
    """A unit attribute as staff read it: dates dd/mm/yyyy, a missing value `(trống)`."""
    if value is None:
        return EMPTY_VALUE
    if field in ("valid_from", "valid_to"):
        try:
            return fmt_date(value[:10])
        except ValueError:
            return value
    return value


def diff_figures(
    new_facts: pd.DataFrame,
    approved_facts: pd.DataFrame,
    unit_names: dict[int, str],
    as_of: dt.date | None,
    submission_id: int | None = None,
    baseline_years: frozenset[int] | None = None,
) -> ReviewDiff:
    """The figures of `new_facts` (one return's fact rows; the latest row of a key counts)
    that differ from the current value of their key among `approved_facts` (fact rows of the
    approved submissions: the latest submission's row of a key is current). `as_of`: the
    return's cut-off, whose year and later are not past years (None: none is);
    `baseline_years`: the programmes' baseline years (docs/domain.md, "Programme targets");
    None or none: the earliest assigned year of the figures (no programme stored)."""
    if not len(new_facts):
        return ReviewDiff(submission_id, (), 0)
    if not baseline_years:
        assigned = pd.concat([new_facts, approved_facts], ignore_index=True)
        assigned = assigned.loc[assigned["status"] == FactStatus.ASSIGNED, "year"]
        baseline_years = frozenset([int(assigned.min())] if len(assigned) else [])
    new = latest_by(new_facts, FACT_KEY)
    old = latest_by(approved_facts, FACT_KEY) if len(approved_facts) else None
    if old is not None and len(old):
        old_values = old[[*FACT_KEY, "value"]].rename(columns={"value": "old"})
        merged = new.merge(old_values, on=FACT_KEY, how="left")
    else:
        merged = new.assign(old=pd.NA)
    changed = merged["old"].isna() | (merged["old"] != merged["value"])
    unchanged = int((~changed).sum())
    rows = [
        DiffRow(
            unit_id=int(r["unit_id"]),
            unit_name=unit_names.get(int(r["unit_id"]), str(int(r["unit_id"]))),
            measure=str(r["measure"]),
            status=str(r["status"]),
            year=int(r["year"]),
            old=None if pd.isna(r["old"]) else int(r["old"]),
            new=int(r["value"]),
            sheet=str(r["sheet"]),
            cell=str(r["cell"]),
            baseline=int(r["year"]) in baseline_years,
            past_year=as_of is not None and int(r["year"]) < as_of.year,
        )
        for r in merged[changed.to_numpy()].to_dict("records")
    ]
    rows.sort(
        key=lambda r: (
            not r.baseline,
            not r.past_year,
            r.unit_name,
            r.unit_id,
            r.measure,
            r.status,
            r.year,
        )
    )
    return ReviewDiff(submission_id, tuple(rows), unchanged)


def diff_units(
    units: pd.DataFrame,
    approved: pd.DataFrame,
    revisions: pd.DataFrame,
    submission_id: int | None = None,
) -> tuple[UnitChange, ...]:
    """The attributes the revisions of one return (`revisions`) change on `units` (their rows
    as stored, UNIT_COLUMNS, dates as ISO text or None), given the revisions of the approved
    submissions (`approved`): old is the rows overlaid with `approved`, new with `approved` and
    `revisions` (each in submission order, as the Dataset overlays them). A field the return
    sets to the value it has already is not listed; the cell is that of the return's last
    revision of the field (`sector_if_empty` counts as the sector)."""
    if not len(revisions) or not len(units):
        return ()
    both = pd.concat([approved, revisions], ignore_index=True) if len(approved) else revisions
    old, new = _attributes(units, approved), _attributes(units, both)
    cells: dict[tuple[int, str], tuple[str, str]] = {}
    for r in revisions.sort_values("id").itertuples(index=False):
        field = "sector" if r.field == SECTOR_IF_EMPTY else str(r.field)
        cells[(int(r.unit_id), field)] = (str(r.sheet), str(r.cell))
    names = dict(zip(units["id"].astype(int), units["name"].astype(str), strict=True))
    created = {
        int(i) for i, c in zip(units["id"], units["created_by"], strict=True) if c == submission_id
    }
    changes = [
        UnitChange(
            unit_id=unit_id,
            unit_name=names.get(unit_id, str(unit_id)),
            field=field,
            old=old.get((unit_id, field)),
            new=new.get((unit_id, field)),
            sheet=sheet,
            cell=cell,
            new_unit=unit_id in created,
        )
        for (unit_id, field), (sheet, cell) in cells.items()
        if old.get((unit_id, field)) != new.get((unit_id, field))
    ]
    changes.sort(key=lambda c: (c.unit_name, c.unit_id, UNIT_FIELDS.index(c.field)))
    return tuple(changes)


def _attributes(units: pd.DataFrame, revisions: pd.DataFrame) -> dict[tuple[int, str], str]:
    """(unit, field) → value of `units` overlaid with `revisions` (empty values left out):
    parent, sector and autonomy as the Dataset overlays them; validity dates from the latest
    revision of each (as the Dataset replays the events that wrote them), else the row's."""
    overlaid = overlay_revisions(units, revisions)
    if len(revisions):
        dated = revisions[revisions["field"].isin(["valid_from", "valid_to"]).to_numpy()]
        dated = dated.sort_values(["submission_id", "id"], kind="stable")
        latest = dated.drop_duplicates(["unit_id", "field"], keep="last")
        overlaid = overlaid.set_index("id", drop=False)
        for unit_id, field, value in zip(
            latest["unit_id"], latest["field"], latest["value"], strict=True
        ):
            overlaid.loc[unit_id, field] = value
    values: dict[tuple[int, str], str] = {}
    for row in overlaid.to_dict("records"):
        for field in UNIT_FIELDS:
            value = row[field]
            if isinstance(value, str) and value:
                values[(int(row["id"]), field)] = value
    return values


def review_diff(engine_or_conn: Engine | Connection, submission_id: int) -> ReviewDiff:
    """`diff_figures` of submission `submission_id` against the approved figures of the same
    units (every approved submission but this one)."""
    if isinstance(engine_or_conn, Engine):
        with db.reading(engine_or_conn) as conn:
            return review_diff(conn, submission_id)
    conn = engine_or_conn
    columns = ", ".join(f"f.{c}" for c in FACT_COLUMNS)
    new = _frame(
        conn,
        f"SELECT {columns} FROM fact f WHERE f.submission_id = :s ORDER BY f.id",
        {"s": submission_id},
    )
    approved = _frame(
        conn,
        f"SELECT {columns} FROM fact f WHERE f.submission_id <> :s"
        f" AND f.submission_id IN ({review_reads.approved_ids_sql()})"
        " AND f.unit_id IN (SELECT unit_id FROM fact WHERE submission_id = :s)"
        " ORDER BY f.id",
        {"s": submission_id},
    )
    names = {
        int(i): str(n)
        for i, n in conn.execute(
            text(
                "SELECT id, name FROM unit WHERE id IN"
                " (SELECT unit_id FROM fact WHERE submission_id = :s)"
            ),
            {"s": submission_id},
        )
    }
    as_of = conn.execute(
        text("SELECT as_of FROM submission WHERE id = :s"), {"s": submission_id}
    ).scalar()
    if isinstance(as_of, str):
        as_of = dt.date.fromisoformat(as_of[:10])
    # the programmes' baseline years (none stored: `diff_figures` takes the earliest year)
    years = frozenset(
        int(y) for (y,) in conn.execute(text("SELECT DISTINCT baseline_year FROM programme"))
    )
    figures = diff_figures(new, approved, names, as_of, submission_id, years)
    return dataclasses.replace(figures, unit_changes=_unit_changes(conn, submission_id))


def _unit_changes(conn: Connection, submission_id: int) -> tuple[UnitChange, ...]:
    """`diff_units` of the return's revisions, read with the units they revise and the
    approved revisions of those units."""
    columns = ", ".join(REVISION_COLUMNS)
    revisions = _frame(
        conn,
        f"SELECT {columns} FROM unit_revision WHERE submission_id = :s ORDER BY id",
        {"s": submission_id},
        REVISION_COLUMNS,
    )
    if not len(revisions):
        return ()
    of_return = "SELECT unit_id FROM unit_revision WHERE submission_id = :s"
    approved = _frame(
        conn,
        f"SELECT {columns} FROM unit_revision WHERE submission_id <> :s"
        f" AND submission_id IN ({review_reads.approved_ids_sql()})"
        f" AND unit_id IN ({of_return}) ORDER BY submission_id, id",
        {"s": submission_id},
        REVISION_COLUMNS,
    )
    units = _frame(
        conn,
        f"SELECT {', '.join(UNIT_COLUMNS)} FROM unit WHERE id IN ({of_return}) ORDER BY id",
        {"s": submission_id},
        UNIT_COLUMNS,
    )
    for column in ("valid_from", "valid_to"):  # ISO text on both backends, as revisions hold
        units[column] = [_iso(v) for v in units[column]]
    for column in ("parent", "sector", "autonomy"):
        units[column] = units[column].astype(object)
    return diff_units(units, approved, revisions, submission_id)


def _iso(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return value.isoformat() if isinstance(value, dt.date) else str(value)[:10]


def _frame(
    conn: Connection, sql: str, params: dict[str, Any], columns: list[str] = FACT_COLUMNS
) -> pd.DataFrame:
    rows = conn.execute(text(sql), params).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=columns)
