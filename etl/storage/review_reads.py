"""Which submissions' figures are shown, read from the review table; and the default cut-off.

Engineer B's stand-in for the reads of engineer A's `etl.storage.reviews` and
`etl.storage.periods` (`approved_ids_sql`, `default_cut_off`): the lead keeps one of each at
merge. A submission's review status is the status of its `review` row with the greatest id.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from sqlalchemy import Connection, text

from etl.core.vocabulary import IngestStatus, PeriodState, ReviewStatus

Figures = Literal["approved", "all"]
FIGURES: tuple[Figures, ...] = ("approved", "all")
# the review statuses whose figures each choice shows: a returned submission is in neither
SHOWN: dict[str, tuple[str, ...]] = {
    "approved": (ReviewStatus.DA_DUYET,),
    "all": (ReviewStatus.DA_DUYET, ReviewStatus.CHO_DUYET),
}
# a submission's status: that of its latest review row. Stand-in: a submission without any
# (none exists once migration 0004 and engineer A's ingest write one) counts as approved.
STATUS_SQL = (
    "SELECT s.id, COALESCE((SELECT r.status FROM review r WHERE r.submission_id = s.id"
    f" ORDER BY r.id DESC LIMIT 1), '{ReviewStatus.DA_DUYET}') AS status FROM submission s"
)


def check_figures(figures: str) -> Figures:
    """`figures` when it is one of FIGURES; ValueError otherwise."""
    if figures not in FIGURES:
        raise ValueError(f"figures must be one of {FIGURES}, not {figures!r}")
    return figures  # type: ignore[return-value]


def shown_ids_sql(figures: str = "approved") -> str:
    """A SELECT of the ids of the submissions whose figures `figures` shows (SQLite and
    PostgreSQL)."""
    statuses = ", ".join(f"'{s}'" for s in SHOWN[check_figures(figures)])
    return f"SELECT id FROM ({STATUS_SQL}) latest WHERE status IN ({statuses})"


def approved_ids_sql() -> str:
    """A SELECT of the ids of the approved submissions (duplicates reviews.approved_ids_sql)."""
    return shown_ids_sql("approved")


def shown_ids(conn: Connection, figures: str = "approved") -> frozenset[int]:
    """The ids of the submissions whose figures `figures` shows."""
    return frozenset(int(r[0]) for r in conn.execute(text(shown_ids_sql(figures))))


def _date(value: object) -> dt.date | None:
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else None


def default_cut_off(conn: Connection) -> dt.date | None:
    """The latest as_of among closed periods and open periods holding at least one approved
    submission; None when no period qualifies (duplicates periods.default_cut_off)."""
    sql = (
        "SELECT MAX(p.as_of) FROM period p WHERE p.state = :closed OR EXISTS ("
        " SELECT 1 FROM submission s WHERE s.period_id = p.id"
        f" AND s.id IN ({approved_ids_sql()}))"
    )
    return _date(conn.execute(text(sql), {"closed": PeriodState.DONG}).scalar())


def latest_approved_as_of(conn: Connection) -> dt.date | None:
    """The latest `Số liệu tính đến ngày` among stored, approved returns."""
    sql = (
        f"SELECT MAX(as_of) FROM submission WHERE status = :status AND id IN ({approved_ids_sql()})"
    )
    return _date(conn.execute(text(sql), {"status": IngestStatus.ACCEPTED}).scalar())
