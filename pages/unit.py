"""A unit's page: its figures year by year, traceable to file and cell, and its lineage."""

from __future__ import annotations

import dash
from dash import html

from components.units import make_unit_page
from web import context, policy

# no `order`: reached from the units' links, not from the navigation
dash.register_page(
    __name__,
    path_template="/don-vi/<unit_id>",
    name="Đơn vị",
    title="Đơn vị",
    access=policy.READ_ALL,
)


def layout(unit_id: str | None = None, **query: str) -> html.Div:
    try:
        uid = int(unit_id or "")
    except ValueError:
        uid = -1
    ds = context.dataset(query)
    return html.Div(make_unit_page(ds, uid, context.resolved_view(query, ds)))
