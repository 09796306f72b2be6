"""A unit's page: its figures year by year, traceable to file and cell, and its lineage."""

from __future__ import annotations

import dash
from dash import html

from components.units import make_unit_page
from etl import service
from etl.measures.query import BadParameter, parse_view
from web import context

dash.register_page(__name__, path_template="/don-vi/<unit_id>", name="Đơn vị", title="Đơn vị")


def layout(unit_id: str | None = None, **query: str) -> html.Div:
    if not context.may_read_all():
        return html.Div(context.forbidden())
    try:
        as_of = parse_view(query).as_of or service.default_as_of(context.engine())
    except BadParameter:
        as_of = service.default_as_of(context.engine())
    try:
        uid = int(unit_id or "")
    except ValueError:
        uid = -1
    return html.Div(make_unit_page(context.dataset(), uid, as_of))
