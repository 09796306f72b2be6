"""What the tracker by period reads from the raw store: which stored returns of a period
cover which units (hold a fact row for them), with each return's review status.

The Dataset holds only the approved rows; the tracker also needs the waiting and the
returned ones, so it reads them here (a small query per period).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, select

from etl.storage import schema
from etl.storage.review_reads import latest_reviews


@dataclass(frozen=True)
class Coverage:
    """One stored return of a period holding figures of one unit."""

    submission_id: int
    unit_id: int
    status: str | None  # the return's review status (a ReviewStatus)
    uploaded_at: dt.datetime
    uploader: str
    file_name: str
    comment: str | None  # of the return's latest review row


def period_coverage(conn: Connection, period_id: int) -> list[Coverage]:
    """Every (return, unit) pair of a period: the returns with `period_id` and the units they
    hold a fact row for, with the return's latest review status."""
    s, f = schema.submission.c, schema.fact.c
    latest, last = latest_reviews()
    pairs = (
        select(f.submission_id, f.unit_id)
        .distinct()
        .where(f.submission_id.in_(select(s.id).where(s.period_id == period_id)))
        .subquery("pairs")
    )
    query = (
        select(
            pairs.c.submission_id,
            pairs.c.unit_id,
            last.c.status,
            last.c.comment,
            s.uploaded_at,
            s.uploader,
            s.file_name,
        )
        .select_from(
            pairs.join(schema.submission, s.id == pairs.c.submission_id)
            .outerjoin(latest, latest.c.submission_id == pairs.c.submission_id)
            .outerjoin(last, last.c.id == latest.c.review_id)
        )
        .order_by(pairs.c.submission_id, pairs.c.unit_id)
    )
    return [
        Coverage(
            submission_id=int(row.submission_id),
            unit_id=int(row.unit_id),
            status=row.status,
            uploaded_at=row.uploaded_at,
            uploader=row.uploader,
            file_name=row.file_name,
            comment=row.comment,
        )
        for row in conn.execute(query).all()
    ]


def covered_units(
    conn: Connection, period_id: int, statuses: tuple[str, ...], known: frozenset[int] = frozenset()
) -> tuple[set[int], frozenset[int]]:
    """The units a return of `period_id` whose latest review status is one of `statuses`
    holds a fact row for (the unit ids alone: what counting the owing units needs), but for
    the returns in `known` (whose fact rows the caller holds), and those returns of `known`
    that are such returns: (units, returns the caller is to add the units of)."""
    s, f = schema.submission.c, schema.fact.c
    latest, last = latest_reviews()
    returns = (
        select(s.id)
        .select_from(
            schema.submission.join(latest, latest.c.submission_id == s.id).join(
                last, last.c.id == latest.c.review_id
            )
        )
        .where(s.period_id == period_id, last.c.status.in_(statuses))
    )
    ids = {int(i) for (i,) in conn.execute(returns)}
    rest = sorted(ids - known)
    units: set[int] = set()
    for start in range(0, len(rest), 500):  # a bounded list of literals per statement
        chunk = rest[start : start + 500]
        rows = conn.execute(select(f.unit_id).distinct().where(f.submission_id.in_(chunk)))
        units.update(int(unit_id) for (unit_id,) in rows)
    return units, frozenset(ids & known)
