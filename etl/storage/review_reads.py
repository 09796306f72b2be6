"""Which submissions' figures are shown: approved ones (the default), or approved and waiting
ones (`include_unreviewed`); a returned submission is in neither. A submission's review
status is that of its latest review row (written by `etl.storage.reviews`)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from sqlalchemy import Alias, ColumnElement, Connection, Select, Subquery, func, select, text

from etl.core.vocabulary import IngestStatus, ReviewStatus
from etl.storage import schema

# the latest review row of each submission (its id), valid on SQLite and PostgreSQL
_LATEST_ROW = "SELECT MAX(r2.id) FROM review r2 WHERE r2.submission_id = r.submission_id"


def status_sql(status: str) -> str:
    """A SELECT of the ids of the submissions whose latest review row has `status` (a
    ReviewStatus), valid on SQLite and PostgreSQL, to use as `id IN (…)`."""
    code = ReviewStatus(status).value  # a known code only: safe as a literal
    return (
        f"SELECT r.submission_id FROM review r WHERE r.status = '{code}' AND r.id = ({_LATEST_ROW})"
    )


def approved_ids_sql() -> str:
    """A SELECT of the ids of the approved submissions (latest review row `da_duyet`)."""
    return status_sql(ReviewStatus.DA_DUYET)


def approved_ids_select() -> Select[Any]:
    """`approved_ids_sql` as a SQLAlchemy Core select, for `column.in_(…)`."""
    return select(text("submission_id")).select_from(text(f"({approved_ids_sql()}) approved"))


def approved_flag(submission_id: ColumnElement[Any]) -> ColumnElement[Any]:
    """Whether the submission `submission_id` (a column of the query it is used in) is
    approved: its latest review row says `da_duyet` (NULL, not true, when it has none). One
    seek in `ix_review_submission_id` per row, for queries that read a few rows, where
    `approved_ids_select` reads the latest row of every submission's reviews."""
    v = schema.review.c
    latest = (
        select(v.status)
        .where(v.submission_id == submission_id)
        .order_by(v.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return latest == ReviewStatus.DA_DUYET.value


Figures = Literal["approved", "all"]
FIGURES: tuple[Figures, ...] = ("approved", "all")
# the review statuses whose figures each choice shows
SHOWN: dict[str, tuple[ReviewStatus, ...]] = {
    "approved": (ReviewStatus.DA_DUYET,),
    "all": (ReviewStatus.DA_DUYET, ReviewStatus.CHO_DUYET),
}


def check_figures(figures: str) -> Figures:
    """`figures` when it is one of FIGURES; ValueError otherwise."""
    if figures not in FIGURES:
        raise ValueError(f"figures must be one of {FIGURES}, not {figures!r}")
    return figures  # type: ignore[return-value]


def shown_ids_sql(figures: str = "approved") -> str:
    """A SELECT of the ids of the submissions whose figures `figures` shows (SQLite and
    PostgreSQL), to use as `id IN (…)`."""
    return " UNION ".join(status_sql(s) for s in SHOWN[check_figures(figures)])


def shown_ids(conn: Connection, figures: str = "approved") -> frozenset[int]:
    """The ids of the submissions whose figures `figures` shows."""
    return frozenset(int(r[0]) for r in conn.execute(text(shown_ids_sql(figures))))


def latest_approved_as_of(conn: Connection) -> dt.date | None:
    """The latest `Số liệu tính đến ngày` among stored, approved returns (the default cut-off
    when no reporting period exists)."""
    sql = (
        f"SELECT MAX(as_of) FROM submission WHERE status = :status AND id IN ({approved_ids_sql()})"
    )
    value = conn.execute(text(sql), {"status": IngestStatus.ACCEPTED}).scalar()
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def latest_reviews() -> tuple[Subquery, Alias]:
    """The latest review row of each submission, to join in a Core query: a subquery
    `latest` (submission_id, review_id) and the review table aliased `last` (join it on
    `last.c.id == latest.c.review_id` for the status, actor, time and comment)."""
    r = schema.review.c
    latest = (
        select(r.submission_id, func.max(r.id).label("review_id"))
        .group_by(r.submission_id)
        .subquery("latest")
    )
    return latest, schema.review.alias("last")


def period_review_counts(conn: Connection) -> dict[int, dict[str, int]]:
    """How many stored returns of each period wait, are approved or were returned (by the
    latest review row of each): period id → {ReviewStatus code → count}; a period without
    stored returns is absent, a status without returns is 0."""
    s = schema.submission.c
    latest, last = latest_reviews()
    rows = conn.execute(
        select(s.period_id, last.c.status, func.count())
        .select_from(schema.submission)
        .join(latest, latest.c.submission_id == s.id)
        .join(last, last.c.id == latest.c.review_id)
        .where(s.period_id.is_not(None), s.status == IngestStatus.ACCEPTED.value)
        .group_by(s.period_id, last.c.status)
    ).all()
    counts: dict[int, dict[str, int]] = {}
    for period_id, status, n in rows:
        per = counts.setdefault(int(period_id), {st.value: 0 for st in ReviewStatus})
        per[str(status)] = int(n)
    return counts


def review_status_counts(conn: Connection) -> dict[str, int]:
    """How many stored returns (of any period, or none: a plan) wait, are approved or were
    returned, by the latest review row of each: ReviewStatus code → count (0 when none)."""
    s = schema.submission.c
    latest, last = latest_reviews()
    rows = conn.execute(
        select(last.c.status, func.count())
        .select_from(schema.submission)
        .join(latest, latest.c.submission_id == s.id)
        .join(last, last.c.id == latest.c.review_id)
        .where(s.status == IngestStatus.ACCEPTED.value)
        .group_by(last.c.status)
    ).all()
    counts = {st.value: 0 for st in ReviewStatus}
    for status, n in rows:
        counts[str(status)] = int(n)
    return counts
