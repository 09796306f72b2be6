"""Plans (Biểu 00) as stored: every target row with the return that set it (file, uploader,
time) and that return's review (status, reviewer, time), and which of them are in force.

A target is in force the way the figures read it (`etl.measures.dataset.latest_by` on the
approved submissions): for each programme, scope and measure, the row of the latest approved
submission (by submission id, then row id). A waiting row will supersede it once approved; a
returned row never counts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from etl.core.vocabulary import ReviewStatus
from etl.storage import schema
from etl.storage.review_reads import latest_reviews


@dataclass(frozen=True)
class TargetRecord:
    """One stored target row (Biểu 00) and where it came from."""

    id: int
    submission_id: int
    scope_unit_id: int | None  # None: the whole city/province
    scope_name: str | None  # the unit's name (None for the whole city)
    measure: str  # a Measure code
    base_year: int
    pct: float | None
    count: int | None
    path: dict[int, int]  # year → planned reduction
    doc_ref: str | None
    sheet: str
    cell: str
    file_name: str
    uploader: str
    uploaded_at: dt.datetime
    review_status: str | None  # a ReviewStatus (None: no review row)
    reviewed_by: str | None  # who approved or returned it (None while it waits)
    reviewed_at: dt.datetime | None  # when
    programme_id: int | None = None
    programme: str | None = None  # the programme's name (`2022 - 2026`)
    basis: str | None = None  # the row's `Căn cứ`
    exclude_sectors: tuple[str, ...] = ()  # the sectors the row keeps stable

    @property
    def key(self) -> tuple[int | None, int | None, str]:
        return (self.programme_id, self.scope_unit_id, self.measure)

    @property
    def order(self) -> tuple[int, int]:
        """Later returns supersede earlier ones: by submission, then row (as `latest_by`)."""
        return (self.submission_id, self.id)


def _path(value: Any) -> dict[int, int]:
    if not isinstance(value, dict):
        return {}
    out: dict[int, int] = {}
    for year, count in value.items():
        try:
            out[int(year)] = int(count)
        except (TypeError, ValueError):
            continue
    return dict(sorted(out.items()))


def target_history(conn: Connection) -> list[TargetRecord]:
    """Every stored target row: the latest return first, each return's rows in sheet order."""
    t, s, u, p = schema.target.c, schema.submission.c, schema.unit.c, schema.programme.c
    latest, last = latest_reviews()
    query = (
        select(
            t.id,
            t.submission_id,
            t.scope_unit_id,
            u.name.label("scope_name"),
            t.measure,
            t.base_year,
            t.pct,
            t.count,
            t.path,
            t.doc_ref,
            t.sheet,
            t.cell,
            s.file_name,
            s.uploader,
            s.uploaded_at,
            last.c.status.label("review_status"),
            last.c.actor.label("reviewed_by"),
            last.c.at.label("reviewed_at"),
            t.programme_id,
            p.name.label("programme"),
            t.basis,
            t.exclude_sectors,
        )
        .select_from(
            schema.target.join(schema.submission, s.id == t.submission_id)
            .outerjoin(schema.unit, u.id == t.scope_unit_id)
            .outerjoin(schema.programme, p.id == t.programme_id)
            .outerjoin(latest, latest.c.submission_id == s.id)
            .outerjoin(last, last.c.id == latest.c.review_id)
        )
        .order_by(t.submission_id.desc(), t.id)
    )
    return [
        TargetRecord(
            id=int(r.id),
            submission_id=int(r.submission_id),
            scope_unit_id=None if r.scope_unit_id is None else int(r.scope_unit_id),
            scope_name=r.scope_name,
            measure=r.measure,
            base_year=int(r.base_year),
            pct=None if r.pct is None else float(r.pct),
            count=None if r.count is None else int(r.count),
            path=_path(r.path),
            doc_ref=r.doc_ref,
            sheet=r.sheet,
            cell=r.cell,
            file_name=r.file_name,
            uploader=r.uploader,
            uploaded_at=r.uploaded_at,
            review_status=r.review_status,
            reviewed_by=None if r.review_status == ReviewStatus.CHO_DUYET else r.reviewed_by,
            reviewed_at=None if r.review_status == ReviewStatus.CHO_DUYET else r.reviewed_at,
            programme_id=None if r.programme_id is None else int(r.programme_id),
            programme=r.programme,
            basis=r.basis,
            exclude_sectors=tuple(
                x.strip() for x in (r.exclude_sectors or "").split(";") if x.strip()
            ),
        )
        for r in conn.execute(query).all()
    ]


def in_force(history: list[TargetRecord]) -> list[TargetRecord]:
    """The target of each programme, scope and measure that the figures use: the latest
    approved row (by programme, then the city first, then by scope name and measure)."""
    current: dict[tuple[int | None, int | None, str], TargetRecord] = {}
    for row in history:
        if row.review_status != ReviewStatus.DA_DUYET:
            continue
        held = current.get(row.key)
        if held is None or row.order > held.order:
            current[row.key] = row
    return sorted(
        current.values(),
        key=lambda r: (
            r.programme_id or 0,
            r.scope_unit_id is not None,
            r.scope_name or "",
            r.measure,
        ),
    )
