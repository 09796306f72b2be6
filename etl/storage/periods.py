"""Reporting periods: a return belongs to the period whose `as_of` is its cut-off date
(`Số liệu tính đến ngày`); an administrator adds, closes and reopens them.

Every function takes a connection: the caller's transaction (`engine.begin()`) holds the
change and its audit entry together.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, exists, func, insert, select, update

from etl.core.formatting import fmt_date
from etl.core.vocabulary import PeriodState
from etl.storage import accounts, schema

EARLIEST_AS_OF = dt.date(2015, 1, 1)


class PeriodError(ValueError):
    """A request about periods that cannot be done; the message is Vietnamese first."""


@dataclass(frozen=True)
class Period:
    id: int
    name: str
    as_of: dt.date
    deadline: dt.date
    state: str
    created_at: dt.datetime
    created_by: str
    closed_at: dt.datetime | None

    @property
    def is_open(self) -> bool:
        return self.state == PeriodState.MO


def default_name(as_of: dt.date) -> str:
    """31/12 → `Năm YYYY`, 30/06 → `6 tháng đầu năm YYYY`, else `Kỳ tính đến dd/mm/yyyy`."""
    if (as_of.month, as_of.day) == (12, 31):
        return f"Năm {as_of.year}"
    if (as_of.month, as_of.day) == (6, 30):
        return f"6 tháng đầu năm {as_of.year}"
    return f"Kỳ tính đến {as_of:%d/%m/%Y}"


def _date(value: Any) -> dt.date:
    """SQLite gives dates back as ISO texts from plain SQL, PostgreSQL as dates."""
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def _period(row: Any) -> Period:
    return Period(
        id=int(row.id),
        name=row.name,
        as_of=_date(row.as_of),
        deadline=_date(row.deadline),
        state=row.state,
        created_at=row.created_at,
        created_by=row.created_by,
        closed_at=row.closed_at,
    )


def add(conn: Connection, *, name: str, as_of: dt.date, deadline: dt.date, actor: str) -> Period:
    """A new open period; PeriodError when its cut-off is before 2015, already a period's,
    or after its deadline, or the name is empty."""
    name = (name or "").strip()
    if not name:
        raise PeriodError("Cần tên kỳ báo cáo / a period needs a name")
    if as_of < EARLIEST_AS_OF:
        raise PeriodError(
            f"Ngày chốt số liệu {fmt_date(as_of)} trước {fmt_date(EARLIEST_AS_OF)} / "
            "the cut-off date is before 2015"
        )
    if deadline < as_of:
        raise PeriodError(
            f"Hạn nộp {fmt_date(deadline)} trước ngày chốt số liệu {fmt_date(as_of)} / "
            "the deadline is before the cut-off date"
        )
    same = find_for_as_of(conn, as_of)
    if same is not None:
        raise PeriodError(
            f"Đã có kỳ «{same.name}» tính đến ngày {fmt_date(as_of)} / "
            "a period with this cut-off date exists"
        )
    period_id = conn.execute(
        insert(schema.period).values(
            name=name[:160],
            as_of=as_of,
            deadline=deadline,
            state=PeriodState.MO.value,
            created_at=accounts.now(),
            created_by=actor[:120],
            closed_at=None,
        )
    ).inserted_primary_key[0]
    detail = {"name": name, "as_of": as_of.isoformat(), "deadline": deadline.isoformat()}
    accounts.audit(conn, actor, "period.add", str(period_id), detail)
    period = get(conn, int(period_id))
    assert period is not None
    return period


def list_periods(conn: Connection) -> list[Period]:
    """Every period, by cut-off date."""
    rows = conn.execute(select(schema.period).order_by(schema.period.c.as_of)).all()
    return [_period(r) for r in rows]


def get(conn: Connection, period_id: int) -> Period | None:
    row = conn.execute(select(schema.period).where(schema.period.c.id == period_id)).first()
    return _period(row) if row else None


_FOR_AS_OF = select(schema.period).where(schema.period.c.as_of == bindparam("as_of"))  # built once


def find_for_as_of(conn: Connection, as_of: dt.date) -> Period | None:
    """The period whose cut-off date is exactly `as_of`."""
    row = conn.execute(_FOR_AS_OF, {"as_of": as_of}).first()
    return _period(row) if row else None


def _existing(conn: Connection, period_id: int) -> Period:
    period = get(conn, period_id)
    if period is None:
        raise PeriodError(f"Không có kỳ báo cáo số {period_id} / no such period")
    return period


def close(conn: Connection, period_id: int, actor: str) -> Period:
    """Close a period: returns with its cut-off date are refused from now on."""
    period = _existing(conn, period_id)
    if period.state == PeriodState.DONG:
        raise PeriodError(f"Kỳ «{period.name}» đã đóng / the period is already closed")
    conn.execute(
        update(schema.period)
        .where(schema.period.c.id == period.id)
        .values(state=PeriodState.DONG.value, closed_at=accounts.now())
    )
    accounts.audit(conn, actor, "period.close", str(period.id), {"name": period.name})
    return _existing(conn, period.id)


def reopen(conn: Connection, period_id: int, actor: str) -> Period:
    """Open a closed period again."""
    period = _existing(conn, period_id)
    if period.state == PeriodState.MO:
        raise PeriodError(f"Kỳ «{period.name}» đang mở / the period is already open")
    conn.execute(
        update(schema.period)
        .where(schema.period.c.id == period.id)
        .values(state=PeriodState.MO.value, closed_at=None)
    )
    accounts.audit(conn, actor, "period.open", str(period.id), {"name": period.name})
    return _existing(conn, period.id)


def open_periods(conn: Connection) -> list[Period]:
    """The open periods, by cut-off date."""
    return [p for p in list_periods(conn) if p.state == PeriodState.MO]


def default_cut_off(conn: Connection) -> dt.date | None:
    """The latest cut-off date among closed periods and open periods holding at least one
    approved (`da_duyet`) submission; None when no period qualifies."""
    from etl.storage.review_reads import approved_ids_select

    p, s = schema.period.c, schema.submission.c
    approved = exists(select(s.id).where(s.period_id == p.id, s.id.in_(approved_ids_select())))
    value = conn.execute(
        select(func.max(p.as_of)).where((p.state == PeriodState.DONG.value) | approved)
    ).scalar()
    return _date(value) if value is not None else None
