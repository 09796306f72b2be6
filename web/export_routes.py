"""Download routes: charts as PNG/PDF, the report as PDF/Word, the consolidated return and the
data as Excel. Each takes the dashboard's query parameters (as_of, scope, district, …)."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask, Response, current_app, request

from etl import service
from etl.measures.query import BadParameter, parse_view
from etl.storage import accounts
from reporting.charts import CHARTS, ChartContext, build_chart
from reporting.render import ChartRenderer, ExportUnavailable
from reporting.report import chart_context, consolidated_xlsx, data_xlsx, report_docx, report_pdf
from web import context

RENDERER_KEY = "tgbc_renderer"
MIME = {
    "png": "image/png",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def renderer() -> ChartRenderer:
    return current_app.extensions[RENDERER_KEY]


def _message(text: str, status: int) -> Response:
    page = (
        "<!doctype html><meta charset='utf-8'><title>Không xuất được</title>"
        f"<p style='font-family:sans-serif;max-width:40em'>{_escape(text)}</p>"
        "<p><a href='javascript:history.back()'>Quay lại</a></p>"
    )
    return Response(page, status=status, mimetype="text/html")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _context() -> ChartContext:
    view = parse_view(request.args.to_dict(flat=False))
    ds = context.dataset()
    summary, flt, as_of = service.view_summary(context.engine(), ds, view)
    return chart_context(ds, summary, flt, as_of, view.include_pending)


def _filename(stem: str, ctx: ChartContext, ext: str) -> str:
    scope = re.sub(r"[^a-z0-9]+", "_", _ascii(ctx.summary["scope"]).lower()).strip("_")
    return f"{stem}_{scope}_{ctx.as_of:%Y%m%d}.{ext}"


def _ascii(text: str) -> str:
    import unicodedata

    text = text.replace("đ", "d").replace("Đ", "D")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _send(content: bytes, ext: str, name: str, kind: str) -> Response:
    """The file as a download, written to the audit log."""
    acc = context.account()
    accounts.audit_now(
        context.engine(), acc.username if acc else "?", f"export.{kind}", name, dict(request.args)
    )
    response = Response(content, mimetype=MIME[ext])
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _guarded(build: Callable[[], Response]) -> Response:
    try:
        return build()
    except BadParameter as exc:
        return _message(str(exc), 400)
    except ExportUnavailable as exc:
        return _message(str(exc), 503)


def export_chart(chart_id: str, fmt: str) -> Response:
    if chart_id not in CHARTS or fmt not in ("png", "pdf"):
        return _message(f"Không có biểu đồ «{chart_id}.{fmt}» / unknown chart", 404)

    def build() -> Response:
        ctx = _context()
        spec = CHARTS[chart_id]
        content = renderer().render(
            build_chart(chart_id, ctx),
            fmt,
            width=spec.width_px,
            height=spec.height_px,
            scale=2 if fmt == "png" else 1,
        )
        return _send(content, fmt, _filename(chart_id, ctx, fmt), "chart")

    return _guarded(build)


def export_report(fmt: str) -> Response:
    def build() -> Response:
        ctx = _context()
        content = report_pdf(ctx, renderer()) if fmt == "pdf" else report_docx(ctx, renderer())
        return _send(content, fmt, _filename("bao_cao_tinh_gian", ctx, fmt), f"report.{fmt}")

    return _guarded(build)


def export_xlsx(kind: str) -> Response:
    def build() -> Response:
        ctx = _context()
        content = consolidated_xlsx(ctx) if kind == "tonghop" else data_xlsx(ctx)
        return _send(content, "xlsx", _filename(kind, ctx, "xlsx"), kind)

    return _guarded(build)


def register(server: Flask) -> None:
    """Add the export routes; the chart renderer is made here, once per process."""
    server.extensions[RENDERER_KEY] = ChartRenderer()
    server.add_url_rule("/export/chart/<chart_id>.<fmt>", "export_chart", export_chart)
    server.add_url_rule("/export/report.pdf", "export_report_pdf", lambda: export_report("pdf"))
    server.add_url_rule("/export/report.docx", "export_report_docx", lambda: export_report("docx"))
    server.add_url_rule("/export/tonghop.xlsx", "export_tonghop", lambda: export_xlsx("tonghop"))
    server.add_url_rule("/export/data.xlsx", "export_data", lambda: export_xlsx("data"))
