"""Tổng quan: is the city on track for 2026?"""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, callback, dcc, html

from components import context, ids
from components.overview import make_overview

dash.register_page(__name__, path="/", name="Tổng quan", title="Tổng quan — Tinh giản biên chế")


def layout(**_query: str) -> html.Div:
    return html.Div(dcc.Loading(html.Div(id=ids.OV_CONTENT), type="dot", delay_show=300))


@callback(Output(ids.OV_CONTENT, "children"), Input(ids.URL, "search"))
def render_overview(search: str | None) -> list[Any]:
    if not context.may_read_all():
        return context.forbidden()
    summary, flt, as_of, view = context.view_summary(search)
    return make_overview(
        context.dataset(),
        summary,
        flt,
        as_of,
        search or "",
        context.export_problem(),
        view.include_pending,
    )
