"""dash-ag-grid tables with Vietnamese number formats (vi-VN: `1.694`, `8,17%`), each with a
«Tải Excel» button that writes what the grid shows (its columns, its filters and sort) to xlsx."""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections.abc import Callable
from typing import Any

import dash
import dash_ag_grid as dag
import numpy as np
import pandas as pd
from dash import MATCH, ClientsideFunction, Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from etl.writers.table_xlsx import KINDS, TableColumn
from reporting import exports
from web import context

# «Tải Excel» under a grid: the button, what the browser collected, the file, the title
GRID_XLSX = "grid-xlsx"
GRID_XLSX_SERVER = "grid-xlsx-server"  # the button under a grid served a page at a time
GRID_XLSX_ROWS = "grid-xlsx-rows"  # client-side grids: the shown rows (assets/grid_export.js)
GRID_XLSX_QUERY = "grid-xlsx-query"  # server-side grids: the filter and sort to apply
GRID_XLSX_FILE = "grid-xlsx-file"
GRID_XLSX_SERVER_FILE = "grid-xlsx-server-file"
GRID_XLSX_META = "grid-xlsx-meta"

# the functions live in assets/dashAgGridFunctions.js
FORMATS = {
    "number": {"function": "viNumber(params.value)"},
    "decimal": {"function": "viNumber(params.value, 1)"},
    "percent": {"function": "viPercent(params.value)"},
    "date": {"function": "viDate(params.value)"},
}

# the grid's own words, in Vietnamese (AG Grid's locale keys)
LOCALE_TEXT = {
    "noRowsToShow": "Không có dữ liệu",
    "thousandSeparator": ".",
    "decimalSeparator": ",",
    "loadingOoo": "Đang tải…",
    "page": "Trang",
    "of": "/",
    "to": "–",
    "more": "nhiều",
    "firstPage": "Trang đầu",
    "lastPage": "Trang cuối",
    "nextPage": "Trang sau",
    "previousPage": "Trang trước",
    "pageLastRowUnknown": "?",
    "pageSizeSelectorLabel": "Số dòng mỗi trang:",
    "filterOoo": "Lọc…",
    "contains": "Có chứa",
    "notContains": "Không chứa",
    "equals": "Bằng",
    "notEqual": "Khác",
    "startsWith": "Bắt đầu bằng",
    "endsWith": "Kết thúc bằng",
    "blank": "Để trống",
    "notBlank": "Không trống",
    "lessThan": "Nhỏ hơn",
    "greaterThan": "Lớn hơn",
    "lessThanOrEqual": "Nhỏ hơn hoặc bằng",
    "greaterThanOrEqual": "Lớn hơn hoặc bằng",
    "inRange": "Trong khoảng",
    "inRangeStart": "Từ",
    "inRangeEnd": "Đến",
    "andCondition": "VÀ",
    "orCondition": "HOẶC",
    "resetFilter": "Bỏ lọc",
    "applyFilter": "Áp dụng",
    "clearFilter": "Xóa",
    "cancelFilter": "Hủy",
    "textFilter": "Lọc chữ",
    "numberFilter": "Lọc số",
    "bigintFilter": "Lọc số nguyên lớn",
    "dateFilter": "Lọc ngày",
    "setFilter": "Lọc theo danh sách",
    "empty": "Chọn một",
    "before": "Trước",
    "after": "Sau",
    "dateFormatOoo": "dd/mm/yyyy",
    "filterSummaryInactive": "là (tất cả)",
    "filterSummaryContains": "có chứa",
    "filterSummaryNotContains": "không chứa",
    "filterSummaryTextEquals": "bằng",
    "filterSummaryTextNotEqual": "khác",
    "filterSummaryStartsWith": "bắt đầu bằng",
    "filterSummaryEndsWith": "kết thúc bằng",
    "filterSummaryBlank": "để trống",
    "filterSummaryNotBlank": "không trống",
    "filterSummaryInRange": "trong khoảng",
    "noMatchingRows": "Không có dòng nào khớp",
    "invalidNumber": "Số không hợp lệ",
    "invalidBigInt": "Số không hợp lệ",
    "invalidDate": "Ngày không hợp lệ",
    "invalidSelectionValidation": "Lựa chọn không hợp lệ.",
    "loadingError": "Lỗi",
    "exportingOoo": "Đang xuất…",
    # what a screen reader says (aria-label): AG Grid's own words too
    "ariaChecked": "đã chọn",
    "ariaUnchecked": "chưa chọn",
    "ariaIndeterminate": "chọn một phần",
    "ariaColumnCellSelection": "Bấm Enter để chọn hoặc bỏ chọn mọi ô đang hiện của cột này",
    "ariaColumnGroupCellSelection": "Bấm Enter để chọn hoặc bỏ chọn mọi ô đang hiện của nhóm cột",
    "ariaColumnGroupCellSelectionAndExpansion": (
        "Bấm Enter để chọn hoặc bỏ chọn mọi ô đang hiện của nhóm cột này; "
        "bấm Alt Enter để mở rộng hoặc thu gọn nhóm cột"
    ),
    "ariaColumnGroupExpansion": "Bấm Enter để mở rộng hoặc thu gọn nhóm cột này",
    "ariaColumnFiltered": "Cột đang lọc",
    "ariaDateFilterInput": "Ô lọc ngày",
    "ariaDeferSkeletonCellLoading": "Ô đang tải",
    "ariaFilterColumn": "Bấm Ctrl Enter để mở bộ lọc",
    "ariaFilterFromValue": "Lọc từ giá trị",
    "ariaFilterInput": "Ô lọc",
    "ariaFilterMenuOpen": "Mở bộ lọc",
    "ariaFilterToValue": "Lọc đến giá trị",
    "ariaFilterValue": "Giá trị lọc",
    "ariaFilteringOperator": "Điều kiện lọc",
    "ariaHasNote": "Ô này có ghi chú.",
    "ariaHeaderSelection": "Cột có ô chọn ở tiêu đề",
    "ariaInputEditor": "Ô nhập",
    "ariaLabelColumnFilter": "Bộ lọc cột",
    "ariaLabelColumnMenu": "Trình đơn cột",
    "ariaLabelTooltip": "Chú thích",
    "ariaMenuColumn": "Bấm Alt mũi tên xuống để mở trình đơn cột",
    "ariaPageSizeSelectorLabel": "Số dòng mỗi trang",
    "ariaPendingChange": "Thay đổi chưa lưu",
    "ariaRowSelectAll": "Bấm phím cách để chọn hoặc bỏ chọn mọi dòng",
    "ariaSkeletonCellLoading": "Dòng đang tải",
    "ariaSkeletonCellLoadingFailed": "Không tải được dòng",
    "ariaSortableColumn": "Bấm Enter để sắp xếp",
    "ariaSortableColumnWithCellSelection": "Bấm Alt Enter để sắp xếp",
    "ariaToggleCellValue": "Bấm phím cách để đổi giá trị ô",
    "ariaValidationErrorPrefix": "Kiểm tra ô nhập",
}

COLUMN_DEFAULTS = {
    "sortable": True,
    "resizable": True,
    "floatingFilter": True,
    "minWidth": 90,
    "wrapHeaderText": True,  # "Năm 2021", "Chờ phê duyệt" whole, not "Năm 2…"
    "autoHeaderHeight": True,
}


def column(field: str, header: str, kind: str = "text", **extra: Any) -> dict[str, Any]:
    """A column definition; numbers are right-aligned and formatted the Vietnamese way."""
    spec: dict[str, Any] = {"field": field, "headerName": header, **extra}
    if kind == "date":
        spec.update(valueFormatter=FORMATS["date"], filter="agTextColumnFilter")
    elif kind in FORMATS:
        spec.update(
            valueFormatter=FORMATS[kind],
            type="rightAligned",
            filter="agNumberColumnFilter",
        )
    else:
        spec.setdefault("filter", "agTextColumnFilter")
    return spec


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows for the grid, with NaN as null."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def make_grid(
    grid_id: str | dict,
    frame: pd.DataFrame,
    columns: list[dict[str, Any]],
    *,
    height_px: int = 560,
    csv_name: str = "du_lieu.csv",
    title: str = "Bảng số liệu",
) -> html.Div:
    """A sortable, filterable grid (sort a column by giving it `sort="desc"`), with its
    «Tải Excel» button; the file is named after `csv_name` and headed by `title`."""
    grid = dag.AgGrid(
        id=grid_id,
        rowData=records(frame),
        columnDefs=columns,
        defaultColDef=COLUMN_DEFAULTS,
        columnSize="responsiveSizeToFit",
        dashGridOptions={
            "localeText": LOCALE_TEXT,
            "animateRows": False,
            "pagination": len(frame) > 100,
            "paginationPageSize": 100,
        },
        csvExportParams={"fileName": csv_name},
        style={"height": f"{height_px}px", "width": "100%"},
    )
    stem = csv_name.rsplit(".", 1)[0] if csv_name != "du_lieu.csv" else grid_key(grid_id)
    bar = export_bar(grid_id, title, stem, columns, server=False)
    return html.Div([grid, bar], className="grid-block")


def column_kind(spec: dict[str, Any]) -> str:
    """The kind (`FORMATS` key, or text) a column definition made by `column` was given."""
    formatter = spec.get("valueFormatter")
    return next((kind for kind, fmt in FORMATS.items() if fmt == formatter), "text")


def grid_key(grid_id: str | dict) -> str:
    """A grid's id as one string (pattern-matching ids hold strings, not dicts)."""
    return grid_id if isinstance(grid_id, str) else json.dumps(grid_id, sort_keys=True)


def export_ids(grid_id: str | dict, *, server: bool, table: str | None = None) -> dict[str, dict]:
    """The ids of a grid's «Tải Excel» parts (button, store, meta, download). A grid served a
    page at a time by a page of its own (`table`, e.g. "tracker") has them with a `table` key
    too: that page answers their pattern, not the units page's."""
    key = grid_key(grid_id)
    extra = {"table": table} if table else {}
    return {
        "button": {"type": GRID_XLSX_SERVER if server else GRID_XLSX, "grid": key, **extra},
        "store": {"type": GRID_XLSX_QUERY if server else GRID_XLSX_ROWS, "grid": key, **extra},
        "meta": {"type": GRID_XLSX_META, "grid": key, **extra},
        "download": {
            "type": GRID_XLSX_SERVER_FILE if server else GRID_XLSX_FILE,
            "grid": key,
            **extra,
        },
    }


def export_bar(
    grid_id: str | dict,
    title: str,
    stem: str,
    columns: list[dict[str, Any]],
    *,
    server: bool,
    table: str | None = None,
) -> html.Div:
    """«Tải Excel»: the browser collects the grid's shown rows (or, for a grid served a page at
    a time, its filter and sort) and the server writes the file."""
    parts = export_ids(grid_id, server=server, table=table)
    return html.Div(
        [
            html.Button(
                "Tải Excel",
                id=parts["button"],
                className="link-button",
                title="Tải bảng đang xem (đã lọc và sắp xếp) thành tệp Excel",
            ),
            dcc.Store(id=parts["store"]),
            dcc.Store(
                id=parts["meta"],
                data={
                    "title": title,
                    "stem": stem,
                    "kinds": {c["field"]: column_kind(c) for c in columns if "field" in c},
                },
            ),
            dcc.Download(id=parts["download"]),
        ],
        className="grid-export",
    )


def register_server_export(table: str) -> tuple[Output, Input, State]:
    """For the grids served a page at a time by the page of `table` (their export ids carry
    `table`, `export_ids`): the browser's collecting of their filter and sort, registered here;
    returned, the (Output, Input, State) of the callback that page gives to write the file
    from every row its filter keeps."""
    match = {"grid": MATCH, "table": table}
    dash.clientside_callback(
        ClientsideFunction(namespace="grids", function_name="collect"),
        Output({"type": GRID_XLSX_QUERY, **match}, "data"),
        Input({"type": GRID_XLSX_SERVER, **match}, "n_clicks"),
        State({"type": GRID_XLSX_SERVER, **match}, "id"),
        prevent_initial_call=True,
    )
    return (
        Output({"type": GRID_XLSX_SERVER_FILE, **match}, "data"),
        Input({"type": GRID_XLSX_QUERY, **match}, "data"),
        State({"type": GRID_XLSX_META, **match}, "data"),
    )


def table_columns(columns: Any, meta: Any = None) -> list[TableColumn]:
    """The columns the browser sent (field, header), in the order shown, checked; anything else
    is dropped. Their kinds are those the page gave the grid (`meta["kinds"]`)."""
    kinds = meta.get("kinds") if isinstance(meta, dict) else None
    kinds = kinds if isinstance(kinds, dict) else {}
    out = []
    for col in columns if isinstance(columns, list) else []:
        if not isinstance(col, dict) or not isinstance(col.get("field"), str):
            continue
        kind = kinds.get(col["field"]) if kinds.get(col["field"]) in KINDS else "text"
        header = col.get("header") if isinstance(col.get("header"), str) else col["field"]
        out.append(TableColumn(col["field"], header, kind))
    return out


def table_file(meta: Any, columns: list[TableColumn], rows: list[dict[str, Any]]) -> dict:
    """The download (`dcc.Download` data) of a table, audited as an export of the account."""
    meta = meta if isinstance(meta, dict) else {}
    title = str(meta.get("title") or "Bảng số liệu")
    stem = re.sub(r"[^a-z0-9]+", "_", str(meta.get("stem") or "").lower()).strip("_") or "bang"
    clean = [row for row in rows if isinstance(row, dict)]
    acc = context.account()
    made = exports.export_table(
        title, columns, clean, stem, actor=acc.username if acc else "?", engine=context.engine()
    )
    return dcc.send_bytes(made.content, made.filename)


def register_export_callbacks(app: Any) -> None:
    """«Tải Excel» of every grid of every page: the browser collects, the server writes (a grid
    served a page at a time is written by the page that serves it: pages/units.py)."""
    # the browser collects the grid's rows (or, served a page at a time, its filter and sort)
    for button, store in ((GRID_XLSX, GRID_XLSX_ROWS), (GRID_XLSX_SERVER, GRID_XLSX_QUERY)):
        app.clientside_callback(
            ClientsideFunction(namespace="grids", function_name="collect"),
            Output({"type": store, "grid": MATCH}, "data"),
            Input({"type": button, "grid": MATCH}, "n_clicks"),
            State({"type": button, "grid": MATCH}, "id"),
            prevent_initial_call=True,
        )

    @app.callback(
        Output({"type": GRID_XLSX_FILE, "grid": MATCH}, "data"),
        Input({"type": GRID_XLSX_ROWS, "grid": MATCH}, "data"),
        State({"type": GRID_XLSX_META, "grid": MATCH}, "data"),
        prevent_initial_call=True,
    )
    def grid_to_xlsx(collected: Any, meta: Any) -> dict:
        if not isinstance(collected, dict) or not isinstance(collected.get("rows"), list):
            raise PreventUpdate
        columns = table_columns(collected.get("columns"), meta)
        return table_file(meta, columns, collected["rows"])


# ---------------------------------------------------------------- rows served a page at a time
# A table too large to send whole (the units of a national dataset: 45 000 rows, 28 MB of JSON)
# is served by dash-ag-grid's infinite row model: the browser asks for one page with the sort
# and filter the user set, and the server answers that page and the row count.

PAGE_SIZE = 100
_FOLD = str.maketrans({"đ": "d", "Đ": "d"})


@functools.lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """Text for matching and ordering the way Vietnamese users search: without case and
    diacritics (`Ủy ban` ~ `uy ban`, `Đà Nẵng` ~ `da nang`)."""
    decomposed = unicodedata.normalize("NFD", text.translate(_FOLD))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def folded_text(values: pd.Series) -> pd.Series:
    """`fold` of every text of a column (missing stays missing), as a string column."""
    mapped = values.map(lambda v: fold(v) if isinstance(v, str) else None, na_action="ignore")
    return mapped.astype("string")


def folded_ranks(folded: pd.Series) -> pd.Series:
    """The place of each folded text in their order (equal texts, the same place; missing:
    NaN), aligned with `folded`: sorting a page's rows by it sorts them as by the texts, by
    numbers instead of comparing tens of thousands of strings on every request."""
    codes, _ = pd.factorize(folded, sort=True)
    ranks = codes.astype(float)
    ranks[codes < 0] = np.nan
    return pd.Series(ranks, index=folded.index)


def _text_condition(values: pd.Series, folded: pd.Series, cond: dict[str, Any]) -> pd.Series:
    kind = cond.get("type", "contains")
    if kind in ("blank", "notBlank"):
        blank = values.isna() | (values.astype("string").str.strip() == "")
        return blank if kind == "blank" else ~blank
    needle = fold(str(cond.get("filter") or ""))
    match = {
        "contains": lambda: folded.str.contains(needle, regex=False),
        "notContains": lambda: ~folded.str.contains(needle, regex=False),
        "equals": lambda: folded == needle,
        "notEqual": lambda: folded != needle,
        "startsWith": lambda: folded.str.startswith(needle),
        "endsWith": lambda: folded.str.endswith(needle),
    }.get(kind)
    if match is None:
        raise ValueError(f"unknown text filter {kind!r}")
    result = match().fillna(kind in ("notContains", "notEqual"))
    return result.astype(bool)


def _number_condition(values: pd.Series, cond: dict[str, Any]) -> pd.Series:
    kind = cond.get("type", "equals")
    numbers = pd.to_numeric(values, errors="coerce")
    if kind in ("blank", "notBlank"):
        return numbers.isna() if kind == "blank" else numbers.notna()
    try:
        x = float(cond["filter"])
        upper = float(cond["filterTo"]) if kind == "inRange" else None
    except (KeyError, TypeError, ValueError):
        return pd.Series(True, index=values.index)  # an unfinished number filters nothing
    match = {
        "equals": lambda: numbers == x,
        "notEqual": lambda: numbers != x,
        "greaterThan": lambda: numbers > x,
        "greaterThanOrEqual": lambda: numbers >= x,
        "lessThan": lambda: numbers < x,
        "lessThanOrEqual": lambda: numbers <= x,
        "inRange": lambda: (numbers >= x) & (numbers <= upper),
    }.get(kind)
    if match is None:
        raise ValueError(f"unknown number filter {kind!r}")
    return match().fillna(False).astype(bool)


def _filter_mask(
    frame: pd.DataFrame, field: str, model: dict[str, Any], folded: Callable[[str], pd.Series]
) -> pd.Series:
    """The rows one column's filter model keeps (one condition, or several with AND/OR)."""
    if field not in frame.columns:
        raise ValueError(f"unknown column {field!r}")
    conditions = model.get("conditions") or [model]
    if model.get("filterType") == "number":
        masks = [_number_condition(frame[field], cond) for cond in conditions]
    else:
        masks = [_text_condition(frame[field], folded(field), cond) for cond in conditions]
    combine = (lambda a, b: a | b) if model.get("operator") == "OR" else (lambda a, b: a & b)
    return functools.reduce(combine, masks)


def serve_rows(
    frame: pd.DataFrame,
    request: dict[str, Any] | None,
    folded: Callable[[str], pd.Series] | None = None,
    *,
    limit: int | None = 10 * PAGE_SIZE,
    ranked: Callable[[str], pd.Series] | None = None,
) -> dict[str, Any]:
    """The `getRowsResponse` for an infinite-row-model `getRowsRequest`: the rows from
    `startRow` to `endRow` of `frame` after the request's filters and sort, and the row count.

    Text is matched and ordered without case and diacritics (`folded(column)` gives a text
    column of `frame` folded, for a caller that keeps them; by default they are folded here);
    blanks sort last either way. `frame` is not changed. An unknown column or filter raises
    ValueError. `limit`: the most rows answered (None: every row, for an export). `ranked`:
    `folded_ranks` of a text column, for a caller that keeps them (by default made here)."""
    folded = folded or (lambda column: folded_text(frame[column]))
    ranked = ranked or (lambda column: folded_ranks(folded(column)))
    request = request or {}
    start = max(0, int(request.get("startRow") or 0))
    end = max(start, int(request.get("endRow") or start + PAGE_SIZE))
    end = len(frame) if limit is None else min(end, start + limit)
    keep = pd.Series(True, index=frame.index)
    for field, model in (request.get("filterModel") or {}).items():
        keep &= _filter_mask(frame, field, model, folded)
    rows = frame[keep.to_numpy()]
    sort_model = [s for s in request.get("sortModel") or [] if s.get("sort") in ("asc", "desc")]
    if sort_model and len(rows) > 1:
        keys = []
        for s in sort_model:
            if s.get("colId") not in rows.columns:
                raise ValueError(f"unknown column {s.get('colId')!r}")
            col = rows[s["colId"]]
            numeric = pd.api.types.is_numeric_dtype(col)
            keys.append(col if numeric else ranked(s["colId"]).reindex(rows.index))
        order = pd.DataFrame({i: k.to_numpy() for i, k in enumerate(keys)}, index=rows.index)
        order = order.sort_values(
            list(range(len(keys))),
            ascending=[s["sort"] == "asc" for s in sort_model],
            na_position="last",
            kind="stable",
        )
        rows = rows.loc[order.index]
    return {"rowData": records(rows.iloc[start:end]), "rowCount": len(rows)}


def make_server_grid(
    grid_id: str | dict,
    columns: list[dict[str, Any]],
    *,
    height_px: int = 560,
    title: str = "Bảng số liệu",
    stem: str = "bang",
    table: str | None = None,
) -> html.Div:
    """A grid whose rows come from the server a page at a time (answer its `getRowsRequest`
    with `serve_rows`); sorting and filtering happen on the server, over every row. Its
    «Tải Excel» sends the grid's filter and sort (`GRID_XLSX_QUERY`): the page that serves the
    rows answers it with every row (`serve_rows(..., limit=None)`) into `GRID_XLSX_SERVER_FILE`."""
    grid = dag.AgGrid(
        id=grid_id,
        rowModelType="infinite",
        columnDefs=columns,
        defaultColDef={
            **COLUMN_DEFAULTS,
            "minWidth": 110,
            "filterParams": {"buttons": ["reset"], "debounceMs": 400, "maxNumConditions": 2},
        },
        columnSize="responsiveSizeToFit",
        dashGridOptions={
            "localeText": LOCALE_TEXT,
            "animateRows": False,
            "pagination": True,
            "paginationPageSize": PAGE_SIZE,
            "paginationPageSizeSelector": False,
            "cacheBlockSize": PAGE_SIZE,
            "maxBlocksInCache": 10,
            "rowBuffer": 0,
        },
        style={"height": f"{height_px}px", "width": "100%"},
    )
    bar = export_bar(grid_id, title, stem, columns, server=True, table=table)
    return html.Div([grid, bar], className="grid-block")
