"""Tổng quan: is the city on track for 2026?

The report PDF and the consolidated workbook of the view are also built here as background
jobs (web/background.py), with progress per chart and a cancel button; the plain
download links (/export/…) stay in the content.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from typing import Any

import dash
from dash import Input, Output, State, callback, ctx, dcc, html, no_update

from components import ids
from components.overview import (
    REPORT_DOWNLOAD,
    REPORT_PDF,
    REPORT_PROGRESS_PREFIX,
    REPORT_STATUS,
    REPORT_XLSX,
    make_overview,
    make_report_builder,
)
from etl import service
from etl.measures import tracking
from etl.measures.cache import load_dataset
from etl.measures.query import BadParameter, ResolvedView, View
from etl.storage.periods import Period
from reporting import exports
from reporting.charts import REPORT_CHARTS
from web import background, context, policy

dash.register_page(
    __name__,
    path="/",
    name="Tổng quan",
    title="Tổng quan — Tinh giản biên chế",
    order=0,
    access=policy.READ_ALL,
)
# the report jobs: leadership and the Department only, refused before they start
policy.protect_outputs(policy.READ_ALL, REPORT_DOWNLOAD, REPORT_STATUS)

Progress = Callable[[int, int, str], None]


def layout(**_query: str) -> html.Div:
    return html.Div(
        [
            make_report_builder(),
            dcc.Loading(html.Div(id=ids.OV_CONTENT), type="dot", delay_show=300),
        ]
    )


@callback(Output(ids.OV_CONTENT, "children"), Input(ids.URL, "search"))
def render_overview(search: str | None) -> list[Any]:
    if not policy.may(policy.READ_ALL):
        return context.forbidden()
    return overview_of(search)


def overview_of(search: str | None) -> list[Any]:
    """The overview of the URL's view (whoever may see it: `render_overview` checks); also
    what a start builds before serving (app.warm), so the first visitor finds it made."""
    summary, view = context.view_summary(search)
    return make_overview(
        context.dataset(search),
        summary,
        view,
        search or "",
        context.export_problem(),
        owing=owing_of_view(search, view),
    )


def owing_of_view(search: str | None, view: ResolvedView) -> tuple[Period, int] | None:
    """The period of the view's cut-off and how many units of the view's filter still owe it
    their return: the length of the tracker's list at `?ky=ID&trang_thai=owing` (the same
    function, on the approved figures, like the tracker)."""
    return tracking.owing_count_for_cut_off(
        context.engine(), context.dataset(View()), view.as_of, view.filter
    )


def build_file(
    job: background.Job, kind: str, search: str | None, progress: Progress
) -> tuple[Any, Any]:
    """The report PDF (`kind="pdf"`) or the consolidated workbook (`"xlsx"`) of the URL's view,
    as a dcc.Download value, and a line saying what was made. Runs inside the job; the file,
    its name and its audit entry come from reporting/exports.py."""
    steps = len(REPORT_CHARTS) + 2 if kind == "pdf" else 2
    progress(0, steps, "Đang đọc số liệu…")

    def building() -> None:
        if kind == "pdf":
            progress(steps - 1, steps, "Đang dựng tệp PDF…")
        else:
            progress(1, steps, "Đang ghi biểu tổng hợp…")

    engine = job.engine()
    renderer = drawing = None
    try:
        account = job.account(engine)
        if not policy.allows(account, policy.READ_ALL):
            return no_update, "Tài khoản này không có quyền xem số liệu này."
        ds = load_dataset(engine)
        query = dict(urllib.parse.parse_qsl((search or "").lstrip("?")))
        if kind == "pdf":
            renderer = background.job_renderer(job.renderer_address)
            total = len(REPORT_CHARTS)
            drawing = background.ProgressRenderer(
                renderer,
                lambda n, title: progress(n, steps, f"Đang vẽ biểu đồ {n}/{total}: {title}"),
            )

        def made_for(view: View) -> exports.Export:
            return exports.export(
                "report" if kind == "pdf" else "tonghop",
                kind,
                view,
                actor=account.username,
                engine=engine,
                dataset=ds,
                renderer=drawing,
                detail=query,
                building=building,
                settings=job.settings,
            )

        view = context.view_of(search)
        try:
            made = made_for(view)
        except BadParameter:  # a value that names nothing: what the page shows, as it says
            made = made_for(service.resolve_view(engine, ds, view, lenient=True).shown)
    finally:
        if renderer is not None:
            renderer.close()
        engine.dispose()
    return dcc.send_bytes(made.content, made.filename), f"Đã tạo {made.filename}."


@callback(
    Output(REPORT_DOWNLOAD, "data"),
    Output(REPORT_STATUS, "children"),
    Input(REPORT_PDF, "n_clicks"),
    Input(REPORT_XLSX, "n_clicks"),
    State(ids.URL, "search"),
    **background.progress_options(REPORT_PROGRESS_PREFIX, busy=[REPORT_PDF, REPORT_XLSX]),
    prevent_initial_call=True,
)
def build_in_background(
    set_progress: Callable[[tuple[int, int, str]], None],
    _pdf: int | None,
    _xlsx: int | None,
    search: str | None,
) -> tuple[Any, Any]:
    """The background job (web/policy.py refused it to accounts that may not read every
    figure before it started)."""
    kind = "xlsx" if ctx.triggered_id == REPORT_XLSX else "pdf"
    return build_file(
        background.current_job(),
        kind,
        search,
        lambda done, total, text: set_progress((done, total, text)),
    )
