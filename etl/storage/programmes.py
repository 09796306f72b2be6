"""The stored programmes (giai đoạn) of targets: docs/domain.md, "Programme targets".

A programme row is created by the first Biểu 00 that names it (`ensure`), or by migration
0008 from the plan rows stored before; afterwards only an administrator changes it (`edit`),
and every such change is a submission of its own, made by the administrator and approved at
once, so that the history is kept as for any return (and audited). Target rules an
administrator adds are target rows of such a submission (`add_rule`): nothing is updated in
place but the programme's own row, whose `submission_id` says which return last changed it."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import Connection, insert, select, update

from etl.core.forms import SECTOR_CHOICES
from etl.core.programme_names import EARLIEST, LATEST
from etl.core.vocabulary import Measure
from etl.storage import schema
from etl.storage.accounts import audit
from etl.storage.accounts import now as _now


class ProgrammeError(ValueError):
    """An administrator's change that cannot be stored; the message is «tiếng Việt / English»."""


def all_rows(conn: Connection) -> list[dict[str, Any]]:
    """Every programme, by start year then name."""
    rows = conn.execute(select(schema.programme)).mappings().all()
    return sorted((dict(r) for r in rows), key=lambda r: (r["start_year"], r["name"]))


def by_name(conn: Connection, name: str) -> dict[str, Any] | None:
    row = conn.execute(select(schema.programme).where(schema.programme.c.name == name))
    found = row.mappings().first()
    return dict(found) if found else None


def _programme(conn: Connection, programme_id: int) -> Any:
    row = conn.execute(select(schema.programme).where(schema.programme.c.id == programme_id))
    found = row.mappings().first()
    if found is None:
        raise ProgrammeError("Không có giai đoạn này / no such programme")
    return found


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
                reporting_unit=None,
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


def year_ok(value: Any) -> bool:
    """A year an administrator may type: four digits in the range programme names take."""
    return isinstance(value, int) and not isinstance(value, bool) and EARLIEST <= value <= LATEST


def edit(
    conn: Connection,
    programme_id: int,
    *,
    actor: str,
    basis: str | None,
    baseline_year: Any,
    end_year: Any,
) -> int:
    """An administrator's change of a programme's legal basis, baseline year or end year
    (None: not stated); returns the id of the submission that records it."""
    row = _programme(conn, programme_id)
    if not year_ok(baseline_year):
        raise ProgrammeError(
            f"Năm gốc phải là năm từ {EARLIEST} đến {LATEST} / the baseline year is not a year"
        )
    if end_year is not None and not (year_ok(end_year) and end_year >= row["start_year"]):
        raise ProgrammeError(
            f"Năm kết thúc phải là năm từ năm bắt đầu {row['start_year']} trở đi / the end "
            "year must not be before the start year"
        )
    basis = (basis or "").strip()[:255] or None
    submission_id = admin_submission(conn, actor, f"sửa giai đoạn {row['name']}")
    conn.execute(
        update(schema.programme)
        .where(schema.programme.c.id == programme_id)
        .values(
            basis=basis,
            baseline_year=baseline_year,
            end_year=end_year,
            submission_id=submission_id,
        )
    )
    detail = {
        "submission": submission_id,
        "basis": basis,
        "baseline_year": baseline_year,
        "end_year": end_year,
    }
    audit(conn, actor, "programme.edit", row["name"], detail)
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
) -> int:
    """An administrator's target rule for a programme: a target row of a submission of its
    own (it supersedes the programme's earlier row for the same scope and measure)."""
    row = _programme(conn, programme_id)
    if measure not in set(Measure):
        raise ProgrammeError("Cần chọn chỉ tiêu / a measure is needed")
    if (pct is None) == (count is None):
        raise ProgrammeError(
            "Ghi tỷ lệ giảm hoặc số lượng giảm (một trong hai) / give a percentage or a count"
        )
    if pct is not None and not 0 <= pct <= 100:
        raise ProgrammeError("Tỷ lệ giảm phải từ 0 đến 100 / the percentage is out of range")
    if count is not None and count < 0:
        raise ProgrammeError("Số lượng giảm không được âm / the count is negative")
    unknown = [s for s in exclude_sectors if s not in SECTOR_CHOICES]
    if unknown:
        raise ProgrammeError(f"Không có lĩnh vực «{unknown[0]}» / unknown sector")
    submission_id = admin_submission(conn, actor, f"chỉ tiêu giai đoạn {row['name']}")
    conn.execute(
        insert(schema.target).values(
            submission_id=submission_id,
            scope_unit_id=scope_unit_id,
            measure=measure,
            base_year=row["baseline_year"],
            pct=pct,
            count=count,
            path={},
            doc_ref=None,
            sheet="",
            cell="",
            programme_id=programme_id,
            basis=None,
            exclude_sectors="; ".join(exclude_sectors) or None,
        )
    )
    detail = {
        "submission": submission_id,
        "scope_unit": scope_unit_id,
        "measure": measure,
        "pct": pct,
        "count": count,
        "exclude_sectors": list(exclude_sectors),
    }
    audit(conn, actor, "programme.rule", row["name"], detail)
    return submission_id
