"""Which programme (giai đoạn) each staged Biểu 00 row belongs to: docs/domain.md,
"Programme targets". A row's `Giai đoạn` (or a `giai đoạn 2022 - 2026` in its document or
note) names it; a row naming none belongs to the only programme stored, or, when there is none
yet, to one made from the row (it starts the year after its `Năm gốc` and ends in the last year
of its yearly path, else has no end year until an administrator sets one). With several
programmes stored a row must name one (`programme-ambiguous`); a programme a file creates
needs a `Năm gốc` (`programme-baseline-missing`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from etl.core.problems import ProblemLog
from etl.core.programme_names import parse_programme, programme_name
from etl.ingest.staging import Staged
from etl.reading.records import TargetRow
from etl.storage import programmes as stored


@dataclass(frozen=True)
class ProgrammeOf:
    """The programme of one row: an existing one (`id`) or one to create."""

    name: str
    start_year: int
    end_year: int | None
    baseline_year: int | None
    id: int | None = None


def programme_of(conn: Connection, target: TargetRow) -> ProgrammeOf | str:
    """The programme of a target row, or the problem code that says why none can be chosen."""
    if target.programme:
        found = stored.by_name(conn, target.programme)
        if found is not None:
            return _existing(found)
        years = parse_programme(target.programme)
        assert years is not None  # the reader stores only names it could read
        if target.base_year is None:
            return "programme-baseline-missing"
        return ProgrammeOf(target.programme, years[0], years[1], target.base_year)
    rows = stored.all_rows(conn)
    if len(rows) == 1:
        return _existing(rows[0])
    if rows:
        return "programme-ambiguous"
    if target.base_year is None:
        return "programme-baseline-missing"
    start = target.base_year + 1
    end = max(target.path) if target.path else None
    return ProgrammeOf(programme_name(start, end), start, end, target.base_year)


def _existing(row: dict) -> ProgrammeOf:
    return ProgrammeOf(
        row["name"], row["start_year"], row["end_year"], row["baseline_year"], int(row["id"])
    )


def check_programmes(conn: Connection, staged: Staged, log: ProblemLog) -> None:
    """Every staged target row has a programme, else a problem naming its cell."""
    for result, target, _unit in staged.targets:
        found = programme_of(conn, target)
        if found == "programme-ambiguous":
            names = ", ".join(f"«{r['name']}»" for r in stored.all_rows(conn))
            log.report(found, sheet=result.sheet, cell=target.scope.ref, names=names)
        elif found == "programme-baseline-missing":
            name = target.programme or "mới"
            log.report(found, sheet=result.sheet, cell=target.scope.ref, name=name)


def programme_id(
    conn: Connection, target: TargetRow, submission_id: int, made: dict[str, int]
) -> tuple[int, int]:
    """(programme id, baseline year) of a checked row, creating the programme when new
    (`made`: the ones this file created, by name)."""
    found = programme_of(conn, target)
    assert isinstance(found, ProgrammeOf)
    if found.id is not None:
        return found.id, int(target.base_year or found.baseline_year or 0)
    if found.name not in made:
        made[found.name] = stored.ensure(
            conn,
            name=found.name,
            start_year=found.start_year,
            end_year=found.end_year,
            baseline_year=int(found.baseline_year or 0),
            basis=target.basis,
            submission_id=submission_id,
        )
    return made[found.name], int(target.base_year or found.baseline_year or 0)
