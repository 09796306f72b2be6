"""Open an uploaded workbook into plain grids of cell values.

python-calamine reads the values (much faster than openpyxl, see bench/bench_readers.py) and
the merged ranges; openpyxl, in read-only mode, is asked only for the positions of formulas,
and only when the file has any, so that a formula saved without its cached value is caught.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from typing import Any

import python_calamine

from .problems import ProblemLog

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ACCEPTED_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")


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


def sniff_kind(content: bytes) -> str:
    """What the bytes are, by signature and content, not by name."""
    if content.startswith(OLE_MAGIC):
        return "ole"  # .xls, or an encrypted OOXML package
    if content.startswith(ZIP_MAGIC):
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as zf:
                names = set(zf.namelist())
                if "mimetype" in names:
                    mimetype = zf.read("mimetype").decode("ascii", "replace").strip()
                    if "opendocument.spreadsheet" in mimetype:
                        return "ods"
                if "[Content_Types].xml" in names and any(
                    n.startswith("xl/worksheets/") for n in names
                ):
                    return "xlsx"
                return "zip"
        except zipfile.BadZipFile:
            return "broken-zip"
    if not content:
        return "empty"
    return "other"


def _is_encrypted_ole(content: bytes) -> bool:
    return "EncryptedPackage".encode("utf-16-le") in content


def _formula_cells(content: bytes) -> dict[str, set[tuple[int, int]]]:
    """Positions of formula cells per sheet, read only when some sheet has formulas."""
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        has_formulas = any(
            n.startswith("xl/worksheets/") and (b"<f>" in zf.read(n) or b"<f " in zf.read(n))
            for n in zf.namelist()
            if n.endswith(".xml")
        )
    if not has_formulas:
        return {}
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


def _clean_value(value: Any) -> Any:
    if isinstance(value, str) and value == "":
        return None
    return value


def read_grids(content: bytes, file_name: str, log: ProblemLog) -> list[Grid] | None:
    """All sheets of a workbook as grids; None (with an error logged) when it cannot be read."""
    kind = sniff_kind(content)
    lower = file_name.lower()
    if kind == "empty":
        log.error(
            "file-empty",
            "Tệp rỗng (0 byte), không có dữ liệu.",
            "The file is empty (0 bytes).",
        )
        return None
    if kind == "ole" and _is_encrypted_ole(content):
        log.error(
            "file-encrypted",
            "Tệp được đặt mật khẩu; hãy bỏ mật khẩu rồi nộp lại.",
            "The file is password-protected; remove the password and upload again.",
        )
        return None
    if kind in ("other", "zip", "broken-zip"):
        what_vi = {
            "other": "không phải tệp Excel (có thể là CSV, văn bản hoặc tệp hỏng)",
            "zip": "là tệp nén nhưng không phải bảng tính Excel",
            "broken-zip": "bị hỏng hoặc không đầy đủ",
        }[kind]
        what_en = {
            "other": "is not an Excel workbook (CSV, text or a damaged file?)",
            "zip": "is a zip archive but not an Excel workbook",
            "broken-zip": "is damaged or truncated",
        }[kind]
        log.error(
            "file-not-excel",
            f"Tệp {what_vi}. Chỉ nhận .xlsx, .xlsm, .xls, .ods.",
            f"The file {what_en}. Only .xlsx, .xlsm, .xls and .ods are accepted.",
        )
        return None
    if lower.endswith((".xlsx", ".xlsm")) and kind in ("ole", "ods"):
        real = ".xls" if kind == "ole" else ".ods"
        log.warning(
            "file-extension-mismatch",
            f"Tệp mang đuôi {lower.rsplit('.', 1)[-1]} nhưng thực chất là {real}; vẫn đọc.",
            f"The file is named as .xlsx but is really {real}; reading it anyway.",
        )
    try:
        wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(content))
        formula_cells = _formula_cells(content) if kind == "xlsx" else {}
        grids = []
        for meta in wb.sheets_metadata:
            if str(meta.typ) != str(python_calamine.SheetTypeEnum.WorkSheet):
                continue
            sheet = wb.get_sheet_by_name(meta.name)
            rows = sheet.to_python(skip_empty_area=False)
            cells = [[_clean_value(v) for v in row] for row in rows]
            merged = [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or [])]
            missing = {
                (r, c)
                for (r, c) in formula_cells.get(meta.name, set())
                if r >= len(cells) or c >= len(cells[r]) or cells[r][c] is None
            }
            grids.append(Grid(meta.name, cells, merged, missing))
        return grids
    except Exception as exc:  # the reader's own message is kept for the log
        log.error(
            "file-unreadable",
            f"Không đọc được tệp bảng tính: {exc}",
            f"The workbook could not be read: {exc}",
        )
        return None
