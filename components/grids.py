"""dash-ag-grid tables with Vietnamese number formats (vi-VN: `1.694`, `8,17%`)."""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable
from typing import Any

import dash_ag_grid as dag
import pandas as pd

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
) -> dag.AgGrid:
    """A sortable, filterable grid (sort a column by giving it `sort="desc"`)."""
    return dag.AgGrid(
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
) -> dict[str, Any]:
    """The `getRowsResponse` for an infinite-row-model `getRowsRequest`: the rows from
    `startRow` to `endRow` of `frame` after the request's filters and sort, and the row count.

    Text is matched and ordered without case and diacritics (`folded(column)` gives a text
    column of `frame` folded, for a caller that keeps them; by default they are folded here);
    blanks sort last either way. `frame` is not changed. An unknown column or filter raises
    ValueError."""
    folded = folded or (lambda column: folded_text(frame[column]))
    request = request or {}
    start = max(0, int(request.get("startRow") or 0))
    end = max(start, int(request.get("endRow") or start + PAGE_SIZE))
    end = min(end, start + 10 * PAGE_SIZE)
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
            keys.append(col if numeric else folded(s["colId"]).reindex(rows.index))
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
) -> dag.AgGrid:
    """A grid whose rows come from the server a page at a time (answer its `getRowsRequest`
    with `serve_rows`); sorting and filtering happen on the server, over every row."""
    return dag.AgGrid(
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
