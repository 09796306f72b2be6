"""Phân tích: the spread of per-unit cuts and shortages against sector norms."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, callback, dcc, html

from components import ids
from components.analysis_view import make_analysis
from etl.core.vocabulary import Measure
from pages.units import MEASURE_CHOICES, MEASURES
from web import context, policy

dash.register_page(
    __name__,
    path="/phan-tich",
    name="Phân tích",
    title="Phân tích",
    order=2,
    access=policy.READ_ALL,
)


def layout(**_query: str) -> html.Div:
    return html.Div(
        [
            dcc.RadioItems(
                id=ids.AN_MEASURE,
                options=MEASURE_CHOICES,
                value=Measure.NGUOI_LAM_VIEC,
                inline=True,
                className="radio toolbar",
            ),
            dcc.Loading(html.Div(id=ids.AN_CONTENT), type="dot", delay_show=300),
        ]
    )


@callback(
    Output(ids.AN_CONTENT, "children"), Input(ids.URL, "search"), Input(ids.AN_MEASURE, "value")
)
def render_analysis(search: str | None, measure: str) -> list[Any]:
    if not policy.may(policy.READ_ALL):
        return context.forbidden()
    if measure not in MEASURES:  # a request made by hand
        measure = Measure.NGUOI_LAM_VIEC
    summary, view = context.view_summary(search)
    return make_analysis(
        context.dataset(search), summary, view, measure, search or "", context.export_problem()
    )
