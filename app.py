"""The Dash app: builds the app and its shell; each page in pages/ owns its layout and callbacks.

Nothing is built at import time. `create_app(settings)` builds an app on a database whose
schema is current; what a start does once before it (migrate, the session secret, the first
admin, the job cache) is web/bootstrap.py's:

* `python app.py`: bootstrap, build, serve with Flask's server on HOST:PORT;
* gunicorn (`make serve`): `gunicorn -c gunicorn.conf.py 'app:create_server()'`, the master
  bootstraps once (gunicorn.conf.py), each worker calls `create_server()`;
* Celery (`make worker`): `celery -A app:celery_app worker` bootstraps and builds the app,
  which registers every background callback as a task of the worker.

Configuration comes from the environment through `etl.core.settings.Settings`; the engine and
the dataset cache live on the Flask app object, never in module globals, so the app runs as
several worker processes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import gc
import importlib
from pathlib import Path
from typing import Any

import dash
from dash import ALL, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate
from flask import Flask

from components import drill, grids, ids
from components.shell import (
    district_level_controls,
    filter_options,
    make_filter_notices,
    make_shell,
    make_unreviewed_note,
    programme_options,
)
from etl import service
from etl.core.clock import vn_today
from etl.core.settings import Settings, load_settings
from etl.measures.cache import DatasetCache
from etl.measures.query import View
from web import (
    api,
    auth,
    background,
    callback_check,
    context,
    export_routes,
    memory,
    policy,
    review_api,
    security,
    upload_api,
)
from web.bootstrap import bootstrap

ROOT = Path(__file__).resolve().parent


def create_app(settings: Settings) -> dash.Dash:
    """The app for `settings`, on a database whose schema is current (bootstrapped)."""
    server = Flask(__name__)
    # base64 in the upload callback makes the request about 4/3 of the file
    server.config["MAX_CONTENT_LENGTH"] = settings.max_upload_bytes * 3 // 2 + 1_000_000
    server.extensions[context.SETTINGS_KEY] = settings
    server.extensions[context.ENGINE_KEY] = service.open_engine(settings.database_url, settings)
    server.extensions[context.CACHE_KEY] = DatasetCache()
    auth.install(server, settings)
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
    policy.guard_pages(dash.page_registry)  # each page as its `access` allows
    app.layout = make_shell
    _register_shell_callbacks(app)
    grids.register_export_callbacks(app)  # «Tải Excel» under every grid
    api.register(server)
    export_routes.register(server)
    upload_api.register(server)
    review_api.register(server)
    # after Dash's own first-request setup, which fills the callback map it checks against
    callback_check.install(server, app.callback_map)
    # last: the security headers on every response, and the declared proxies (TRUSTED_PROXIES)
    security.install(app, settings)
    return app


def create_server() -> Flask:
    """A worker's app for gunicorn (`'app:create_server()'`), from the environment; the
    master bootstrapped before forking it (gunicorn.conf.py)."""
    memory.keep_freed_memory()  # before the dataset is built (web/memory.py)
    server = create_app(load_settings()).server
    _freeze()
    return server


def warm(server: Flask) -> None:
    """What the first visitor would otherwise wait for, done before the process serves: Dash's
    set-up of the process (one request: it registers the page callbacks and the page router on
    its first request), the dataset of the approved figures and the overview of the default
    view (its summary and charts, kept with the dataset). `python app.py` calls it before
    serving, gunicorn in each worker before it takes requests (gunicorn.conf.py). A failure
    only delays the work to the first request."""
    server.test_client().get("/login")
    try:
        # the module Dash's set-up above imported (it does not set it on the package)
        overview = importlib.import_module("pages.overview")
        with server.test_request_context("/"):
            overview.overview_of("")
    except Exception as exc:  # never keep the server from starting
        print(f"Chưa dựng sẵn được trang Tổng quan ({type(exc).__name__}); "
              "trang sẽ được dựng ở lượt xem đầu tiên.", flush=True)  # fmt: skip


def _freeze() -> None:
    """The objects made by the imports and the app live for the process: keep them out of
    every full garbage collection (measured: those passes caused 180-370 ms spikes at
    national size)."""
    gc.freeze()


def __getattr__(name: str) -> object:
    """`celery_app` for `celery -A app:celery_app worker`, built on first use."""
    if name != "celery_app":
        raise AttributeError(name)
    return _celery_app()


@functools.cache
def _celery_app() -> object:  # celery.Celery
    """Bootstrap and build the app (its background callbacks become the worker's tasks), then
    the Celery app on REDIS_URL."""
    settings = load_settings()
    if not settings.redis_url:
        raise RuntimeError(
            "Cần REDIS_URL (ví dụ redis://127.0.0.1:6379/0) để chạy Celery worker. "
            "/ REDIS_URL is not set."
        )
    bootstrap(settings)
    create_app(settings)
    _freeze()
    return background.celery_for(settings.redis_url)


def _register_shell_callbacks(app: dash.Dash) -> None:
    @app.callback(
        Output(ids.URL, "search"),
        Output(ids.F_AS_OF, "date"),
        Output(ids.F_DISTRICT, "value"),
        Output(ids.F_SECTOR, "value"),
        Output(ids.F_KIND, "value"),
        Output(ids.F_PROVINCE, "value"),
        Output(ids.F_PENDING, "value"),
        Output(ids.F_UNREVIEWED, "value"),
        Output(ids.F_DISTRICT, "options"),
        Output(ids.F_SECTOR, "options"),
        Output(ids.F_KIND, "options"),
        Output(ids.F_COMMUNE, "value"),
        Output(ids.F_COMMUNE, "options"),
        Output(ids.F_DISTRICT_LABEL, "children"),
        Output(ids.F_COMMUNE_BOX, "style"),
        Output(ids.F_PROVINCE, "options"),
        Input(ids.URL, "search"),
        Input(ids.F_AS_OF, "date"),
        Input(ids.F_DISTRICT, "value"),
        Input(ids.F_SECTOR, "value"),
        Input(ids.F_KIND, "value"),
        Input(ids.F_PROVINCE, "value"),
        Input(ids.F_PENDING, "value"),
        Input(ids.F_UNREVIEWED, "value"),
        Input(ids.F_RESET, "n_clicks"),
        Input(ids.F_COMMUNE, "value"),
    )
    def sync_filters(
        search: str | None,
        as_of: str | None,
        district: str | None,
        sector: str | None,
        kind: str | None,
        province: str | None,
        pending: list[str] | None,
        unreviewed: list[str] | None,
        _reset: int | None,
        commune: str | None = None,
    ) -> tuple[Any, ...]:
        """The URL holds the view: URL → controls on load, controls → URL on change. On load
        each filter value is shown as its option (`district=Cờ Đỏ` as «Huyện Cờ Đỏ»); a value
        that names nothing is offered as an option of its own, marked so, rather than dropped
        by the dropdown (the shell's notice says what is shown instead). The district filter
        is «Quận, huyện (cũ)» and the commune filter shown for cut-offs from the end of the
        district level (`shell.district_level_controls`)."""
        trigger = ctx.triggered_id
        if trigger == ids.F_RESET:
            return (
                "",
                None,
                None,
                None,
                None,
                None,
                ["pending"],
                [],
                *[no_update] * 3,
                None,
                *[no_update] * 4,
            )
        if trigger in (None, ids.URL):
            resolved = context.resolved_view(search)
            view = resolved.asked
            ds = context.dataset(view)
            options = filter_options(ds, resolved)
            label, box = district_level_controls(ds, resolved)
            return (
                no_update,
                view.as_of.isoformat() if view.as_of else None,
                view.district,
                view.sector,
                view.kind,
                view.province,
                ["pending"] if view.include_pending else [],
                ["unreviewed"] if view.include_unreviewed else [],
                options["district"],
                options["sector"],
                options["kind"],
                view.commune,
                options["commune"],
                label,
                box,
                options["province"],
            )
        current = context.view_of(search)
        view = View(
            as_of=_date_or_none(as_of),
            scope=current.scope,
            district=_text_or_none(district),
            sector=_text_or_none(sector),
            kind=_text_or_none(kind),
            province=_text_or_none(province),
            include_pending=_checked(pending, "pending"),
            include_unreviewed=_checked(unreviewed, "unreviewed"),
            commune=_text_or_none(commune),
            programme=current.programme,
        )
        return (view.to_query(), *[no_update] * 15)

    @app.callback(
        Output(ids.F_PROGRAMME, "value"),
        Output(ids.F_PROGRAMME, "options"),
        Input(ids.URL, "search"),
    )
    def show_programme(search: str | None) -> tuple[Any, ...]:
        """URL → the «Giai đoạn» dropdown: the programme asked for, among the stored ones
        (one that names nothing is offered, marked so; the notice says what is shown)."""
        if context.account() is None:
            return None, []
        resolved = context.resolved_view(search)
        options = programme_options(context.dataset(resolved.asked), resolved)
        return resolved.asked.programme, options

    @app.callback(
        Output(ids.URL, "search", allow_duplicate=True),
        Input(ids.F_PROGRAMME, "value"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def pick_programme(programme: str | None, search: str | None) -> Any:
        """«Giai đoạn» → the URL (the other filters kept)."""
        current = context.view_of(search)
        chosen = _text_or_none(programme)
        if chosen == current.programme:
            return no_update
        return dataclasses.replace(current, programme=chosen).to_query()

    @app.callback(Output(ids.F_UNREVIEWED_NOTE, "children"), Input(ids.URL, "search"))
    def unreviewed_note(search: str | None) -> list[Any]:
        """Every page says so while returns not yet approved count, and when the URL's view
        is refused (a bad parameter) or names nothing (the page then shows the default)."""
        return make_unreviewed_note(
            context.view_of(search).include_unreviewed, context.view_problem(search)
        )

    @app.callback(Output(ids.F_FILTER_NOTE, "children"), Input(ids.URL, "search"))
    def filter_note(search: str | None) -> list[Any]:
        """Every page says which filter value names nothing and what it shows instead."""
        if context.account() is None:
            return []
        return make_filter_notices(context.resolved_view(search))

    @app.callback(
        Output(ids.BREADCRUMBS, "children"),
        Input(ids.URL, "pathname"),
        Input(ids.URL, "search"),
    )
    def show_breadcrumbs(path: str | None, search: str | None) -> list[Any]:
        """The way back from a filtered view."""
        if not policy.may(policy.READ_ALL):
            return []
        return drill.breadcrumbs(path or "/", context.resolved_view(search).shown)

    @app.callback(
        Output(ids.URL, "href", allow_duplicate=True),
        Input({"type": drill.CHART, "chart": ALL}, "clickData"),
        State(ids.URL, "pathname"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def drill_into_chart(_clicks: list[Any], path: str | None, search: str | None) -> str:
        """A click on a chart's year or sector opens the view behind it."""
        trigger = ctx.triggered_id
        if not isinstance(trigger, dict) or not ctx.triggered or not policy.may(policy.READ_ALL):
            raise PreventUpdate
        click = ctx.triggered[0].get("value")
        target = drill.chart_target(
            str(trigger.get("chart")), click, path or "/", context.view_of(search), vn_today()
        )
        if target is None:
            raise PreventUpdate
        return target

    @app.callback(
        Output({"role": "nav", "path": ALL}, "href"),
        Input(ids.URL, "search"),
        State({"role": "nav", "path": ALL}, "id"),
    )
    def keep_view_in_links(search: str | None, link_ids: list[dict[str, str]]) -> list[str]:
        """Navigation keeps the current view."""
        return [
            f"{link['path']}{search or ''}"
            if isinstance(link, dict) and isinstance(link.get("path"), str)
            else no_update
            for link in link_ids or []
        ]


def _text_or_none(value: object) -> str | None:
    """A dropdown's value (text), or None for anything a dropdown does not send."""
    return value if isinstance(value, str) and value else None


def _checked(value: object, option: str) -> bool:
    """Whether a checklist's value (a list of options) has `option` ticked."""
    return isinstance(value, list) and option in value


def _date_or_none(value: str | None) -> dt.date | None:
    """The date picker's date (None: none, or not a date, which a picker does not send)."""
    try:
        return dt.date.fromisoformat(value[:10]) if isinstance(value, str) and value else None
    except ValueError:
        return None


def main() -> None:
    """`python app.py`: one process on HOST:PORT."""
    settings = load_settings()
    memory.keep_freed_memory()  # before the dataset is built (web/memory.py)
    bootstrap(settings)
    app = create_app(settings)
    warm(app.server)
    _freeze()
    print(f"Ứng dụng chạy tại http://{settings.host}:{settings.port}")
    app.run(host=settings.host, port=settings.port, debug=False)


if __name__ == "__main__":
    main()
