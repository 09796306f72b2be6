"""A table as the user sees it on screen (a grid's columns, filtered and sorted rows) written
to one Excel sheet: a title line, bold headers, numbers as numbers in the Vietnamese way
(`#,##0`, percentages with two decimals), dates as dates, text never read as a formula."""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import xlsxwriter

from etl.writers.xlsx_export import safe_text, workbook_options

KINDS = ("text", "number", "decimal", "percent", "date")
MAX_ROWS = 200_000  # far above any grid of the product; a bigger request is cut, and says so
SHEET_NAME = "Bảng"


@dataclass(frozen=True)
class TableColumn:
    """One column: the row key, the header shown, and how its values are written."""

    field: str
    header: str
    kind: str = "text"


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    return None


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and len(value) >= 10:
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def write_table(
    title: str, columns: Sequence[TableColumn], rows: Sequence[Mapping[str, Any]]
) -> bytes:
    """The xlsx bytes of `rows` under `columns`, with `title` above the headers. A value that
    does not fit its column's kind (text in a number column) is written as text."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, workbook_options())
    sheet = book.add_worksheet(SHEET_NAME)
    bold = book.add_format({"bold": True})
    head = book.add_format({"bold": True, "text_wrap": True, "valign": "top", "border": 1})
    formats = {
        "number": book.add_format({"num_format": "#,##0"}),
        "decimal": book.add_format({"num_format": "#,##0.0"}),
        "percent": book.add_format({"num_format": "0.00%"}),
        "date": book.add_format({"num_format": "dd/mm/yyyy"}),
    }
    sheet.write_string(0, 0, safe_text(title), bold)
    shown = list(rows[:MAX_ROWS])
    if len(rows) > MAX_ROWS:
        sheet.write_string(
            1, 0, f"Chỉ ghi {MAX_ROWS:,} dòng đầu / {len(rows):,} dòng.".replace(",", ".")
        )
    header_row = 2
    for c, col in enumerate(columns):
        sheet.write_string(header_row, c, safe_text(col.header), head)
        sheet.set_column(c, c, max(10, min(48, len(col.header) + 4)))
    for r, row in enumerate(shown, start=header_row + 1):
        for c, col in enumerate(columns):
            value = row.get(col.field)
            if value is None or value == "":
                continue
            if col.kind in ("number", "decimal", "percent") and (n := _number(value)) is not None:
                sheet.write_number(r, c, n / 100 if col.kind == "percent" else n, formats[col.kind])
            elif col.kind == "date" and (d := _date(value)) is not None:
                sheet.write_datetime(r, c, dt.datetime(d.year, d.month, d.day), formats["date"])
            else:
                sheet.write_string(r, c, safe_text(value))
    sheet.freeze_panes(header_row + 1, 0)
    if columns:
        sheet.autofilter(header_row, 0, header_row + max(len(shown), 1), len(columns) - 1)
    book.close()
    return out.getvalue()
