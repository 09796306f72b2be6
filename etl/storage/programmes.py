"""The stored programmes (giai đoạn) of targets: docs/domain.md, "Programme targets".

A programme row is created by the first Biểu 00 that names it (`ensure`), or by migration
0008 from the plan rows stored before; afterwards only an administrator changes it (`edit`),
and every such change is a submission of its own, made by the administrator and approved at
once, so that the history is kept as for any return. Target rules an administrator adds are
target rows of such a submission (`add_rule`): nothing is updated in place but the
programme's own row, whose `submission_id` says which return last changed it."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import Connection, insert, select, update

from etl.storage import schema
from etl.storage.accounts import now as _now


def all_rows(conn: Connection) -> list[dict[str, Any]]:
    """Every programme, by start year then name."""
    rows = conn.execute(select(schema.programme)).mappings().all()
    return sorted((dict(r) for r in rows), key=lambda r: (r["start_year"], r["name"]))


def by_name(conn: Connection, name: str) -> dict[str, Any] | None:
    row = conn.execute(select(schema.programme).where(schema.programme.c.name == name))
    found = row.mappings().first()
    return dict(found) if found else None


def ensure(
    conn: Connection,
    *,
    name: str,
    start_year: int,
    end_year: int | None,
    baseline_year: int,
    basis: str | None,
    submission_id: int | None,
) -> int:
    """The id of the programme `name`, created with these attributes when there is none."""
    found = by_name(conn, name)
    if found is not None:
        return int(found["id"])
    return int(
        conn.execute(
            insert(schema.programme)
            .values(
                name=name,
                basis=basis or None,
                baseline_year=baseline_year,
                start_year=start_year,
                end_year=end_year,
                submission_id=submission_id,
                created_at=_now(),
            )
            .returning(schema.programme.c.id)
        ).scalar_one()
    )


def admin_submission(conn: Connection, actor: str, what: str) -> int:
    """A submission standing for an administrator's edit on the administration page (no
    file): approved at once by `actor`, so the edit is shown and kept like any return."""
    from etl.storage import reviews

    now = _now()
    digest = hashlib.sha256(f"{actor}\x1f{what}\x1f{now.isoformat()}".encode()).hexdigest()
    submission_id = int(
        conn.execute(
            insert(schema.submission)
            .values(
                file_name=f"Quản trị: {what}"[:255],
                sha256=digest,
                stored_path="",
                uploader=actor,
                uploaded_at=now,
                status="accepted",
                reporting_unit="",
                period=None,
                as_of=None,
                forms="00",
                problems=[],
            )
            .returning(schema.submission.c.id)
        ).scalar_one()
    )
    reviews.submit(conn, submission_id, actor, approve=True)
    return submission_id


def edit(
    conn: Connection,
    programme_id: int,
    *,
    actor: str,
    basis: str | None,
    baseline_year: int,
    end_year: int | None,
) -> int:
    """An administrator's change of a programme's legal basis, baseline year or end year;
    returns the id of the submission that records it."""
    row = (
        conn.execute(select(schema.programme).where(schema.programme.c.id == programme_id))
        .mappings()
        .one()
    )
    submission_id = admin_submission(conn, actor, f"sửa giai đoạn {row['name']}")
    conn.execute(
        update(schema.programme)
        .where(schema.programme.c.id == programme_id)
        .values(
            basis=basis or None,
            baseline_year=baseline_year,
            end_year=end_year,
            submission_id=submission_id,
        )
    )
    return submission_id


def add_rule(
    conn: Connection,
    programme_id: int,
    *,
    actor: str,
    scope_unit_id: int | None,
    measure: str,
    pct: float | None,
    count: int | None,
    exclude_sectors: list[str],
    path: dict[int, int] | None = None,
) -> int:
    """An administrator's target rule for a programme: a target row of a submission of its
    own (it supersedes the programme's earlier row for the same scope and measure)."""
    row = (
        conn.execute(select(schema.programme).where(schema.programme.c.id == programme_id))
        .mappings()
        .one()
    )
    submission_id = admin_submission(conn, actor, f"chỉ tiêu giai đoạn {row['name']}")
    conn.execute(
        insert(schema.target).values(
            submission_id=submission_id,
            scope_unit_id=scope_unit_id,
            measure=measure,
            base_year=row["baseline_year"],
            pct=pct,
            count=count,
            path={str(k): v for k, v in (path or {}).items()},
            doc_ref="",
            sheet="",
            cell="",
            programme_id=programme_id,
            basis=None,
            exclude_sectors="; ".join(exclude_sectors) or None,
        )
    )
    return submission_id


def year_ok(value: Any) -> bool:
    """A year an administrator may type: four digits in the range programme names take."""
    from etl.core.programme_names import EARLIEST, LATEST

    return isinstance(value, int) and not isinstance(value, bool) and EARLIEST <= value <= LATEST


__all__ = ["add_rule", "admin_submission", "all_rows", "by_name", "edit", "ensure", "year_ok"]
