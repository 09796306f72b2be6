"""What a callback needs from the running app: the engine, the cached dataset and the view.

Everything lives on the Flask app object (one per worker process), never in module globals.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app, has_request_context
from flask_login import current_user
from sqlalchemy import Engine

from etl import service
from etl.core.settings import Settings
from etl.measures.dataset import Dataset
from etl.measures.query import BadParameter, View, parse_view
from etl.measures.scoping import Filter
from etl.storage import accounts

ENGINE_KEY = "tgbc_engine"
CACHE_KEY = "tgbc_cache"
SETTINGS_KEY = "tgbc_settings"


def engine() -> Engine:
    return current_app.extensions[ENGINE_KEY]


def settings() -> Settings:
    return current_app.extensions[SETTINGS_KEY]


def dataset() -> Dataset:
    """The stored data as frames, rebuilt only after an accepted upload."""
    return current_app.extensions[CACHE_KEY].get(engine())


def account() -> accounts.Account | None:
    """The signed-in account of this request (None when nobody is, or outside a request)."""
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.account
    return None


def export_problem() -> str | None:
    """Why charts cannot be exported on this server (no Chromium), or None."""
    renderer = current_app.extensions.get("tgbc_renderer")
    return renderer.problem() if renderer is not None else None


def view_of(search: str | None) -> View:
    """The view in the URL's query string; an unreadable one falls back to the default."""
    try:
        return parse_view(search or "")
    except BadParameter:
        return View()


def view_summary(search: str | None) -> tuple[dict[str, Any], Filter, dt.date, View]:
    """(summary, filter, cut-off, view) for the URL's view."""
    view = view_of(search)
    ds = dataset()
    try:
        summary, flt, as_of = service.view_summary(engine(), ds, view)
    except BadParameter:
        view = View(as_of=view.as_of, include_pending=view.include_pending)
        summary, flt, as_of = service.view_summary(engine(), ds, view)
    return summary, flt, as_of, view


def forbidden(what: str = "Trang này dành cho lãnh đạo và Sở Nội vụ.") -> list[Any]:
    """What a page shows to an account that may not see it."""
    from dash import dcc, html

    return [
        html.Div(
            [
                html.Strong("Không có quyền xem. "),
                what,
                " ",
                dcc.Link("Nộp báo cáo", href="/nop-bao-cao"),
            ],
            className="notice",
            **{"data-testid": "forbidden"},
        )
    ]
