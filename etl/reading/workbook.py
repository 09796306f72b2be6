"""Open an uploaded workbook into plain grids of cell values.

`read_grids` first checks the package (`etl.reading.safety.check_package`: size, signature, zip
directory, content types, external links, macros), then reads it in a child process with
memory and time limits (`etl.reading.safety.run_isolated`), so that a hostile file costs one refused
upload, never the web process. In the child, `read_grids_in_process` checks the real
decompressed sizes and refuses XML DTDs, counts rows and columns from the sheet XML before any
grid is allocated, then reads: python-calamine for the values (much faster than openpyxl, see
bench/bench_readers.py) and the merged ranges. The positions of formulas, so that a formula
saved without its cached value is caught, come from the same XML scan that counts the rows
(openpyxl, read-only and with defusedxml, is asked only when the scan cannot tell which sheet
is which).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

from etl.core.problems import ProblemLog
from etl.reading.safety import (
    Limits,
    check_grid_caps,
    check_package,
    run_isolated,
    scan_sheets,
    verify_zip_streams,
)

ACCEPTED_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
_PLAIN = (str, int, float, bool, dt.datetime, dt.date, dt.time, dt.timedelta)


@dataclass
class Grid:
    """One sheet: `cells[r][c]` (0-based, None for empty), merged ranges, formula cells."""

    name: str
    cells: list[list[Any]]
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    formulas_without_value: set[tuple[int, int]] = field(default_factory=set)

    @property
    def n_rows(self) -> int:
        return len(self.cells)

    @property
    def n_cols(self) -> int:
        return max((len(r) for r in self.cells), default=0)

    def value(self, row: int, col: int) -> Any:
        if 0 <= row < len(self.cells) and 0 <= col < len(self.cells[row]):
            return self.cells[row][col]
        return None


def read_grids(
    content: bytes, file_name: str, log: ProblemLog, limits: Limits | None = None
) -> list[Grid] | None:
    """All sheets of a workbook as grids; None (with an error logged) when it is refused or
    cannot be read. `file_name` is only shown and compared, never used as a path."""
    limits = Limits.from_env() if limits is None else limits
    kind = check_package(content, file_name, log, limits)
    if kind is None:
        return None
    data = run_isolated(content, kind, log, limits)
    if data is None or log.has_errors:
        return None
    return [Grid(name, cells, merged, set(formulas)) for name, cells, merged, formulas in data]


def _clean_value(value: Any) -> Any:
    """A cell value as plain data: empty text is None, anything unusual becomes text."""
    if isinstance(value, str) and value == "":
        return None
    if value is None or isinstance(value, _PLAIN):
        return value
    return str(value)


def _formula_cells(content: bytes) -> dict[str, set[tuple[int, int]]]:
    """Positions of formula cells per sheet, read with openpyxl (read-only, defusedxml): only
    for a package whose sheet names the XML scan could not map."""
    import openpyxl  # only needed here

    found: dict[str, set[tuple[int, int]]] = {}
    wb = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    try:
        for ws in wb.worksheets:
            cells: set[tuple[int, int]] = set()
            for row in ws.iter_rows():
                for cell in row:
                    value = getattr(cell, "value", None)
                    if isinstance(value, str) and value.startswith("="):
                        cells.add((cell.row - 1, cell.column - 1))
            found[ws.title] = cells
    finally:
        wb.close()
    return found


def read_grids_in_process(
    content: bytes, kind: str, log: ProblemLog, limits: Limits
) -> (
    list[tuple[str, list[list[Any]], list[tuple[int, int, int, int]], list[tuple[int, int]]]] | None
):
    """The reading itself, run inside the limited child process: grids as plain tuples
    (name, cells, merged, formula cells without value), or None with problems logged."""
    if kind in ("xlsx", "ods") and not verify_zip_streams(content, log, limits):
        return None
    formula_cells: dict[str, set[tuple[int, int]]] = {}
    unmapped_formulas = False
    if kind == "xlsx":
        scan = scan_sheets(content, log, limits)
        if scan is None:
            return None
        if scan.mapped:
            formula_cells = scan.formula_cells
        else:  # sheet names unknown: ask openpyxl where the formulas are
            unmapped_formulas = any(scan.formula_cells.values())
    import python_calamine

    try:
        wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(content))
        sheets = []
        for meta in wb.sheets_metadata:
            if str(meta.typ) != str(python_calamine.SheetTypeEnum.WorkSheet):
                continue
            sheet = wb.get_sheet_by_name(meta.name)
            rows = sheet.to_python(skip_empty_area=False)
            cells = [[_clean_value(v) for v in row] for row in rows]
            del rows
            if not check_grid_caps(meta.name, cells, log, limits):
                return None
            merged = [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or [])]
            sheets.append((meta.name, cells, merged))
        if unmapped_formulas:
            formula_cells = _formula_cells(content)
    except MemoryError:
        raise
    except Exception as exc:  # the reader's own message is kept for the log
        log.error(
            "file-unreadable",
            f"Không đọc được tệp bảng tính: {exc}",
            f"The workbook could not be read: {exc}",
        )
        return None
    grids = []
    for name, cells, merged in sheets:
        missing = sorted(
            (r, c)
            for (r, c) in formula_cells.get(name, set())
            if r >= len(cells) or c >= len(cells[r]) or cells[r][c] is None
        )
        grids.append((name, cells, merged, missing))
    return grids
