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
from etl.measures.query import BadParameter, View
from etl.storage import accounts
from reporting.charts import REPORT_CHARTS
from reporting.report import chart_context, consolidated_xlsx, gather_report
from web import background, context, policy
from web.export_routes import _filename

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


def build_file(
    job: background.Job, kind: str, search: str | None, progress: Progress
) -> tuple[Any, Any]:
    """The report PDF (`kind="pdf"`) or the consolidated workbook (`"xlsx"`) of the URL's view,
    as a dcc.Download value, and a line saying what was made. Runs inside the job."""
    steps = len(REPORT_CHARTS) + 2 if kind == "pdf" else 2
    progress(0, steps, "Đang đọc số liệu…")
    engine = job.engine()
    renderer = None
    try:
        account = job.account(engine)
        if not policy.allows(account, policy.READ_ALL):
            return no_update, "Tài khoản này không có quyền xem số liệu này."
        ds = service.load_dataset(engine)
        view = context.view_of(search)
        try:
            summary, flt, as_of = service.view_summary(engine, ds, view)
        except BadParameter:
            view = View(as_of=view.as_of, include_pending=view.include_pending)
            summary, flt, as_of = service.view_summary(engine, ds, view)
        chart_ctx = chart_context(ds, summary, flt, as_of, view.include_pending)
        if kind == "pdf":
            from reporting.report_pdf import build_report_pdf

            renderer = background.job_renderer()
            total = len(REPORT_CHARTS)
            data = gather_report(
                chart_ctx,
                background.ProgressRenderer(
                    renderer,
                    lambda n, title: progress(n, steps, f"Đang vẽ biểu đồ {n}/{total}: {title}"),
                ),
            )
            progress(steps - 1, steps, "Đang dựng tệp PDF…")
            content = build_report_pdf(data)
            name, action = _filename("bao_cao_tinh_gian", chart_ctx, "pdf"), "report.pdf"
        else:
            progress(1, steps, "Đang ghi biểu tổng hợp…")
            content = consolidated_xlsx(chart_ctx)
            name, action = _filename("tonghop", chart_ctx, "xlsx"), "tonghop"
        query = dict(urllib.parse.parse_qsl((search or "").lstrip("?")))
        accounts.audit_now(engine, account.username, f"export.{action}", name, query)
    finally:
        if renderer is not None:
            renderer.close()
        engine.dispose()
    return dcc.send_bytes(content, name), f"Đã tạo {name}."


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
