"""Form fixtures built in code (one builder, as datasette's fixtures.py): small returns in the
shapes staff send, with options for each tolerance and each way of getting a cell wrong."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import openpyxl

Row = Sequence[Any]


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


def workbook_bytes(*sheets: Sheet) -> bytes:
    """An .xlsx file holding `sheets` (openpyxl: formulas are saved without cached values)."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for spec in sheets:
        ws = wb.create_sheet(spec.name)
        for row in spec.title:
            ws.append(list(row))
        for row in spec.header:
            ws.append(list(row))
        if spec.colnums:
            width = max(len(r) for r in spec.header)
            ws.append([f"({i})" for i in range(1, width + 1)])
        for row in spec.rows:
            ws.append(list(row))
        for row in spec.after:
            ws.append(list(row))
        for rng in spec.merges:
            ws.merge_cells(rng)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


TITLE_01 = [
    ["UBND THÀNH PHỐ CẦN THƠ", None, None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
    [None, None, None, "Độc lập - Tự do - Hạnh phúc"],
    ["Biểu số 01"],
    ["BIÊN CHẾ CÔNG CHỨC"],
    ["Đơn vị báo cáo: Sở Nội vụ"],
    ["Kỳ báo cáo: 6 tháng đầu năm 2024"],
    ["Số liệu tính đến ngày: 30/06/2024"],
]


def form01(
    rows: list[Row],
    *,
    years: Sequence[int] = (2021, 2022, 2023, 2024),
    name_label: str = "Tên cơ quan, tổ chức",
    group_label: str = "Biên chế công chức được giao",
    extra: Sequence[str] = ("Vị trí việc làm",),
    title: list[Row] | None = None,
    sheet: str = "Biểu 01",
    after: list[Row] | None = None,
    one_row_header: bool = False,
) -> Sheet:
    """Biểu 01 with columns STT, name, years…, extra…; rows give values in that order."""
    title = TITLE_01 if title is None else title
    n_years = len(years)
    if one_row_header:
        header = [["STT", name_label, *[f"{group_label} năm {y}" for y in years], *extra]]
        merges: list[str] = []
    else:
        header = [
            ["STT", name_label, group_label, *[None] * (n_years - 1), *extra],
            [None, None, *[f"Năm {y}" for y in years], *[None] * len(extra)],
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
        after=after or [[], ["NGƯỜI LẬP BIỂU", None, None, "THỦ TRƯỞNG ĐƠN VỊ"]],
    )


def _col(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


TITLE_02 = [
    ["SỞ Y TẾ", None, None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
    ["Biểu số 02"],
    ["Đơn vị báo cáo: Sở Y tế"],
    ["Số liệu tính đến ngày: 30/06/2024"],
]


def form02(
    rows: list[Row],
    *,
    years: Sequence[int] = (2021, 2024),
    columns: Sequence[str] = ("Lĩnh vực",),
    tail: Sequence[str] = ("Số lượng đề nghị giảm (chờ phê duyệt)", "Vị trí việc làm", "Ghi chú"),
    sheet: str = "Biểu 02",
    title: list[Row] | None = None,
) -> Sheet:
    """Biểu 02, one header row: STT, name, columns…, `Số lượng người làm việc năm Y`…, tail…"""
    header = [
        [
            "STT",
            "Tên đơn vị sự nghiệp công lập",
            *columns,
            *[f"Số lượng người làm việc năm {y}" for y in years],
            *tail,
        ]
    ]
    return Sheet(sheet, header, rows, title=TITLE_02 if title is None else title)


def form03(rows: list[Row], *, sheet: str = "Biểu 03") -> Sheet:
    """Biểu 03: STT, date, document, type, before, after, unit kind, sector, phòng, khoa,
    chi nhánh, khác, note (internal decreases under a merged group label)."""
    header = [
        [
            "STT",
            "Ngày hiệu lực",
            "Số, ký hiệu văn bản",
            "Hình thức",
            "Đơn vị trước sắp xếp",
            "Đơn vị sau sắp xếp",
            "Loại đơn vị",
            "Lĩnh vực",
            "Tổ chức bên trong giảm",
            None,
            None,
            None,
            "Ghi chú",
        ],
        [None] * 8 + ["Phòng", "Khoa", "Chi nhánh", "Khác", None],
    ]
    merges = [f"{c}2:{c}3" for c in "ABCDEFGHM"] + ["I2:L2"]
    return Sheet(sheet, header, rows, title=[["Biểu số 03"]], merges=merges)


def form00(rows: list[Row], *, sheet: str = "Biểu 00") -> Sheet:
    header = [
        ["STT", "Phạm vi", "Chỉ tiêu", "Năm gốc", "Tỷ lệ giảm (%)", "Số lượng giảm", "Văn bản"]
    ]
    return Sheet(sheet, header, rows, title=[["Biểu số 00"]], colnums=False)


def city_targets(pct_cc: Any = "5%", pct_nlv: Any = "10%") -> bytes:
    return workbook_bytes(
        form00(
            [
                [1, "Toàn thành phố", "Biên chế công chức", 2021, pct_cc, None, "KH 123"],
                [2, "Toàn thành phố", "Người làm việc", 2021, pct_nlv, None, "KH 123"],
            ]
        )
    )


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
