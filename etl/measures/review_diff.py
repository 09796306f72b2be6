"""What approving a return would change: every figure of the return that differs from the
currently approved value of its key (unit, measure, status, year), with the cell it came
from; changes of past years, and above all of the 2021 baseline, are flagged.

`diff_figures` is pure (frames in, a `ReviewDiff` out); `review_diff` reads what it needs:
the return's figures, the approved figures of the same units (from every approved submission
but the return itself) and the units' names.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, text

from etl.measures.dataset import FACT_KEY, latest_by
from etl.measures.metrics import BASELINE_YEAR
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
    baseline: bool  # the year is the baseline year (2021)
    past_year: bool  # the year is before the return's cut-off year


@dataclass(frozen=True)
class ReviewDiff:
    """The figures a return changes (baseline rows first, then past years, then the rest, each
    by unit, measure, status and year) and how many of its figures equal the approved ones."""

    submission_id: int | None
    rows: tuple[DiffRow, ...]
    unchanged: int

    @property
    def baseline_rows(self) -> tuple[DiffRow, ...]:
        return tuple(r for r in self.rows if r.baseline)


FACT_COLUMNS = ["id", "submission_id", *FACT_KEY, "value", "sheet", "cell"]


def diff_figures(
    new_facts: pd.DataFrame,
    approved_facts: pd.DataFrame,
    unit_names: dict[int, str],
    as_of: dt.date | None,
    submission_id: int | None = None,
) -> ReviewDiff:
    """The figures of `new_facts` (one return's fact rows; the latest row of a key counts)
    that differ from the current value of their key among `approved_facts` (fact rows of the
    approved submissions: the latest submission's row of a key is current). `as_of`: the
    return's cut-off, whose year and later are not past years (None: none is)."""
    if not len(new_facts):
        return ReviewDiff(submission_id, (), 0)
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
            baseline=int(r["year"]) == BASELINE_YEAR,
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
    return diff_figures(new, approved, names, as_of, submission_id)


def _frame(conn: Connection, sql: str, params: dict[str, Any]) -> pd.DataFrame:
    rows = conn.execute(text(sql), params).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=FACT_COLUMNS)
