"""Theo dõi nộp báo cáo: for a reporting period (`?ky=ID`), which units owe a return and
where each stands; `trang_thai=owing` lists only the units still owing. It follows the
filter bar (district, sector, kind); an uploader sees its own units only.
`trang_thai=thieu_so_lieu` lists instead the units of the view that miss a year's quota (the
overview's missing-data notice)."""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

import dash
from dash import MATCH, Input, Output, State, callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from components import grids, ids
from components.tracker_view import (
    MISSING_PARAM,
    OWING_PARAM,
    TRACKER_TABLE,
    make_missing_list,
    make_period_tracker,
    period_options,
    tracker_page,
)
from components.widgets import dropdown
from etl.core.clock import vn_today
from etl.measures import metrics, tracking
from etl.measures.cache import remembered_for_frame
from etl.measures.query import View
from etl.notify import mail
from etl.storage import accounts as accounts_store
from etl.storage.periods import Period
from etl.writers.reminder_xlsx import owing_workbook
from web import context, policy

OWN_UNITS_LABEL = "Các đơn vị của tài khoản"

dash.register_page(
    __name__,
    path="/theo-doi",
    name="Theo dõi nộp báo cáo",
    title="Theo dõi nộp báo cáo",
    order=5,
    access=policy.READ,  # an uploader sees its own units
)
# the reminder list names accounts and e-mail addresses: reviewers and administrators only
policy.protect_outputs(policy.REVIEW, ids.TR_DOWNLOAD, ids.TR_MAIL_RESULT)


def _param(search: str | None, name: str) -> str | None:
    values = urllib.parse.parse_qs((search or "").lstrip("?")).get(name)
    return values[0] if values else None


def _period_id(text: Any) -> int | None:
    try:
        return int(text) if text not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _period(search: str | None, chosen: Any) -> Period | None:
    """The period of the dropdown, else of `?ky=`, else of the view's cut-off, else the
    latest."""
    periods = tracking.list_periods(context.engine())
    wanted = _period_id(chosen)
    if wanted is None:
        wanted = _period_id(_param(search, "ky"))
    as_of = context.resolved_view(search, context.dataset(View())).as_of if periods else None
    return tracking.choose_period(periods, wanted, as_of)


def layout(ky: str | None = None, **_query: str) -> html.Div:
    periods = tracking.list_periods(context.engine())
    wanted = _period_id(ky)
    value = wanted if any(p.id == wanted for p in periods) else None
    return html.Div(
        [
            html.Div(
                [
                    html.Label("Kỳ báo cáo", htmlFor=ids.TR_PERIOD),
                    dropdown(
                        id=ids.TR_PERIOD,
                        options=period_options(periods),
                        value=value,
                        placeholder="Kỳ của ngày chốt số liệu đang xem",
                        clearable=True,
                    ),
                ],
                className="filter toolbar period-picker",
            ),
            dcc.Loading(html.Div(id=ids.TR_CONTENT), type="dot", delay_show=300),
        ]
    )


def period_table(search: str | None, period: Period, unit_ids: frozenset[int] | None) -> Any:
    """The tracker table of `period` within the URL's filters (and `unit_ids`)."""
    ds = context.dataset(View())  # the approved figures: the units existing at the cut-off
    view = context.resolved_view(search, ds)
    return tracking.load_tracker(
        context.engine(),
        ds,
        period,
        today=vn_today(),
        flt=view.filter,
        unit_ids=unit_ids,
        with_accounts=True,
    )


def missing_list(search: str | None, own: frozenset[int] | None) -> list[Any]:
    """`trang_thai=thieu_so_lieu`: the units of the URL's view missing a year's quota, the
    list the overview's notice counts (`metrics.missing_data` on the view's figures, its
    filter and cut-off), an uploader's own units only."""
    ds = context.dataset(search)
    view = context.resolved_view(search, ds)
    missing = metrics.missing_data(ds, view.filter, view.as_of)
    if own is not None:
        missing = [m for m in missing if m["unit_id"] in own]
    return make_missing_list(missing, view.label, view.as_of)


@callback(
    Output(ids.TR_CONTENT, "children"), Input(ids.URL, "search"), Input(ids.TR_PERIOD, "value")
)
def render_tracker(search: str | None, chosen: int | None) -> list[Any]:
    acc = context.account()
    if acc is None:
        return context.forbidden()
    own = None if policy.may(policy.READ_ALL) else acc.unit_ids
    if chosen is None and _param(search, "trang_thai") == MISSING_PARAM[1]:
        return missing_list(search, own)
    period = _period(search, chosen)
    if period is None:
        return [html.P("Chưa có kỳ báo cáo nào.")]
    ds = context.dataset(View())
    table = period_table(search, period, own)  # kept per data version and view
    options = {
        "search": search,
        "owing_only": _param(search, "trang_thai") == "owing",
        "may_remind": policy.may(policy.REVIEW),
        "may_mail": policy.may(policy.REVIEW) and bool(context.settings().smtp_url),
        "uploader": None if own is None else acc.username,
        "unit_ids": own,
        # an uploader sees its own units only: not «Toàn thành phố»
        "label": context.resolved_view(search, ds).label if own is None else OWN_UNITS_LABEL,
    }
    # the page of that table, kept with it: the same view asked again is not rebuilt
    return remembered_for_frame(
        ds,
        "tracker_view",
        table,
        tuple(options.items()),
        lambda: make_period_tracker(ds, period, table, **options),
    )


def _own_units() -> frozenset[int] | bool | None:
    """The units the account may see in the tracker: None, every unit; False, signed out."""
    acc = context.account()
    if acc is None:
        return False
    return None if policy.may(policy.READ_ALL) else acc.unit_ids


def _grid_rows(grid: Any, request: dict[str, Any], limit: int | None) -> dict[str, Any]:
    """The units grid's rows of the view its id names (the URL's query string and the
    period), for the account asking: an uploader's own units only, whatever the id says."""
    own = _own_units()
    if own is False or not isinstance(grid, dict):
        raise PreventUpdate
    search, period_id = grid.get("search"), grid.get("period")
    if not isinstance(search, str) or not isinstance(period_id, int):
        raise PreventUpdate
    period = next((p for p in tracking.list_periods(context.engine()) if p.id == period_id), None)
    if period is None:
        return {"rowData": [], "rowCount": 0}
    table = period_table(search, period, own)
    owing_only = _param(search, OWING_PARAM[0]) == OWING_PARAM[1]
    return tracker_page(context.dataset(View()), table, owing_only, request, limit=limit)


TR_GRID = {"type": ids.TR_GRID, "search": MATCH, "period": MATCH}


@callback(
    Output(TR_GRID, "getRowsResponse"), Input(TR_GRID, "getRowsRequest"), prevent_initial_call=True
)
def tracker_rows(request: dict[str, Any] | None) -> dict[str, Any]:
    """A page of the tracker's units grid, sorted and filtered on the server over every unit
    of the view (a national period: 50.000 units, tens of MB if sent whole)."""
    if not isinstance(request, dict):
        raise PreventUpdate
    try:
        return _grid_rows(ctx.triggered_id, request, limit=10 * grids.PAGE_SIZE)
    except (ValueError, TypeError, AttributeError):  # a filter or column the grid lacks
        return {"rowData": [], "rowCount": 0}


@callback(*grids.register_server_export(TRACKER_TABLE), prevent_initial_call=True)
def tracker_to_xlsx(query: Any, meta: Any) -> dict:
    """«Tải Excel» of the units grid: every unit its filter keeps, in its order (not the page
    shown)."""
    if not isinstance(query, dict):
        raise PreventUpdate
    try:
        grid = json.loads((ctx.triggered_id or {}).get("grid") or "{}")
        request = {
            "startRow": 0,
            "filterModel": query.get("filterModel"),
            "sortModel": query.get("sortModel"),
        }
        rows = _grid_rows(grid, request, limit=None)["rowData"]
    except (ValueError, TypeError, AttributeError):  # a filter this grid does not have
        raise PreventUpdate from None
    return grids.table_file(meta, grids.table_columns(query.get("columns"), meta), rows)


@callback(
    Output(ids.TR_DOWNLOAD, "data"),
    Input(ids.TR_REMIND, "n_clicks"),
    State(ids.URL, "search"),
    State(ids.TR_PERIOD, "value"),
    prevent_initial_call=True,
)
def download_owing(n_clicks: int | None, search: str | None, chosen: int | None) -> Any:
    """The owing units of the period shown, with their accounts' e-mail addresses, as xlsx."""
    if not n_clicks or not policy.may(policy.REVIEW):
        return no_update
    period = _period(search, chosen)
    if period is None:
        return no_update
    owing = tracking.owing(period_table(search, period, None))
    return dcc.send_bytes(owing_workbook(owing, period), f"con_no_bao_cao_ky_{period.id}.xlsx")


@callback(
    Output(ids.TR_MAIL_RESULT, "children"),
    Input(ids.TR_MAIL, "n_clicks"),
    State(ids.URL, "search"),
    State(ids.TR_PERIOD, "value"),
    prevent_initial_call=True,
)
def mail_owing(n_clicks: int | None, search: str | None, chosen: int | None) -> Any:
    """A reminder by e-mail to each address of the owing units' accounts; the result line."""
    settings = context.settings()
    acc = context.account()
    if not n_clicks or acc is None or not policy.may(policy.REVIEW) or not settings.smtp_url:
        return no_update
    period = _period(search, chosen)
    if period is None:
        return no_update
    groups = mail.reminder_groups(tracking.owing(period_table(search, period, None)))
    result = mail.send_reminders(settings.smtp_url, settings.mail_from, groups, period)
    accounts_store.audit_now(
        context.engine(),
        acc.username,
        "reminder.sent",
        f"period:{period.id}",
        {
            "period": period.name,
            "sent": len(result.sent),
            "failed": len(result.failed),
            "no_email": len(result.no_email),
            "recipients": result.sent,
            "refused": [address for address, _ in result.failed],
            "error": result.error,
        },
    )
    return mail.summary(result)
