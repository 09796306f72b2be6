"""Drill-down: a click on a chart's point or bar, or on a subtotal row, opens the view behind
it; breadcrumbs show the way back.

What each click opens:
* a year on a chart by year (the paths, streamlining, reorganisation): the same page as of the
  end of that year (or the view's own cut-off in its own year), never a year after it;
* a sector's bar (staff against the norm, by sector): the units page for that sector;
* a subtotal row (by district, sector or kind of unit): the units page for that group.
Everything else in the view (district, sector, kind, pending, unreviewed) is kept."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from dash import dcc, html

from etl.measures.query import View
from etl.measures.scoping import CITY_LABEL, KIND_CHOICES

CHART = "chart"  # the pattern-matching type of every chart's id: {"type": CHART, "chart": id}
BY_YEAR = ("lo-trinh-cong-chuc", "lo-trinh-nguoi-lam-viec", "tinh-gian", "sap-xep")
BY_SECTOR = ("thieu-dinh-muc",)
UNITS_PATH = "/don-vi"
GROUP_FIELDS = {"district": "district", "sector": "sector", "kind_label": "kind"}
_NO_GROUP = ("Cấp thành phố", "(không ghi)")


def chart_id(chart: str) -> dict[str, str]:
    """The component id of a chart of the registry (reporting/charts.py)."""
    return {"type": CHART, "chart": chart}


def _href(path: str, view: View) -> str:
    return f"{path}{view.to_query()}"


def _year(value: Any) -> int | None:
    try:
        year = int(float(value))
    except (TypeError, ValueError, OverflowError):
        return None
    return year if 2000 <= year <= 2100 else None


def chart_target(chart: str, click: Any, path: str, view: View, today: dt.date) -> str | None:
    """Where a click (`clickData` of `chart`) leads from `path` in `view`, or None."""
    points = click.get("points") if isinstance(click, dict) else None
    point = points[0] if isinstance(points, list) and points and isinstance(points[0], dict) else {}
    if chart in BY_YEAR:
        year = _year(point.get("x"))
        ceiling = view.as_of or today
        if year is None or year > ceiling.year:
            return None
        as_of = ceiling if year == ceiling.year else dt.date(year, 12, 31)
        return _href(path, dataclasses.replace(view, as_of=as_of))
    if chart in BY_SECTOR:
        sector = point.get("y") if point.get("orientation") != "v" else point.get("x")
        sector = point.get("label", sector)
        if not isinstance(sector, str) or not sector.strip() or sector in _NO_GROUP:
            return None
        return _href(UNITS_PATH, dataclasses.replace(view, sector=sector.strip()))
    return None


def group_target(group_by: str, value: Any, view: View) -> str | None:
    """Where a click on a subtotal row of `group_by` with `value` leads: the units page for
    that group (None for the rows that are no group: city level, not recorded)."""
    field = GROUP_FIELDS.get(group_by)
    if field is None or not isinstance(value, str) or not value.strip() or value in _NO_GROUP:
        return None
    if field == "kind":
        value = next((k for k, label in KIND_CHOICES.items() if label == value), None)
        if value is None:
            return None
    return _href(UNITS_PATH, dataclasses.replace(view, **{field: value}))


def breadcrumbs(path: str, view: View) -> list[Any]:
    """The way back from a filtered view: the city, then each filter as it narrows the view,
    each a link dropping what comes after it. Empty for an unfiltered view."""
    steps: list[tuple[str, View]] = []
    base = dataclasses.replace(
        view, district=None, sector=None, kind=None, scope=None, province=None
    )
    steps.append((CITY_LABEL, base))
    if view.province:  # a former province: the widest of the filters
        base = dataclasses.replace(base, province=view.province)
        steps.append((view.province, base))
    if view.district:
        base = dataclasses.replace(base, district=view.district)
        steps.append((view.district, base))
    if view.sector:
        base = dataclasses.replace(base, sector=view.sector)
        steps.append((f"Lĩnh vực {view.sector}", base))
    if view.kind:
        base = dataclasses.replace(base, kind=view.kind)
        steps.append((str(KIND_CHOICES.get(view.kind, view.kind)), base))
    if len(steps) == 1:
        return []
    crumbs: list[Any] = []
    for i, (label, step) in enumerate(steps):
        if i:
            crumbs.append(html.Span(" › ", className="crumb-sep"))
        last = i == len(steps) - 1
        crumbs.append(html.Span(label) if last else dcc.Link(label, href=_href(path, step)))
    return [html.Span("Đang xem: ", className="small"), *crumbs]
