"""A refused workbook handed back with each bad cell highlighted and commented, so the unit
can fix it in Excel."""

from __future__ import annotations

import io
import re

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill

from etl.core.problems import Problem
from etl.reading.package import safe_to_reopen

ERROR_FILL = PatternFill("solid", start_color="FFF4B6B6", end_color="FFF4B6B6")
WARNING_FILL = PatternFill("solid", start_color="FFFFE9A8", end_color="FFFFE9A8")
AUTHOR = "Sở Nội vụ - kiểm tra tự động"
_CELL = re.compile(r"^[A-Z]{1,3}[1-9]\d*$")


def annotate(content: bytes, problems: list[Problem], file_name: str = "") -> bytes | None:
    """The workbook with its problem cells filled and commented; None if it cannot be opened
    (not an .xlsx/.xlsm, damaged, or refused as hostile: a zip bomb is never opened twice)."""
    if not safe_to_reopen(p.code for p in problems):
        return None
    keep_vba = file_name.lower().endswith(".xlsm")
    try:
        wb = openpyxl.load_workbook(io.BytesIO(content), keep_vba=keep_vba)
    except Exception:
        return None
    notes: dict[tuple[str, str], list[Problem]] = {}
    for p in problems:
        if p.sheet in wb.sheetnames:
            cell = p.cell if _CELL.match(p.cell or "") else "A1"
            notes.setdefault((p.sheet, cell), []).append(p)
    for (sheet, ref), items in notes.items():
        cell = wb[sheet][ref]
        if type(cell).__name__ == "MergedCell":
            continue
        is_error = any(p.is_error for p in items)
        cell.fill = ERROR_FILL if is_error else WARNING_FILL
        text = "\n".join(f"{'LỖI' if p.is_error else 'Lưu ý'}: {p.message_vi}" for p in items)
        comment = Comment(text, AUTHOR)
        comment.width, comment.height = 320, 40 + 18 * len(text) // 45
        cell.comment = comment
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
