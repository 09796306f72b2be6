"""The review of stored returns: every accepted return starts waiting (`cho_duyet`); a
reviewer approves it (`da_duyet`: its figures count) or returns it to its unit with a comment
(`tra_lai`: they never count).

The `review` table is append-only (triggers refuse UPDATE and DELETE, migration 0004): a
submission's status is the `status` of its row with the greatest id. Every function takes a
connection: the caller's transaction holds the review row and its audit entry together.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select, text

from etl.core.vocabulary import PeriodState, ReviewStatus
from etl.storage import accounts, schema
from etl.storage.review_reads import approved_ids_sql, latest_reviews


class ReviewError(ValueError):
    """A review action that cannot be done: `code` is `not-found`, `conflict`,
    `comment-required` or `period-closed`; `vi` and `en` say why."""

    def __init__(self, code: str, vi: str, en: str) -> None:
        super().__init__(f"{vi} / {en}")
        self.code, self.vi, self.en = code, vi, en


@dataclass(frozen=True)
class SubmissionRow:
    """One stored return as the review queue lists it."""

    id: int
    file_name: str
    reporting_unit: str | None
    period: str | None  # the period's name
    status: str | None  # a ReviewStatus
    uploader: str
    uploaded_at: dt.datetime
    comment: str | None  # of the latest review row
    period_id: int | None = None
    as_of: dt.date | None = None


def status_of(conn: Connection, submission_id: int) -> str | None:
    """The review status of a submission (a ReviewStatus), or None when it has none."""
    r = schema.review.c
    row = conn.execute(
        select(r.status).where(r.submission_id == submission_id).order_by(r.id.desc()).limit(1)
    ).first()
    return row.status if row else None


def approved_submission_ids(conn: Connection) -> set[int]:
    """The ids of every approved submission."""
    return {int(i) for i in conn.execute(text(approved_ids_sql())).scalars()}


_INSERT_REVIEW = insert(schema.review)  # built once


def _write(
    conn: Connection, submission_id: int, status: str, actor: str, comment: str | None = None
) -> None:
    conn.execute(
        _INSERT_REVIEW,
        dict(
            submission_id=submission_id,
            status=status,
            actor=actor[:120],
            at=accounts.now(),
            comment=comment,
        ),
    )


def submit(conn: Connection, submission_id: int, actor: str, *, approve: bool = False) -> None:
    """The review rows of a newly stored submission: waiting (`cho_duyet`), and with
    `approve` (the operator's `etl ingest --approve`, the sample) approved at once."""
    _write(conn, submission_id, ReviewStatus.CHO_DUYET, actor)
    if approve:
        _write(conn, submission_id, ReviewStatus.DA_DUYET, actor)
        accounts.audit(conn, actor, "review.approve", str(submission_id), {"on_ingest": True})


def _waiting(conn: Connection, submission_id: int) -> Any:
    """The submission (with its period's state), refusing unless it waits for review in an
    open period."""
    s, p = schema.submission.c, schema.period.c
    row = conn.execute(
        select(s.id, s.file_name, p.state.label("period_state"), p.name.label("period_name"))
        .select_from(schema.submission.outerjoin(schema.period, p.id == s.period_id))
        .where(s.id == submission_id)
    ).first()
    if row is None:
        raise ReviewError(
            "not-found",
            f"Không có báo cáo số {submission_id}",
            f"no submission {submission_id}",
        )
    status = status_of(conn, submission_id)
    if status != ReviewStatus.CHO_DUYET:
        label = ReviewStatus(status).label if status in set(ReviewStatus) else "chưa nộp duyệt"
        raise ReviewError(
            "conflict",
            f"Báo cáo số {submission_id} không chờ duyệt (hiện: {label})",
            f"submission {submission_id} is not waiting for review ({status})",
        )
    if row.period_state == PeriodState.DONG:
        raise ReviewError(
            "period-closed",
            f"Kỳ «{row.period_name}» đã đóng: không duyệt hay trả lại được nữa",
            "the period is closed",
        )
    return row


def approve(conn: Connection, submission_id: int, actor: str) -> None:
    """Approve a waiting return: its figures count from now on."""
    row = _waiting(conn, submission_id)
    _write(conn, submission_id, ReviewStatus.DA_DUYET, actor)
    accounts.audit(conn, actor, "review.approve", str(submission_id), {"file": row.file_name})


def return_(conn: Connection, submission_id: int, actor: str, comment: str) -> None:
    """Return a waiting return to its unit with a comment: its figures never count."""
    comment = (comment or "").strip()
    if not comment:
        raise ReviewError(
            "comment-required",
            "Trả lại báo cáo cần có ý kiến",
            "a comment is required to return a submission",
        )
    row = _waiting(conn, submission_id)
    _write(conn, submission_id, ReviewStatus.TRA_LAI, actor, comment)
    detail = {"file": row.file_name, "comment": comment}
    accounts.audit(conn, actor, "review.return", str(submission_id), detail)


def history(conn: Connection, submission_id: int) -> list[dict[str, Any]]:
    """Every review row of a submission, oldest first."""
    r = schema.review.c
    rows = conn.execute(
        select(r.id, r.status, r.actor, r.at, r.comment)
        .where(r.submission_id == submission_id)
        .order_by(r.id)
    ).all()
    return [dict(row._mapping) for row in rows]


def get(conn: Connection, submission_id: int) -> SubmissionRow | None:
    """One stored return as the queue lists it, or None."""
    rows = queue(conn, submission_id=submission_id)
    return rows[0] if rows else None


def queue(
    conn: Connection,
    status: str | None = None,
    period_id: int | None = None,
    *,
    submission_id: int | None = None,
) -> list[SubmissionRow]:
    """Stored returns with their review status (only those with `status`, of `period_id`, or
    the one `submission_id`, when given), newest first."""
    s, p = schema.submission.c, schema.period.c
    latest, last = latest_reviews()
    query = (
        select(
            s.id,
            s.file_name,
            s.reporting_unit,
            s.uploader,
            s.uploaded_at,
            s.period_id,
            s.as_of,
            p.name.label("period_name"),
            last.c.status,
            last.c.comment,
        )
        .select_from(
            schema.submission.outerjoin(schema.period, p.id == s.period_id)
            .outerjoin(latest, latest.c.submission_id == s.id)
            .outerjoin(last, last.c.id == latest.c.review_id)
        )
        .order_by(s.id.desc())
    )
    if status is not None:
        query = query.where(last.c.status == ReviewStatus(status).value)
    if period_id is not None:
        query = query.where(s.period_id == period_id)
    if submission_id is not None:
        query = query.where(s.id == submission_id)
    return [
        SubmissionRow(
            id=int(row.id),
            file_name=row.file_name,
            reporting_unit=row.reporting_unit,
            period=row.period_name,
            status=row.status,
            uploader=row.uploader,
            uploaded_at=row.uploaded_at,
            comment=row.comment,
            period_id=row.period_id,
            as_of=dt.date.fromisoformat(row.as_of) if isinstance(row.as_of, str) else row.as_of,
        )
        for row in conn.execute(query).all()
    ]
