"""Workbook builders for every test (one module, as datasette's fixtures.py): returns in the
shapes staff send, with options for each tolerance and each way of getting a cell wrong, and the
zip and OpenDocument packages around them.

Labels come from `etl.core.forms`, as the product's templates do; a test that checks another
phrasing writes that phrasing itself. Three ways to lay out a sheet, all written by
`workbook_bytes`:

    Sheet   a form in the usual layout: title block, header (merged), `(1) (2) …`, rows, signature
    Table   a form whose header is given as a tree of labels (one to three header rows, merged)
    Raw     a sheet written cell by cell, so every cell reference is known

The small cell-by-cell returns `b01` … `b00` put a good row right under the header and the cases
after it (see `b01_rows`).
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from xml.sax.saxutils import escape

import openpyxl
from openpyxl.utils import get_column_letter

from etl.core.forms import (
    FORM_00,
    FORM_01,
    FORM_02,
    FORM_03,
    HEADER_LINES,
    SIGNATURE_WORDS,
    UNIT_KIND_CHOICES,
    YEAR_WORDS,
    Form,
)

Row = Sequence[Any]

# ---------------------------------------------------------------- labels, from etl/core/forms.py


def labels(form: Form) -> dict[str, str]:
    """The template label of each column of `form`, by field name."""
    return {c.field: c.label for c in form.columns}


LABELS_00, LABELS_01, LABELS_02, LABELS_03 = map(labels, (FORM_00, FORM_01, FORM_02, FORM_03))
INTERNAL_GROUP = FORM_03.extra["internal_group"]
YEAR_WORD = YEAR_WORDS[0]  # `Năm 2021` under a group label
SN = UNIT_KIND_CHOICES[1]  # Đơn vị sự nghiệp công lập
SIGNATURE: list[list[Any]] = [[], [SIGNATURE_WORDS[0], None, None, SIGNATURE_WORDS[1]]]
AS_OF_LINE = f"{HEADER_LINES['as_of']} 30/06/2024"


def by_year(label: str, year: int) -> str:
    """One cell per year, the one-row way: `Biên chế công chức được giao năm 2021`."""
    return f"{label} năm {year}"


def colnums(width: int) -> list[str]:
    """The column-number row: `(1) (2) …`."""
    return [f"({i})" for i in range(1, width + 1)]


def _col(index: int) -> str:
    return get_column_letter(index + 1)


# ---------------------------------------------------------------- writing .xlsx


class Layout(Protocol):
    def layout(self) -> tuple[str, list[Row], list[str]]:
        """The sheet name, every row from row 1, and the merged ranges."""
        ...


def workbook_bytes(*sheets: Layout, literal: Sequence[str] = ()) -> bytes:
    """An .xlsx file holding `sheets` (openpyxl: formulas are saved without cached values);
    cells in `literal` (e.g. "B6", on every sheet) are forced to text."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for sheet in sheets:
        name, rows, merges = sheet.layout()
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(list(row))
        for ref in literal:
            ws[ref].data_type = "s"
        for rng in merges:
            ws.merge_cells(rng)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@dataclass
class Raw:
    """A sheet written cell by cell."""

    name: str
    rows: list[Row]
    merges: Sequence[str] = ()

    def layout(self) -> tuple[str, list[Row], list[str]]:
        return self.name, list(self.rows), list(self.merges)


def xlsx(sheets: dict[str, list[Row]], *, literal: Sequence[str] = ()) -> bytes:
    """An .xlsx file of sheets written cell by cell, by name."""
    return workbook_bytes(*(Raw(name, rows) for name, rows in sheets.items()), literal=literal)


@dataclass
class Sheet:
    """A sheet: optional title block, header rows (with merges), a column-number row, rows."""

    name: str
    header: list[Row]
    rows: list[Row]
    title: list[Row] = field(default_factory=list)
    merges: list[str] = field(default_factory=list)
    colnums: bool = True
    after: list[Row] = field(default_factory=list)

    def layout(self) -> tuple[str, list[Row], list[str]]:
        numbers = [colnums(max(len(r) for r in self.header))] if self.colnums else []
        rows = [*self.title, *self.header, *numbers, *self.rows, *self.after]
        return self.name, rows, list(self.merges)


# A header column for `Table`: a label, or (group label, [sub-columns]) nesting the same way.
Spec = Any


def _depth(spec: Spec) -> int:
    return 1 + max(map(_depth, spec[1])) if isinstance(spec, tuple) else 1


def header_block(columns: Sequence[Spec]) -> tuple[list[list[Any]], list[tuple[int, ...]]]:
    """Header rows and merged ranges (0-based, relative to the first header row)."""
    depth = max(map(_depth, columns))
    cells: dict[tuple[int, int], Any] = {}
    merges: list[tuple[int, ...]] = []

    def place(spec: Spec, level: int, col: int) -> int:
        if not isinstance(spec, tuple):
            cells[(level, col)] = spec
            if level < depth - 1:
                merges.append((level, col, depth - 1, col))
            return 1
        label, subs = spec
        cells[(level, col)] = label
        width = 0
        for sub in subs:
            width += place(sub, level + 1, col + width)
        if width > 1:
            merges.append((level, col, level, col + width - 1))
        return width

    width = 0
    for spec in columns:
        width += place(spec, 0, width)
    rows = [[cells.get((r, c)) for c in range(width)] for r in range(depth)]
    return rows, merges


def per_year(label: str, years: Sequence[int]) -> list[Spec]:
    """A group label over `Năm Y` sub-columns, or one cell per year when the label has `{y}`."""
    if "{y}" in label:
        return [label.format(y=y) for y in years]
    return [(label, [f"{YEAR_WORD} {y}" for y in years])]


def short_title(code: str = "01") -> list[list[Any]]:
    """A short title block: agency, national motto, form number, cut-off date."""
    return [
        ["SỞ NỘI VỤ", None, None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
        [None, None, None, "Độc lập - Tự do - Hạnh phúc"],
        [f"Biểu số {code}"],
        [AS_OF_LINE],
    ]


@dataclass
class Table:
    """A form sheet laid out as staff lay it out: title block, a header of one to three rows
    with merged group labels, an optional column-number row, the rows and a signature."""

    columns: Sequence[Spec]
    rows: list[list[Any]]
    name: str = FORM_01.sheet_name
    title: list[list[Any]] = field(default_factory=short_title)
    title_merges: Sequence[str] = ()
    colnums: str | None = "(n)"  # "(n)": `(1) (2)…`; "n": `1 2 3`; None: no such row
    after: list[list[Any]] = field(default_factory=lambda: list(SIGNATURE))

    def layout(self) -> tuple[str, list[Row], list[str]]:
        header, rel = header_block(self.columns)
        top = len(self.title) + 1
        merges = list(self.title_merges) + [
            f"{_col(c0)}{top + r0}:{_col(c1)}{top + r1}" for r0, c0, r1, c1 in rel
        ]
        rows = [*self.title, *header]
        width = len(header[0])
        if self.colnums == "(n)":
            rows.append(colnums(width))
        elif self.colnums == "n":
            rows.append(list(range(1, width + 1)))
        return self.name, [*rows, *self.rows, *self.after], merges

    @property
    def first_row(self) -> int:
        """The Excel row number of the first data row."""
        depth = max(map(_depth, self.columns))
        return len(self.title) + depth + (1 if self.colnums else 0) + 1


# ---------------------------------------------------------------- forms in the usual layout

TITLE_01 = [
    ["UBND THÀNH PHỐ CẦN THƠ", None, None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
    [None, None, None, "Độc lập - Tự do - Hạnh phúc"],
    ["Biểu số 01"],
    [FORM_01.title],
    [f"{HEADER_LINES['unit']} Sở Nội vụ"],
    [f"{HEADER_LINES['period']} 6 tháng đầu năm 2024"],
    [AS_OF_LINE],
]


def form01(
    rows: list[Row],
    *,
    years: Sequence[int] = (2021, 2022, 2023, 2024),
    name_label: str = LABELS_01["name"],
    group_label: str = LABELS_01["quota"],
    extra: Sequence[str] = (LABELS_01["job_position"],),
    title: list[Row] | None = None,
    sheet: str = FORM_01.sheet_name,
    after: list[Row] | None = None,
    one_row_header: bool = False,
) -> Sheet:
    """Biểu 01 with columns STT, name, years…, extra…; rows give values in that order."""
    title = TITLE_01 if title is None else title
    n_years = len(years)
    stt = LABELS_01["stt"]
    if one_row_header:
        header = [[stt, name_label, *[by_year(group_label, y) for y in years], *extra]]
        merges: list[str] = []
    else:
        header = [
            [stt, name_label, group_label, *[None] * (n_years - 1), *extra],
            [None, None, *[f"{YEAR_WORD} {y}" for y in years], *[None] * len(extra)],
        ]
        top = len(title) + 1
        merges = [f"A{top}:A{top + 1}", f"B{top}:B{top + 1}"]
        merges.append(f"C{top}:{_col(2 + n_years - 1)}{top}")
        for i in range(len(extra)):
            c = _col(2 + n_years + i)
            merges.append(f"{c}{top}:{c}{top + 1}")
    return Sheet(
        sheet,
        header,
        rows,
        title=title,
        merges=merges,
        after=after or list(SIGNATURE),
    )


TITLE_02 = [
    ["SỞ Y TẾ", None, None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
    ["Biểu số 02"],
    [f"{HEADER_LINES['unit']} Sở Y tế"],
    [AS_OF_LINE],
]


def form02(
    rows: list[Row],
    *,
    years: Sequence[int] = (2021, 2024),
    columns: Sequence[str] = (LABELS_02["sector"],),
    tail: Sequence[str] = (LABELS_02["pending"], LABELS_02["job_position"], LABELS_02["note"]),
    sheet: str = FORM_02.sheet_name,
    title: list[Row] | None = None,
) -> Sheet:
    """Biểu 02, one header row: STT, name, columns…, `<quota> năm Y`…, tail…"""
    header = [
        [
            LABELS_02["stt"],
            LABELS_02["name"],
            *columns,
            *[by_year(LABELS_02["quota"], y) for y in years],
            *tail,
        ]
    ]
    return Sheet(sheet, header, rows, title=TITLE_02 if title is None else title)


FORM03_FIELDS = ("stt", "date", "doc_ref", "event_type", "before", "after", "unit_kind", "sector")
FORM03_INTERNAL = ("internal_phong", "internal_khoa", "internal_chi_nhanh", "internal_khac")


def form03(rows: list[Row], *, sheet: str = FORM_03.sheet_name) -> Sheet:
    """Biểu 03: STT, date, document, type, before, after, unit kind, sector, phòng, khoa,
    chi nhánh, khác, note (internal decreases under a merged group label)."""
    header = [
        [
            *[LABELS_03[f] for f in FORM03_FIELDS],
            INTERNAL_GROUP,
            *[None] * (len(FORM03_INTERNAL) - 1),
            LABELS_03["note"],
        ],
        [None] * len(FORM03_FIELDS) + [LABELS_03[f] for f in FORM03_INTERNAL] + [None],
    ]
    merges = [f"{c}2:{c}3" for c in "ABCDEFGHM"] + ["I2:L2"]
    return Sheet(sheet, header, rows, title=[["Biểu số 03"]], merges=merges)


FORM00_FIELDS = ("stt", "scope", "measure", "base_year", "pct", "count", "doc_ref")


def form00(rows: list[Row], *, sheet: str = FORM_00.sheet_name) -> Sheet:
    """Biểu 00, one header row: STT, scope, measure, base year, %, count, document."""
    header = [[LABELS_00[f] for f in FORM00_FIELDS]]
    return Sheet(sheet, header, rows, title=[["Biểu số 00"]], colnums=False)


def city_targets(pct_cc: Any = "5%", pct_nlv: Any = "10%") -> bytes:
    """Biểu 00: the city's targets for civil servants and for public-service staff."""
    cc, nlv = FORM_00.column("measure").choices
    return workbook_bytes(
        form00(
            [
                [1, "Toàn thành phố", cc, 2021, pct_cc, None, "KH 123"],
                [2, "Toàn thành phố", nlv, 2021, pct_nlv, None, "KH 123"],
            ]
        )
    )


def quota_return(unit: str, quota_2024: int) -> bytes:
    """Biểu 01 with one row: `unit` and its 2024 civil-servant quota, the other years blank
    (a different file for each value)."""
    return workbook_bytes(form01([[1, unit, None, None, None, quota_2024]], title=[["Biểu số 01"]]))


def units_return(rows: list[Row]) -> bytes:
    """Biểu 02 numbered from 1; rows give name, sector, parent, 2021, 2022, 2023, 2024,
    pending, job position, note."""
    return workbook_bytes(
        form02(
            [[i + 1, *r] for i, r in enumerate(rows)],
            years=(2021, 2022, 2023, 2024),
            columns=(LABELS_02["sector"], LABELS_02["parent"]),
        )
    )


def events_return(rows: list[Row]) -> bytes:
    """Biểu 03 numbered from 1; rows give the `form03` columns after STT."""
    return workbook_bytes(form03([[i + 1, *r] for i, r in enumerate(rows)]))


# ---------------------------------------------------------------- small returns, cell by cell
#
#   b01   1 `Biểu số 01`   2 cut-off date   3 header   4 `(1) (2) …`   5 a good row   6… cases
#   b02   1 `Biểu số 02`   2 header         3 `(1) (2) …`   4 a good row   5 the case
#   b03   1 `Biểu số 03`   2 header         3 `(1) (2) …`   4 a good row   5 the case
#   b00   1 `Biểu số 00`   2 header         3 a good row    4 the case

B01_HEADER = [
    LABELS_01["stt"],
    LABELS_01["name"],
    by_year(LABELS_01["quota"], 2021),
    by_year(LABELS_01["quota"], 2024),
    LABELS_01["job_position"],
]
B01_GOOD = [1, "Sở Y tế", 120, 115, "Đã phê duyệt"]


def b01_rows(
    *rows: Row,
    header: Row = B01_HEADER,
    good: bool = True,
    title: Sequence[Row] = (),
) -> list[Row]:
    """Biểu 01 cell by cell: `Biểu số 01` on row 1, `title` lines, the cut-off date, the
    header, column numbers, a good row (Sở Y tế), then `rows` (from row 6 without `title`)."""
    top = [["Biểu số 01"], *title, [AS_OF_LINE], header, colnums(len(header))]
    return [*top, *([B01_GOOD] if good else []), *rows, *SIGNATURE]


def b01_as_of(as_of: Any) -> bytes:
    """Biểu 01 whose cut-off line (cell A2) reads `Số liệu tính đến ngày: {as_of}`."""
    rows = b01_rows()
    rows[1] = [f"{HEADER_LINES['as_of']} {as_of}"]
    return xlsx({FORM_01.sheet_name: rows})


def b01(
    *rows: Row,
    header: Row = B01_HEADER,
    good: bool = True,
    sheet: str = FORM_01.sheet_name,
    literal: Sequence[str] = (),
) -> bytes:
    """Biểu 01: header on row 3, a good row on row 5, then `rows` from row 6."""
    return xlsx({sheet: b01_rows(*rows, header=header, good=good)}, literal=literal)


B02_HEADER = [
    LABELS_02["stt"],
    LABELS_02["name"],
    LABELS_02["autonomy"],
    by_year(LABELS_02["quota"], 2021),
    by_year(LABELS_02["quota"], 2024),
]
B02_GOOD = [1, "Bệnh viện Nhi đồng", "Nhóm 2", 420, 410]


def b02(row: Row) -> bytes:
    """Biểu 02: header on row 2, a good row on row 4, `row` on row 5."""
    rows = [["Biểu số 02"], B02_HEADER, colnums(len(B02_HEADER)), B02_GOOD, row, *SIGNATURE]
    return xlsx({FORM_02.sheet_name: rows})


B03_HEADER = [
    *[LABELS_03[f] for f in FORM03_FIELDS[:7]],
    FORM_03.column("internal_phong").aliases[0],  # `Số phòng giảm`: one header row
]
B03_GOOD = [
    1,
    "01/03/2023",
    "15/QĐ-UBND",
    "Sáp nhập",
    "Trường Mầm non Hoa Sen",
    "Trường Mầm non Hoa Mai",
    SN,
    None,
]


def b03(row: Row, header: Row = B03_HEADER) -> bytes:
    """Biểu 03: header on row 2, a good event on row 4, `row` on row 5."""
    rows = [["Biểu số 03"], header, colnums(len(header)), B03_GOOD, row, *SIGNATURE]
    return xlsx({FORM_03.sheet_name: rows})


B00_HEADER = [LABELS_00[f] for f in FORM00_FIELDS]
B00_GOOD = [1, "Toàn thành phố", "Biên chế công chức", 2021, "5%", None, "KH 123/KH-UBND"]


def b00(row: Row) -> bytes:
    """Biểu 00: header on row 2, a good target on row 3, `row` on row 4."""
    return xlsx({FORM_00.sheet_name: [["Biểu số 00"], B00_HEADER, B00_GOOD, row]})


# ---------------------------------------------------------------- packages: zip, xlsm, ods


def zip_of(files: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED, level: int = 6) -> bytes:
    """A zip archive of `files` (name -> bytes), in that order."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method, compresslevel=level) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return out.getvalue()


def rezip(content: bytes, edit: Callable[[dict[str, bytes]], None]) -> bytes:
    """The same zip package with its members edited in place."""
    with zipfile.ZipFile(io.BytesIO(content)) as src:
        files = {n: src.read(n) for n in src.namelist()}
    edit(files)
    return zip_of(files)


def replace_in(part: str, old: str, new: str) -> Callable[[dict[str, bytes]], None]:
    """An edit for `rezip`: the first `old` in package part `part` becomes `new`."""

    def edit(files: dict[str, bytes]) -> None:
        xml = files[part].decode()
        assert old in xml, (part, old)
        files[part] = xml.replace(old, new, 1).encode()

    return edit


def with_cached_values(content: bytes, values: dict[str, int], sheet: int = 1) -> bytes:
    """Give formula cells a cached value, as Excel does when it saves."""

    def edit(files: dict[str, bytes]) -> None:
        part = f"xl/worksheets/sheet{sheet}.xml"
        xml = files[part].decode()
        for ref, value in values.items():
            xml, n = re.subn(
                rf'(<c r="{ref}"[^>]*><f>[^<]*</f>)(?:<v\s*/>|<v>\s*</v>)',
                rf"\g<1><v>{value}</v>",
                xml,
            )
            assert n == 1, ref
        files[part] = xml.encode()

    return rezip(content, edit)


OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def as_xlsm(content: bytes) -> bytes:
    """A macro-enabled workbook: macro content type and a (never run) vbaProject.bin."""

    def edit(files: dict[str, bytes]) -> None:
        types = files["[Content_Types].xml"].decode()
        types = types.replace(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
            "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
        ).replace(
            '<Default Extension="xml"',
            '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject" />'
            '<Default Extension="xml"',
        )
        assert "macroEnabled" in types
        files["[Content_Types].xml"] = types.encode()
        rels = (
            files["xl/_rels/workbook.xml.rels"]
            .decode()
            .replace(
                "</Relationships>",
                '<Relationship Id="rIdVBA" Type="http://schemas.microsoft.com/office/2006/'
                'relationships/vbaProject" Target="vbaProject.bin" /></Relationships>',
            )
        )
        files["xl/_rels/workbook.xml.rels"] = rels.encode()
        files["xl/vbaProject.bin"] = OLE_MAGIC + bytes(504)

    return rezip(content, edit)


ODS_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
    'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
    '<manifest:file-entry manifest:full-path="/" '
    'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)


def ods(
    sheets: dict[str, list[Row]],
    spans: dict[str, dict[tuple[int, int], tuple[int, int]]] | None = None,
) -> bytes:
    """A minimal OpenDocument spreadsheet (strings and numbers only): mimetype, content.xml and
    the manifest (without which python-calamine cannot tell the format). `spans`: merged cells
    by sheet, (row, col) from 0 → (rows, cols), written as LibreOffice writes them (spans on
    the first cell, covered cells after it); runs of empty cells use `number-columns-repeated`."""
    spans = spans or {}

    def cell(value: Any, span: tuple[int, int] | None) -> str:
        attrs = ""
        if span:
            attrs = (
                f' table:number-rows-spanned="{span[0]}" table:number-columns-spanned="{span[1]}"'
            )
        if value is None:
            return f"<table:table-cell{attrs}/>"
        if isinstance(value, (int, float)):
            return (
                f'<table:table-cell{attrs} office:value-type="float" office:value="{value}">'
                f"<text:p>{value}</text:p></table:table-cell>"
            )
        return (
            f'<table:table-cell{attrs} office:value-type="string"><text:p>{escape(str(value))}'
            "</text:p></table:table-cell>"
        )

    def row_xml(name: str, r: int, row: Row) -> str:
        merged = spans.get(name, {})
        covered = {
            (r0 + i, c0 + j)
            for (r0, c0), (n_rows, n_cols) in merged.items()
            for i in range(n_rows)
            for j in range(n_cols)
            if (i, j) != (0, 0)
        }
        parts: list[str] = []
        c = 0
        while c < len(row):
            if (r, c) in covered:
                parts.append("<table:covered-table-cell/>")
            elif row[c] is None and (r, c) not in merged:
                run = 1
                while c + run < len(row) and row[c + run] is None and (r, c + run) not in covered:
                    run += 1
                parts.append(f'<table:table-cell table:number-columns-repeated="{run}"/>')
                c += run
                continue
            else:
                parts.append(cell(row[c], merged.get((r, c))))
            c += 1
        return "<table:table-row>" + "".join(parts) + "</table:table-row>"

    tables = "".join(
        f'<table:table table:name="{escape(name)}">'
        + "".join(row_xml(name, r, row) for r, row in enumerate(rows))
        + "</table:table>"
        for name, rows in sheets.items()
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f"<office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body>"
        "</office:document-content>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        zf.writestr("META-INF/manifest.xml", ODS_MANIFEST, zipfile.ZIP_DEFLATED)
    return out.getvalue()


# ---------------------------------------------------------------- Dash requests


def dash_request(output: str, inputs: list[tuple[str, str, Any]]) -> dict[str, Any]:
    """The body the browser posts to /_dash-update-component for a single-output callback."""
    out_id, prop = output.rsplit(".", 1)
    return {
        "output": output,
        "outputs": {"id": out_id, "property": prop},
        "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
        "changedPropIds": [f"{inputs[0][0]}.{inputs[0][1]}"],
        "state": [],
    }


def grid_rows_request(grid_id: dict[str, str], request: dict[str, Any]) -> dict[str, Any]:
    """The body an infinite-row-model grid with a pattern-matching id posts for a page of rows
    (its `getRowsRequest`) to the callback answering with `getRowsResponse`."""
    wild = json.dumps({k: v if k == "type" else ["MATCH"] for k, v in grid_id.items()},
                      sort_keys=True, separators=(",", ":"))  # fmt: skip
    exact = json.dumps(grid_id, sort_keys=True, separators=(",", ":"))
    return {
        "output": f"{wild}.getRowsResponse",
        "outputs": {"id": grid_id, "property": "getRowsResponse"},
        "inputs": [{"id": grid_id, "property": "getRowsRequest", "value": request}],
        "changedPropIds": [f"{exact}.getRowsRequest"],
        "state": [],
    }


def units_rows_requests(view: str) -> dict[str, dict[str, Any]]:
    """Pages of the units grid as the browser asks for them: the first page in the default
    order, and a later page of a filtered view sorted by name (benchmarks and tests)."""
    grid = {"type": "units-grid", "measure": "nguoi_lam_viec", "search": view}
    filtered = {
        "name": {"filterType": "text", "type": "contains", "filter": "truong"},
        "baseline": {"filterType": "number", "type": "greaterThan", "filter": 20},
    }
    return {
        "units rows (first page)": grid_rows_request(
            grid, {"startRow": 0, "endRow": 100, "sortModel": [{"colId": "gap", "sort": "desc"}]}
        ),
        "units rows (filtered, by name, page 3)": grid_rows_request(
            grid,
            {
                "startRow": 200,
                "endRow": 300,
                "filterModel": filtered,
                "sortModel": [{"colId": "name", "sort": "asc"}],
            },
        ),
    }


def dash_page_request(path: str, search: str = "") -> dict[str, Any]:
    """The body Dash pages posts to render the layout of `path` (with its query string)."""
    return {
        "output": ".._pages_content.children..._pages_store.data..",
        "outputs": [
            {"id": "_pages_content", "property": "children"},
            {"id": "_pages_store", "property": "data"},
        ],
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": path},
            {"id": "_pages_location", "property": "search", "value": search},
        ],
        "changedPropIds": ["_pages_location.pathname"],
        "state": [],
    }
