"""Theo đơn vị: every agency and unit, sortable and filterable, with subtotals."""

from __future__ import annotations

import json
from typing import Any

import dash
from dash import MATCH, Input, Output, State, callback, ctx, dcc, html
from dash.exceptions import PreventUpdate

from components import drill, grids, ids
from components.drill import GROUP_FIELDS
from components.units import make_units_view, units_grid_page
from components.widgets import dropdown
from etl.core.vocabulary import MEASURE_LABELS, Measure
from web import context, policy

dash.register_page(
    __name__,
    path="/don-vi",
    name="Theo đơn vị",
    title="Theo đơn vị",
    order=1,
    access=policy.READ_ALL,
)

GROUP_CHOICES = [
    {"label": "Quận, huyện", "value": "district"},
    {"label": "Lĩnh vực", "value": "sector"},
    {"label": "Loại đơn vị", "value": "kind_label"},
]
MEASURE_CHOICES = [{"label": MEASURE_LABELS[m], "value": m} for m in Measure]
MEASURES = [m["value"] for m in MEASURE_CHOICES]  # a list: a value sent may be unhashable


def layout(**_query: str) -> html.Div:
    return html.Div(
        [
            html.Div(
                [
                    dcc.RadioItems(
                        id=ids.UNITS_MEASURE,
                        options=MEASURE_CHOICES,
                        value=Measure.NGUOI_LAM_VIEC,
                        inline=True,
                        className="radio",
                    ),
                    html.Div(
                        [
                            html.Label("Cộng theo", htmlFor=ids.UNITS_GROUP_BY),
                            dropdown(
                                id=ids.UNITS_GROUP_BY,
                                options=GROUP_CHOICES,
                                value="district",
                                clearable=False,
                            ),
                        ],
                        className="filter",
                    ),
                ],
                className="toolbar",
            ),
            dcc.Loading(html.Div(id=ids.UNITS_CONTENT), type="dot", delay_show=300),
        ]
    )


@callback(
    Output(ids.UNITS_CONTENT, "children"),
    Input(ids.URL, "search"),
    Input(ids.UNITS_MEASURE, "value"),
    Input(ids.UNITS_GROUP_BY, "value"),
)
def render_units(search: str | None, measure: str, group_by: str) -> list[Any]:
    if not policy.may(policy.READ_ALL):
        return context.forbidden()
    # a value the controls cannot send (a request made by hand): the controls' default
    if measure not in MEASURES:
        measure = Measure.NGUOI_LAM_VIEC
    if group_by not in [g["value"] for g in GROUP_CHOICES]:
        group_by = "district"
    summary, view = context.view_summary(search)
    return make_units_view(context.dataset(search), summary, view, measure, group_by, search)


@callback(
    Output(ids.URL, "href", allow_duplicate=True),
    Input(ids.UNITS_SUBTOTALS, "cellClicked"),
    State(ids.UNITS_SUBTOTALS, "rowData"),
    State(ids.UNITS_GROUP_BY, "value"),
    State(ids.URL, "search"),
    prevent_initial_call=True,
)
def drill_into_group(cell: Any, rows: Any, group_by: Any, search: str | None) -> str:
    """A click on a subtotal row opens the units of that district, sector or kind."""
    if not isinstance(cell, dict) or not isinstance(rows, list):
        raise PreventUpdate
    if not isinstance(group_by, str) or group_by not in GROUP_FIELDS:
        raise PreventUpdate
    # the grid's row id is the row's place in rowData whatever the sort (no getRowId)
    row_id = str(cell.get("rowId"))
    row = rows[int(row_id)] if row_id.isdigit() and int(row_id) < len(rows) else None
    value = row.get(group_by) if isinstance(row, dict) else None
    target = drill.group_target(group_by, value, context.view_of(search))
    if target is None:
        raise PreventUpdate
    return target


GRID = {"type": ids.UNITS_GRID, "measure": MATCH, "search": MATCH}


@callback(
    Output(GRID, "getRowsResponse"),
    Input(GRID, "getRowsRequest"),
    prevent_initial_call=True,
)
def units_rows(request: dict[str, Any] | None) -> dict[str, Any]:
    """A page of the units grid, sorted and filtered on the server over every unit."""
    if request is None or not policy.may(policy.READ_ALL):
        raise PreventUpdate
    grid = ctx.triggered_id if isinstance(ctx.triggered_id, dict) else {}
    measure = grid.get("measure")
    search = grid.get("search")
    if not isinstance(search, (str, type(None))) or measure not in MEASURES:
        raise PreventUpdate
    ds = context.dataset(search)
    view = context.resolved_view(search, ds)
    try:
        return units_grid_page(ds, view, measure, request)
    except ValueError:  # a filter or column this grid does not have
        return {"rowData": [], "rowCount": 0}


@callback(
    Output({"type": grids.GRID_XLSX_SERVER_FILE, "grid": MATCH}, "data"),
    Input({"type": grids.GRID_XLSX_QUERY, "grid": MATCH}, "data"),
    State({"type": grids.GRID_XLSX_META, "grid": MATCH}, "data"),
    prevent_initial_call=True,
)
def units_to_xlsx(query: Any, meta: Any) -> dict:
    """«Tải Excel» of the units grid: every unit its filter keeps, in its order."""
    if not isinstance(query, dict) or not policy.may(policy.READ_ALL):
        raise PreventUpdate
    try:
        grid = json.loads((ctx.triggered_id or {}).get("grid") or "{}")
    except ValueError:
        raise PreventUpdate from None
    measure = grid.get("measure") if isinstance(grid, dict) else None
    if measure not in {m["value"] for m in MEASURE_CHOICES}:
        raise PreventUpdate
    ds = context.dataset(grid.get("search"))
    view = context.resolved_view(grid.get("search"), ds)
    request = {
        "startRow": 0,
        "filterModel": query.get("filterModel"),
        "sortModel": query.get("sortModel"),
    }
    try:
        rows = units_grid_page(ds, view, measure, request, limit=None)["rowData"]
    except (ValueError, TypeError, AttributeError):  # a filter this grid does not have
        raise PreventUpdate from None
    return grids.table_file(meta, grids.table_columns(query.get("columns"), meta), rows)
