"""Writing one return (.xlsx) as a unit's staff fill it: the forms' shapes, not the world.

`write_return(spec, path, head, seed)` lays out a `ReturnSpec` (what to write: sheets of `PCol`
columns and `Block`s of rows) with the Department's title block, merged one- or two-row headers,
column numbers, group and subtotal rows with SUM formulas (their values cached), a grand total,
counts typed as text when a sheet asks for it, a signature block and the guide sheet. It knows
nothing of agencies or units (`devdata.forms_out` turns a world into specs). The same spec and
seed give the same bytes: the file's created date comes from the `Letterhead`, and the signers'
names from a random stream named by the seed and the file name.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from etl.core.forms import (
    FORM_03,
    GUIDE_SHEET,
    GUIDE_TITLE,
    HEADER_LINES,
    SIGNATURE_WORDS,
    TOTAL_WORDS,
    Form,
)
from etl.writers.layout import FONT_NAME

GRAND_TOTAL = TOTAL_WORDS[0]
PREPARER, HEAD = SIGNATURE_WORDS[:2]
PLAIN_NUMBERS = ("stt", "base_year")  # numbers written as they are, never summed
_A4 = 9
_FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Đặng", "Bùi", "Trương", "Lâm")
_MIDDLE = ("Văn", "Thị", "Minh", "Thanh", "Ngọc", "Hoàng", "Thị Kim", "Quốc")
_GIVEN = ("An", "Bình", "Châu", "Dũng", "Hạnh", "Khoa", "Linh", "Phúc", "Tâm", "Trang", "Vy")


@dataclass(frozen=True)
class PCol:
    """One physical column: a form field (one year of it, for per-year fields)."""

    field: str
    label: str  # top header cell (merged over the group when `sub` is set)
    sub: str | None = None  # second header row
    year: int | None = None
    count: bool = False
    width: float = 10.0


@dataclass
class Block:
    """Rows under one group row, optionally closed by a subtotal row."""

    rows: list[dict[str, Any]]
    label: str = ""
    stt: str = ""
    subtotal: str = ""


@dataclass
class SheetSpec:
    name: str
    form: Form
    badge: str
    columns: list[PCol]
    blocks: list[Block]
    total: str = "bottom"  # bottom | top | "" (none)
    text_numbers: bool = False
    parens: bool = True  # column numbers as "(1)" rather than 1


@dataclass
class ReturnSpec:
    file_name: str
    reporter: str
    heading: tuple[str, str]
    as_of: dt.date
    period: str
    sheets: list[SheetSpec]
    description: str = ""


def _vn_count(n: int) -> str:
    """A count as staff type it: `1.694`, `45`, `-` for zero."""
    return "-" if n == 0 else f"{n:,}".replace(",", ".")


def _person(rng: random.Random) -> str:
    return f"{rng.choice(_FAMILY)} {rng.choice(_MIDDLE)} {rng.choice(_GIVEN)}"


class _Formats:
    """The workbook's cell formats, by role."""

    def __init__(self, wb: Workbook) -> None:
        def make(**props: Any) -> Format:
            return wb.add_format({"font_name": FONT_NAME, "font_size": 12, **props})

        box = {"border": 1, "valign": "vcenter", "text_wrap": True}
        self.org = make(align="center")
        self.org_bold = make(align="center", bold=True)
        self.motto = make(align="center", bold=True, underline=1)
        self.italic = make(align="center", italic=True)
        self.badge = make(bold=True, italic=True)
        self.title = make(align="center", bold=True, font_size=13, text_wrap=True)
        self.plain = make()
        self.head = make(bold=True, align="center", **box)
        self.colnum = make(italic=True, align="center", **box)
        self.text = make(**box)
        self.center = make(align="center", **box)
        self.count = make(num_format='#,##0;-#,##0;"-"', **box)
        self.pct = make(num_format="0%", align="center", **box)
        self.date = make(num_format="dd/mm/yyyy", align="center", **box)
        self.group = make(bold=True, **box)
        self.group_count = make(bold=True, num_format='#,##0;-#,##0;"-"', **box)
        self.text_count = make(align="right", **box)
        self.bold_text_count = make(align="right", bold=True, **box)
        self.sign = make(bold=True, align="center")


@dataclass(frozen=True)
class Letterhead:
    """What differs between the city's returns and a province's: the place by the date, the
    owner and date written into the file's properties, and the Department's covering letter
    (only on the returns it asked for)."""

    place: str
    company: str
    created: dt.datetime
    circular: str = ""


def _title_block(
    ws: Worksheet, f: _Formats, spec: ReturnSpec, sheet: SheetSpec, n: int, head: Letterhead
) -> int:
    """National motto, reporting body, badge, title and header lines; returns the next row."""
    left_end = max(1, min(3, n // 3))
    right_start = max(left_end + 1, n - max(4, n // 2))
    ws.merge_range(0, 0, 0, left_end, spec.heading[0], f.org)
    ws.merge_range(1, 0, 1, left_end, spec.heading[1], f.org_bold)
    ws.merge_range(0, right_start, 0, n - 1, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", f.org_bold)
    ws.merge_range(1, right_start, 1, n - 1, "Độc lập - Tự do - Hạnh phúc", f.motto)
    signed = spec.as_of + dt.timedelta(days=10)
    place_date = f"{head.place}, ngày {signed.day:02d} tháng {signed.month} năm {signed.year}"
    ws.merge_range(2, right_start, 2, n - 1, place_date, f.italic)
    ws.write(3, 0, sheet.badge, f.badge)
    ws.merge_range(4, 0, 4, n - 1, sheet.form.title, f.title)
    ws.set_row(4, 22)
    row = 5
    if head.circular and sheet.form is not FORM_03:
        ws.merge_range(row, 0, row, n - 1, head.circular, f.italic)
        row += 1
    ws.write(row, 0, f"{HEADER_LINES['unit']} {spec.reporter}", f.plain)
    ws.write(row + 1, 0, f"{HEADER_LINES['period']} {spec.period}", f.plain)
    ws.write(row + 2, 0, f"{HEADER_LINES['as_of']} {spec.as_of:%d/%m/%Y}", f.plain)
    return row + 4


def _table_header(ws: Worksheet, f: _Formats, cols: list[PCol], row: int, parens: bool) -> int:
    """One or two header rows (group labels merged over sub-columns) and the number row."""
    two_rows = any(c.sub for c in cols)
    c = 0
    while c < len(cols):
        col = cols[c]
        if col.sub is None:
            if two_rows:
                ws.merge_range(row, c, row + 1, c, col.label, f.head)
            else:
                ws.write(row, c, col.label, f.head)
            c += 1
            continue
        end = c
        while end + 1 < len(cols) and cols[end + 1].sub and cols[end + 1].label == col.label:
            end += 1
        if end > c:
            ws.merge_range(row, c, row, end, col.label, f.head)
        else:
            ws.write(row, c, col.label, f.head)
        for k in range(c, end + 1):
            ws.write(row + 1, k, cols[k].sub, f.head)
        c = end + 1
    ws.set_row(row, 48 if two_rows else 64)
    row += 2 if two_rows else 1
    for k in range(len(cols)):
        ws.write(row, k, f"({k + 1})" if parens else k + 1, f.colnum)
    return row + 1


def _cell_value(row: dict[str, Any], col: PCol) -> Any:
    value = row.get(col.field)
    return value.get(col.year) if isinstance(value, dict) else value


def _write_cell(ws: Worksheet, f: _Formats, r: int, c: int, value: Any, as_text: bool) -> None:
    if value is None or value == "":
        ws.write_blank(r, c, None, f.text)
    elif isinstance(value, int) and as_text:
        ws.write_string(r, c, _vn_count(value), f.text_count)
    elif isinstance(value, int):
        ws.write_number(r, c, value, f.count)
    elif isinstance(value, float):
        ws.write_number(r, c, value, f.pct)
    elif isinstance(value, dt.date):
        ws.write_datetime(r, c, dt.datetime.combine(value, dt.time()), f.date)
    else:
        ws.write_string(r, c, str(value), f.text)


def _sum_of(rows: list[dict[str, Any]], col: PCol) -> int:
    return sum(v for r in rows if isinstance(v := _cell_value(r, col), int))


def _write_sums(
    ws: Worksheet,
    f: _Formats,
    sheet: SheetSpec,
    r: int,
    label: str,
    formulas: dict[int, str],
    values: dict[int, int],
) -> None:
    """A subtotal or total row: SUM formulas with cached values, or typed text."""
    cols = sheet.columns
    label_col = next((k for k, c in enumerate(cols) if c.field == "name"), None)
    first = 0
    if label_col is None:  # Biểu 03: the label spans the columns before the first count
        first = min(formulas)
        ws.merge_range(r, 0, r, first - 1, label, f.group)
    else:
        ws.write_string(r, label_col, label, f.group)
    for k in range(first, len(cols)):
        if k in formulas and sheet.text_numbers:
            ws.write_string(r, k, _vn_count(values[k]), f.bold_text_count)
        elif k in formulas:
            ws.write_formula(r, k, formulas[k], f.group_count, values[k])
        elif k != label_col:
            ws.write_blank(r, k, None, f.group)


def _table_body(ws: Worksheet, f: _Formats, sheet: SheetSpec, row: int) -> int:
    """Group rows, data rows, subtotals and the grand total; returns the row after the table."""
    cols = sheet.columns
    n = len(cols)
    name_col = next((k for k, c in enumerate(cols) if c.field == "name"), None)
    count_cols = [k for k, c in enumerate(cols) if c.count and c.field not in PLAIN_NUMBERS]
    total_row = None
    if sheet.total == "top":
        total_row, row = row, row + 1
    parts: list[tuple[int, int]] = []  # cell ranges (first, last) the grand total adds up
    for block in sheet.blocks:
        if block.label:
            if name_col is None:
                ws.merge_range(row, 0, row, n - 1, f"{block.stt}. {block.label}", f.group)
            else:
                for k in range(n):
                    ws.write_blank(row, k, None, f.group)
                ws.write_string(row, 0, block.stt, f.group)
                ws.write_string(row, name_col, block.label, f.group)
            row += 1
        first = row
        for i, data in enumerate(block.rows, 1):
            for k, col in enumerate(cols):
                if col.field in PLAIN_NUMBERS:
                    ws.write_number(row, k, i if col.field == "stt" else data[col.field], f.center)
                else:
                    value = _cell_value(data, col)
                    _write_cell(ws, f, row, k, value, sheet.text_numbers and col.count)
            row += 1
        last = row - 1
        if block.subtotal and block.rows:
            formulas = {
                k: f"=SUM({xl_rowcol_to_cell(first, k)}:{xl_rowcol_to_cell(last, k)})"
                for k in count_cols
            }
            values = {k: _sum_of(block.rows, cols[k]) for k in count_cols}
            _write_sums(ws, f, sheet, row, block.subtotal, formulas, values)
            parts.append((row, row))
            row += 1
        elif block.rows:
            parts.append((first, last))
    if sheet.total and count_cols:
        all_rows = [r for b in sheet.blocks for r in b.rows]
        formulas = {}
        for k in count_cols:
            refs = [
                xl_rowcol_to_cell(a, k)
                if a == b
                else f"{xl_rowcol_to_cell(a, k)}:{xl_rowcol_to_cell(b, k)}"
                for a, b in parts
            ]
            formulas[k] = f"=SUM({','.join(refs)})"
        values = {k: _sum_of(all_rows, cols[k]) for k in count_cols}
        at = total_row if total_row is not None else row
        _write_sums(ws, f, sheet, at, GRAND_TOTAL, formulas, values)
        if total_row is None:
            row += 1
    return row


def _signature(ws: Worksheet, f: _Formats, row: int, n: int, rng: random.Random) -> None:
    left_end = 2 if n > 7 else 1
    right_start = n - 4
    for r, (left, right, fmt) in enumerate(
        (
            (PREPARER, HEAD, f.sign),
            ("(Ký, ghi rõ họ tên)", "(Ký tên, đóng dấu)", f.italic),
            ("", "", f.plain),
            ("", "", f.plain),
            ("", "", f.plain),
            (_person(rng), _person(rng), f.sign),
        )
    ):
        if left or right:
            ws.merge_range(row + r, 0, row + r, left_end, left, fmt)
            ws.merge_range(row + r, right_start, row + r, n - 1, right, fmt)


def _write_sheet(
    ws: Worksheet,
    f: _Formats,
    spec: ReturnSpec,
    sheet: SheetSpec,
    rng: random.Random,
    head: Letterhead,
) -> None:
    n = len(sheet.columns)
    row = _title_block(ws, f, spec, sheet, n, head)
    header_top = row
    row = _table_header(ws, f, sheet.columns, row, sheet.parens)
    ws.freeze_panes(row, 0)
    row = _table_body(ws, f, sheet, row)
    _signature(ws, f, row + 1, n, rng)
    for k, col in enumerate(sheet.columns):
        ws.set_column(k, k, col.width)
    ws.set_landscape()
    ws.set_paper(_A4)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(header_top, header_top + 1)


_GUIDE = (
    GUIDE_TITLE,
    "1. Mỗi dòng là một cơ quan, tổ chức hoặc đơn vị; không gộp nhiều đơn vị vào một dòng.",
    "2. Số liệu ghi số nguyên; để trống nếu chưa có số liệu, ghi «-» nếu bằng 0.",
    "3. Đơn vị đã sáp nhập, giải thể vẫn ghi số liệu các năm trước, để trống các năm sau "
    "và ghi rõ văn bản ở cột Ghi chú.",
    "4. Dòng «Cộng», «Tổng cộng» dùng công thức SUM, không nhập đè số liệu.",
    "5. Gửi tệp về Sở Nội vụ qua hệ thống trước ngày 10/7/2024.",
)


def write_return(spec: ReturnSpec, path: Path, head: Letterhead, seed: int) -> None:
    """One return as a unit's staff would send it: every sheet with its title block, header
    rows, body and signature, then the guide sheet. The same spec and seed give the same bytes."""
    rng = random.Random(f"{seed}/{spec.file_name}")
    wb = xlsxwriter.Workbook(str(path))
    wb.set_properties(
        {
            "title": spec.description or spec.file_name,
            "author": spec.reporter,
            "company": head.company,
            "created": head.created,
        }
    )
    f = _Formats(wb)
    for sheet in spec.sheets:
        _write_sheet(wb.add_worksheet(sheet.name), f, spec, sheet, rng, head)
    guide = wb.add_worksheet(GUIDE_SHEET)
    guide.set_column(0, 0, 110)
    for r, line in enumerate(_GUIDE):
        guide.write_string(r, 0, line, f.org_bold if r == 0 else f.plain)
    wb.close()
