"""The printed layout of the Department's return forms, for every writer of a form-shaped sheet.

The blank templates (`etl.writers.templates`) and the consolidated return
(`etl.writers.xlsx_export`) print the same way, and so can any other writer of form-shaped
workbooks (such as the test-data generators in devdata/). This module holds what they share,
written with xlsxwriter; the labels themselves come from `etl.core.forms`:

- the font, the paper and the cell formats by name (`form_formats`);
- the header tree of a form: `Block`s (one label over one or several columns) of `Leaf`s (one
  physical column: a form column, or one year of a per-year column), from `header_blocks`;
- column widths (`column_width`) and where the left and right halves of the letterhead and the
  signature block go (`side_columns`);
- the letterhead (agency, national motto, form number, title), the two-row table header with
  its column numbers, the signature block and the print setup.

Sheets are addressed by 0-based row and column, as in xlsxwriter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from etl.core.forms import SIGNATURE_WORDS, YEAR_WORDS, Column, Form

FONT_NAME = "Times New Roman"
FONT_SIZE_PT = 12
TITLE_SIZE_PT = 13
PAPER_A4 = 9  # xlsxwriter's paper code
# The national motto, top right of every form.
MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
SIGNATURE_DATE_LINE = "……, ngày …… tháng …… năm ……"
# Under the signature words (SIGNATURE_WORDS): who prepared the return, who signs it.
SIGNATURE_NOTES = ("(Ký, ghi rõ họ tên)", "(Ký tên, đóng dấu)")
# Per-year columns that start one year after the base year (nothing is streamlined in 2021).
LATER_START_FIELDS = frozenset({"streamlined", "path"})
# Biểu 03: the internal-organisation columns grouped under `extra["internal_group"]`.
INTERNAL_FIELDS = ("internal_phong", "internal_khoa", "internal_chi_nhanh", "internal_khac")


@dataclass(frozen=True)
class Leaf:
    """One physical column of the table: a form column, or one year of a per-year column."""

    column: Column
    year: int | None = None

    @property
    def sub_label(self) -> str:
        """The label in the second header row (a year, or the column's own label)."""
        return f"{YEAR_WORDS[0]} {self.year}" if self.year is not None else self.column.label


@dataclass(frozen=True)
class Block:
    """A header block: one label over one leaf (merged down) or over several (merged across)."""

    label: str
    leaves: tuple[Leaf, ...]
    grouped: bool


class Sides(NamedTuple):
    """The halves of the letterhead and the signature block: the left one spans columns
    0..`left_end`, the right one `right_start`..the last column."""

    left_end: int
    right_start: int


# --- the header tree ----------------------------------------------------------------------


def years(column: Column, first_year: int, last_year: int) -> range:
    """The years of a per-year column (from its `from_year` when that is later: a column by
    legal basis starts with its decree)."""
    start = first_year + 1 if column.field in LATER_START_FIELDS else first_year
    return range(max(start, column.from_year or start), last_year + 1)


def header_blocks(form: Form, first_year: int, last_year: int) -> list[Block]:
    """The header blocks of a form, left to right, with per-year columns from `first_year`
    (or the year after) to `last_year`."""
    blocks: list[Block] = []
    internal = [c for c in form.columns if c.field in INTERNAL_FIELDS]
    for column in form.columns:
        if column.field in INTERNAL_FIELDS:
            if column is internal[0]:
                leaves = tuple(Leaf(c) for c in internal)
                blocks.append(Block(form.extra["internal_group"], leaves, True))
        elif column.per_year:
            leaves = tuple(Leaf(column, y) for y in years(column, first_year, last_year))
            if leaves:
                blocks.append(Block(column.label, leaves, True))
        else:
            blocks.append(Block(column.label, (Leaf(column),), False))
    return blocks


def leaves_of(blocks: list[Block]) -> list[Leaf]:
    """All physical columns, left to right."""
    return [leaf for block in blocks for leaf in block.leaves]


# --- widths -------------------------------------------------------------------------------


def column_width(leaf: Leaf) -> float:
    """Column width in characters."""
    column = leaf.column
    if leaf.year is not None:
        return 9
    if column.field == "stt":
        return 6
    if column.kind == "enum":
        return min(30, max(14, max(len(c) for c in column.choices) * 0.8 + 2))
    if column.kind == "text" and column.required:
        return 34
    widths = {"count": 12, "percent": 11, "date": 13, "units": 32}
    return widths.get(column.kind, 20 if column.field == "note" else 16)


def side_columns(widths: list[float]) -> Sides:
    """Where the left and right halves of the letterhead and signature block go: about 40
    characters wide on the left and 55 on the right, never overlapping."""
    left, total = 0, widths[0]
    while total < 40 and left < len(widths) // 2 - 1:
        left += 1
        total += widths[left]
    right, total = len(widths) - 1, widths[-1]
    while total < 55 and right > left + 1:
        right -= 1
        total += widths[right]
    return Sides(left, right)


# --- formats ------------------------------------------------------------------------------


def form_formats(workbook: Workbook) -> dict[str, Format]:
    """The cell formats of a form sheet, by name: letterhead (agency, motto, motto2, code,
    title, note, line), table header (head, number), input cells by column kind (text, count,
    percent, date, enum) and signature (sign, sign_note)."""
    base = {"font_name": FONT_NAME, "font_size": FONT_SIZE_PT, "valign": "vcenter"}
    specs: dict[str, dict] = {
        "agency": {"bold": True, "align": "center"},
        "motto": {"bold": True, "align": "center", "font_size": TITLE_SIZE_PT},
        "motto2": {"bold": True, "underline": True, "align": "center", "font_size": TITLE_SIZE_PT},
        "code": {"bold": True, "italic": True},
        "title": {"bold": True, "align": "center", "font_size": TITLE_SIZE_PT + 1},
        "note": {"italic": True, "align": "center"},
        "line": {},
        "head": {"bold": True, "align": "center", "text_wrap": True, "border": 1},
        "number": {"italic": True, "align": "center", "border": 1, "font_size": 11},
        "text": {"border": 1, "text_wrap": True},
        "count": {"border": 1, "num_format": "#,##0", "align": "right"},
        "percent": {"border": 1, "num_format": "0.00%", "align": "right"},
        "date": {"border": 1, "num_format": "dd/mm/yyyy", "align": "center"},
        "enum": {"border": 1, "text_wrap": True},
        "sign": {"bold": True, "align": "center"},
        "sign_note": {"italic": True, "align": "center"},
    }
    return {name: workbook.add_format({**base, **spec}) for name, spec in specs.items()}


# --- writing ------------------------------------------------------------------------------


def write_merged(
    sheet: Worksheet, r0: int, c0: int, r1: int, c1: int, text: str, fmt: Format
) -> None:
    """Write text over a range, merging only when the range has more than one cell."""
    if (r0, c0) == (r1, c1):
        sheet.write_string(r0, c0, text, fmt)
    else:
        sheet.merge_range(r0, c0, r1, c1, text, fmt)


def write_letterhead(
    sheet: Worksheet,
    formats: dict[str, Format],
    *,
    agency: str,
    number: str,
    title: str,
    n_cols: int,
    sides: Sides,
) -> int:
    """Rows 0-3: the agency (left) and the national motto (right), the form number
    (`Biểu số 01`) and the title across the table. Returns the first row below the title."""
    last = n_cols - 1
    write_merged(sheet, 0, 0, 0, sides.left_end, agency, formats["agency"])
    write_merged(sheet, 0, sides.right_start, 0, last, MOTTO[0], formats["motto"])
    write_merged(sheet, 1, sides.right_start, 1, last, MOTTO[1], formats["motto2"])
    sheet.write_string(2, 0, number, formats["code"])
    write_merged(sheet, 3, 0, 3, last, title, formats["title"])
    sheet.set_row(3, 24)
    return 4


def write_table_header(
    sheet: Worksheet, formats: dict[str, Format], blocks: list[Block], top: int
) -> None:
    """Two header rows from `top` (group labels merged across, single labels merged down),
    then the row of column numbers `(1)`, `(2)` …"""
    head = formats["head"]
    col = 0
    for block in blocks:
        last = col + len(block.leaves) - 1
        if block.grouped:
            write_merged(sheet, top, col, top, last, block.label, head)
            for offset, leaf in enumerate(block.leaves):
                sheet.write_string(top + 1, col + offset, leaf.sub_label, head)
        else:
            sheet.merge_range(top, col, top + 1, col, block.label, head)
        col = last + 1
    for index in range(col):
        sheet.write_string(top + 2, index, f"({index + 1})", formats["number"])
    sheet.set_row(top, 40)
    sheet.set_row(top + 1, 40)


def write_signature(
    sheet: Worksheet, formats: dict[str, Format], row: int, n_cols: int, sides: Sides
) -> None:
    """Three rows from `row`: place and date (right), then who prepared the return (left) and
    who signs it (right), each with its note."""
    left, right = sides
    last = n_cols - 1
    write_merged(sheet, row, right, row, last, SIGNATURE_DATE_LINE, formats["sign_note"])
    write_merged(sheet, row + 1, 0, row + 1, left, SIGNATURE_WORDS[0], formats["sign"])
    write_merged(sheet, row + 1, right, row + 1, last, SIGNATURE_WORDS[1], formats["sign"])
    write_merged(sheet, row + 2, 0, row + 2, left, SIGNATURE_NOTES[0], formats["sign_note"])
    write_merged(sheet, row + 2, right, row + 2, last, SIGNATURE_NOTES[1], formats["sign_note"])


def set_print_layout(
    sheet: Worksheet, *, header_top: int, number_row: int, last_row: int, n_cols: int
) -> None:
    """A4 landscape, centred, one page wide, the header rows (`header_top`..`number_row`)
    repeated on every page, rows 0..`last_row` printed, page numbers in the footer."""
    sheet.set_landscape()
    sheet.set_paper(PAPER_A4)
    sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    sheet.center_horizontally()
    sheet.repeat_rows(header_top, number_row)
    sheet.print_area(0, 0, last_row, n_cols - 1)
    sheet.fit_to_pages(1, 0)
    sheet.set_footer(f'&C&"{FONT_NAME},Regular"&11Trang &P/&N')


def stamp_sheet(sheet: Worksheet, stamp: str | None) -> None:
    """The stamp of unreviewed figures (`etl.measures.dataset.unreviewed_stamp`) in the
    sheet's page header, printed on every page; nothing without one."""
    if stamp:
        sheet.set_header(f'&C&"{FONT_NAME},Bold"&12&KC00000{stamp.upper()}')
