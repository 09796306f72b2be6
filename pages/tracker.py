"""Theo dõi nộp báo cáo: who has sent which forms for a period, and who is still missing."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, callback, dcc, html

from components import ids
from components.tracker_view import make_tracker, reporting_years
from web import context, policy

dash.register_page(
    __name__,
    path="/theo-doi",
    name="Theo dõi nộp báo cáo",
    title="Theo dõi nộp báo cáo",
    order=5,
    access=policy.READ,  # an uploader sees its own units
)


def layout(**_query: str) -> html.Div:
    years = reporting_years(context.dataset())
    return html.Div(
        [
            html.Div(
                [
                    html.Label("Kỳ báo cáo (năm)", htmlFor=ids.TR_YEAR),
                    dcc.Dropdown(
                        id=ids.TR_YEAR,
                        options=[{"label": f"Năm {y}", "value": y} for y in years],
                        value=years[0] if years else None,
                        clearable=False,
                    ),
                ],
                className="filter toolbar",
            ),
            dcc.Loading(html.Div(id=ids.TR_CONTENT), type="dot", delay_show=300),
        ]
    )


@callback(Output(ids.TR_CONTENT, "children"), Input(ids.URL, "search"), Input(ids.TR_YEAR, "value"))
def render_tracker(search: str | None, year: int | None) -> list[Any]:
    ds = context.dataset(search)
    view = context.resolved_view(search, ds)
    acc = context.account()
    if acc is None:
        return context.forbidden()
    if policy.may(policy.READ_ALL):
        return make_tracker(ds, year, view)
    return make_tracker(ds, year, view, uploader=acc.username, unit_ids=acc.unit_ids)
