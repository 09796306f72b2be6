"""dash-ag-grid tables with Vietnamese number formats (vi-VN: `1.694`, `8,17%`)."""

from __future__ import annotations

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
        defaultColDef={"sortable": True, "resizable": True, "floatingFilter": True, "minWidth": 90},
        columnSize="responsiveSizeToFit",
        dashGridOptions={
            "localeText": {"noRowsToShow": "Không có dữ liệu"},
            "animateRows": False,
            "pagination": len(frame) > 100,
            "paginationPageSize": 100,
        },
        csvExportParams={"fileName": csv_name},
        style={"height": f"{height_px}px", "width": "100%"},
    )
