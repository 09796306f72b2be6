"""Theo đơn vị: every agency and unit, sortable and filterable, with subtotals."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, callback, dcc, html

from components import context, ids
from components.units import make_units_view

dash.register_page(__name__, path="/don-vi", name="Theo đơn vị", title="Theo đơn vị")

GROUP_CHOICES = [
    {"label": "Quận, huyện", "value": "district"},
    {"label": "Lĩnh vực", "value": "sector"},
    {"label": "Loại đơn vị", "value": "kind_label"},
]
MEASURE_CHOICES = [
    {"label": "Biên chế công chức", "value": "cong_chuc"},
    {"label": "Người làm việc", "value": "nguoi_lam_viec"},
]


def layout(**_query: str) -> html.Div:
    return html.Div(
        [
            html.Div(
                [
                    dcc.RadioItems(
                        id=ids.UNITS_MEASURE,
                        options=MEASURE_CHOICES,
                        value="nguoi_lam_viec",
                        inline=True,
                        className="radio",
                    ),
                    html.Div(
                        [
                            html.Label("Cộng theo", htmlFor=ids.UNITS_GROUP_BY),
                            dcc.Dropdown(
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
    if not context.may_read_all():
        return context.forbidden()
    summary, flt, as_of, view = context.view_summary(search)
    return make_units_view(
        context.dataset(), summary, flt, as_of, measure, group_by, view.include_pending
    )
