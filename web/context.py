"""What a callback needs from the running app: the engine, the cached dataset and the view.

Everything lives on the Flask app object (one per worker process), never in module globals.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app, g, has_request_context
from flask_login import current_user
from sqlalchemy import Engine

from etl import service
from etl.core.settings import Settings
from etl.measures.dataset import Dataset
from etl.measures.query import BadParameter, ResolvedView, View, parse_view
from etl.storage import accounts

ENGINE_KEY = "tgbc_engine"
CACHE_KEY = "tgbc_cache"
SETTINGS_KEY = "tgbc_settings"


def engine() -> Engine:
    return current_app.extensions[ENGINE_KEY]


def settings() -> Settings:
    return current_app.extensions[SETTINGS_KEY]


FIGURES_KEY = "tgbc_figures"  # on flask.g: the figures of the view this request resolved


def dataset(view: View | ResolvedView | str | Mapping[str, object] | None = None) -> Dataset:
    """The stored data as frames (rebuilt only when they change) with the figures the view
    asks for (a View, a resolved one, or the URL's query string or parameters): approved
    returns only, or (`include_unreviewed=1`) waiting ones too. Without a view: those of the
    view this request resolved last (`resolved_view`, `view_summary`), else the approved ones."""
    if isinstance(view, ResolvedView):
        view = view.asked
    elif view is not None and not isinstance(view, View):
        view = view_of(view)
    figures = view.figures if view is not None else g.get(FIGURES_KEY, "approved")
    return current_app.extensions[CACHE_KEY].get(engine(), figures=figures)


def account() -> accounts.Account | None:
    """The signed-in account of this request (None when nobody is, or outside a request)."""
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.account
    return None


def export_problem() -> str | None:
    """Why charts cannot be exported on this server (no Chromium), or None."""
    renderer = current_app.extensions.get("tgbc_renderer")
    return renderer.problem() if renderer is not None else None


def view_of(search: str | Mapping[str, object] | None) -> View:
    """The view in the URL's query string (or its parameters); an unreadable one falls back
    to the default."""
    try:
        return parse_view(search or "")
    except BadParameter:
        return View()


def view_problem(search: str | Mapping[str, object] | None) -> str | None:
    """Why the URL's view is not what the page shows (Vietnamese), or None: a parameter is
    refused (the default view is shown). A filter value that names nothing is the filter
    note's (`ResolvedView.notices`), which says what is shown instead: the other filters are
    kept, so «the whole city» would contradict the page."""
    try:
        parse_view(search or "")
    except BadParameter as exc:
        return f"{vietnamese(exc)}. Trang đang hiển thị số liệu mặc định."
    return None


def vietnamese(exc: Exception) -> str:
    """The Vietnamese half of a product message written `tiếng Việt / English` (a
    `BadParameter`, an `AccountError`); the English half is the last one."""
    return str(exc).rsplit(" / ", 1)[0]


def resolved_view(
    search: str | Mapping[str, object] | None, ds: Dataset | None = None
) -> ResolvedView:
    """The URL's view resolved against `ds` (default: `dataset(view)`, the figures it asks
    for), leniently: a filter value that names nothing is left out of the figures and listed
    in `unmatched`, which the shell shows as a notice (`ResolvedView.notices`). The figures
    it asks for become those `dataset()` gives for the rest of the request."""
    view = view_of(search)
    setattr(g, FIGURES_KEY, view.figures)
    ds = ds if ds is not None else dataset(view)
    return service.resolve_view(engine(), ds, view, lenient=True)


def view_summary(search: str | None) -> tuple[dict[str, Any], ResolvedView]:
    """(summary, resolved view) for the URL's view, as `resolved_view`, from the figures the
    view asks for."""
    ds = dataset(view_of(search))
    view = resolved_view(search, ds)
    return service.summary_of(ds, view), view


def forbidden(what: str = "Trang này dành cho lãnh đạo và Sở Nội vụ.") -> list[Any]:
    """What a page shows to an account that may not see it."""
    from dash import dcc, html

    from etl.core.vocabulary import Role

    acc = account()
    if acc is not None and acc.role in (Role.VIEWER, Role.REVIEWER, Role.ADMIN):
        back = dcc.Link("Về trang Tổng quan", href="/")
    elif acc is not None and acc.may("upload"):
        back = dcc.Link("Về trang Nộp báo cáo", href="/nop-bao-cao")
    else:
        back = html.A("Đăng nhập bằng tài khoản khác", href="/login")
    return [
        html.Div(
            [
                html.H2("Không có quyền xem trang này"),
                html.P(what),
                html.P([back, " · hoặc hỏi quản trị viên của Sở Nội vụ nếu cần được cấp quyền."]),
            ],
            className="notice",
            **{"data-testid": "forbidden"},
        )
    ]
