"""A workbook's sheets as plain grids of cell values, read inside the reading child.

`read_grids_in_process` is the job the sandbox (etl/reading/sandbox.py) runs for
`etl.reading.reader.read_grids`: it checks the real decompressed sizes and refuses XML DTDs
(`etl.reading.package.verify_zip_streams`), counts rows and columns from the sheet XML before
any grid is allocated (`scan_sheets`), then reads: python-calamine for the values (much faster
than openpyxl, see bench/bench_readers.py) and the merged ranges, and `check_grid_caps` on what
it read. The positions of formulas, so that a formula saved without its cached value is caught,
come from the same XML scan that counts the rows (openpyxl, read-only and with defusedxml, is
asked only when the scan cannot tell which sheet is which).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from etl.core.problems import ProblemLog
from etl.core.values import cell_ref
from etl.reading.limits import Limits, MiB
from etl.reading.package import parse_xml, verify_zip_streams

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


_KEPT = frozenset((str, int, float, bool, type(None)))  # kept as they are (but "")


def _clean_row(row: list[Any]) -> list[Any]:
    """`_clean_value` of each cell, without a call for the usual ones (empty, text, numbers)."""
    return [None if v == "" else v if type(v) in _KEPT else _clean_value(v) for v in row]


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
    if kind == "ods" and not verify_zip_streams(content, log, limits):
        return None
    formula_cells: dict[str, set[tuple[int, int]]] = {}
    unmapped_formulas = False
    if kind == "xlsx":
        scan = verify_and_scan(content, log, limits)
        if scan is None:
            return None
        if scan.mapped:
            formula_cells = scan.formula_cells
        else:  # sheet names unknown: ask openpyxl where the formulas are
            unmapped_formulas = any(scan.formula_cells.values())
    import python_calamine

    try:
        wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(content))
        ods_merged = _ods_merged_ranges(content) if kind == "ods" else {}
        sheets = []
        for meta in wb.sheets_metadata:
            if str(meta.typ) != str(python_calamine.SheetTypeEnum.WorkSheet):
                continue
            sheet = wb.get_sheet_by_name(meta.name)
            rows = sheet.to_python(skip_empty_area=False)
            cells = [_clean_row(row) for row in rows]
            del rows
            if not check_grid_caps(meta.name, cells, log, limits):
                return None
            merged = [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or [])]
            merged = merged or ods_merged.get(meta.name, [])
            sheets.append((meta.name, cells, merged))
        if unmapped_formulas:
            formula_cells = _formula_cells(content)
    except MemoryError:
        raise
    except Exception as exc:  # the reader's own message is kept for the log
        log.report("file-unreadable", error=exc)
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


# ---------------------------------------------------------------- merged cells of .ods

_ODS_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_ODS_CELLS = (f"{_ODS_TABLE}table-cell", f"{_ODS_TABLE}covered-table-cell")


def _ods_count(element: Any, name: str) -> int:
    """A repeat or span count of an OpenDocument cell or row (1 when absent or unreadable)."""
    value = element.get(f"{_ODS_TABLE}{name}")
    return int(value) if value and value.isdigit() and 0 < int(value) < 2**31 else 1


def _ods_merged_ranges(content: bytes) -> dict[str, list[tuple[int, int, int, int]]]:
    """The merged ranges of each sheet of an .ods file (python-calamine reads them only for
    .xlsx and .xls): a cell's `number-columns-spanned` and `number-rows-spanned`, placed by
    counting rows and cells with their repeats. content.xml is streamed, never held whole,
    and parsed by defusedxml (its size and DTD were checked by `verify_zip_streams`)."""
    merged: dict[str, list[tuple[int, int, int, int]]] = {}
    with zipfile.ZipFile(io.BytesIO(content)) as zf, zf.open("content.xml") as xml:
        sheet: list[tuple[int, int, int, int]] | None = None
        depth = row = col = 0  # depth of nested tables: only the sheet's own cells count
        for event, element in SafeET.iterparse(xml, ("start", "end"), forbid_dtd=True):
            tag = element.tag
            if tag == f"{_ODS_TABLE}table":
                if event == "start":
                    depth += 1
                    if depth == 1:
                        name = element.get(f"{_ODS_TABLE}name") or ""
                        sheet = merged.setdefault(name, [])
                        row = 0
                else:
                    depth -= 1
            elif depth != 1:
                pass
            elif tag == f"{_ODS_TABLE}table-row":
                if event == "start":
                    col = 0
                else:
                    row += _ods_count(element, "number-rows-repeated")
                    element.clear()
            elif tag in _ODS_CELLS and event == "start":
                rows = _ods_count(element, "number-rows-spanned")
                cols = _ods_count(element, "number-columns-spanned")
                if sheet is not None and (rows > 1 or cols > 1):
                    sheet.append((row, col, row + rows - 1, col + cols - 1))
                col += _ods_count(element, "number-columns-repeated")
    return merged


# ---------------------------------------------------------------- sheet extents, from the XML

_NAME = rb"(?:[A-Za-z_][\w.-]*:)?"
# a row, cell or formula tag: its name, the letters and digits of its first `r` attribute
# (when it has one), the rest of its attributes, and a `</c>` right after it (a cell with no
# value); one regular expression, so that the scan costs one match per tag (the prefix
# `_NAME`, matched without backtracking: a prefix is letters and a colon, nothing less)
_TAG = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*+:)?+(row|c|f)(?=[\s/>])"  # possessive: no backtracking
    rb"""(?:[^<>]*?\sr\s*=\s*["']\s*([A-Za-z]*)(\d*)\s*["'])?([^<>]*)>"""
    rb"(\s*</" + _NAME + rb"c\s*>)?"
)
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def column_number(letters: bytes) -> int:
    """`A` → 1, `XFD` → 16384."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


class _Extent:
    """Rows and columns of one sheet's cells with a value, counted from its XML."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.row = self.col = self.max_row = self.max_col = 0
        self.formulas: set[tuple[int, int]] = set()  # 0-based cells holding a formula
        self.past: tuple[str, int, int] | None = None  # (code, 1-based row, 1-based column)

    def feed(self, xml: bytes) -> bool:
        """Count the tags in `xml`; False once a cell past a cap is found. A row or cell
        without a reference follows the one before it; a cell's formula is where the last
        cell tag was; a cell that is self-closed or closed at once holds no value."""
        lim = self.limits
        max_rows, max_cols, max_cells = lim.max_rows, lim.max_cols, lim.max_cells
        row, col, max_row, max_col = self.row, self.col, self.max_row, self.max_col
        formulas, columns = self.formulas, _COLUMN_NUMBERS
        try:
            for tag, letters, digits, rest, closed in _TAG.findall(xml):
                if tag == b"c":
                    if letters:
                        col = columns.get(letters) or column_number(letters)
                        if len(columns) < 1024:
                            columns[letters] = col
                        if digits:
                            row = int(digits)
                    else:
                        col += 1
                    if closed or rest.endswith(b"/"):
                        continue  # a styled cell with no value: not part of the grid
                    if row <= max_row and col <= max_col:
                        continue  # inside what is counted already
                    if row > max_rows:
                        self.past = ("too-many-rows", row, col)
                    elif col > max_cols:
                        self.past = ("too-many-columns", row, col)
                    else:
                        max_row, max_col = max(row, max_row), max(col, max_col)
                        if max_row * max_col > max_cells:
                            self.past = ("too-many-cells", row, col)
                    if self.past:
                        return False
                elif tag == b"row":
                    row = int(digits) if digits else row + 1
                    col = 0
                else:
                    formulas.add((row - 1, col - 1))
            return True
        finally:
            self.row, self.col, self.max_row, self.max_col = row, col, max_row, max_col


_COLUMN_NUMBERS: dict[bytes, int] = {}  # column letters → number, as `column_number` says


def _sheet_parts(zf: zipfile.ZipFile, names: set[str]) -> list[tuple[str, str]]:
    """(sheet name, part) of each worksheet, from xl/workbook.xml and its relationships."""
    try:
        book = parse_xml(zf.read("xl/workbook.xml"))
        rels = parse_xml(zf.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, DefusedXmlException, SafeET.ParseError):
        return []
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    found = []
    for el in book.iter():
        if not el.tag.endswith("}sheet"):
            continue
        target = targets.get(el.get(f"{{{_REL_NS}}}id"), "")
        part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        part = os.path.normpath(part).replace(os.sep, "/")
        if part in names:
            found.append((el.get("name", ""), part))
    return found


@dataclass
class SheetScan:
    """What the XML of the worksheets says before any reader runs."""

    formula_cells: dict[str, set[tuple[int, int]]]  # sheet name → 0-based formula cells
    mapped: bool  # False: the sheet names could not be read, the keys are part names


WORKSHEETS = "xl/worksheets/"  # where a workbook's sheet parts are, in every usual package


def verify_and_scan(content: bytes, log: ProblemLog, limits: Limits) -> SheetScan | None:
    """`verify_zip_streams` and `scan_sheets` of an .xlsx package in one pass: the parts
    under xl/worksheets/ are counted as they are decompressed and checked, so the file is
    decompressed once before python-calamine reads it; None with the refusal logged (the
    checks of every entry come first, as when they ran one after the other)."""
    scanned: dict[str, _PartScan] = {}

    def sink(name: str) -> _PartScan | None:
        if not name.startswith(WORKSHEETS):
            return None
        scanned[name] = _PartScan(_Extent(limits))
        return scanned[name]

    if not verify_zip_streams(content, log, limits, sink):
        return None
    done = {name: part.extent for name, part in scanned.items() if part.finished}
    return scan_sheets(content, log, limits, done)


def scan_sheets(
    content: bytes, log: ProblemLog, limits: Limits, scanned: dict[str, _Extent] | None = None
) -> SheetScan | None:
    """Rows, columns and cells of every worksheet counted from its XML, before any reader
    allocates a grid, and where its formulas are; None with `too-many-…` logged. `scanned`:
    the parts counted already (`verify_and_scan`), by name."""
    scanned = scanned or {}
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        names = set(zf.namelist())
        parts = _sheet_parts(zf, names)
        mapped = bool(parts)
        if not mapped:  # an unusual package: scan every worksheet part by its own name
            parts = [(n, n) for n in sorted(names) if n.startswith("xl/worksheets/")]
        formulas: dict[str, set[tuple[int, int]]] = {}
        for sheet, part in parts:
            extent = scanned.get(part)
            if extent is None:
                extent = _Extent(limits)
                _scan_part(zf, part, extent)
            if extent.past is not None:
                _log_cap(log, sheet, *extent.past, limits)
                return None
            formulas[sheet] = extent.formulas
    return SheetScan(formulas, mapped)


def _scan_part(zf: zipfile.ZipFile, part: str, extent: _Extent) -> None:
    scan = _PartScan(extent)
    with zf.open(part) as fh:
        while chunk := fh.read(MiB):
            scan(chunk)
    scan(None)


class _PartScan:
    """One part's XML handed to an `_Extent` in chunks, each cut before its last tag (which
    the next chunk completes; before the one ahead of it when the last closes it, so that a
    `<c …></c>` split by a chunk's end is still a cell without a value), then None at its
    end."""

    def __init__(self, extent: _Extent) -> None:
        self.extent = extent
        self.carry = b""
        self.stopped = False  # past a cap, or at the end
        self.finished = False  # the whole part was counted

    def __call__(self, chunk: bytes | None) -> None:
        if self.stopped:
            return
        if chunk is None:
            self.extent.feed(self.carry)
            self.stopped = self.finished = True
            return
        buf = self.carry + chunk
        cut = buf.rfind(b"<")
        if buf[cut + 1 : cut + 2] in (b"/", b""):  # a closing tag: it may close an empty cell
            cut = buf.rfind(b"<", 0, cut)
        if cut <= 0:
            self.carry = buf
            return
        self.carry = buf[cut:]
        if not self.extent.feed(buf[:cut]):
            self.stopped = self.finished = True


def _log_cap(log: ProblemLog, sheet: str, code: str, row: int, col: int, limits: Limits) -> None:
    """`too-many-rows`, `too-many-columns`, `too-many-cells` at the first cell past the cap
    (1-based row and column)."""
    ref = cell_ref(row - 1, col - 1) if col >= 1 else f"A{row}"
    limit = {
        "too-many-rows": limits.max_rows,
        "too-many-columns": limits.max_cols,
        "too-many-cells": limits.max_cells,
    }[code]
    log.report(code, sheet=sheet, cell=ref, limit=limit)


def check_grid_caps(name: str, cells: list[list[Any]], log: ProblemLog, limits: Limits) -> bool:
    """Caps on a grid already read (every kind; .xls and .ods have no XML to count first)."""
    n_rows = len(cells)
    n_cols = max((len(r) for r in cells), default=0)
    past = n_rows > limits.max_rows or n_cols > limits.max_cols  # else no cell can be
    for r, row in enumerate(cells if past else ()):
        for c, value in enumerate(row):
            if value is None:
                continue
            if r >= limits.max_rows:
                _log_cap(log, name, "too-many-rows", r + 1, c + 1, limits)
                return False
            if c >= limits.max_cols:
                _log_cap(log, name, "too-many-columns", r + 1, c + 1, limits)
                return False
    if n_rows * n_cols > limits.max_cells:
        _log_cap(log, name, "too-many-cells", n_rows, n_cols, limits)
        return False
    for r, row in enumerate(cells):
        for c, value in enumerate(row):
            if isinstance(value, str) and len(value) > limits.max_cell_chars:
                ref = cell_ref(r, c)
                log.report(
                    "cell-too-long",
                    sheet=name,
                    cell=ref,
                    length=len(value),
                    limit=limits.max_cell_chars,
                )
                return False
    return True
