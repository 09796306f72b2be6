"""The reminder list of a period: the units that still owe their return, with their accounts
and e-mail addresses, as a workbook a reviewer sends reminders from (Vietnamese headers)."""

from __future__ import annotations

import io

import pandas as pd
import xlsxwriter

from etl.core.formatting import fmt_date
from etl.storage.periods import Period

HEADERS = [
    ("name", "Đơn vị", 48),
    ("code", "Mã đơn vị", 12),
    ("district", "Quận, huyện", 22),
    ("form", "Biểu phải nộp", 14),
    ("state_label", "Trạng thái", 14),
    ("overdue_vi", "Quá hạn", 10),
    ("comment", "Ý kiến khi trả lại", 40),
    ("accounts", "Tài khoản", 24),
    ("emails", "Thư điện tử", 36),
]


def owing_workbook(owing: pd.DataFrame, period: Period) -> bytes:
    """The owing units (rows of `etl.measures.tracking.owing`) of `period` as xlsx bytes."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("Còn nợ báo cáo")
    bold = book.add_format({"bold": True})
    head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    sheet.write(0, 0, f"Kỳ báo cáo: {period.name} — hạn nộp {fmt_date(period.deadline)}", bold)
    sheet.write(1, 0, f"Số đơn vị còn nợ báo cáo: {len(owing)}")
    for col, (_key, label, width) in enumerate(HEADERS):
        sheet.write(3, col, label, head)
        sheet.set_column(col, col, width)
    for row, unit in enumerate(owing.to_dict("records"), start=4):
        unit["overdue_vi"] = "Có" if unit.get("overdue") else ""
        for col, (key, _label, _width) in enumerate(HEADERS):
            value = unit.get(key)
            sheet.write_string(row, col, "" if value is None or pd.isna(value) else str(value))
    sheet.freeze_panes(4, 0)
    book.close()
    return out.getvalue()
