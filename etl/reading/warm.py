"""The workbook a waiting reading child reads before its upload arrives (etl/reading/reader.py,
`warm_up`).

A child forked from the fork server shares its memory until it writes to it: the first read in
a fresh child copies every page the read touches (some 400 at national size: about 2 ms of an
upload's time). Reading this workbook while waiting does that copying beforehand, so it must go
where a real return goes: Biểu 00, 01, 02 and 03 in their usual shapes (title block, a two-row
header with year columns, a column-number row, group and total rows with a formula, a signature),
every label taken from `etl.core.forms`. It is built here as plain XML (no writer library in the
fork server) and holds made-up names only; no figure of it is ever stored.
"""

from __future__ import annotations

import functools
import io
import zipfile
from typing import Any
from xml.sax.saxutils import escape

from etl.core.forms import (
    CITY_SCOPES,
    FORMS,
    HEADER_LINES,
    MEASURE_CHOICES,
    SIGNATURE_WORDS,
    TOTAL_WORDS,
)
from etl.core.values import cell_ref

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_BOOK_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"

Rows = list[list[Any]]


def _label(form: str, field: str) -> str:
    return FORMS[form].column(field).label


def _choice(form: str, field: str, i: int = 0) -> str:
    return FORMS[form].column(field).choices[i]


def _title(form: str, unit: str, as_of: str) -> Rows:
    return [
        ["UBND TỈNH KHỞI ĐỘNG", None, None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
        [f"Biểu số {form}"],
        [FORMS[form].title],
        [f"{HEADER_LINES['unit']} {unit}"],
        [f"{HEADER_LINES['period']} 6 tháng đầu năm"],
        [f"{HEADER_LINES['as_of']} {as_of}"],
    ]


def _form_01() -> tuple[Rows, list[str]]:
    """Biểu 01: a two-row header (years under their group), a district group row, units, a
    total with formulas, a signature."""
    f = "01"
    years = ["Năm 2021", "Năm 2024"]
    head = [
        _label(f, "stt"), _label(f, "code"), _label(f, "name"), _label(f, "agency_kind"),
        _label(f, "district"), _label(f, "quota"), None, _label(f, "streamlined"), None,
        _label(f, "present"), _label(f, "job_position"), _label(f, "note"),
    ]  # fmt: skip
    sub = [None] * 5 + years + years + [None] * 3
    rows = [
        *_title(f, "Sở Khởi động", "30/06/2024"),
        head,
        sub,
        [f"({i})" for i in range(1, len(head) + 1)],
        ["I", None, "Huyện Khởi Động"],
        [1, "KD.01", "Phòng Khởi động", _choice(f, "agency_kind", 3), "Huyện Khởi Động",
         12, 11, 1, 1, 10, _choice(f, "job_position"), None],
        ["II", None, "Cấp tỉnh"],
        [2, "KD.02", "Sở Khởi động", _choice(f, "agency_kind"), None,
         40, "39", 1, 0, 38, _choice(f, "job_position", 1), "Ghi chú"],
        [3, None, "Chi cục Khởi động", _choice(f, "agency_kind", 1), None,
         20, 19, 0, 1, 19, None, None],
        [None, None, TOTAL_WORDS[0], None, None,
         ("SUM(F12,F14:F15)", 72), ("SUM(G12,G14:G15)", 69), ("SUM(H12,H14:H15)", 2),
         ("SUM(I12,I14:I15)", 2), ("SUM(J12,J14:J15)", 67), None, None],
        [],
        [SIGNATURE_WORDS[0], None, None, SIGNATURE_WORDS[1]],
    ]  # fmt: skip
    merges = ["A7:A8", "B7:B8", "C7:C8", "D7:D8", "E7:E8", "F7:G7", "H7:I7", "J7:J8", "K7:K8",
              "L7:L8"]  # fmt: skip
    return rows, merges


def _form_02() -> tuple[Rows, list[str]]:
    """Biểu 02: one header row, the years in its labels."""
    f = "02"
    quota = FORMS[f].column("quota").year_prefixes[0]
    head = [
        _label(f, "stt"), _label(f, "code"), _label(f, "name"), _label(f, "parent"),
        _label(f, "sector"), _label(f, "autonomy"), f"{quota} 2021", f"{quota} 2024",
        _label(f, "pending"), _label(f, "job_position"), _label(f, "note"),
    ]  # fmt: skip
    rows = [
        *_title(f, "Sở Khởi động", "30/06/2024"),
        head,
        [1, "KD.11", "Trường Khởi động", "Sở Khởi động", _choice(f, "sector"),
         _choice(f, "autonomy", 2), 60, 58, 2, _choice(f, "job_position"), None],
        [2, None, "Bệnh viện Khởi động", "Sở Khởi động", _choice(f, "sector", 1),
         _choice(f, "autonomy", 1), 120, "118", None, None, "Ghi chú"],
        [None, None, TOTAL_WORDS[1], None, None, None, ("SUM(G8:G9)", 180),
         ("SUM(H8:H9)", 176), None, None, None],
    ]  # fmt: skip
    return rows, []


def _form_03() -> tuple[Rows, list[str]]:
    """Biểu 03: one header row; a merger and an internal restructuring."""
    f = "03"
    fields = ("stt", "date", "doc_ref", "event_type", "before", "after", "unit_kind", "sector",
              "internal_phong", "internal_khoa", "note")  # fmt: skip
    rows = [
        [f"Biểu số {f}"],
        [FORMS[f].title],
        [_label(f, x) for x in fields],
        [1, "15/03/2024", "QĐ 1/QĐ-UBND", _choice(f, "event_type", 2),
         "Trường Khởi động A; Trường Khởi động B", "Trường Khởi động",
         _choice(f, "unit_kind", 1), _choice(f, "sector"), None, None, None],
        [2, "01/04/2024", "QĐ 2/QĐ-UBND", _choice(f, "event_type", 6), "Bệnh viện Khởi động",
         None, _choice(f, "unit_kind", 1), _choice(f, "sector", 1), 1, 2, "Ghi chú"],
    ]  # fmt: skip
    return rows, []


def _form_00() -> tuple[Rows, list[str]]:
    """Biểu 00: the province's targets."""
    f = "00"
    fields = ("stt", "scope", "measure", "base_year", "pct", "count", "doc_ref")
    rows = [
        [f"Biểu số {f}"],
        [FORMS[f].title],
        [_label(f, x) for x in fields],
        [1, CITY_SCOPES[1], MEASURE_CHOICES[0], 2021, "5%", None, "KH 1/KH-UBND"],
        [2, CITY_SCOPES[1], MEASURE_CHOICES[1], 2021, 0.1, None, "KH 1/KH-UBND"],
    ]
    return rows, []


def _cell(ref: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, tuple):  # (formula, its cached value)
        return f'<c r="{ref}"><f>{escape(value[0])}</f><v>{value[1]}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


def _sheet_xml(rows: Rows, merges: list[str]) -> str:
    body = "".join(
        f'<row r="{r + 1}">'
        + "".join(_cell(cell_ref(r, c), v) for c, v in enumerate(row))
        + "</row>"
        for r, row in enumerate(rows)
    )
    merged = "".join(f'<mergeCell ref="{m}"/>' for m in merges)
    merged = f'<mergeCells count="{len(merges)}">{merged}</mergeCells>' if merges else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_MAIN}">'
        f"<sheetData>{body}</sheetData>{merged}</worksheet>"
    )


@functools.cache
def warm_up_workbook() -> bytes:
    """The four forms as one .xlsx package, built once per fork server."""
    sheets = [(FORMS[code].sheet_name, *build()) for code, build in
              (("01", _form_01), ("02", _form_02), ("03", _form_03), ("00", _form_00))]  # fmt: skip
    n = range(1, len(sheets) + 1)
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{_SHEET_TYPE}"/>' for i in n
    )
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://'
        'schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default '
        'Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
        f'ContentType="{_BOOK_TYPE}"/>{overrides}</Types>',
        "_rels/.rels": f'<Relationships xmlns="{_PACKAGE_RELS}"><Relationship Id="r1" '
        f'Type="{_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{_MAIN}" xmlns:r="{_RELS}"><sheets>'
        + "".join(
            f'<sheet name="{escape(name)}" sheetId="{i}" r:id="r{i}"/>'
            for i, (name, _rows, _merges) in zip(n, sheets, strict=True)
        )
        + "</sheets></workbook>",
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{_PACKAGE_RELS}">'
        + "".join(
            f'<Relationship Id="r{i}" Type="{_RELS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in n
        )
        + "</Relationships>",
    }
    for i, (_name, rows, merges) in zip(n, sheets, strict=True):
        parts[f"xl/worksheets/sheet{i}.xml"] = _sheet_xml(rows, merges)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, xml in parts.items():
            zf.writestr(name, xml)
    return buf.getvalue()
