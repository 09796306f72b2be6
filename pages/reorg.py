"""Sắp xếp tổ chức: events over time, units reduced and established, lineage of a unit."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, callback, dcc, html

from components import ids
from components.reorg_view import lineage_options, make_lineage, make_reorg
from components.widgets import dropdown
from web import context, policy

dash.register_page(
    __name__,
    path="/sap-xep",
    name="Sắp xếp tổ chức",
    title="Sắp xếp tổ chức",
    order=3,
    access=policy.READ_ALL,
)


def layout(**_query: str) -> html.Div:
    return html.Div(
        [
            dcc.Loading(html.Div(id=ids.RE_CONTENT), type="dot", delay_show=300),
            html.Div(
                [
                    html.H3("Quá trình sắp xếp của một đơn vị"),
                    dropdown(
                        id=ids.RE_UNIT,
                        options=lineage_options(context.dataset()),
                        placeholder="Chọn đơn vị…",
                    ),
                    html.Div(id=ids.RE_LINEAGE),
                ],
                className="panel",
            ),
        ]
    )


@callback(Output(ids.RE_CONTENT, "children"), Input(ids.URL, "search"))
def render_reorg(search: str | None) -> list[Any]:
    if not policy.may(policy.READ_ALL):
        return context.forbidden()
    summary, view = context.view_summary(search)
    return make_reorg(
        context.dataset(search), summary, view, search or "", context.export_problem()
    )


@callback(Output(ids.RE_LINEAGE, "children"), Input(ids.RE_UNIT, "value"))
def render_lineage(unit_id: int | None) -> Any:
    if not policy.may(policy.READ_ALL):
        return context.forbidden()
    return make_lineage(context.dataset(), unit_id)
