"""The Dash app: builds the app and its shell; each page in pages/ owns its layout and callbacks.

`server = app.server` for gunicorn. Configuration comes from the environment (DATABASE_URL,
HOST, PORT); the engine and the dataset cache live on the Flask app object, never in module
globals, so the app runs as several worker processes.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
from pathlib import Path
from typing import Any

import dash
from dash import ALL, Input, Output, State, ctx, no_update
from flask import Flask

from components import ids
from components.shell import make_shell
from etl import service
from etl.core.settings import Settings, load_settings
from etl.measures.cache import DatasetCache
from etl.measures.query import View
from etl.storage import accounts
from web import api, auth, background, context, export_routes, upload_api

ROOT = Path(__file__).resolve().parent


def create_app(settings: Settings | None = None) -> dash.Dash:
    """The app for `settings` (default: from the environment)."""
    settings = settings or load_settings()
    server = Flask(__name__)
    # base64 in the upload callback makes the request about 4/3 of the file
    server.config["MAX_CONTENT_LENGTH"] = settings.max_upload_bytes * 3 // 2 + 1_000_000
    server.extensions[context.SETTINGS_KEY] = settings
    server.extensions[context.ENGINE_KEY] = service.open_engine(settings.database_url, settings)
    server.extensions[context.CACHE_KEY] = DatasetCache()
    auth.install(server, settings)
    generated = accounts.ensure_admin(server.extensions[context.ENGINE_KEY], dict(os.environ))
    if generated:
        print(
            f"Đã tạo tài khoản quản trị «{os.environ.get('ADMIN_USER') or 'admin'}» với mật khẩu: "
            f"{generated}  (chỉ hiện một lần; đổi bằng: python -m etl user password …)",
            flush=True,
        )
    app = dash.Dash(
        __name__,
        server=server,
        use_pages=True,
        pages_folder=str(ROOT / "pages"),
        title="Tinh giản biên chế 2022 - 2026",
        update_title=None,
        suppress_callback_exceptions=True,
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
        # long work (checking uploads, building reports) runs as background jobs: Celery
        # workers when REDIS_URL is set, else subprocesses with a cache under DATA_DIR
        background_callback_manager=background.make_manager(settings),
    )
    app.layout = make_shell
    _register_shell_callbacks(app)
    api.register(server)
    export_routes.register(server)
    upload_api.register(server)
    background.install(server)
    return app


def _register_shell_callbacks(app: dash.Dash) -> None:
    @app.callback(
        Output(ids.URL, "search"),
        Output(ids.F_AS_OF, "date"),
        Output(ids.F_DISTRICT, "value"),
        Output(ids.F_SECTOR, "value"),
        Output(ids.F_KIND, "value"),
        Output(ids.F_PENDING, "value"),
        Input(ids.URL, "search"),
        Input(ids.F_AS_OF, "date"),
        Input(ids.F_DISTRICT, "value"),
        Input(ids.F_SECTOR, "value"),
        Input(ids.F_KIND, "value"),
        Input(ids.F_PENDING, "value"),
        Input(ids.F_RESET, "n_clicks"),
    )
    def sync_filters(
        search: str | None,
        as_of: str | None,
        district: str | None,
        sector: str | None,
        kind: str | None,
        pending: list[str] | None,
        _reset: int | None,
    ) -> tuple[Any, ...]:
        """The URL holds the view: URL → controls on load, controls → URL on change."""
        trigger = ctx.triggered_id
        if trigger == ids.F_RESET:
            return "", None, None, None, None, ["pending"]
        if trigger in (None, ids.URL):
            view = context.view_of(search)
            return (
                no_update,
                view.as_of.isoformat() if view.as_of else None,
                view.district,
                view.sector,
                view.kind,
                ["pending"] if view.include_pending else [],
            )
        current = context.view_of(search)
        view = View(
            as_of=_date_or_none(as_of),
            scope=current.scope,
            district=district,
            sector=sector,
            kind=kind,
            include_pending="pending" in (pending or []),
        )
        return view.to_query(), no_update, no_update, no_update, no_update, no_update

    @app.callback(
        Output({"role": "nav", "path": ALL}, "href"),
        Input(ids.URL, "search"),
        State({"role": "nav", "path": ALL}, "id"),
    )
    def keep_view_in_links(search: str | None, link_ids: list[dict[str, str]]) -> list[str]:
        """Navigation keeps the current view."""
        return [f"{link['path']}{search or ''}" for link in link_ids]


def _date_or_none(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value[:10]) if value else None


app = create_app()
server = app.server
# the objects made by the imports and the app live for the process: keep them out of every
# full garbage collection (measured: those passes caused 180-370 ms spikes at national size)
gc.freeze()

if __name__ == "__main__":
    cfg = load_settings()
    print(f"Ứng dụng chạy tại http://{cfg.host}:{cfg.port}")
    app.run(host=cfg.host, port=cfg.port, debug=False)
