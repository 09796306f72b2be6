"""«Tải Excel» under a grid: the table as shown, written by etl/writers/table_xlsx.py."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl

from components.grids import serve_rows, table_columns
from etl.writers.table_xlsx import TableColumn, write_table


def _sheet(content: bytes):
    return openpyxl.load_workbook(io.BytesIO(content)).active


def test_a_table_keeps_its_kinds_and_never_makes_a_formula():
    columns = [
        TableColumn("name", "Đơn vị"),
        TableColumn("n", "Năm 2021", "number"),
        TableColumn("pct", "Tỷ lệ", "percent"),
        TableColumn("day", "Ngày", "date"),
    ]
    rows = [
        {"name": '=HYPERLINK("http://x")', "n": 1694, "pct": 8.17, "day": "2024-06-30"},
        {"name": "Sở Nội vụ", "n": "không rõ", "pct": None, "day": "không phải ngày"},
    ]
    sheet = _sheet(write_table("Danh sách — tính đến 30/06/2024", columns, rows))
    assert sheet["A1"].value == "Danh sách — tính đến 30/06/2024"
    assert [c.value for c in sheet[3]] == ["Đơn vị", "Năm 2021", "Tỷ lệ", "Ngày"]
    assert sheet["A4"].value == '=HYPERLINK("http://x")' and sheet["A4"].data_type == "s"
    assert sheet["B4"].value == 1694 and sheet["B4"].number_format == "#,##0"
    assert abs(sheet["C4"].value - 0.0817) < 1e-12 and sheet["C4"].number_format == "0.00%"
    assert sheet["D4"].value == dt.datetime(2024, 6, 30)
    assert sheet["B5"].value == "không rõ"  # text in a number column stays text
    assert sheet["C5"].value is None and sheet["D5"].value == "không phải ngày"
    assert sheet.freeze_panes == "A4"


def test_columns_from_the_browser_are_checked():
    sent = [
        {"field": "n", "header": "Số"},
        {"field": "name", "header": "Đơn vị"},
        {"field": "x", "header": 5},
        {"header": "no field"},
        "not a column",
    ]
    meta = {"kinds": {"n": "number", "x": "<script>"}}
    assert table_columns(sent, meta) == [
        TableColumn("n", "Số", "number"),
        TableColumn("name", "Đơn vị"),
        TableColumn("x", "x"),
    ]
    assert table_columns(None) == [] and table_columns({"field": "x"}, "meta") == []


def test_every_grid_column_kind_is_known_to_the_export():
    from components.grids import FORMATS, column, column_kind

    for kind in FORMATS:
        assert column_kind(column("f", "F", kind)) == kind
    assert column_kind(column("f", "F")) == "text"


def test_a_server_grid_exports_every_row_its_filter_keeps_in_its_order():
    import pandas as pd

    frame = pd.DataFrame({"name": [f"Đơn vị {i}" for i in range(2500)], "n": range(2500)})
    request = {"startRow": 0, "sortModel": [{"colId": "n", "sort": "desc"}]}
    assert len(serve_rows(frame, {**request, "endRow": 5000})["rowData"]) == 1000  # capped
    every = serve_rows(frame, request, limit=None)["rowData"]
    assert len(every) == 2500 and every[0]["n"] == 2499
    kept = serve_rows(
        frame,
        {
            **request,
            "filterModel": {"name": {"filterType": "text", "type": "contains", "filter": "vi 1"}},
        },
        limit=None,
    )["rowData"]
    assert kept and all("Đơn vị 1" in row["name"] for row in kept)
